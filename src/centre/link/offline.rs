//! Offline numbering: while the centre is unreachable a ticket takes the next
//! number of this kiosk's reserved range and goes to the outbox, and the
//! citizen's view of it is built from the cached service list.

use super::remote::RemoteState;
use super::{TicketRequest, KIND_TICKET};
use crate::centre::api::*;
use crate::centre::client::LinkError;
use crate::domain::localtime::service_day;
use crate::domain::queue_rules::{self, Schedule};
use crate::domain::ticket::TicketNumber;
use crate::store::{outbox, to_ms, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;

impl RemoteState {
    /// Takes the next reserved number and queues the ticket, in one fsynced transaction.
    pub(super) async fn issue_offline(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        let cache = self.cache().ok_or_else(|| {
            LinkError::Unreachable("the centre is unreachable and no service list is cached".into())
        })?;
        let svc = cache.services.iter().find(|s| s.code == req.service).ok_or(LinkError::UnknownService)?;
        let now = self.clock.now();
        match offline_view(svc, &cache, now).availability {
            Availability::Open => {}
            Availability::Closed { next_open } => return Err(LinkError::Closed { next_open }),
            Availability::CapReached { next_open } => return Err(LinkError::CapReached { next_open }),
        }
        let prefix = svc.prefix.chars().next().ok_or(LinkError::UnknownService)?;
        let day = service_day(now);
        let (lo, hi) = self.range;
        let mut api = req.to_api(&self.kiosk_id);
        api.issued_at = Some(now);
        api.tracking_code = Some(new_tracking_code());
        let service = req.service.clone();
        let ms = to_ms(now);
        let (api, len) = self
            .db(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // A retried tap that already has an offline number gets it again.
                if let Some(item) = outbox::by_key(&tx, &api.idempotency_key)? {
                    if item.kind == KIND_TICKET {
                        let len = outbox::len(&tx)?;
                        return Ok(Some((parse_ticket_item(&item)?, len)));
                    }
                }
                let Some(seq) = outbox::next_offline_seq(&tx, day, &service, lo, hi)? else {
                    return Ok(None);
                };
                api.offline_number = Some(TicketNumber::new(prefix, seq).to_string());
                let payload = serde_json::to_string(&api).expect("ticket request serialises");
                outbox::push(&tx, KIND_TICKET, &api.idempotency_key, &payload, ms)?;
                let len = outbox::len(&tx)?;
                tx.commit()?;
                Ok(Some((api, len)))
            })
            .await?
            .ok_or(LinkError::OfflineRangeExhausted)?;
        self.set_outbox_len(len);
        self.wake.notify_one();
        tracing::info!(number = ?api.offline_number, "offline ticket queued");
        self.offline_ticket_view(&api)
    }

    /// The ticket as the citizen sees it, from an offline request and the cached
    /// service figures (people ahead: waiting at the last refresh plus this
    /// kiosk's earlier offline tickets of the day for the service).
    pub(super) fn offline_ticket_view(&self, api: &IssueTicketRequest) -> Result<IssuedTicket, LinkError> {
        let cache = self.cache();
        let svc = cache.as_ref().and_then(|c| c.services.iter().find(|s| s.code == api.service));
        let number = api.offline_number.clone().unwrap_or_default();
        let seq = TicketNumber::parse(&number).map(|n| n.seq).unwrap_or(self.range.0);
        let earlier_offline = seq.saturating_sub(self.range.0);
        let waiting = svc.map(|s| s.waiting).unwrap_or(0);
        let people_ahead = waiting + earlier_offline;
        let estimated_wait_minutes = match svc {
            Some(s) if s.waiting > 0 => (u64::from(s.estimated_wait_minutes) * u64::from(people_ahead))
                .div_ceil(u64::from(s.waiting)) as u32,
            Some(s) => queue_rules::estimate_wait_minutes(
                queue_rules::DEFAULT_SERVICE_SECS,
                people_ahead,
                s.counters.len() as u32,
            ),
            None => 0,
        };
        let issued_at = api.issued_at.unwrap_or_else(|| self.clock.now());
        let tracking_code = api.tracking_code.clone().unwrap_or_default();
        Ok(IssuedTicket {
            number,
            service: api.service.clone(),
            service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
            service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
            priority: api.priority,
            issued_at,
            service_day: service_day(issued_at),
            people_ahead,
            estimated_wait_minutes,
            tracking_url: match &cache {
                Some(c) if !c.tracking_base_url.is_empty() => {
                    format!("{}{}", c.tracking_base_url, tracking_code)
                }
                _ => format!("{}/t/{}", self.client.base_url(), tracking_code),
            },
            check_code: check_code(&tracking_code),
            tracking_code,
            counters: svc.map(|s| s.counters.clone()).unwrap_or_default(),
            offline: true,
        })
    }
}

