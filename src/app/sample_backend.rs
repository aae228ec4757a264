//! A fixed, in-memory queue backend with deterministic data: headless
//! snapshots and UI tests that must not depend on a store.

use super::backend::{BackendError, IssueRequest, QueueBackend, ServiceView, TicketView};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::sync::Mutex;

pub struct SampleBackend {
    services: Vec<ServiceView>,
    next: Mutex<u32>,
    now: DateTime<Utc>,
}

impl SampleBackend {
    pub fn new(cfg: &crate::config::Config, now: DateTime<Utc>) -> Self {
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
                note_vi: if i == 4 {
                    "Đã hết số hôm nay. Mở lại lúc 07:30 Thứ Hai".into()
                } else {
                    String::new()
                },
                note_en: if i == 4 {
                    "No numbers left today. Opens 07:30 Monday".into()
                } else {
                    String::new()
                },
            })
            .collect();
        Self { services, next: Mutex::new(23), now }
    }
}

impl QueueBackend for SampleBackend {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>> {
        Box::pin(async move { Ok(self.services.clone()) })
    }

    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<TicketView, BackendError>> {
        Box::pin(async move {
            let s = self
                .services
                .iter()
                .find(|s| s.code == req.service)
                .ok_or_else(|| BackendError::new("Không có dịch vụ này", "No such service"))?;
            let mut n = self.next.lock().expect("sample lock");
            let seq = *n;
            *n += 1;
            Ok(TicketView {
                number: format!("{}-{seq:03}", s.prefix),
                service_code: s.code.clone(),
                service_name_vi: s.name_vi.clone(),
                service_name_en: s.name_en.clone(),
                counters: s.counters.clone(),
                issued_at: self.now,
                people_ahead: s.waiting,
                wait_minutes: s.wait_minutes,
                tracking_url: format!("http://127.0.0.1:8700/t/SAMPLE{seq:05}"),
                offline: false,
                priority: req.priority,
            })
        })
    }
}
