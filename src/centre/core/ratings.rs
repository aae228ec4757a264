//! Satisfaction ratings on the centre: the ticket a citizen wants to rate, one
//! rating per ticket (idempotent on the key), and the tallies for officials.

use super::queue::validate_kiosk_id;
use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::localtime::{format_date, service_day};
use crate::domain::rating::{IndexScores, Tally, INDICES};
use crate::domain::ticket::TicketNumber;
use crate::store::queue::{self as q, TicketRow};
use crate::store::ratings::{self as r, RatingRow};
use crate::store::{from_ms, to_ms, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// Longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 500;
/// Days a summary covers when `from` is not given.
pub const DEFAULT_SUMMARY_DAYS: i64 = 30;
/// Longest a kiosk's outbox may have held a rating (a long weekend offline):
/// an older `rated_at` is not believed.
pub const MAX_RATING_DELAY_HOURS: i64 = 72;

/// When a rating counts: the kiosk's `rated_at` when it is plausible — not in
/// the future, not older than [`MAX_RATING_DELAY_HOURS`], not before the
/// ticket was called — else now. So a rating cannot be slipped into a period
/// already reported, nor dated before the service it rates.
fn rated_at(claimed: Option<DateTime<Utc>>, now: DateTime<Utc>, called_at: Option<i64>) -> DateTime<Utc> {
    let lower =
        (now - Duration::hours(MAX_RATING_DELAY_HOURS)).max(called_at.map(from_ms).unwrap_or_default());
    match claimed {
        Some(t) if t >= lower && t <= now => t,
        _ => now,
    }
}

/// A stored rating and whether this request created it (`false`: replay).
#[derive(Debug, Clone, PartialEq)]
pub struct RateOutcome {
    pub receipt: RatingReceipt,
    pub created: bool,
}

impl Centre {
    /// The ticket a citizen wants to rate: number, counter, officer, and
    /// whether it can still be rated.
    pub async fn rating_context(&self, query: RatingContextQuery) -> Result<RatingContext, CentreError> {
        self.read(move |c, setup, today, _| {
            let day = query.day.unwrap_or(today);
            let by_number = query.number.as_deref().map(|n| (n, query.check_code.as_deref()));
            let t = find_ticket(c, query.tracking_code.as_deref(), by_number, day)?.ok_or_else(|| {
                CentreError::BadRequest("give tracking_code, or number and check_code".into())
            })?;
            let svc = setup.service(&t.service);
            Ok(RatingContext {
                ticket_number: t.number.clone(),
                service: t.service.clone(),
                service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
                service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
                service_day: t.day,
                status: t.status,
                counter: t.counter,
                officer: served_by(setup, &t),
                can_rate: ratable(&t),
                already_rated: r::by_ticket(c, t.id)?.is_some(),
            })
        })
        .await
    }

    /// Stores a rating: one per ticket; the same idempotency key again returns
    /// the same rating.
    pub async fn rate(&self, req: RatingRequest) -> Result<RateOutcome, CentreError> {
        let indices = validate_rating(&req)?;
        let anonymous = req.tracking_code.is_none() && req.ticket_number.is_none();
        self.write(move |w, now| {
            let setup = w.setup.clone();
            if let Some(existing) = r::by_key(w.c(), &req.idempotency_key)? {
                let same = existing.level == req.level.value()
                    && existing.indices == indices.map(|i| i.to_digits())
                    && existing.kiosk_id == req.kiosk_id;
                if !same {
                    return Err(CentreError::AlreadyRated);
                }
                return Ok(RateOutcome { receipt: receipt(w.c(), &existing)?, created: false });
            }
            if anonymous && !setup.allow_anonymous {
                return Err(CentreError::AnonymousNotAllowed);
            }
            let day = req.day.unwrap_or_else(|| service_day(req.rated_at.map(|t| t.min(now)).unwrap_or(now)));
            let by_number = req.ticket_number.as_deref().map(|n| (n, req.check_code.as_deref()));
            let ticket = find_ticket(w.c(), req.tracking_code.as_deref(), by_number, day)?;
            let rated_at = rated_at(req.rated_at, now, ticket.as_ref().and_then(|t| t.first_called_at));
            if let Some(t) = &ticket {
                if r::by_ticket(w.c(), t.id)?.is_some() {
                    return Err(CentreError::AlreadyRated);
                }
                if !ratable(t) {
                    return Err(CentreError::TicketNotServed);
                }
            }
            let comment = req.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
            let mut row = RatingRow {
                id: 0,
                ticket_id: ticket.as_ref().map(|t| t.id),
                day: service_day(rated_at),
                service: ticket.as_ref().map(|t| t.service.clone()),
                counter: ticket.as_ref().and_then(|t| t.counter),
                officer: ticket.as_ref().and_then(|t| served_by(&setup, t)),
                level: req.level.value(),
                indices: indices.map(|i| i.to_digits()),
                comment,
                rated_at: to_ms(rated_at),
                received_at: to_ms(now),
                kiosk_id: req.kiosk_id.clone(),
                idempotency_key: req.idempotency_key.clone(),
            };
            row.id = r::insert(w.c(), &row)?;
            Ok(RateOutcome { receipt: receipt(w.c(), &row)?, created: true })
        })
        .await
    }

    /// Counts per level, score and index means of the ratings whose local day
    /// is in `from..=to` (default: the 30 days up to today), grouped.
    pub async fn rating_summary(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        group: SummaryGroup,
    ) -> Result<RatingSummary, CentreError> {
        self.read(move |c, setup, today, _| {
            let to = to.unwrap_or(today);
            let from = from.unwrap_or(to - Duration::days(DEFAULT_SUMMARY_DAYS - 1));
            if from > to {
                return Err(CentreError::BadRequest(format!("from ({from}) is after to ({to})")));
            }
            // No cap on the period: the work and the answer grow with the
            // ratings stored (a group only where there are ratings), not with
            // the days asked for, and only managers may ask.
            summarise(c, setup, from, to, group)
        })
        .await
    }

    /// Every stored rating (tests and diagnostics).
    pub async fn rating_count(&self) -> Result<u32, CentreError> {
        self.read(|c, _, _, _| Ok(r::count(c)?)).await
    }
}

/// Who served the ticket: the officer signed in at the console who called
/// it; for a counter driven without a console (CLI, device token, nobody
/// signed in), the name `queue.counter_officers` gives that counter.
pub(super) fn served_by(setup: &Setup, t: &TicketRow) -> Option<String> {
    t.officer_name.clone().or_else(|| t.counter.and_then(|n| setup.officers.get(&n).cloned()))
}

/// A ticket can be rated once it reached a counter and the citizen came.
fn ratable(t: &TicketRow) -> bool {
    t.first_called_at.is_some() && t.status != TicketStatus::NoShow
}

/// The ticket named by a tracking code, or by a printed number on `day` with
/// its check code; `None` when neither is given (anonymous). A number without
/// its check code is refused: numbers are called aloud and shown on the
/// board, so anyone could use up another citizen's rating with one. A wrong
/// check code reads as an unknown ticket.
fn find_ticket(
    c: &Connection,
    tracking_code: Option<&str>,
    number: Option<(&str, Option<&str>)>,
    day: NaiveDate,
) -> Result<Option<TicketRow>, CentreError> {
    match (tracking_code, number) {
        (Some(_), Some(_)) => {
            Err(CentreError::BadRequest("give either a tracking code or a ticket number, not both".into()))
        }
        (Some(code), None) => {
            if !is_tracking_code(code) {
                return Err(CentreError::TicketNotFound);
            }
            Ok(Some(q::ticket_by_tracking(c, code)?.ok_or(CentreError::TicketNotFound)?))
        }
        (None, Some((typed, check))) => {
            let n = TicketNumber::parse(typed).ok_or_else(|| {
                CentreError::BadRequest(format!("`{typed}` is not a ticket number like A-023"))
            })?;
            let check = check.map(str::trim).filter(|c| !c.is_empty()).ok_or_else(|| {
                CentreError::BadRequest(format!(
                    "a ticket number needs its check_code (the {CHECK_CODE_LEN} digits printed under it)"
                ))
            })?;
            let mut found = q::tickets_by_number(c, day, &n.to_string())?;
            found.retain(|t| check_code(&t.tracking_code) == check);
            match found.len() {
                0 => Err(CentreError::TicketNotFound),
                1 => Ok(found.pop()),
                _ => Err(CentreError::AmbiguousTicket),
            }
        }
        (None, None) => Ok(None),
    }
}

pub(super) fn validate_rating(req: &RatingRequest) -> Result<Option<IndexScores>, CentreError> {
    let k = &req.idempotency_key;
    if k.is_empty() || k.len() > MAX_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CentreError::BadRequest("idempotency_key must be 1-128 visible ASCII characters".into()));
    }
    validate_kiosk_id(&req.kiosk_id)?;
    if req.day.is_some() && req.ticket_number.is_none() {
        return Err(CentreError::BadRequest("day is only used with ticket_number".into()));
    }
    if req.check_code.is_some() && req.ticket_number.is_none() {
        return Err(CentreError::BadRequest("check_code is only used with ticket_number".into()));
    }
    if let Some(c) = &req.comment {
        if c.chars().count() > MAX_COMMENT_CHARS || c.chars().any(|ch| ch.is_control() && ch != '\n') {
            return Err(CentreError::BadRequest(format!(
                "comment must be at most {MAX_COMMENT_CHARS} printable characters"
            )));
        }
    }
    req.indices.as_deref().map(IndexScores::partial).transpose().map_err(CentreError::BadRequest)
}

