//! Queue rules without I/O: which class of ticket a counter calls next (fair
//! interleaving of priority and normal tickets), how many people are ahead of a
//! ticket, the estimated wait, and opening hours / daily caps.
//!
//! The rules are documented for officers and integrators in `docs/queue.md`;
//! keep the two in step.

use crate::domain::localtime::{day_start_utc, to_local, vn_offset};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The two queues of a service: priority groups (elderly, disabled, pregnant,
/// revolutionary merit) and everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Priority,
    Normal,
}

/// Which class a counter calls next.
///
/// Rule: a waiting priority ticket goes first, unless the counter has just called
/// `max_streak` priority tickets in a row and a normal ticket is waiting; then the
/// oldest normal ticket goes next. So at a counter with both queues non-empty, at
/// most `max_streak` priority calls come between two normal calls (normal tickets
/// cannot starve), and at least `max_streak` of every `max_streak + 1` calls go to
/// priority tickets (priority tickets cannot starve either). An empty class never
/// blocks the other. `max_streak` 0 is treated as 1.
pub fn pick_class(
    priority_waiting: bool,
    normal_waiting: bool,
    streak: u32,
    max_streak: u32,
) -> Option<Class> {
    let max_streak = max_streak.max(1);
    match (priority_waiting, normal_waiting) {
        (false, false) => None,
        (true, false) => Some(Class::Priority),
        (false, true) => Some(Class::Normal),
        (true, true) if streak >= max_streak => Some(Class::Normal),
        (true, true) => Some(Class::Priority),
    }
}

/// The counter's priority streak after it called a ticket of `picked` class.
pub fn next_streak(streak: u32, picked: Class) -> u32 {
    match picked {
        Class::Priority => streak.saturating_add(1),
        Class::Normal => 0,
    }
}

/// How many people will be called before a waiting ticket, if nobody else
/// arrives and calls follow [`pick_class`] from a fresh streak.
///
/// * `same_class_ahead`: waiting tickets of the ticket's own class issued before it.
/// * `other_class_waiting`: all waiting tickets of the other class (for a normal
///   ticket every waiting priority ticket may go first; for a priority ticket a
///   normal one is forced in after every `max_streak` priority calls).
///
/// With several counters serving different mixes of services this is an
/// estimate, which is all a citizen needs.
pub fn people_ahead(
    is_priority: bool,
    same_class_ahead: u32,
    other_class_waiting: u32,
    max_streak: u32,
) -> u32 {
    let s = max_streak.max(1);
    if is_priority {
        // Before the (q+1)-th priority call, floor(q / s) normal calls are forced in.
        let forced = same_class_ahead / s;
        same_class_ahead + other_class_waiting.min(forced)
    } else {
        // Before the (n+1)-th normal call, at most s * (n+1) priority calls happen.
        let n = same_class_ahead;
        let cap = s.saturating_mul(n.saturating_add(1));
        n + other_class_waiting.min(cap)
    }
}

/// Service time assumed when a service has no history yet.
pub const DEFAULT_SERVICE_SECS: u32 = 300;
/// Samples are clamped into this range so a counter that forgot to press
/// "complete" over lunch does not wreck the forecast.
pub const MIN_SAMPLE_SECS: i64 = 30;
pub const MAX_SAMPLE_SECS: i64 = 3600;
/// How many recent service times the moving average uses.
pub const SERVICE_TIME_WINDOW: usize = 20;

/// Moving average of recent service times (seconds, most recent first or in any
/// order), each clamped to [`MIN_SAMPLE_SECS`, `MAX_SAMPLE_SECS`]. Only the first
/// [`SERVICE_TIME_WINDOW`] samples count. No samples: [`DEFAULT_SERVICE_SECS`].
pub fn average_service_secs(samples: &[i64]) -> u32 {
    let window: Vec<i64> = samples
        .iter()
        .take(SERVICE_TIME_WINDOW)
        .map(|s| (*s).clamp(MIN_SAMPLE_SECS, MAX_SAMPLE_SECS))
        .collect();
    if window.is_empty() {
        return DEFAULT_SERVICE_SECS;
    }
    let sum: i64 = window.iter().sum();
    (sum / window.len() as i64) as u32
}

