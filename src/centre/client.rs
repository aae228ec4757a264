//! HTTP client of the centre API v1, for kiosks, displays and the counter CLI.
//!
//! * Short timeouts (`centre.connect_timeout_ms`, `centre.request_timeout_ms`):
//!   a kiosk must decide quickly to fall back to an offline number.
//! * Retries only where repeating is harmless: a request that failed on an open
//!   connection (say, a pooled connection the centre had just closed) is retried
//!   once when idempotent (GETs, heartbeats, ticket issue thanks to its key).
//!   A refused or timed-out connection is reported at once: a kiosk then falls
//!   back to an offline number without waiting twice.
//! * Responses over 1 MiB are refused, and every failure becomes a [`LinkError`]
//!   with a plain message for the screen.

use crate::centre::api::*;
use crate::centre::core::CentreError;
use crate::centre::sse::{SseError, SseParser};
use crate::config::Config;
use crate::domain::localtime::{time_on_day_en, time_on_day_vi};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// Largest response body accepted from the centre.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Silence on an event stream after which it is considered dead (the server
/// sends keep-alives every 15 s).
pub const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);

/// Why talking to the centre failed, in terms the kiosk can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("centre unreachable: {0}")]
    Unreachable(String),
    #[error("the centre did not answer in time")]
    Timeout,
    #[error("bad response from the centre: {0}")]
    BadResponse(String),
    #[error("the centre does not accept this device's token")]
    Unauthorized,
    #[error("the service is closed now")]
    Closed { next_open: Option<DateTime<Utc>> },
    #[error("no numbers left today for this service")]
    CapReached { next_open: Option<DateTime<Utc>> },
    #[error("unknown service")]
    UnknownService,
    #[error("the centre is unreachable and this kiosk's offline number range is used up")]
    OfflineRangeExhausted,
    #[error("the centre refused the request: {code} ({message})")]
    Rejected { status: u16, code: String, message: String },
    #[error("local storage failed: {0}")]
    Local(String),
}

fn when(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.map(time_on_day_vi)
}

fn when_en(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.map(time_on_day_en)
}

