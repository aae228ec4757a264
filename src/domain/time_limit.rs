//! A procedure's time limit (thời hạn giải quyết) with its unit.
//!
//! Laws count limits in different units: "03 ngày làm việc" (working days),
//! "30 ngày" (calendar days: nuôi con nuôi, hòa giải tranh chấp đất đai, giấy
//! phép xây dựng), hours, or "ngay trong ngày" (the same day), often with "if
//! received after 15:00, the next working day". Storing only a number of working
//! days showed a 30-day limit as 30 working days, six weeks instead of four.

use crate::domain::dossier::WorkCalendar;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// How a time limit is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Ngày làm việc: Monday to Friday (and make-up Saturdays), minus holidays.
    WorkingDays,
    /// Ngày: every day of the calendar counts.
    CalendarDays,
    /// Giờ: hours from reception (e.g. 8 working hours for an urgent copy).
    Hours,
    /// Ngay trong ngày: answered the day the dossier is received.
    SameDay,
}

impl TimeUnit {
    pub const ALL: [TimeUnit; 4] =
        [TimeUnit::WorkingDays, TimeUnit::CalendarDays, TimeUnit::Hours, TimeUnit::SameDay];

    /// The JSON value.
    pub fn key(self) -> &'static str {
        match self {
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::CalendarDays => "calendar_days",
            TimeUnit::Hours => "hours",
            TimeUnit::SameDay => "same_day",
        }
    }
}

/// A time limit as the law states it: `{"unit": "working_days", "amount": 3}`,
/// `{"unit": "same_day", "cutoff": "15:00"}`, `{"unit": "calendar_days", "amount": 30}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub unit: TimeUnit,
    /// Days or hours; 0 (and left out) for `same_day`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub amount: u32,
    /// `HH:MM`: a dossier received after this time counts as received on the
    /// next working day ("nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm
    /// việc tiếp theo"). Only where the source says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Longest limit accepted, in days (a typo guard; the longest real ones are months).
pub const MAX_DAYS: u32 = 365;
/// Longest limit accepted in hours.
pub const MAX_HOURS: u32 = 240;

impl TimeLimit {
    pub fn working_days(n: u32) -> Self {
        Self { unit: TimeUnit::WorkingDays, amount: n, cutoff: None }
    }

    pub fn calendar_days(n: u32) -> Self {
        Self { unit: TimeUnit::CalendarDays, amount: n, cutoff: None }
    }

    pub fn same_day(cutoff: Option<&str>) -> Self {
        Self { unit: TimeUnit::SameDay, amount: 0, cutoff: cutoff.map(str::to_string) }
    }

    /// The older `working_days` field: 0 was the same day.
    pub fn from_legacy_working_days(n: u32) -> Self {
        if n == 0 {
            Self::same_day(None)
        } else {
            Self::working_days(n)
        }
    }

    /// The cutoff as a time, when it is set and well formed.
    pub fn cutoff_time(&self) -> Option<NaiveTime> {
        self.cutoff.as_deref().and_then(|c| NaiveTime::parse_from_str(c, "%H:%M").ok())
    }

    /// What is wrong with this limit, if anything (the caller adds the JSON path).
    pub fn problem(&self) -> Option<String> {
        if let Some(c) = &self.cutoff {
            if self.cutoff_time().is_none() {
                return Some(format!("cutoff `{c}` is not a time HH:MM such as \"15:00\""));
            }
        }
        match self.unit {
            TimeUnit::SameDay if self.amount != 0 => {
                Some("same_day takes no amount (leave `amount` out)".to_string())
            }
            TimeUnit::SameDay => None,
            _ if self.amount == 0 => Some(format!(
                "{} needs an amount of at least 1 (use same_day for the same day)",
                self.unit.key()
            )),
            TimeUnit::Hours if self.amount > MAX_HOURS => Some(format!("more than {MAX_HOURS} hours")),
            TimeUnit::WorkingDays | TimeUnit::CalendarDays if self.amount > MAX_DAYS => {
                Some(format!("more than {MAX_DAYS} days"))
            }
            _ => None,
        }
    }

    /// Short Vietnamese text for a screen: "3 ngày làm việc", "30 ngày",
    /// "Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)".
    pub fn display_vi(&self) -> String {
        let base = match self.unit {
            TimeUnit::WorkingDays => format!("{} ngày làm việc", self.amount),
            TimeUnit::CalendarDays => format!("{} ngày (kể cả ngày nghỉ)", self.amount),
            TimeUnit::Hours => format!("{} giờ", self.amount),
            TimeUnit::SameDay => "Trong ngày".to_string(),
        };
        match &self.cutoff {
            Some(c) => format!("{base} (nhận sau {c}: ngày làm việc tiếp theo)"),
            None => base,
        }
    }

