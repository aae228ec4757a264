//! One method per endpoint of the centre API.

use super::{encode_component, ApiClient, LinkError, MAX_CATALOG_BYTES};
use crate::centre::api::*;
use reqwest::{Method, StatusCode};

impl ApiClient {
    /// `GET /api/v1/catalog` with the installed version as `If-None-Match`:
    /// `Ok(None)` when the centre has nothing newer, else the catalog JSON.
    pub async fn catalog(&self, installed_version: Option<&str>) -> Result<Option<Vec<u8>>, LinkError> {
        let mut rb = self.http.get(format!("{}/api/v1/catalog", self.base)).bearer_auth(&*self.token);
        if let Some(v) = installed_version {
            rb = rb.header(reqwest::header::IF_NONE_MATCH, format!("\"{v}\""));
        }
        let mut resp = rb.send().await.map_err(|e| LinkError::from_reqwest(&e))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(LinkError::Unauthorized);
        }
        if !status.is_success() {
            return Err(LinkError::BadResponse(format!("catalog: HTTP {status}")));
        }
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| LinkError::from_reqwest(&e))? {
            buf.extend_from_slice(&chunk);
            if buf.len() > MAX_CATALOG_BYTES {
                return Err(LinkError::BadResponse(format!("catalog larger than {MAX_CATALOG_BYTES} bytes")));
            }
        }
        Ok(Some(buf))
    }

    /// `POST /api/v1/provision`: redeems a one-time code (a client without
    /// a token). Not retried: a second try of a code that went through is
    /// refused as used.
    pub async fn provision(&self, req: &ProvisionRequest) -> Result<Provisioned, LinkError> {
        Ok(self.call(Method::POST, "/api/v1/provision", Some(req), false).await?.1)
    }

    pub async fn health(&self) -> Result<Health, LinkError> {
        self.get("/api/v1/health").await
    }

    pub async fn services(&self) -> Result<ServicesResponse, LinkError> {
        self.get("/api/v1/services").await
    }

    /// Issues (or replays) a ticket; `true` when the centre created it now.
    pub async fn issue_ticket_created(
        &self,
        req: &IssueTicketRequest,
    ) -> Result<(IssuedTicket, bool), LinkError> {
        let (status, t) = self.call(Method::POST, "/api/v1/tickets", Some(req), true).await?;
        Ok((t, status == StatusCode::CREATED))
    }

    pub async fn issue_ticket(&self, req: &IssueTicketRequest) -> Result<IssuedTicket, LinkError> {
        Ok(self.issue_ticket_created(req).await?.0)
    }

    pub async fn ticket(&self, tracking_code: &str) -> Result<TicketView, LinkError> {
        self.get(&format!("/api/v1/tickets/{tracking_code}")).await
    }

    /// A counter action. Not idempotent (a second call-next calls another
    /// ticket), so it is never retried here.
    pub async fn counter_action(
        &self,
        counter: u32,
        cmd: &CounterCommand,
    ) -> Result<CounterActionResponse, LinkError> {
        let path = format!("/api/v1/counters/{counter}/{}", cmd.path());
        let r = match cmd {
            CounterCommand::Pause { reason } => {
                self.call(Method::POST, &path, Some(&PauseRequest { reason: reason.clone() }), false).await?
            }
            _ => self.call::<_, ()>(Method::POST, &path, None, false).await?,
        };
        Ok(r.1)
    }

    pub async fn counters(&self) -> Result<CountersResponse, LinkError> {
        self.get("/api/v1/counters").await
    }

    pub async fn state(&self) -> Result<StateSnapshot, LinkError> {
        self.get("/api/v1/state").await
    }

    /// Heartbeats replace each other, so repeating one is harmless.
    pub async fn heartbeat(&self, kiosk_id: &str, req: &HeartbeatRequest) -> Result<HeartbeatAck, LinkError> {
        Ok(self.call(Method::POST, &format!("/api/v1/kiosks/{kiosk_id}/heartbeat"), Some(req), true).await?.1)
    }

    /// Asks for an officer at kiosk `kiosk_id`; `true` when the request is
    /// new, `false` when one was already open (both mean "someone is coming").
    /// Harmless to repeat (one open request per kiosk), so it is retried.
    pub async fn request_help(&self, kiosk_id: &str) -> Result<(HelpRequest, bool), LinkError> {
        let path = format!("/api/v1/kiosks/{}/help", encode_component(kiosk_id));
        let (status, r) = self.call::<_, ()>(Method::POST, &path, None, true).await?;
        Ok((r, status == StatusCode::CREATED))
    }

    /// The open help requests.
    pub async fn help_requests(&self) -> Result<HelpList, LinkError> {
        self.get("/api/v1/help").await
    }

    /// Acknowledges a help request.
    pub async fn resolve_help(&self, id: u64) -> Result<HelpRequest, LinkError> {
        Ok(self.call::<_, ()>(Method::POST, &format!("/api/v1/help/{id}/resolve"), None, true).await?.1)
    }

    pub async fn kiosks(&self) -> Result<KiosksResponse, LinkError> {
        self.get("/api/v1/kiosks").await
    }

    /// The fleet view (admin token).
    pub async fn devices(&self) -> Result<DevicesResponse, LinkError> {
        self.get("/api/v1/devices").await
    }

    /// A dossier's status; `malformed_code` and `dossier_not_found` come back as
    /// [`LinkError::Rejected`] with that code.
    pub async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        self.get(&format!("/api/v1/dossiers/{}", encode_component(code.trim()))).await
    }

    /// The ticket a citizen wants to rate.
    pub async fn rating_context(&self, q: &RatingContextQuery) -> Result<RatingContext, LinkError> {
        let mut params = Vec::new();
        if let Some(c) = &q.tracking_code {
            params.push(format!("tracking_code={}", encode_component(c)));
        }
        if let Some(n) = &q.number {
            params.push(format!("number={}", encode_component(n)));
        }
        if let Some(c) = &q.check_code {
            params.push(format!("check_code={}", encode_component(c)));
        }
        if let Some(d) = q.day {
            params.push(format!("day={d}"));
        }
        self.get(&format!("/api/v1/ratings/context?{}", params.join("&"))).await
    }

    /// Sends (or replays) a rating; `true` when the centre stored it now.
    /// Idempotent thanks to its key, so it is retried like a ticket.
    pub async fn rate_created(&self, req: &RatingRequest) -> Result<(RatingReceipt, bool), LinkError> {
        let (status, r) = self.call(Method::POST, "/api/v1/ratings", Some(req), true).await?;
        Ok((r, status == StatusCode::CREATED))
    }

    pub async fn rate(&self, req: &RatingRequest) -> Result<RatingReceipt, LinkError> {
        Ok(self.rate_created(req).await?.0)
    }

    /// The citizen's rating of the ticket just served at counter `n` (a
    /// counter device's token); `true` when the centre stored it now.
    pub async fn rate_at_counter(
        &self,
        n: u32,
        req: &CounterRatingRequest,
    ) -> Result<(RatingReceipt, bool), LinkError> {
        let (status, r) =
            self.call(Method::POST, &format!("/api/v1/counters/{n}/rating"), Some(req), true).await?;
        Ok((r, status == StatusCode::CREATED))
    }

    /// Rating tallies for officials (JSON).
    pub async fn rating_summary(
        &self,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
        group: SummaryGroup,
    ) -> Result<RatingSummary, LinkError> {
        let mut path = format!("/api/v1/ratings/summary?group={}", group.key());
        if let Some(f) = from {
            path.push_str(&format!("&from={f}"));
        }
        if let Some(t) = to {
            path.push_str(&format!("&to={t}"));
        }
        self.get(&path).await
    }
}