impl LinkError {
    /// Stable code (same vocabulary as the API's error codes where they overlap).
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::Unreachable(_) => "unreachable",
            LinkError::Timeout => "timeout",
            LinkError::BadResponse(_) => "bad_response",
            LinkError::Unauthorized => "unauthorized",
            LinkError::Closed { .. } => "closed",
            LinkError::CapReached { .. } => "cap_reached",
            LinkError::UnknownService => "unknown_service",
            LinkError::OfflineRangeExhausted => "offline_range_exhausted",
            LinkError::Rejected { .. } => "rejected",
            LinkError::Local(_) => "local_error",
        }
    }

    /// The centre could not be reached or could not answer: a kiosk falls back
    /// to an offline number.
    pub fn is_connectivity(&self) -> bool {
        match self {
            LinkError::Unreachable(_) | LinkError::Timeout => true,
            LinkError::Rejected { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A plain Vietnamese sentence for the citizen's screen.
    pub fn message_vi(&self) -> String {
        match self {
            LinkError::Unreachable(_) | LinkError::Rejected { status: 500.., .. } => {
                "Không kết nối được với trung tâm. Vui lòng thử lại hoặc liên hệ nhân viên.".into()
            }
            LinkError::Timeout => "Trung tâm phản hồi chậm. Vui lòng thử lại.".into(),
            LinkError::BadResponse(_) => "Trung tâm trả lời không hợp lệ. Vui lòng liên hệ nhân viên.".into(),
            LinkError::Unauthorized => {
                "Máy chưa được trung tâm cho phép. Vui lòng liên hệ nhân viên kỹ thuật.".into()
            }
            LinkError::Closed { next_open } => match when(next_open) {
                Some(w) => format!("Dịch vụ hiện chưa nhận số. Mời quay lại lúc {w}."),
                None => "Dịch vụ hiện chưa nhận số.".into(),
            },
            LinkError::CapReached { next_open } => match when(next_open) {
                Some(w) => format!("Đã hết số thứ tự hôm nay cho dịch vụ này. Mời quay lại lúc {w}."),
                None => "Đã hết số thứ tự hôm nay cho dịch vụ này.".into(),
            },
            LinkError::UnknownService => {
                "Dịch vụ này hiện không được cung cấp. Vui lòng chọn dịch vụ khác.".into()
            }
            LinkError::OfflineRangeExhausted => {
                "Máy đang mất kết nối và đã hết số dự phòng. Vui lòng liên hệ nhân viên.".into()
            }
            // The centre's own message is technical (and English): it goes to the log only.
            LinkError::Rejected { .. } => {
                "Trung tâm chưa xử lý được yêu cầu này. Mời bạn hỏi nhân viên tại bàn hướng dẫn.".into()
            }
            LinkError::Local(_) => "Máy đang gặp sự cố. Mời bạn hỏi nhân viên tại bàn hướng dẫn.".into(),
        }
    }

    /// The same in English.
    pub fn message_en(&self) -> String {
        match self {
            LinkError::Unreachable(_) | LinkError::Rejected { status: 500.., .. } => {
                "Cannot reach the centre. Please try again or ask a staff member.".into()
            }
            LinkError::Timeout => "The centre is answering slowly. Please try again.".into(),
            LinkError::BadResponse(_) => {
                "The centre sent an invalid answer. Please ask a staff member.".into()
            }
            LinkError::Unauthorized => {
                "This kiosk is not authorised by the centre. Please call technical staff.".into()
            }
            LinkError::Closed { next_open } => match when_en(next_open) {
                Some(w) => format!("This service is not taking numbers now. Please come back at {w}."),
                None => "This service is not taking numbers now.".into(),
            },
            LinkError::CapReached { next_open } => match when_en(next_open) {
                Some(w) => format!("No numbers left today for this service. Please come back at {w}."),
                None => "No numbers left today for this service.".into(),
            },
            LinkError::UnknownService => "This service is not offered now. Please choose another one.".into(),
            LinkError::OfflineRangeExhausted => {
                "The kiosk is offline and has used all its reserve numbers. Please ask a staff member.".into()
            }
            LinkError::Rejected { .. } => {
                "The centre could not handle this request. Please ask at the information desk.".into()
            }
            LinkError::Local(_) => "This kiosk has a problem. Please ask at the information desk.".into(),
        }
    }

    fn from_api(status: StatusCode, e: ApiError) -> LinkError {
        match (status, e.code.as_str()) {
            (StatusCode::UNAUTHORIZED, _) => LinkError::Unauthorized,
            (_, "service_closed") => LinkError::Closed { next_open: e.next_open },
            (_, "cap_reached") => LinkError::CapReached { next_open: e.next_open },
            (_, "unknown_service") => LinkError::UnknownService,
            _ => LinkError::Rejected { status: status.as_u16(), code: e.code, message: e.message },
        }
    }

    fn from_reqwest(e: &reqwest::Error) -> LinkError {
        if e.is_timeout() {
            LinkError::Timeout
        } else if e.is_decode() {
            LinkError::BadResponse(e.to_string())
        } else {
            // Connect failures, resets, broken pipes: the centre is not there for us.
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            LinkError::Unreachable(msg)
        }
    }
}

impl From<CentreError> for LinkError {
    /// For the built-in centre called in process.
    fn from(e: CentreError) -> Self {
        match e {
            CentreError::UnknownService(_) => LinkError::UnknownService,
            CentreError::Closed { next_open } => LinkError::Closed { next_open },
            CentreError::CapReached { next_open } => LinkError::CapReached { next_open },
            CentreError::Unavailable => LinkError::Unreachable("the built-in centre has stopped".into()),
            CentreError::Store(m) => LinkError::Local(m),
            other => LinkError::Rejected {
                status: other.status(),
                code: other.code().into(),
                message: other.to_string(),
            },
        }
    }
}

/// Largest catalog download a kiosk accepts (a provincial catalog is a few MB).
pub const MAX_CATALOG_BYTES: usize = 32 * 1024 * 1024;

/// A client of one centre. Cheap to clone (connection pools are shared).
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    stream_http: reqwest::Client,
    base: Arc<str>,
    token: Arc<str>,
}

impl ApiClient {
    /// `base_url` like `http://10.0.0.5:8700` (no trailing path).
    pub fn new(
        base_url: &str,
        token: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<ApiClient, LinkError> {
        let base = base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(LinkError::Local(format!("centre URL `{base_url}` is not http(s)")));
        }
        // The centre is on the local network: no proxy, small packets leave at once.
        let build = |total: Option<Duration>| {
            let b = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .tcp_nodelay(true)
                .no_proxy()
                .pool_idle_timeout(Duration::from_secs(30))
                .user_agent(concat!("motcua-kiosk/", env!("CARGO_PKG_VERSION")));
            match total {
                Some(t) => b.timeout(t),
                None => b.read_timeout(STREAM_READ_TIMEOUT),
            }
            .build()
            .map_err(|e| LinkError::Local(format!("cannot build the HTTP client: {e}")))
        };
        Ok(ApiClient {
            http: build(Some(request_timeout))?,
            stream_http: build(None)?,
            base: base.into(),
            token: token.into(),
        })
    }

    /// A client for `centre.url` with the configured token and timeouts.
    pub fn from_config(cfg: &Config) -> Result<ApiClient, LinkError> {
        Self::for_url(cfg, &cfg.centre.url)
    }

    /// A client for another URL with the config's token and timeouts.
    pub fn for_url(cfg: &Config, url: &str) -> Result<ApiClient, LinkError> {
        Self::new(
            url,
            &cfg.centre.token,
            Duration::from_millis(cfg.centre.connect_timeout_ms),
            Duration::from_millis(cfg.centre.request_timeout_ms),
        )
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn attempt<B: Serialize + ?Sized>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(StatusCode, Vec<u8>), reqwest::Error> {
        let mut rb =
            self.http.request(method.clone(), format!("{}{}", self.base, path)).bearer_auth(&*self.token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let mut resp = rb.send().await?;
        let status = resp.status();
        let mut buf = Vec::new();
        if resp.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Ok((status, vec![0; MAX_RESPONSE_BYTES + 1]));
        }
        while let Some(chunk) = resp.chunk().await? {
            buf.extend_from_slice(&chunk);
            if buf.len() > MAX_RESPONSE_BYTES {
                break;
            }
        }
        Ok((status, buf))
    }

    /// Sends a request; `idempotent` allows one retry after a failure on an open
    /// connection (the request may have reached the centre).
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<(StatusCode, T), LinkError> {
        let mut tries = 0;
        let (status, bytes) = loop {
            tries += 1;
            match self.attempt(&method, path, body).await {
                Ok(r) => break r,
                Err(e) => {
                    let retry =
                        tries == 1 && idempotent && e.is_request() && !e.is_connect() && !e.is_timeout();
                    if !retry {
                        return Err(LinkError::from_reqwest(&e));
                    }
                    tracing::debug!(error = %e, path, "retrying once");
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
        };
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(LinkError::BadResponse(format!("response larger than {MAX_RESPONSE_BYTES} bytes")));
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(e) => LinkError::from_api(status, e),
                Err(_) if status == StatusCode::UNAUTHORIZED => LinkError::Unauthorized,
                Err(_) if status.is_server_error() => LinkError::Rejected {
                    status: status.as_u16(),
                    code: "server_error".into(),
                    message: format!("HTTP {status}"),
                },
                Err(_) => LinkError::BadResponse(format!("HTTP {status} without an API error body")),
            });
        }
        let v = serde_json::from_slice(&bytes).map_err(|e| LinkError::BadResponse(format!("{path}: {e}")))?;
        Ok((status, v))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, LinkError> {
        Ok(self.call::<T, ()>(Method::GET, path, None, true).await?.1)
    }

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

    pub async fn kiosks(&self) -> Result<KiosksResponse, LinkError> {
        self.get("/api/v1/kiosks").await
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

    /// Opens the event stream, resuming after `last_event_id` when given.
    pub async fn events(&self, last_event_id: Option<u64>) -> Result<EventStream, LinkError> {
        let mut rb = self
            .stream_http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(&*self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let resp = rb.send().await.map_err(|e| LinkError::from_reqwest(&e))?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.bytes().await.unwrap_or_default();
            return Err(match serde_json::from_slice::<ApiError>(&body) {
                Ok(e) => LinkError::from_api(status, e),
                Err(_) if status == StatusCode::UNAUTHORIZED => LinkError::Unauthorized,
                Err(_) => LinkError::BadResponse(format!("HTTP {status}")),
            });
        }
        Ok(EventStream {
            resp,
            parser: SseParser::new(MAX_RESPONSE_BYTES),
            ready: VecDeque::new(),
            last_event_id,
        })
    }

    /// Follows the event stream forever: reconnects (0.5 s, doubling to 5 s)
    /// and resumes from the last id seen, so the receiver misses nothing. Ends
    /// when the receiver is dropped. A `Resync` item means: fetch `state()`.
    pub fn follow_events(&self, last_event_id: Option<u64>) -> tokio::sync::mpsc::Receiver<FeedItem> {
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let client = self.clone();
        tokio::spawn(async move {
            let mut last = last_event_id;
            let mut backoff = Duration::from_millis(500);
            loop {
                match client.events(last).await {
                    Ok(mut stream) => {
                        backoff = Duration::from_millis(500);
                        while let Some(item) = stream.next().await {
                            match item {
                                Ok(item) => {
                                    if let FeedItem::Event(ev) = &item {
                                        last = Some(ev.id);
                                    }
                                    if let FeedItem::Resync(r) = &item {
                                        last = Some(r.last_event_id);
                                    }
                                    if tx.send(item).await.is_err() {
                                        return;
                                    }
                                }
                                Err(e) => {
                                    tracing::info!(error = %e, "event stream broke; reconnecting");
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::info!(error = %e, "event stream unavailable; retrying"),
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
        rx
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (a path
/// segment or a query value).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An open event stream.
pub struct EventStream {
    resp: reqwest::Response,
    parser: SseParser,
    ready: VecDeque<FeedItem>,
    last_event_id: Option<u64>,
}

impl EventStream {
    /// The next event; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<FeedItem, LinkError>> {
        self.next_inner(None).await
    }

    /// The next event, or `Err(LinkError::Timeout)` when nothing at all (not
    /// even a keep-alive comment) arrived for `silence`: the connection is
    /// dead even if TCP has not noticed yet. `None` when the server closed it.
    pub async fn next_within(&mut self, silence: Duration) -> Option<Result<FeedItem, LinkError>> {
        self.next_inner(Some(silence)).await
    }

    async fn next_inner(&mut self, silence: Option<Duration>) -> Option<Result<FeedItem, LinkError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            let chunk = match silence {
                Some(d) => match tokio::time::timeout(d, self.resp.chunk()).await {
                    Ok(r) => r,
                    Err(_) => return Some(Err(LinkError::Timeout)),
                },
                None => self.resp.chunk().await,
            };
            let chunk = match chunk {
                Ok(Some(c)) => c,
                Ok(None) => return None,
                Err(e) => return Some(Err(LinkError::from_reqwest(&e))),
            };
            let msgs = match self.parser.push(&chunk) {
                Ok(m) => m,
                Err(e @ (SseError::TooLarge(_) | SseError::NotUtf8)) => {
                    return Some(Err(LinkError::BadResponse(e.to_string())))
                }
            };
            for m in msgs {
                match m.event.as_str() {
                    "resync" => match serde_json::from_str::<ResyncData>(&m.data) {
                        Ok(r) => self.ready.push_back(FeedItem::Resync(r)),
                        Err(e) => return Some(Err(LinkError::BadResponse(format!("resync event: {e}")))),
                    },
                    _ => match serde_json::from_str::<CentreEvent>(&m.data) {
                        Ok(ev) => {
                            self.last_event_id = Some(ev.id);
                            self.ready.push_back(FeedItem::Event(Arc::new(ev)));
                        }
                        // An event kind from a newer centre: skip it, keep the stream.
                        Err(e) => tracing::debug!(event = %m.event, error = %e, "skipping an unknown event"),
                    },
                }
            }
        }
    }

    /// Id of the last event received (resume from it).
    pub fn last_event_id(&self) -> Option<u64> {
        self.last_event_id
    }

    /// Keep-alive comments received so far.
    pub fn keep_alives(&self) -> u64 {
        self.parser.comments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_link_errors() {
        let e = |code: &str| ApiError { code: code.into(), message: "m".into(), next_open: None };
        assert_eq!(LinkError::from_api(StatusCode::UNAUTHORIZED, e("unauthorized")), LinkError::Unauthorized);
        assert_eq!(
            LinkError::from_api(StatusCode::CONFLICT, e("service_closed")),
            LinkError::Closed { next_open: None }
        );
        assert_eq!(
            LinkError::from_api(StatusCode::CONFLICT, e("cap_reached")),
            LinkError::CapReached { next_open: None }
        );
        assert_eq!(
            LinkError::from_api(StatusCode::BAD_REQUEST, e("unknown_service")),
            LinkError::UnknownService
        );
        let r = LinkError::from_api(StatusCode::SERVICE_UNAVAILABLE, e("unavailable"));
        assert!(r.is_connectivity(), "5xx makes a kiosk fall back to offline numbers");
        assert!(!LinkError::UnknownService.is_connectivity());
    }

    #[test]
    fn screen_messages_are_plain_and_name_the_reopening_time() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 3, 0, 30, 0).unwrap();
        let m = LinkError::Closed { next_open: Some(t) }.message_vi();
        assert!(m.contains("07:30 ngày 03/03/2026"), "{m}");
        assert!(LinkError::Unreachable("x".into()).message_vi().starts_with("Không kết nối"));
        assert!(LinkError::Timeout.message_en().contains("slowly"));
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("000.00.06.H56-231027-0361"), "000.00.06.H56-231027-0361");
        assert_eq!(encode_component("a/b c?ễ"), "a%2Fb%20c%3F%E1%BB%85");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let d = Duration::from_millis(100);
        assert!(ApiClient::new("ftp://x", "t", d, d).is_err());
        assert_eq!(
            ApiClient::new("http://127.0.0.1:1/", "t", d, d).unwrap().base_url(),
            "http://127.0.0.1:1"
        );
    }
}
