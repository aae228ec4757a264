//! The API views the centre builds from stored rows: services with their live
//! figures and forecast, tickets, counters, and the officer's one-line summary.

use super::{CentreError, Setup};
use crate::centre::api::*;
use crate::config::ServiceConfig;
use crate::domain::queue_rules;
use crate::store::queue::{self as q, CounterRow, ServiceDay, TicketRow};
use crate::store::{from_ms, officers, to_ms};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

/// Open (not paused) counters among those serving a service.
fn open_counters(c: &Connection, svc: &ServiceConfig) -> Result<u32, CentreError> {
    let mut open = 0;
    for n in &svc.counters {
        if !q::counter(c, *n)?.paused {
            open += 1;
        }
    }
    Ok(open)
}

fn estimate(c: &Connection, svc: &ServiceConfig, people_ahead: u32) -> Result<u32, CentreError> {
    if people_ahead == 0 {
        return Ok(0);
    }
    let samples = q::recent_service_secs(c, &svc.code, queue_rules::SERVICE_TIME_WINDOW)?;
    let avg = queue_rules::average_service_secs(&samples);
    Ok(queue_rules::estimate_wait_minutes(avg, people_ahead, open_counters(c, svc)?))
}

/// People ahead of a waiting ticket of today (counted from the queue).
fn people_ahead_of(c: &Connection, setup: &Setup, t: &TicketRow) -> Result<u32, CentreError> {
    let same = q::count_waiting_before(c, t.day, &t.service, t.prio, t.issued_at, t.id)?;
    let other = q::count_waiting(c, t.day, &t.service, !t.prio)?;
    Ok(queue_rules::people_ahead(t.prio, same, other, setup.priority_streak))
}

pub(super) fn service_info(
    c: &Connection,
    setup: &Setup,
    s: &ServiceConfig,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ServiceInfo, CentreError> {
    let sd: ServiceDay = q::service_day(c, today, &s.code)?;
    let availability = setup.rules[&s.code].availability(now, sd.issued, setup.always_open);
    let ahead =
        queue_rules::people_ahead(false, sd.waiting_normal, sd.waiting_priority, setup.priority_streak);
    Ok(ServiceInfo {
        waiting: sd.waiting(),
        issued_today: sd.issued,
        estimated_wait_minutes: estimate(c, s, ahead)?,
        availability,
        ..ServiceInfo::configured(s)
    })
}

pub(super) fn issued_view(
    c: &Connection,
    setup: &Setup,
    today: NaiveDate,
    t: &TicketRow,
    ahead: Option<u32>,
) -> Result<IssuedTicket, CentreError> {
    let svc = setup.service(&t.service);
    let waiting_today = t.status == TicketStatus::Waiting && t.day == today;
    let people_ahead = match ahead {
        Some(a) => a,
        None if waiting_today => people_ahead_of(c, setup, t)?,
        None => 0,
    };
    let estimated_wait_minutes = match svc {
        Some(s) if waiting_today => estimate(c, s, people_ahead)?,
        _ => 0,
    };
    Ok(IssuedTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        issued_at: from_ms(t.issued_at),
        service_day: t.day,
        people_ahead,
        estimated_wait_minutes,
        tracking_url: setup.tracking_url(&t.tracking_code),
        check_code: check_code(&t.tracking_code),
        tracking_code: t.tracking_code.clone(),
        counters: svc.map(|s| s.counters.clone()).unwrap_or_default(),
        offline: t.offline,
    })
}