/// Estimated wait in whole minutes (rounded up): average service time × people
/// ahead ÷ open counters. No open counter counts as one (the forecast then says
/// how long the queue is, not "forever").
pub fn estimate_wait_minutes(avg_service_secs: u32, people_ahead: u32, open_counters: u32) -> u32 {
    if people_ahead == 0 {
        return 0;
    }
    let total = u64::from(avg_service_secs) * u64::from(people_ahead);
    let per_counter = total.div_ceil(u64::from(open_counters.max(1)));
    per_counter.div_ceil(60).min(u64::from(u32::MAX)) as u32
}

/// Whether a service gives out numbers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    Open,
    /// Outside opening hours; `next_open` is the next period start (none within two weeks: `None`).
    Closed {
        next_open: Option<DateTime<Utc>>,
    },
    /// The daily cap is reached; `next_open` is the first opening on a later day.
    CapReached {
        next_open: Option<DateTime<Utc>>,
    },
}

impl Availability {
    pub fn is_open(&self) -> bool {
        matches!(self, Availability::Open)
    }
}

/// Opening hours of a service: periods (minutes since local midnight, start
/// inclusive, end exclusive) on ISO weekdays (1 = Monday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    periods: Vec<(u32, u32)>,
    days: Vec<u32>,
}

/// How far ahead [`Schedule::next_opening`] looks.
const LOOKAHEAD_DAYS: i64 = 14;

impl Schedule {
    /// Periods that do not parse are skipped (the config validator reports them).
    pub fn new(hours: &[String], days: &[u32]) -> Self {
        let mut periods: Vec<(u32, u32)> = hours.iter().filter_map(|h| parse_period(h)).collect();
        periods.sort_unstable();
        Self { periods, days: days.to_vec() }
    }

    fn open_on(&self, day: NaiveDate) -> bool {
        self.days.contains(&day.weekday().number_from_monday())
    }

    /// Whether the service is within its opening hours at `now`.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        let local = to_local(now);
        if !self.open_on(local.date_naive()) {
            return false;
        }
        let minute = local.hour() * 60 + local.minute();
        self.periods.iter().any(|(a, b)| (*a..*b).contains(&minute))
    }

    /// The next period start strictly after `now`; with `later_day`, the first one
    /// on a day after `now`'s local day.
    pub fn next_opening(&self, now: DateTime<Utc>, later_day: bool) -> Option<DateTime<Utc>> {
        let today = to_local(now).date_naive();
        let first = if later_day { 1 } else { 0 };
        for d in first..=LOOKAHEAD_DAYS {
            let day = today + Duration::days(d);
            if !self.open_on(day) {
                continue;
            }
            for (start, _) in &self.periods {
                let naive = day.and_hms_opt(start / 60, start % 60, 0)?;
                let at = vn_offset().from_local_datetime(&naive).single()?.with_timezone(&Utc);
                if at > now {
                    return Some(at);
                }
            }
        }
        None
    }
}

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

/// Parses `HH:MM-HH:MM` into minutes since midnight.
pub fn parse_period(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_hhmm(a.trim())?, parse_hhmm(b.trim())?);
    (a < b).then_some((a, b))
}

/// The rules of one service: when it gives out numbers and how many a day.
/// The config converts its `[[queue.services]]` entries into this (the domain
/// knows nothing of the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRules {
    pub schedule: Schedule,
    /// Numbers per day (0 = no cap).
    pub daily_cap: u32,
}

impl ServiceRules {
    /// Whether the service issues numbers at `now`; see [`availability`].
    pub fn availability(&self, now: DateTime<Utc>, issued_today: u32, always_open: bool) -> Availability {
        availability(now, &self.schedule, self.daily_cap, issued_today, always_open)
    }
}