    /// The English counterpart of [`TimeLimit::display_vi`].
    pub fn display_en(&self) -> String {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        let base = match self.unit {
            TimeUnit::WorkingDays => format!("{} working day{}", self.amount, plural(self.amount)),
            TimeUnit::CalendarDays => {
                format!("{} calendar day{} (weekends included)", self.amount, plural(self.amount))
            }
            TimeUnit::Hours => format!("{} hour{}", self.amount, plural(self.amount)),
            TimeUnit::SameDay => "Same day".to_string(),
        };
        match &self.cutoff {
            Some(c) => format!("{base} (received after {c}: next working day)"),
            None => base,
        }
    }

    /// When the result is due for a dossier received at `received` (local time),
    /// counted with the unit: working days skip weekends and holidays (and count
    /// make-up Saturdays), calendar days do not, hours run from reception. A
    /// dossier received on a day off, or after the cutoff, counts from the next
    /// working day. Days end at the close of office (`day_end`).
    pub fn due(&self, received: NaiveDateTime, cal: &WorkCalendar, day_end: NaiveTime) -> NaiveDateTime {
        let late = self.cutoff_time().is_some_and(|c| received.time() > c);
        // The day counting starts from: the reception day if it is a working day
        // and the dossier came before the cutoff, else the next working day.
        let start = if cal.is_working_day(received.date()) && !late {
            received.date()
        } else {
            cal.add_working_days(received.date(), 1)
        };
        let end_of = |d: NaiveDate| d.and_time(day_end);
        match self.unit {
            TimeUnit::SameDay => end_of(start),
            TimeUnit::WorkingDays => end_of(cal.add_working_days(start, self.amount)),
            TimeUnit::CalendarDays => {
                // The last day of a calendar-day limit that falls on a day off
                // moves to the next working day (Bộ luật Dân sự art. 148).
                let last = start + Duration::days(i64::from(self.amount));
                if cal.is_working_day(last) {
                    end_of(last)
                } else {
                    end_of(cal.add_working_days(last, 1))
                }
            }
            TimeUnit::Hours => {
                let from = if start == received.date() { received } else { start.and_time(NaiveTime::MIN) };
                from + Duration::hours(i64::from(self.amount))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(date: NaiveDate, h: u32, min: u32) -> NaiveDateTime {
        date.and_hms_opt(h, min, 0).unwrap()
    }

    const CLOSE: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
        Some(t) => t,
        None => panic!(),
    };

    #[test]
    fn json_keeps_the_unit() {
        let t: TimeLimit = serde_json::from_str(r#"{"unit":"calendar_days","amount":30}"#).unwrap();
        assert_eq!(t, TimeLimit::calendar_days(30));
        let s: TimeLimit = serde_json::from_str(r#"{"unit":"same_day","cutoff":"15:00"}"#).unwrap();
        assert_eq!(s, TimeLimit::same_day(Some("15:00")));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"unit":"same_day","cutoff":"15:00"}"#);
        assert!(serde_json::from_str::<TimeLimit>(r#"{"unit":"weeks","amount":2}"#).is_err());
        assert!(serde_json::from_str::<TimeLimit>(r#"{"unit":"hours","amount":2,"x":1}"#).is_err());
    }

    #[test]
    fn impossible_limits_are_named() {
        assert!(TimeLimit::working_days(0).problem().unwrap().contains("same_day"));
        assert!(TimeLimit { unit: TimeUnit::SameDay, amount: 2, cutoff: None }.problem().is_some());
        assert!(TimeLimit::same_day(Some("25:00")).problem().unwrap().contains("HH:MM"));
        assert!(TimeLimit::calendar_days(400).problem().is_some());
        assert!(TimeLimit { unit: TimeUnit::Hours, amount: 300, cutoff: None }.problem().is_some());
        assert_eq!(TimeLimit::same_day(Some("15:00")).problem(), None);
        assert_eq!(TimeLimit::working_days(7).problem(), None);
    }

    #[test]
    fn display_says_the_unit() {
        assert_eq!(TimeLimit::working_days(3).display_vi(), "3 ngày làm việc");
        assert_eq!(TimeLimit::calendar_days(30).display_vi(), "30 ngày (kể cả ngày nghỉ)");
        assert_eq!(
            TimeLimit::same_day(Some("15:00")).display_vi(),
            "Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)"
        );
        assert_eq!(TimeLimit::working_days(1).display_en(), "1 working day");
        assert_eq!(TimeLimit::calendar_days(15).display_en(), "15 calendar days (weekends included)");
        assert_eq!(
            TimeLimit::same_day(Some("15:00")).display_en(),
            "Same day (received after 15:00: next working day)"
        );
        assert_eq!(TimeLimit::from_legacy_working_days(0), TimeLimit::same_day(None));
        assert_eq!(TimeLimit::from_legacy_working_days(7), TimeLimit::working_days(7));
    }

    #[test]
    fn calendar_days_count_weekends_working_days_do_not() {
        let cal = WorkCalendar::default();
        // Monday 2 November 2026.
        let mon = at(d(2026, 11, 2), 9, 0);
        assert_eq!(TimeLimit::working_days(5).due(mon, &cal, CLOSE), at(d(2026, 11, 9), 17, 0));
        // 5 calendar days end on Saturday 7 November: the limit moves to Monday 9.
        assert_eq!(TimeLimit::calendar_days(5).due(mon, &cal, CLOSE), at(d(2026, 11, 9), 17, 0));
        assert_eq!(TimeLimit::calendar_days(3).due(mon, &cal, CLOSE), at(d(2026, 11, 5), 17, 0));
        // 30 calendar days is about a month, 30 working days six weeks.
        assert_eq!(TimeLimit::calendar_days(30).due(mon, &cal, CLOSE).date(), d(2026, 12, 2));
        assert_eq!(TimeLimit::working_days(30).due(mon, &cal, CLOSE).date(), d(2026, 12, 14));
    }

    #[test]
    fn same_day_with_cutoff_moves_to_the_next_working_day() {
        let cal = WorkCalendar::default();
        let lim = TimeLimit::same_day(Some("15:00"));
        let fri = d(2026, 11, 6);
        assert_eq!(lim.due(at(fri, 10, 0), &cal, CLOSE), at(fri, 17, 0));
        assert_eq!(lim.due(at(fri, 15, 0), &cal, CLOSE), at(fri, 17, 0));
        // After 15:00 on Friday: Monday.
        assert_eq!(lim.due(at(fri, 15, 1), &cal, CLOSE), at(d(2026, 11, 9), 17, 0));
        // Without a cutoff the same day holds all day.
        assert_eq!(TimeLimit::same_day(None).due(at(fri, 16, 30), &cal, CLOSE), at(fri, 17, 0));
        // Received on a Saturday (online): counts from Monday.
        assert_eq!(lim.due(at(d(2026, 11, 7), 9, 0), &cal, CLOSE), at(d(2026, 11, 9), 17, 0));
        // The cutoff also delays a working-day limit.
        assert_eq!(
            TimeLimit { unit: TimeUnit::WorkingDays, amount: 3, cutoff: Some("15:00".into()) }.due(
                at(fri, 16, 0),
                &cal,
                CLOSE
            ),
            at(d(2026, 11, 12), 17, 0)
        );
    }

    #[test]
    fn hours_run_from_reception() {
        let cal = WorkCalendar::default();
        let lim = TimeLimit { unit: TimeUnit::Hours, amount: 8, cutoff: None };
        assert_eq!(lim.due(at(d(2026, 11, 2), 9, 30), &cal, CLOSE), at(d(2026, 11, 2), 17, 30));
        // Received on Sunday: from Monday 00:00.
        assert_eq!(lim.due(at(d(2026, 11, 1), 9, 30), &cal, CLOSE), at(d(2026, 11, 2), 8, 0));
    }

    #[test]
    fn holidays_are_skipped_by_working_days_only() {
        // 1 and 2 September 2026 are National Day holidays (Tue, Wed).
        let cal = WorkCalendar::from_strings(&["2026-09-01", "2026-09-02"]);
        let mon = at(d(2026, 8, 31), 9, 0);
        assert_eq!(TimeLimit::working_days(1).due(mon, &cal, CLOSE).date(), d(2026, 9, 3));
        assert_eq!(TimeLimit::calendar_days(1).due(mon, &cal, CLOSE).date(), d(2026, 9, 3));
        assert_eq!(TimeLimit::calendar_days(4).due(mon, &cal, CLOSE).date(), d(2026, 9, 4));
    }

    #[test]
    fn limits_across_tet_and_a_make_up_saturday_follow_the_2026_calendar() {
        // Must hold: with the 2026 calendar, 3 working days from Thu 12 Feb skip the
        // nine days of Tết (Fri 13, Mon 23, Tue 24); 5 calendar days end on a Tết
        // holiday and move to the first working day after it; 30 calendar days end on a
        // Saturday and move to Monday; 1 working day from Fri 9 Jan is the make-up
        // Saturday 10 Jan, and a same-day dossier received after the cutoff on
        // Fri 9 Jan is due on that Saturday.
        let cal = WorkCalendar::default_2026();
        let thu = at(d(2026, 2, 12), 9, 0);
        assert_eq!(TimeLimit::working_days(3).due(thu, &cal, CLOSE), at(d(2026, 2, 24), 17, 0));
        assert_eq!(TimeLimit::calendar_days(5).due(thu, &cal, CLOSE), at(d(2026, 2, 23), 17, 0));
        assert_eq!(TimeLimit::calendar_days(30).due(thu, &cal, CLOSE), at(d(2026, 3, 16), 17, 0));
        let fri = d(2026, 1, 9);
        assert_eq!(TimeLimit::working_days(1).due(at(fri, 9, 0), &cal, CLOSE), at(d(2026, 1, 10), 17, 0));
        assert_eq!(
            TimeLimit::same_day(Some("15:00")).due(at(fri, 16, 0), &cal, CLOSE),
            at(d(2026, 1, 10), 17, 0)
        );
        // Without the make-up day (a centre that removed it) the same limit is Monday.
        let plain = WorkCalendar::from_strings(&crate::domain::calendar::DEFAULT_HOLIDAYS_2026);
        assert_eq!(TimeLimit::working_days(1).due(at(fri, 9, 0), &plain, CLOSE), at(d(2026, 1, 12), 17, 0));
    }
}
