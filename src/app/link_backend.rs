//! The kiosk screens on the real centre link: the built-in centre in this
//! process, or the central backend with offline numbers and the outbox.

use super::backend::{
    availability_note, BackendError, DossierDetails, DossierLookupError, DossierStep, IssueRequest,
    IssuedTicket, Issuing, QueueBackend, RatingContextView, RatingError, RatingTicket, RatingVote,
    ServiceView, VoteOutcome,
};
use crate::centre::api::{check_code, CitizenInfo, ServiceInfo};
use crate::centre::client::LinkError;
use crate::centre::link::{
    KioskLink, LinkMode, RatingLookup, RatingResult, RatingSubmission, TicketRef, TicketRequest,
};
use futures_util::future::BoxFuture;

pub struct LinkBackend {
    pub link: KioskLink,
}

fn service_view(s: &ServiceInfo, live: bool) -> ServiceView {
    let (note_vi, note_en) = availability_note(&s.availability);
    ServiceView {
        code: s.code.clone(),
        name_vi: s.name_vi.clone(),
        name_en: s.name_en.clone(),
        prefix: s.prefix.clone(),
        counters: s.counters.clone(),
        waiting: s.waiting,
        wait_minutes: s.estimated_wait_minutes,
        available: s.availability.is_open(),
        note_vi,
        note_en,
        live,
    }
}

/// The citizen's plain sentence; the technical detail goes to the log.
fn error(e: LinkError) -> BackendError {
    tracing::warn!(error = %e, code = e.code(), "centre request failed");
    BackendError::new(e.message_vi(), e.message_en())
}

fn dossier_error(e: LinkError) -> DossierLookupError {
    match &e {
        LinkError::Rejected { code, .. } if code == "malformed_code" => DossierLookupError::Malformed,
        LinkError::Rejected { code, .. } if code == "dossier_not_found" => DossierLookupError::NotFound,
        LinkError::Timeout => DossierLookupError::Timeout,
        e if e.is_connectivity() => DossierLookupError::Unreachable,
        _ => DossierLookupError::Failed(error(e)),
    }
}

fn rating_error(e: LinkError) -> RatingError {
    match &e {
        LinkError::Rejected { code, .. } => match code.as_str() {
            "ticket_not_found" => RatingError::NotFound,
            "ambiguous_ticket" => RatingError::Ambiguous,
            "ticket_not_served" => RatingError::NotServed,
            "anonymous_not_allowed" => RatingError::AnonymousNotAllowed,
            _ => RatingError::Failed(error(e)),
        },
        _ => RatingError::Failed(error(e)),
    }
}

fn ticket_ref(t: RatingTicket) -> TicketRef {
    match t {
        RatingTicket::Tracking(c) => TicketRef::Tracking(c),
        RatingTicket::Number { number, check_code, day } => TicketRef::Number { number, check_code, day },
    }
}

/// The centre's dossier as the kiosk shows it.
pub fn dossier_details(d: crate::centre::api::DossierView) -> DossierDetails {
    DossierDetails {
        code: d.code,
        procedure_vi: d.procedure_name_vi,
        procedure_en: d.procedure_name_en,
        applicant: d.applicant,
        received_at: d.received_at,
        appointment: d.appointment,
        status_code: d.status.code,
        status_vi: d.status.label_vi,
        status_en: d.status.label_en,
        overdue: d.deadline.overdue,
        paused: d.deadline.paused,
        deadline_vi: d.deadline.note_vi,
        deadline_en: d.deadline.note_en,
        next_step_vi: d.next_step.text_vi,
        next_step_en: d.next_step.text_en,
        history: d
            .history
            .into_iter()
            .map(|h| DossierStep { at: h.at, agency: h.agency, action: h.action })
            .collect(),
    }
}