/// Whether a service issues numbers at `now`. `always_open` (demos) ignores the
/// hours but not the cap; a cap reached then reopens at the next local midnight.
pub fn availability(
    now: DateTime<Utc>,
    schedule: &Schedule,
    daily_cap: u32,
    issued_today: u32,
    always_open: bool,
) -> Availability {
    let cap_reached = daily_cap > 0 && issued_today >= daily_cap;
    if always_open {
        if cap_reached {
            let tomorrow = to_local(now).date_naive() + Duration::days(1);
            return Availability::CapReached { next_open: Some(day_start_utc(tomorrow)) };
        }
        return Availability::Open;
    }
    if !schedule.is_open_at(now) {
        return Availability::Closed { next_open: schedule.next_opening(now, false) };
    }
    if cap_reached {
        return Availability::CapReached { next_open: schedule.next_opening(now, true) };
    }
    Availability::Open
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates one counter calling until both queues are empty; returns the
    /// classes in call order. Arrivals: all tickets wait from the start.
    fn simulate(mut p: u32, mut n: u32, s: u32) -> Vec<Class> {
        let mut streak = 0;
        let mut out = Vec::new();
        while let Some(c) = pick_class(p > 0, n > 0, streak, s) {
            match c {
                Class::Priority => p -= 1,
                Class::Normal => n -= 1,
            }
            streak = next_streak(streak, c);
            out.push(c);
        }
        out
    }

    #[test]
    fn priority_first_but_a_normal_ticket_after_each_streak() {
        use Class::*;
        assert_eq!(
            simulate(5, 3, 2),
            vec![Priority, Priority, Normal, Priority, Priority, Normal, Priority, Normal]
        );
        assert_eq!(simulate(0, 2, 2), vec![Normal, Normal]);
        assert_eq!(simulate(3, 0, 2), vec![Priority, Priority, Priority]);
        assert_eq!(pick_class(false, false, 0, 2), None);
    }

    #[test]
    fn neither_class_starves_for_any_streak_setting() {
        // What must hold: while both classes wait, between two normal calls there
        // are at most `s` priority calls, and between two priority calls at most
        // one normal call.
        for s in 1..=6 {
            for p in 0..15 {
                for n in 0..15 {
                    let calls = simulate(p, n, s);
                    assert_eq!(calls.len() as u32, p + n);
                    let mut prio_run = 0;
                    let mut normal_run = 0;
                    let (mut p_left, mut n_left) = (p, n);
                    for c in calls {
                        let both_waiting = p_left > 0 && n_left > 0;
                        match c {
                            Class::Priority => {
                                p_left -= 1;
                                prio_run += 1;
                                normal_run = 0;
                                if both_waiting {
                                    assert!(prio_run <= s, "s={s} p={p} n={n}: normal starved");
                                }
                            }
                            Class::Normal => {
                                n_left -= 1;
                                normal_run += 1;
                                prio_run = 0;
                                if both_waiting {
                                    assert!(normal_run <= 1, "s={s} p={p} n={n}: priority starved");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn people_ahead_matches_the_simulated_call_order() {
        // What must hold: the closed form equals the position in a simulated run.
        for s in 1..=4 {
            for p in 0..12u32 {
                for n in 0..12u32 {
                    let calls = simulate(p, n, s);
                    let (mut pi, mut ni) = (0, 0);
                    for (pos, c) in calls.iter().enumerate() {
                        let got = match c {
                            Class::Priority => {
                                pi += 1;
                                people_ahead(true, pi - 1, n, s)
                            }
                            Class::Normal => {
                                ni += 1;
                                people_ahead(false, ni - 1, p, s)
                            }
                        };
                        assert_eq!(got, pos as u32, "s={s} p={p} n={n} call {pos} {c:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn average_clamps_outliers_and_defaults_without_history() {
        assert_eq!(average_service_secs(&[]), DEFAULT_SERVICE_SECS);
        assert_eq!(average_service_secs(&[120, 240]), 180);
        // 5 s (a mistaken tap) counts as 30 s, 5 h (forgot to complete) as 1 h.
        assert_eq!(average_service_secs(&[5, 18_000]), (30 + 3600) / 2);
        // Only the window counts.
        let mut v = vec![60; SERVICE_TIME_WINDOW];
        v.push(3600);
        assert_eq!(average_service_secs(&v), 60);
    }

    #[test]
    fn wait_estimate_divides_by_open_counters_and_rounds_up() {
        assert_eq!(estimate_wait_minutes(300, 0, 2), 0);
        assert_eq!(estimate_wait_minutes(300, 4, 2), 10);
        assert_eq!(estimate_wait_minutes(300, 3, 2), 8); // 450 s -> 7.5 min -> 8
        assert_eq!(estimate_wait_minutes(300, 2, 0), 10); // no open counter counts as one
        assert_eq!(estimate_wait_minutes(61, 1, 1), 2);
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        // Local (UTC+7) wall time to UTC.
        vn_offset().with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().with_timezone(&Utc)
    }

    fn office() -> Schedule {
        Schedule::new(&["07:30-11:30".into(), "13:30-17:00".into()], &[1, 2, 3, 4, 5])
    }

    #[test]
    fn opening_hours_follow_local_time_and_weekdays() {
        let s = office();
        // 2026-03-02 is a Monday.
        assert!(s.is_open_at(utc(2026, 3, 2, 7, 30)));
        assert!(!s.is_open_at(utc(2026, 3, 2, 7, 29)));
        assert!(!s.is_open_at(utc(2026, 3, 2, 11, 30)));
        assert!(s.is_open_at(utc(2026, 3, 2, 16, 59)));
        assert!(!s.is_open_at(utc(2026, 3, 7, 9, 0))); // Saturday
    }

    #[test]
    fn closed_reports_the_next_opening() {
        let s = office();
        // Lunch break: opens again at 13:30 the same day.
        assert_eq!(
            availability(utc(2026, 3, 2, 12, 0), &s, 0, 0, false),
            Availability::Closed { next_open: Some(utc(2026, 3, 2, 13, 30)) }
        );
        // Friday evening: Monday 07:30.
        assert_eq!(
            availability(utc(2026, 3, 6, 18, 0), &s, 0, 0, false),
            Availability::Closed { next_open: Some(utc(2026, 3, 9, 7, 30)) }
        );
        // No working day at all.
        let never = Schedule::new(&["07:30-11:30".into()], &[]);
        assert_eq!(
            availability(utc(2026, 3, 2, 9, 0), &never, 0, 0, false),
            Availability::Closed { next_open: None }
        );
    }

    #[test]
    fn cap_reached_reopens_on_a_later_day() {
        let s = office();
        assert_eq!(availability(utc(2026, 3, 2, 9, 0), &s, 100, 99, false), Availability::Open);
        assert_eq!(
            availability(utc(2026, 3, 2, 9, 0), &s, 100, 100, false),
            Availability::CapReached { next_open: Some(utc(2026, 3, 3, 7, 30)) }
        );
        // Cap 0 means no cap.
        assert_eq!(availability(utc(2026, 3, 2, 9, 0), &s, 0, 10_000, false), Availability::Open);
    }

    #[test]
    fn always_open_ignores_hours_but_not_the_cap() {
        let s = office();
        assert_eq!(availability(utc(2026, 3, 7, 23, 0), &s, 0, 0, true), Availability::Open);
        assert_eq!(
            availability(utc(2026, 3, 7, 23, 0), &s, 5, 5, true),
            Availability::CapReached { next_open: Some(utc(2026, 3, 8, 0, 0)) }
        );
    }

    #[test]
    fn periods_parse() {
        assert_eq!(parse_period("07:30-11:30"), Some((450, 690)));
        assert_eq!(parse_period("11:30-07:30"), None);
        assert_eq!(parse_period("7:30-11:30"), None);
    }

    #[test]
    fn availability_serialises_with_a_state_tag() {
        let v = serde_json::to_value(Availability::Closed { next_open: None }).unwrap();
        assert_eq!(v, serde_json::json!({"state": "closed", "next_open": null}));
        let v = serde_json::to_value(Availability::Open).unwrap();
        assert_eq!(v, serde_json::json!({"state": "open"}));
    }
}
