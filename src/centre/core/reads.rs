//! The read side: queries run on a small pool of read connections (WAL
//! snapshots) on the blocking thread pool, never waiting for the writer.

use super::views::{counter_view, service_info, ticket_view};
use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::localtime::service_day;
use crate::store::queue as q;
use crate::store::{events, kiosks};
use crate::store::{from_ms, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

/// Idle read connections kept open.
const READER_POOL: usize = 8;
/// Recent calls in the state snapshot.
const RECENT_CALLS: usize = 20;
/// A kiosk whose last heartbeat is older than this is shown offline.
const KIOSK_ONLINE_SECS: i64 = 90;

impl Centre {
    /// Runs `f` on a read connection (a WAL snapshot) on the blocking pool.
    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Setup, NaiveDate, DateTime<Utc>) -> Result<T, CentreError> + Send + 'static,
    ) -> Result<T, CentreError> {
        let readers = self.engine.readers.clone();
        let path = self.engine.path.clone();
        let setup = self.engine.setup.clone();
        let now = self.engine.clock.now();
        tokio::task::spawn_blocking(move || {
            let taken = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let store = match taken {
                Some(s) => s,
                None => Store::open(&path)?,
            };
            let r = f(store.conn(), &setup, service_day(now), now);
            let mut pool = readers.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < READER_POOL {
                pool.push(store);
            }
            r
        })
        .await
        .map_err(|e| CentreError::Internal(format!("read task failed: {e}")))?
    }

    /// Services with live figures (waiting, issued today, availability, forecast).
    pub async fn services(&self) -> Result<ServicesResponse, CentreError> {
        self.read(|c, setup, today, now| {
            let services = setup
                .services
                .iter()
                .map(|s| service_info(c, setup, s, today, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ServicesResponse {
                services,
                always_open: setup.always_open,
                service_day: today,
                server_time: now,
                tracking_base_url: setup.tracking_base_url.clone(),
            })
        })
        .await
    }

    pub async fn health(&self) -> Health {
        let now = self.now();
        Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            server_time: now,
            service_day: service_day(now),
        }
    }

    /// What keeps the centre from working, as `(code, sentence)`: the writer
    /// thread has stopped, or the data directory cannot be written (a full or
    /// read-only disk, a directory replaced): `/health` answers 503 then.
    pub async fn health_problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.writer_alive() {
            out.push((
                "writer_dead",
                "the writer thread has stopped: nothing can be saved; restart the centre".into(),
            ));
        }
        let dir = match self.engine.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let shown = dir.display().to_string();
        let probe = tokio::task::spawn_blocking(move || {
            let f = dir.join(format!(".health-probe-{}", std::process::id()));
            std::fs::write(&f, b"ok").and_then(|()| std::fs::remove_file(&f))
        })
        .await;
        match probe {
            Ok(Ok(())) => {}
            Ok(Err(e)) => out
                .push(("data_dir_not_writable", format!("the data directory {shown} is not writable: {e}"))),
            Err(e) => out.push(("data_dir_not_writable", format!("the data directory check failed: {e}"))),
        }
        out
    }

    /// The public view of a ticket.
    pub async fn ticket(&self, tracking_code: &str) -> Result<TicketView, CentreError> {
        if !is_tracking_code(tracking_code) {
            return Err(CentreError::TicketNotFound);
        }
        let code = tracking_code.to_string();
        self.read(move |c, setup, today, _| {
            let row = q::ticket_by_tracking(c, &code)?.ok_or(CentreError::TicketNotFound)?;
            ticket_view(c, setup, today, &row)
        })
        .await
    }

    pub async fn counters(&self) -> Result<CountersResponse, CentreError> {
        self.read(|c, setup, today, _| {
            let counters = setup
                .counters
                .keys()
                .map(|n| counter_view(c, setup, today, *n))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CountersResponse { counters })
        })
        .await
    }

    /// A consistent snapshot for displays; resume events from its `last_event_id`.
    pub async fn state(&self) -> Result<StateSnapshot, CentreError> {
        self.read(|c, setup, today, now| {
            let tx = c.unchecked_transaction()?;
            let (_, last) = events::event_id_range(&tx)?;
            let counters = setup
                .counters
                .keys()
                .map(|n| counter_view(&tx, setup, today, *n))
                .collect::<Result<Vec<_>, _>>()?;
            let recent_calls = q::recent_calls(&tx, today, RECENT_CALLS)?
                .into_iter()
                .filter_map(|t| {
                    Some(RecentCall {
                        counter: t.counter?,
                        called_at: from_ms(t.last_called_at?),
                        number: t.number,
                        service: t.service,
                        calls: t.calls,
                        status: t.status,
                    })
                })
                .collect();
            let waiting = setup
                .services
                .iter()
                .map(|s| {
                    let sd = q::service_day(&tx, today, &s.code)?;
                    Ok(ServiceWaiting {
                        service: s.code.clone(),
                        waiting: sd.waiting(),
                        waiting_priority: sd.waiting_priority,
                        issued_today: sd.issued,
                    })
                })
                .collect::<Result<Vec<_>, CentreError>>()?;
            tx.commit()?;
            Ok(StateSnapshot {
                last_event_id: last as u64,
                service_day: today,
                server_time: now,
                counters,
                recent_calls,
                waiting,
            })
        })
        .await
    }

    pub async fn kiosks(&self) -> Result<KiosksResponse, CentreError> {
        self.read(|c, _, _, now| {
            let kiosks = kiosks::list_kiosks(c)?
                .into_iter()
                .map(|k| KioskView {
                    online: now.timestamp_millis() - k.last_seen < KIOSK_ONLINE_SECS * 1000,
                    last_seen: from_ms(k.last_seen),
                    reported_at: k.reported_at.map(from_ms),
                    kiosk_id: k.kiosk_id,
                    printer_status: k.printer_status,
                    scanner_connected: k.scanner_connected,
                    outbox_len: k.outbox_len,
                    app_version: k.app_version,
                })
                .collect();
            Ok(KiosksResponse { kiosks })
        })
        .await
    }

    /// Checks that the mirrored waiting counts equal the tickets (tests, diagnostics).
    pub async fn verify_waiting_counts(&self) -> Result<(), CentreError> {
        self.read(|c, setup, today, _| {
            for s in &setup.services {
                let sd = q::service_day(c, today, &s.code)?;
                let (n, p) =
                    (q::count_waiting(c, today, &s.code, false)?, q::count_waiting(c, today, &s.code, true)?);
                if (sd.waiting_normal, sd.waiting_priority) != (n, p) {
                    return Err(StoreError::Corrupt(format!(
                        "service {}: stored waiting {}/{} but tickets say {n}/{p}",
                        s.code, sd.waiting_normal, sd.waiting_priority
                    ))
                    .into());
                }
            }
            Ok(())
        })
        .await
    }
}