impl QueueBackend for LinkBackend {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>> {
        Box::pin(async move {
            let services = self.link.services().await.map_err(error)?;
            // Figures are live only when the centre answered this very request.
            let live = self.link.status().mode != LinkMode::Offline;
            Ok(services.iter().map(|s| service_view(s, live)).collect())
        })
    }

    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<IssuedTicket, BackendError>> {
        Box::pin(async move {
            let mut r = TicketRequest::new(req.service.clone());
            if let Some(p) = req.priority {
                r = r.with_priority(p);
            }
            if let Some(c) = &req.citizen {
                let birth = crate::domain::localtime::parse_date(&c.birth_date)
                    .ok_or_else(|| BackendError::new("Ngày sinh không hợp lệ", "Invalid birth date"))?;
                r = r.with_citizen(CitizenInfo {
                    id_number: c.id_number.clone(),
                    full_name: c.full_name.clone(),
                    birth_date: birth,
                });
            }
            let t = self.link.issue_ticket(&r).await.map_err(error)?;
            Ok(IssuedTicket {
                number: t.number,
                service_code: t.service,
                service_name_vi: t.service_name_vi,
                service_name_en: t.service_name_en,
                counters: t.counters,
                issued_at: t.issued_at,
                people_ahead: t.people_ahead,
                wait_minutes: t.estimated_wait_minutes,
                // A centre older than check codes leaves it empty: it is derived anyway.
                check_code: if t.check_code.is_empty() { check_code(&t.tracking_code) } else { t.check_code },
                tracking_url: t.tracking_url,
                offline: t.offline,
                priority: t.priority,
            })
        })
    }

    fn dossier(&self, code: String) -> BoxFuture<'_, Result<DossierDetails, DossierLookupError>> {
        Box::pin(async move { self.link.dossier(&code).await.map(dossier_details).map_err(dossier_error) })
    }

    fn rating_context(&self, ticket: RatingTicket) -> BoxFuture<'_, Result<RatingContextView, RatingError>> {
        Box::pin(async move {
            let typed = match &ticket {
                RatingTicket::Number { number, .. } => Some(number.clone()),
                RatingTicket::Tracking(_) => None,
            };
            match self.link.rating_context(&ticket_ref(ticket)).await.map_err(rating_error)? {
                RatingLookup::Found(c) => Ok(RatingContextView {
                    ticket_number: Some(c.ticket_number),
                    counter: c.counter,
                    officer: c.officer,
                    status: Some(c.status),
                    can_rate: c.can_rate,
                    already_rated: c.already_rated,
                    offline: false,
                }),
                RatingLookup::Offline { already_queued } => Ok(RatingContextView {
                    ticket_number: typed,
                    counter: None,
                    officer: None,
                    status: None,
                    can_rate: true,
                    already_rated: already_queued,
                    offline: true,
                }),
            }
        })
    }

    fn rate(&self, vote: RatingVote) -> BoxFuture<'_, Result<VoteOutcome, RatingError>> {
        Box::pin(async move {
            let mut sub = RatingSubmission::new(vote.ticket.map(ticket_ref), vote.level);
            if let Some(ix) = vote.indices {
                sub = sub.with_indices(ix);
            }
            match self.link.rate(&sub).await.map_err(rating_error)? {
                RatingResult::Recorded { queued, .. } => Ok(VoteOutcome::Thanks { queued }),
                RatingResult::AlreadyRated => Ok(VoteOutcome::AlreadyRated),
            }
        })
    }

    fn request_help(&self) -> BoxFuture<'_, Result<bool, BackendError>> {
        Box::pin(async move { self.link.request_help().await.map(|(_, created)| created).map_err(error) })
    }

    fn online(&self) -> bool {
        self.link.status().mode != LinkMode::Offline
    }

    fn issuing(&self) -> Issuing {
        if !self.link.has_services() {
            Issuing::Unavailable
        } else if self.online() {
            Issuing::Normal
        } else {
            Issuing::Offline
        }
    }
}
