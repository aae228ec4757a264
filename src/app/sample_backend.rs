//! A fixed, in-memory queue backend with deterministic data: headless
//! snapshots and UI tests that must not depend on a store.

use super::backend::{
    availability_note, BackendError, DossierDetails, DossierLookupError, IssueRequest, IssuedTicket,
    QueueBackend, RatingContextView, RatingError, RatingTicket, RatingVote, ServiceView, VoteOutcome,
};
use crate::centre::api::DossierRecord;
use crate::domain::dossier::WorkCalendar;
use crate::domain::localtime::{day_start_utc, service_day};
use crate::domain::queue_rules::Availability;
use crate::domain::scan::DossierCode;
use crate::domain::ticket::{TicketNumber, TicketStatus};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::collections::HashSet;
use std::sync::Mutex;

/// The counter and officer every sample ticket was served by.
pub const SAMPLE_COUNTER: u32 = 2;
pub const SAMPLE_OFFICER: &str = "Trần Thị B.";
/// The number a scanned sample ticket has.
pub const SAMPLE_TICKET: &str = "A-023";

pub struct SampleBackend {
    services: Vec<ServiceView>,
    next: Mutex<u32>,
    now: DateTime<Utc>,
    calendar: WorkCalendar,
    dossiers: Vec<DossierRecord>,
    rated: Mutex<HashSet<String>>,
    /// Help requests made (the first is new, the others find it open).
    help_calls: Mutex<u32>,
}

impl SampleBackend {
    pub fn new(cfg: &crate::config::Config, now: DateTime<Utc>) -> Self {
        // The fifth service is out of numbers until 07:30 the next morning.
        let monday =
            day_start_utc(service_day(now) + chrono::Days::new(1)) + chrono::Duration::minutes(7 * 60 + 30);
        let (full_vi, full_en) = availability_note(&Availability::CapReached { next_open: Some(monday) });
        let services = cfg
            .queue
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceView {
                code: s.code.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                prefix: s.prefix.clone(),
                counters: s.counters.clone(),
                waiting: (i as u32 * 3 + 2) % 9,
                wait_minutes: ((i as u32 * 3 + 2) % 9) * 6,
                available: i != 4,
                note_vi: if i == 4 { full_vi.clone() } else { String::new() },
                note_en: if i == 4 { full_en.clone() } else { String::new() },
                live: true,
            })
            .collect();
        let calendar = cfg.dossier.calendar();
        let dossiers = crate::centre::core::sample_records(&calendar, service_day(now));
        Self {
            services,
            next: Mutex::new(23),
            now,
            calendar,
            dossiers,
            rated: Mutex::new(HashSet::new()),
            help_calls: Mutex::new(0),
        }
    }

    /// Marks service `code` as closed or out of numbers (snapshots of those states).
    pub fn with_availability(mut self, code: &str, a: Availability) -> Self {
        let (vi, en) = availability_note(&a);
        for s in self.services.iter_mut().filter(|s| s.code == code) {
            s.available = a.is_open();
            s.note_vi = vi.clone();
            s.note_en = en.clone();
        }
        self
    }

    /// The sample dossiers (the built-in centre's samples, dated relative to `now`).
    pub fn dossier_records(&self) -> &[DossierRecord] {
        &self.dossiers
    }

    fn ticket_key(t: &Option<RatingTicket>) -> Option<String> {
        match t {
            None => None,
            Some(RatingTicket::Tracking(c)) => Some(format!("t:{c}")),
            Some(RatingTicket::Number { number, day, .. }) => Some(format!(
                "n:{day}:{}",
                TicketNumber::parse(number).map(|n| n.to_string()).unwrap_or_default()
            )),
        }
    }
}

impl QueueBackend for SampleBackend {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>> {
        Box::pin(async move { Ok(self.services.clone()) })
    }

    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<IssuedTicket, BackendError>> {
        Box::pin(async move {
            let s = self
                .services
                .iter()
                .find(|s| s.code == req.service)
                .ok_or_else(|| BackendError::new("Không có dịch vụ này", "No such service"))?;
            let mut n = self.next.lock().expect("sample lock");
            let seq = *n;
            *n += 1;
            Ok(IssuedTicket {
                number: format!("{}-{seq:03}", s.prefix),
                service_code: s.code.clone(),
                service_name_vi: s.name_vi.clone(),
                service_name_en: s.name_en.clone(),
                counters: s.counters.clone(),
                issued_at: self.now,
                people_ahead: s.waiting,
                wait_minutes: s.wait_minutes,
                tracking_url: format!("http://127.0.0.1:8700/t/SAMPLE{seq:05}"),
                check_code: crate::centre::api::check_code(&format!("SAMPLE{seq:05}")),
                offline: false,
                priority: req.priority,
            })
        })
    }

    fn dossier(&self, code: String) -> BoxFuture<'_, Result<DossierDetails, DossierLookupError>> {
        Box::pin(async move {
            let code = DossierCode::parse(&code).ok_or(DossierLookupError::Malformed)?;
            let record =
                self.dossiers.iter().find(|r| r.code == code.as_str()).ok_or(DossierLookupError::NotFound)?;
            let view = crate::centre::core::record_view(record, &self.calendar, service_day(self.now))
                .map_err(|e| {
                    tracing::warn!("sample dossier {}: {e}", record.code);
                    DossierLookupError::Unreachable
                })?;
            Ok(super::link_backend::dossier_details(view))
        })
    }

    fn rating_context(&self, ticket: RatingTicket) -> BoxFuture<'_, Result<RatingContextView, RatingError>> {
        Box::pin(async move {
            let number = match &ticket {
                RatingTicket::Tracking(_) => SAMPLE_TICKET.to_string(),
                RatingTicket::Number { number, .. } => {
                    TicketNumber::parse(number).ok_or(RatingError::NotFound)?.to_string()
                }
            };
            let key = Self::ticket_key(&Some(ticket));
            let already = key.is_some_and(|k| self.rated.lock().expect("sample lock").contains(&k));
            Ok(RatingContextView {
                ticket_number: Some(number),
                counter: Some(SAMPLE_COUNTER),
                officer: Some(SAMPLE_OFFICER.into()),
                status: Some(TicketStatus::Served),
                can_rate: true,
                already_rated: already,
                offline: false,
            })
        })
    }

    fn request_help(&self) -> BoxFuture<'_, Result<bool, BackendError>> {
        Box::pin(async move {
            let mut n = self.help_calls.lock().expect("sample lock");
            *n += 1;
            Ok(*n == 1)
        })
    }

    fn rate(&self, vote: RatingVote) -> BoxFuture<'_, Result<VoteOutcome, RatingError>> {
        Box::pin(async move {
            let Some(key) = Self::ticket_key(&vote.ticket) else {
                return Ok(VoteOutcome::Thanks { queued: false });
            };
            if self.rated.lock().expect("sample lock").insert(key) {
                Ok(VoteOutcome::Thanks { queued: false })
            } else {
                Ok(VoteOutcome::AlreadyRated)
            }
        })
    }
}
