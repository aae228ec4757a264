//! The kiosk screens on the real centre link: the built-in centre in this
//! process, or the central backend with offline numbers and the outbox.

use super::backend::{BackendError, IssueRequest, QueueBackend, ServiceView, TicketView};
use crate::centre::api::{CitizenInfo, ServiceInfo};
use crate::centre::link::{KioskLink, LinkMode, TicketRequest};
use crate::domain::localtime::to_local;
use crate::domain::queue_rules::Availability;
use futures_util::future::BoxFuture;

pub struct LinkBackend {
    pub link: KioskLink,
}

fn note(a: &Availability) -> (String, String) {
    let at = |t: &Option<chrono::DateTime<chrono::Utc>>, vi: bool| {
        t.map(|t| {
            let l = to_local(t);
            if vi {
                l.format(" Mở lại lúc %H:%M ngày %d/%m.").to_string()
            } else {
                l.format(" Opens again at %H:%M on %d/%m.").to_string()
            }
        })
        .unwrap_or_default()
    };
    match a {
        Availability::Open => (String::new(), String::new()),
        Availability::Closed { next_open } => (
            format!("Ngoài giờ làm việc.{}", at(next_open, true)),
            format!("Closed now.{}", at(next_open, false)),
        ),
        Availability::CapReached { next_open } => (
            format!("Đã hết số hôm nay.{}", at(next_open, true)),
            format!("No numbers left today.{}", at(next_open, false)),
        ),
    }
}

fn service_view(s: &ServiceInfo) -> ServiceView {
    let (note_vi, note_en) = note(&s.availability);
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
    }
}

fn error(e: crate::centre::client::LinkError) -> BackendError {
    BackendError::new(e.message_vi(), e.message_en())
}

impl QueueBackend for LinkBackend {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>> {
        Box::pin(
            async move { Ok(self.link.services().await.map_err(error)?.iter().map(service_view).collect()) },
        )
    }

    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<TicketView, BackendError>> {
        Box::pin(async move {
            let mut r = TicketRequest::new(req.service.clone());
            if let Some(p) = req.priority {
                r = r.with_priority(p);
            }
            if let Some(c) = &req.citizen {
                let birth = chrono::NaiveDate::parse_from_str(&c.birth_date, "%d/%m/%Y")
                    .map_err(|_| BackendError::new("Ngày sinh không hợp lệ", "Invalid birth date"))?;
                r = r.with_citizen(CitizenInfo {
                    id_number: c.id_number.clone(),
                    full_name: c.full_name.clone(),
                    birth_date: birth,
                });
            }
            let t = self.link.issue_ticket(&r).await.map_err(error)?;
            Ok(TicketView {
                number: t.number,
                service_code: t.service,
                service_name_vi: t.service_name_vi,
                service_name_en: t.service_name_en,
                counters: t.counters,
                issued_at: t.issued_at,
                people_ahead: t.people_ahead,
                wait_minutes: t.estimated_wait_minutes,
                tracking_url: t.tracking_url,
                offline: t.offline,
                priority: t.priority,
            })
        })
    }

    fn online(&self) -> bool {
        self.link.status().mode != LinkMode::Offline
    }
}
