//! The day report for the manager: per service, per counter and in total —
//! issued, called, waiting, served, no-show, transferred, mean and 90th
//! percentile of wait and service time, the longest current wait — and
//! tickets per local hour.

use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::figures::spread;
use crate::domain::localtime::to_local;
use crate::store::officers::transfers_of_day;
use crate::store::queue::{self as q, TicketRow};
use crate::store::{from_ms, to_ms};
use chrono::{NaiveDate, Timelike};
use std::collections::BTreeMap;

/// Samples of one row, turned into a [`ReportRow`] at the end.
#[derive(Default)]
struct Acc {
    issued: u32,
    called: u32,
    waiting: u32,
    served: u32,
    no_show: u32,
    transferred: u32,
    waits: Vec<i64>,
    services: Vec<i64>,
    longest: Option<i64>,
    officers: Vec<String>,
}

impl Acc {
    fn row(self, key: String, label: String) -> ReportRow {
        let w = spread(&self.waits);
        let s = spread(&self.services);
        ReportRow {
            key,
            label,
            issued: self.issued,
            called: self.called,
            waiting: self.waiting,
            served: self.served,
            no_show: self.no_show,
            transferred: self.transferred,
            wait_avg_seconds: w.mean,
            wait_p90_seconds: w.p90,
            service_avg_seconds: s.mean,
            service_p90_seconds: s.p90,
            longest_wait_seconds: self.longest.map(|v| v.max(0) as u32),
            officers: self.officers,
        }
    }
}

fn secs(from: i64, to: i64) -> i64 {
    (to - from) / 1000
}

/// Adds one ticket to the accumulators it belongs to.
fn add_ticket(t: &TicketRow, now_ms: i64, today: bool, accs: &mut [&mut Acc]) {
    let wait = t.first_called_at.map(|c| secs(t.issued_at, c));
    let service = match (t.status, t.finished_at) {
        (TicketStatus::Served, Some(f)) => t.started_at.or(t.last_called_at).map(|s| secs(s, f)),
        _ => None,
    };
    for a in accs.iter_mut() {
        a.called += u32::from(t.first_called_at.is_some());
        match t.status {
            TicketStatus::Served => a.served += 1,
            TicketStatus::NoShow => a.no_show += 1,
            TicketStatus::Waiting if today => {
                a.waiting += 1;
                let w = secs(t.issued_at, now_ms);
                a.longest = Some(a.longest.map_or(w, |l| l.max(w)));
            }
            _ => {}
        }
        a.waits.extend(wait);
        a.services.extend(service);
    }
}

fn build(
    setup: &Setup,
    day: NaiveDate,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    tickets: &[TicketRow],
    transfers: &[(String, u32)],
) -> DayReport {
    let now_ms = to_ms(now);
    let is_today = day == today;
    let mut total = Acc::default();
    let mut services: BTreeMap<String, Acc> =
        setup.services.iter().map(|s| (s.code.clone(), Acc::default())).collect();
    let mut counters: BTreeMap<u32, Acc> = setup.counters.keys().map(|n| (*n, Acc::default())).collect();
    let mut hours: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let prefix_of: BTreeMap<char, String> =
        setup.services.iter().filter_map(|s| Some((s.prefix.chars().next()?, s.code.clone()))).collect();
    for t in tickets {
        // Issued counts for the service whose sequence gave the number.
        let origin = t.number.chars().next().and_then(|p| prefix_of.get(&p)).unwrap_or(&t.service).clone();
        total.issued += 1;
        services.entry(origin).or_default().issued += 1;
        hours.entry(to_local(from_ms(t.issued_at)).hour()).or_default().0 += 1;
        if let (TicketStatus::Served, Some(f)) = (t.status, t.finished_at) {
            hours.entry(to_local(from_ms(f)).hour()).or_default().1 += 1;
        }
        let mut accs: Vec<&mut Acc> = vec![&mut total];
        let svc = services.entry(t.service.clone()).or_default();
        accs.push(svc);
        add_ticket(t, now_ms, is_today, &mut accs);
        // A counter's figures: the tickets it called (waiting ones have none).
        if let Some(n) = t.counter {
            let acc = counters.entry(n).or_default();
            add_ticket(t, now_ms, false, &mut [acc]);
            if let Some(name) = &t.officer_name {
                if !acc.officers.contains(name) {
                    acc.officers.push(name.clone());
                }
            }
        }
    }
    for (service, counter) in transfers {
        total.transferred += 1;
        services.entry(service.clone()).or_default().transferred += 1;
        counters.entry(*counter).or_default().transferred += 1;
    }
    // What each counter could call now.
    if is_today {
        for (n, acc) in counters.iter_mut() {
            let served_here = setup.counters.get(n).cloned().unwrap_or_default();
            for t in tickets.iter().filter(|t| t.status == TicketStatus::Waiting) {
                if served_here.contains(&t.service) && t.target_counter.is_none_or(|c| c == *n) {
                    acc.waiting += 1;
                    let w = secs(t.issued_at, now_ms);
                    acc.longest = Some(acc.longest.map_or(w, |l| l.max(w)));
                }
            }
        }
    }
    let label_of =
        |code: &str| setup.service(code).map(|s| s.name_vi.clone()).unwrap_or_else(|| code.to_string());
    let hours = match (hours.keys().next(), hours.keys().last()) {
        (Some(first), Some(last)) => (*first..=*last)
            .map(|h| {
                let (issued, served) = hours.get(&h).copied().unwrap_or_default();
                HourCount { hour: h, issued, served }
            })
            .collect(),
        _ => Vec::new(),
    };
    DayReport {
        day,
        generated_at: now,
        total: total.row("all".into(), "Tổng cộng".into()),
        services: services
            .into_iter()
            .map(|(code, a)| a.row(code.clone(), label_of(&code)))
            .collect::<Vec<_>>(),
        counters: counters.into_iter().map(|(n, a)| a.row(n.to_string(), format!("Quầy {n}"))).collect(),
        hours,
    }
}

impl Centre {
    /// The figures of a service day (default today).
    pub async fn day_report(&self, day: Option<NaiveDate>) -> Result<DayReport, CentreError> {
        self.read(move |c, setup, today, now| {
            let day = day.unwrap_or(today);
            if day > today {
                return Err(CentreError::DayNotStarted(day));
            }
            let tx = c.unchecked_transaction()?;
            let tickets = q::tickets_of_day(&tx, day)?;
            let transfers = transfers_of_day(&tx, day)?;
            tx.commit()?;
            let mut r = build(setup, day, today, now, &tickets, &transfers);
            // Services in config order, as everywhere else.
            let order = |code: &str| setup.services.iter().position(|s| s.code == code).unwrap_or(usize::MAX);
            r.services.sort_by_key(|s| order(&s.key));
            Ok(r)
        })
        .await
    }
}
