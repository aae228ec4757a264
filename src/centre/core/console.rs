//! The officer console's view of one counter: the ticket at the desk (with
//! the citizen's identity, masked, when the kiosk collected it — the only
//! place it is shown), the waiting list in calling order, today's figures.

use super::views::counter_view;
use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::citizen_id::mask_number;
use crate::domain::figures::{call_order, spread};
use crate::store::queue::{self as q, TicketRow};
use crate::store::{from_ms, to_ms};
use chrono::{DateTime, Utc};

/// Waiting tickets listed on the console.
const LISTED: usize = 50;
/// Waiting tickets looked at to order the list and count them.
const SCANNED: usize = 2000;

fn minutes_between(from_ms: i64, to_ms: i64) -> u32 {
    ((to_ms - from_ms).max(0) / 60_000) as u32
}

fn console_ticket(setup: &Setup, t: &TicketRow) -> ConsoleTicket {
    let svc = setup.service(&t.service);
    ConsoleTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        status: t.status,
        calls: t.calls,
        issued_at: from_ms(t.issued_at),
        called_at: t.last_called_at.map(from_ms),
        started_at: t.started_at.map(from_ms),
        waited_minutes: minutes_between(t.issued_at, t.first_called_at.unwrap_or(t.issued_at)),
        transfers: t.transfers,
        offline: t.offline,
        citizen: t.citizen.as_ref().map(|c| ConsoleCitizen {
            id_number_masked: mask_number(&c.id_number),
            full_name: c.full_name.clone(),
        }),
    }
}

fn waiting_ticket(t: &TicketRow, counter: u32, now: DateTime<Utc>) -> WaitingTicket {
    WaitingTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        issued_at: from_ms(t.issued_at),
        waited_minutes: minutes_between(t.issued_at, to_ms(now)),
        transferred: t.transfers > 0,
        reserved: t.target_counter == Some(counter),
    }
}

impl Centre {
    /// What the console of counter `n` shows.
    pub async fn console(&self, n: u32) -> Result<ConsoleView, CentreError> {
        self.read(move |c, setup, today, now| {
            let services = setup.counters.get(&n).ok_or(CentreError::UnknownCounter(n))?;
            let tx = c.unchecked_transaction()?;
            let counter = counter_view(&tx, setup, today, n, now)?;
            let row = q::counter(&tx, n)?;
            let current = match row.current_ticket {
                Some(id) => q::ticket_by_id(&tx, id)?
                    .filter(|t| t.status == TicketStatus::Called && t.day == today)
                    .map(|t| console_ticket(setup, &t)),
                None => None,
            };
            let all = q::waiting_for_counter(&tx, today, services, n, SCANNED)?;
            let (prio, normal): (Vec<&TicketRow>, Vec<&TicketRow>) = all.iter().partition(|t| t.prio);
            let waiting = call_order(prio.len(), normal.len(), row.priority_streak, setup.priority_streak)
                .into_iter()
                .take(LISTED)
                .map(|(p, i)| waiting_ticket(if p { prio[i] } else { normal[i] }, n, now))
                .collect();
            let (served, no_show, secs) = q::counter_day(&tx, today, n)?;
            tx.commit()?;
            Ok(ConsoleView {
                counter,
                current,
                waiting,
                waiting_total: all.len() as u32,
                served_today: served,
                no_show_today: no_show,
                average_service_seconds: spread(&secs).mean,
                services: setup
                    .services
                    .iter()
                    .map(|s| TransferTarget {
                        code: s.code.clone(),
                        name_vi: s.name_vi.clone(),
                        name_en: s.name_en.clone(),
                        counters: s.counters.clone(),
                    })
                    .collect(),
                counters: setup.counters.keys().copied().collect(),
                server_time: now,
            })
        })
        .await
    }
}