pub(super) fn receipt(c: &Connection, row: &RatingRow) -> Result<RatingReceipt, CentreError> {
    let ticket = match row.ticket_id {
        Some(id) => q::ticket_by_id(c, id)?,
        None => None,
    };
    Ok(RatingReceipt {
        id: row.id as u64,
        level: RatingLevel::from_value(row.level).ok_or_else(|| {
            CentreError::from(StoreError::Corrupt(format!("rating {}: invalid level", row.id)))
        })?,
        ticket_number: ticket.as_ref().map(|t| t.number.clone()),
        service: row.service.clone(),
        counter: row.counter,
        officer: row.officer.clone(),
        index_score: row
            .indices
            .as_deref()
            .and_then(IndexScores::from_digits)
            .filter(IndexScores::is_complete)
            .map(|i| i.total()),
        rated_at: from_ms(row.rated_at),
        anonymous: row.ticket_id.is_none(),
    })
}

/// Order of groups: counters and services as configured, then by name or day;
/// ratings without one (`none`) last.
type SortKey = (u8, u64, String);

fn group_of(setup: &Setup, group: SummaryGroup, row: &RatingRow) -> (SortKey, String, String) {
    const NONE_LABEL: &str = "Không theo vé (đánh giá chung)";
    let none = || ((1, 0, String::new()), "none".to_string(), NONE_LABEL.to_string());
    match group {
        SummaryGroup::Counter => match row.counter {
            Some(n) => {
                let label = match setup.officers.get(&n) {
                    Some(o) => format!("Quầy {n} · {o}"),
                    None => format!("Quầy {n}"),
                };
                ((0, u64::from(n), String::new()), n.to_string(), label)
            }
            None => none(),
        },
        SummaryGroup::Service => match &row.service {
            Some(code) => {
                let pos = setup.services.iter().position(|s| &s.code == code);
                let label = pos.map(|i| setup.services[i].name_vi.clone()).unwrap_or_else(|| code.clone());
                ((0, pos.map(|p| p as u64).unwrap_or(u64::MAX), code.clone()), code.clone(), label)
            }
            None => none(),
        },
        SummaryGroup::Officer => match &row.officer {
            Some(name) => ((0, 0, name.clone()), name.clone(), name.clone()),
            None => ((1, 0, String::new()), "none".into(), "Không rõ cán bộ".into()),
        },
        SummaryGroup::Day => {
            let key = row.day.format("%Y-%m-%d").to_string();
            ((0, 0, key.clone()), key, format_date(row.day))
        }
    }
}