pub(super) fn ticket_view(
    c: &Connection,
    setup: &Setup,
    today: NaiveDate,
    t: &TicketRow,
) -> Result<TicketView, CentreError> {
    let svc = setup.service(&t.service);
    // A ticket of an earlier day is over even before the rollover job marked it.
    let status = match t.status {
        TicketStatus::Waiting | TicketStatus::Called if t.day < today => TicketStatus::Expired,
        s => s,
    };
    let (people_ahead, estimated) = if status == TicketStatus::Waiting {
        let a = people_ahead_of(c, setup, t)?;
        let e = match svc {
            Some(s) => estimate(c, s, a)?,
            None => 0,
        };
        (Some(a), Some(e))
    } else {
        (None, None)
    };
    Ok(TicketView {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
        status,
        counter: if status == TicketStatus::Waiting { None } else { t.counter },
        position: people_ahead.map(|a| a + 1),
        people_ahead,
        estimated_wait_minutes: estimated,
        issued_at: from_ms(t.issued_at),
        called_at: t.last_called_at.map(from_ms),
        service_day: t.day,
        offline: t.offline,
    })
}

pub(super) fn counter_view(
    c: &Connection,
    setup: &Setup,
    today: NaiveDate,
    n: u32,
    now: DateTime<Utc>,
) -> Result<CounterView, CentreError> {
    let row: CounterRow = q::counter(c, n)?;
    let current = match row.current_ticket {
        Some(id) => q::ticket_by_id(c, id)?.filter(|t| t.status == TicketStatus::Called && t.day == today),
        None => None,
    };
    let state = if row.paused {
        CounterState::Paused
    } else if current.is_some() {
        CounterState::Serving
    } else {
        CounterState::Idle
    };
    Ok(CounterView {
        number: n,
        services: setup.counters.get(&n).cloned().unwrap_or_default(),
        state,
        pause_reason: row.pause_reason.clone().filter(|_| row.paused),
        current: current.map(|t| CalledTicket {
            number: t.number,
            service: t.service,
            priority: t.prio,
            issued_at: from_ms(t.issued_at),
            called_at: from_ms(t.last_called_at.unwrap_or(t.issued_at)),
            calls: t.calls,
            offline: t.offline,
            started_at: t.started_at.map(from_ms),
        }),
        served_today: q::served_count(c, today, n)?,
        officer: officers::officer_at_counter(c, n, to_ms(now))?.map(|o| o.name),
    })
}

pub(super) fn counter_ticket(setup: &Setup, t: &TicketRow) -> CounterTicket {
    CounterTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: setup.service(&t.service).map(|s| s.name_vi.clone()).unwrap_or_default(),
        tracking_code: t.tracking_code.clone(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        status: t.status,
        calls: t.calls,
        issued_at: from_ms(t.issued_at),
        called_at: t.last_called_at.map(from_ms),
        offline: t.offline,
        citizen: t.citizen.as_ref().and_then(|c| {
            Some(CitizenInfo {
                id_number: c.id_number.clone(),
                full_name: c.full_name.clone(),
                birth_date: c.birth_date.parse().ok()?,
            })
        }),
        started_at: t.started_at.map(from_ms),
        officer: t.officer_name.clone(),
        transfers: t.transfers,
    }
}

/// The officer's one-line summary of a counter action.
pub fn counter_message(
    n: u32,
    outcome: CounterOutcome,
    t: Option<&CounterTicket>,
    reason: Option<&str>,
) -> String {
    let num = t.map(|t| t.number.as_str()).unwrap_or("?");
    match outcome {
        CounterOutcome::Called => format!("Quầy {n} gọi số {num}"),
        CounterOutcome::Recalled => {
            format!("Quầy {n} gọi lại số {num} (lần {})", t.map(|t| t.calls).unwrap_or(0))
        }
        CounterOutcome::NoShow => format!("Quầy {n}: số {num} vắng mặt"),
        CounterOutcome::Completed => format!("Quầy {n}: đã phục vụ xong số {num}"),
        CounterOutcome::Paused => format!("Quầy {n} tạm dừng: {}", reason.unwrap_or("")),
        CounterOutcome::Resumed => format!("Quầy {n} tiếp tục phục vụ"),
        CounterOutcome::QueueEmpty => format!("Quầy {n}: không còn ai đang chờ"),
        CounterOutcome::Started => format!("Quầy {n} bắt đầu phục vụ số {num}"),
        CounterOutcome::Transferred => format!("Quầy {n} chuyển số {num}"),
    }
}