pub(super) fn parse_ticket_item(item: &outbox::OutboxItem) -> Result<IssueTicketRequest, StoreError> {
    serde_json::from_str(&item.payload)
        .map_err(|e| StoreError::Corrupt(format!("outbox item {}: {e}", item.id)))
}

/// A cached service as seen offline: availability from its hours (the cap is
/// kept only when the cache already said so today).
pub(super) fn offline_view(s: &ServiceInfo, cache: &ServicesResponse, now: DateTime<Utc>) -> ServiceInfo {
    let mut v = s.clone();
    let schedule = Schedule::new(&s.hours, &s.days);
    let cap_today =
        matches!(s.availability, Availability::CapReached { .. }) && cache.service_day == service_day(now);
    v.availability = if cap_today {
        s.availability
    } else if cache.always_open || schedule.is_open_at(now) {
        Availability::Open
    } else {
        Availability::Closed { next_open: schedule.next_opening(now, false) }
    };
    v
}

/// The services of the kiosk's own configuration, as a centre would list them
/// with nothing known of its queue: used until the centre first answers (not
/// stored, so the centre's list always wins). `None` when none are configured.
pub fn configured_services(cfg: &crate::config::Config, now: DateTime<Utc>) -> Option<ServicesResponse> {
    if cfg.queue.services.is_empty() {
        return None;
    }
    let services = cfg.queue.services.iter().map(ServiceInfo::configured).collect();
    Some(ServicesResponse {
        services,
        always_open: cfg.queue.always_open,
        service_day: service_day(now),
        server_time: now,
        tracking_base_url: String::new(),
    })
}

/// Stores `services` as the centre's last answer in the kiosk database at
/// `db` (snapshots and tests of a kiosk that lost its centre mid-day).
pub fn remember_services(
    db: impl AsRef<std::path::Path>,
    services: &ServicesResponse,
) -> Result<(), LinkError> {
    let store = crate::store::Store::open(db.as_ref())?;
    let json = serde_json::to_string(services).expect("services serialise");
    crate::store::meta::meta_set(store.conn(), super::SERVICES_CACHE_KEY, &json)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn info(avail: Availability) -> ServiceInfo {
        ServiceInfo {
            code: "HT".into(),
            name_vi: "Hộ tịch".into(),
            name_en: "Civil status".into(),
            prefix: "A".into(),
            counters: vec![1, 2],
            hours: vec!["07:30-11:30".into()],
            days: vec![1, 2, 3, 4, 5],
            daily_cap: 0,
            waiting: 0,
            issued_today: 0,
            estimated_wait_minutes: 0,
            availability: avail,
        }
    }

    #[test]
    fn offline_availability_follows_cached_hours() {
        // 2026-03-02 is a Monday; 09:00 local = 02:00 UTC.
        let open = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let evening = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let mut cache = ServicesResponse {
            services: vec![],
            always_open: false,
            service_day: service_day(open),
            server_time: open,
            tracking_base_url: String::new(),
        };
        assert_eq!(offline_view(&info(Availability::Open), &cache, open).availability, Availability::Open);
        assert!(matches!(
            offline_view(&info(Availability::Open), &cache, evening).availability,
            Availability::Closed { next_open: Some(_) }
        ));
        cache.always_open = true;
        assert_eq!(offline_view(&info(Availability::Open), &cache, evening).availability, Availability::Open);
        let capped = info(Availability::CapReached { next_open: None });
        assert_eq!(
            offline_view(&capped, &cache, open).availability,
            capped.availability,
            "cap reached today stays"
        );
    }
}