fn tally_view(key: String, label: String, t: &Tally) -> RatingTallyView {
    RatingTallyView {
        key,
        label,
        ratings: t.ratings(),
        very_satisfied: t.very_satisfied,
        satisfied: t.satisfied,
        dissatisfied: t.dissatisfied,
        score: t.score(),
        satisfaction_rate: t.satisfaction_rate(),
        with_indices: t.with_indices,
        index_score_average: t.index_score_average(),
        index_averages: t.index_averages(),
    }
}

fn summarise(
    c: &Connection,
    setup: &Setup,
    from: NaiveDate,
    to: NaiveDate,
    group: SummaryGroup,
) -> Result<RatingSummary, CentreError> {
    let mut total = Tally::default();
    let mut groups: BTreeMap<SortKey, (String, String, Tally)> = BTreeMap::new();
    r::for_each_in_days(c, from, to, |row| {
        let Some(level) = RatingLevel::from_value(row.level) else {
            tracing::warn!(id = row.id, "skipping a rating with an invalid level");
            return;
        };
        let indices = row.indices.as_deref().and_then(IndexScores::from_digits);
        total.add(level, indices.as_ref());
        let (sort, key, label) = group_of(setup, group, &row);
        groups.entry(sort).or_insert_with(|| (key, label, Tally::default())).2.add(level, indices.as_ref());
    })?;
    Ok(RatingSummary {
        from,
        to,
        group,
        total: tally_view("all".into(), "Tổng cộng".into(), &total),
        groups: groups.into_values().map(|(k, l, t)| tally_view(k, l, &t)).collect(),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The summary as CSV for spreadsheets: UTF-8 with a byte-order mark (so
/// Excel shows Vietnamese letters), one row per group and a last `all` row.
pub fn summary_csv(s: &RatingSummary) -> String {
    let mut out = String::from("\u{feff}");
    let mut header = vec![
        "group",
        "key",
        "label",
        "ratings",
        "very_satisfied",
        "satisfied",
        "dissatisfied",
        "score",
        "satisfaction_rate",
        "with_indices",
        "index_score_average",
    ];
    header.extend(INDICES.iter().map(|i| i.key));
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for t in s.groups.iter().chain(std::iter::once(&s.total)) {
        let mut cells = vec![
            s.group.key().to_string(),
            csv_field(&t.key),
            csv_field(&t.label),
            t.ratings.to_string(),
            t.very_satisfied.to_string(),
            t.satisfied.to_string(),
            t.dissatisfied.to_string(),
            format!("{:.2}", t.score),
            format!("{:.2}", t.satisfaction_rate),
            t.with_indices.to_string(),
            t.index_score_average.map(|v| format!("{v:.2}")).unwrap_or_default(),
        ];
        for i in 0..INDICES.len() {
            cells.push(t.index_averages.get(i).map(|v| format!("{v:.2}")).unwrap_or_default());
        }
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rated_at_is_believed_only_inside_its_window() {
        let now = DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        let h = |n: i64| now - Duration::hours(n);
        assert_eq!(rated_at(None, now, None), now);
        assert_eq!(rated_at(Some(h(2)), now, None), h(2), "queued two hours: kept");
        assert_eq!(rated_at(Some(h(71)), now, None), h(71));
        assert_eq!(rated_at(Some(h(24 * 30)), now, None), now, "backdated a month: counted now");
        assert_eq!(rated_at(Some(now + Duration::hours(5)), now, None), now, "future: now");
        let called = crate::store::to_ms(h(3));
        assert_eq!(rated_at(Some(h(4)), now, Some(called)), now, "before the ticket was called");
        assert_eq!(rated_at(Some(h(2)), now, Some(called)), h(2));
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_ends_with_the_total() {
        // Must hold: header, one row per group, the total last; commas and quotes escaped.
        let t = |key: &str, label: &str, n: u32| RatingTallyView {
            key: key.into(),
            label: label.into(),
            ratings: n,
            very_satisfied: n,
            satisfied: 0,
            dissatisfied: 0,
            score: 3.0,
            satisfaction_rate: 100.0,
            with_indices: 0,
            index_score_average: None,
            index_averages: vec![],
        };
        let s = RatingSummary {
            from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            group: SummaryGroup::Officer,
            total: t("all", "Tổng cộng", 2),
            groups: vec![t("Trần \"B\", Thị", "Trần \"B\", Thị", 2)],
        };
        let csv = summary_csv(&s);
        assert!(csv.starts_with("\u{feff}group,key,label,ratings"));
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1]
            .starts_with("officer,\"Trần \"\"B\"\", Thị\",\"Trần \"\"B\"\", Thị\",2,2,0,0,3.00,100.00,0,"));
        assert!(lines[2].starts_with("officer,all,Tổng cộng,2,"));
        assert_eq!(lines[0].split(',').count(), 11 + 9);
        assert_eq!(lines[2].split(',').count(), 11 + 9);
    }
}
