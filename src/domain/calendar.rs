//! The working-day calendar a centre edits: weekends, public holidays and
//! make-up working days ("ngày làm bù": a Saturday worked in exchange for a
//! weekday off, e.g. Sat 10 Jan 2026 for Fri 2 Jan 2026).
//!
//! Deadlines in working days (ngày làm việc) are counted with it; calendar-day
//! limits only use it to move a last day that falls on a day off.
//!
//! Pure: dates are local (UTC+7) calendar days.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Working days: Monday to Friday, except public holidays, plus the make-up
/// working days (weekend days worked instead of a weekday off).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    make_up: BTreeSet<NaiveDate>,
}

/// Which list of the config an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarList {
    /// `dossier.holidays`
    Holidays,
    /// `dossier.make_up_working_days`
    MakeUp,
}

impl CalendarList {
    /// The config key of the list.
    pub fn key(self) -> &'static str {
        match self {
            CalendarList::Holidays => "dossier.holidays",
            CalendarList::MakeUp => "dossier.make_up_working_days",
        }
    }
}

/// An impossible calendar entry: which list, which position, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarProblem {
    pub list: CalendarList,
    pub index: usize,
    pub message: String,
    /// An example of a good value.
    pub hint: &'static str,
}

impl CalendarProblem {
    /// `dossier.holidays[3]`
    pub fn path(&self) -> String {
        format!("{}[{}]", self.list.key(), self.index)
    }
}

impl std::fmt::Display for CalendarProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path(), self.message)
    }
}

fn weekday_vi_en(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "a Monday",
        Weekday::Tue => "a Tuesday",
        Weekday::Wed => "a Wednesday",
        Weekday::Thu => "a Thursday",
        Weekday::Fri => "a Friday",
        Weekday::Sat => "a Saturday",
        Weekday::Sun => "a Sunday",
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn parse(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Every impossible entry of the two lists, in order: a value that is not a
/// date, a date listed twice, a make-up working day that is not a Saturday or
/// Sunday (weekdays are working days already), a day that is both a holiday
/// and a make-up working day.
pub fn check<S: AsRef<str>>(holidays: &[S], make_up: &[S]) -> Vec<CalendarProblem> {
    let mut out = Vec::new();
    let problem = |list, index, message: String, hint| CalendarProblem { list, index, message, hint };
    let mut seen_h = BTreeSet::new();
    for (i, s) in holidays.iter().enumerate() {
        let s = s.as_ref();
        match parse(s) {
            None => out.push(problem(
                CalendarList::Holidays,
                i,
                format!("`{s}` is not a date YYYY-MM-DD"),
                "\"2026-09-02\"",
            )),
            Some(d) if !seen_h.insert(d) => {
                out.push(problem(CalendarList::Holidays, i, format!("{d} is listed twice"), "each day once"))
            }
            Some(_) => {}
        }
    }
    let mut seen_m = BTreeSet::new();
    for (i, s) in make_up.iter().enumerate() {
        let s = s.as_ref();
        match parse(s) {
            None => out.push(problem(
                CalendarList::MakeUp,
                i,
                format!("`{s}` is not a date YYYY-MM-DD"),
                "\"2026-01-10\"",
            )),
            Some(d) if !seen_m.insert(d) => {
                out.push(problem(CalendarList::MakeUp, i, format!("{d} is listed twice"), "each day once"))
            }
            Some(d) if !is_weekend(d) => out.push(problem(
                CalendarList::MakeUp,
                i,
                format!(
                    "{d} is {}: a make-up working day must be a Saturday or Sunday (weekdays are working days already)",
                    weekday_vi_en(d)
                ),
                "a Saturday such as \"2026-01-10\"",
            )),
            Some(d) if seen_h.contains(&d) => out.push(problem(
                CalendarList::MakeUp,
                i,
                format!("{d} is also listed in dossier.holidays: a day cannot be both a holiday and a working day"),
                "remove it from one of the two lists",
            )),
            Some(_) => {}
        }
    }
    out
}

impl WorkCalendar {
    /// Holidays only (no make-up days).
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self { holidays: holidays.into_iter().collect(), make_up: BTreeSet::new() }
    }

    /// Adds make-up working days (weekend days worked).
    pub fn with_make_up_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.make_up.extend(days);
        self
    }

    /// From `YYYY-MM-DD` strings (holidays only); unparsable entries are
    /// skipped (the config check reports them).
    pub fn from_strings<S: AsRef<str>>(days: &[S]) -> Self {
        Self::new(days.iter().filter_map(|d| parse(d.as_ref())))
    }

    /// From the config's two lists. Entries [`check`] refuses are left out
    /// (the config check reports them before the centre starts): a bad date
    /// is skipped, a day in both lists stays a holiday.
    pub fn from_config<S: AsRef<str>>(holidays: &[S], make_up: &[S]) -> Self {
        let cal = Self::from_strings(holidays);
        let make_up: Vec<NaiveDate> = make_up
            .iter()
            .filter_map(|d| parse(d.as_ref()))
            .filter(|d| is_weekend(*d) && !cal.holidays.contains(d))
            .collect();
        cal.with_make_up_days(make_up)
    }

    /// The 2026 calendar of the official notices ([`DEFAULT_HOLIDAYS_2026`],
    /// [`DEFAULT_MAKE_UP_DAYS_2026`]).
    pub fn default_2026() -> Self {
        Self::from_config(&DEFAULT_HOLIDAYS_2026, &DEFAULT_MAKE_UP_DAYS_2026)
    }

    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.contains(&d)
    }

    pub fn is_make_up_day(&self, d: NaiveDate) -> bool {
        self.make_up.contains(&d)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.make_up.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.holidays.contains(&d)
    }

    /// The configured holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The configured make-up working days, in order.
    pub fn make_up_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.make_up.iter().copied()
    }

    /// Working days in `(from, to]`; 0 when `to <= from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The day `n` working days after `from` (`n = 0`: `from` itself).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The day `n` working days before `from`.
    pub fn sub_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d -= Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `d` if it is a working day, else the next working day.
    pub fn this_or_next_working_day(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working_day(d) {
            d
        } else {
            self.add_working_days(d, 1)
        }
    }

    /// Working days of a year (for the calendar listing).
    pub fn working_days_in_year(&self, year: i32) -> u32 {
        let (Some(first), Some(last)) =
            (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            return 0;
        };
        first.iter_days().take_while(|d| *d <= last).filter(|d| self.is_working_day(*d)).count() as u32
    }
}

/// Weekdays off in 2026 for civil servants, which one-stop centres follow:
/// - Tết Dương lịch: Thu 1 Jan and Fri 2 Jan (1–4 Jan off; Fri 2 Jan swapped
///   with Sat 10 Jan) — Văn phòng Chính phủ, văn bản 12729/VPCP-KGVX of
///   25/12/2025 (the Deputy Prime Minister's agreement with the Ministry of
///   Home Affairs' proposal);
/// - Tết Nguyên đán Bính Ngọ: Mon 16 – Fri 20 Feb (14–22 Feb off, with two
///   weekends) and Quốc khánh: Mon 31 Aug – Wed 2 Sep (29 Aug – 2 Sep off;
///   Mon 31 Aug swapped with Sat 22 Aug) — the Prime Minister's agreement
///   conveyed by Văn phòng Chính phủ in October 2025 (reported 13/10/2025);
/// - Giỗ Tổ Hùng Vương (10/3 âm lịch) falls on Sun 26 Apr: off Mon 27 Apr
///   (Bộ luật Lao động 2019, art. 111: a holiday on a weekly rest day is
///   taken the next working day);
/// - 30 Apr (Thu) and 1 May (Fri).
///
/// 24 Nov (Ngày Văn hóa Việt Nam, a Tuesday in 2026) is not listed: the
/// Politburo's Resolution 80-NQ/TW (January 2026) made it a paid day off in
/// principle and the Government's Resolution 30/NQ-CP (February 2026) asked
/// for Bộ luật Lao động art. 112 to be amended, but no amendment in force for
/// 2026 was found; a centre that was closed that day adds "2026-11-24". Weekend days inside the breaks are not
/// listed (they are days off anyway). Check each year's notice and set
/// `dossier.holidays` and `dossier.make_up_working_days`.
pub const DEFAULT_HOLIDAYS_2026: [&str; 13] = [
    "2026-01-01",
    "2026-01-02",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-04-27",
    "2026-04-30",
    "2026-05-01",
    "2026-08-31",
    "2026-09-01",
    "2026-09-02",
];

/// Saturdays worked in 2026 in exchange for a weekday off (see
/// [`DEFAULT_HOLIDAYS_2026`] for the notices): Sat 10 Jan (for Fri 2 Jan) and
/// Sat 22 Aug (for Mon 31 Aug).
pub const DEFAULT_MAKE_UP_DAYS_2026: [&str; 2] = ["2026-01-10", "2026-08-22"];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn holidays_are_off_and_make_up_saturdays_are_working_days() {
        // Must hold: with the 2026 defaults, Fri 2 Jan is off and Sat 10 Jan is
        // worked; an ordinary Saturday stays off; Mon 31 Aug is off and Sat 22 Aug worked.
        let cal = WorkCalendar::default_2026();
        assert!(!cal.is_working_day(d(2026, 1, 1)));
        assert!(!cal.is_working_day(d(2026, 1, 2)));
        assert!(cal.is_working_day(d(2026, 1, 10)), "make-up Saturday");
        assert!(!cal.is_working_day(d(2026, 1, 17)), "an ordinary Saturday");
        assert!(!cal.is_working_day(d(2026, 8, 31)));
        assert!(cal.is_working_day(d(2026, 8, 22)));
        assert!(!cal.is_working_day(d(2026, 4, 27)), "Giỗ Tổ moved from Sunday 26 Apr");
        assert!(cal.is_working_day(d(2026, 4, 28)));
        // A week with a make-up Saturday has six working days: Mon 5 – Sat 10 Jan.
        assert_eq!(cal.working_days_between(d(2026, 1, 4), d(2026, 1, 11)), 6);
        // Fri 9 Jan + 1 working day is the make-up Saturday, not Monday.
        assert_eq!(cal.add_working_days(d(2026, 1, 9), 1), d(2026, 1, 10));
        assert_eq!(cal.sub_working_days(d(2026, 1, 12), 1), d(2026, 1, 10));
        // 2026: 261 weekdays − 13 weekday holidays + 2 make-up Saturdays.
        assert_eq!(cal.working_days_in_year(2026), 261 - 13 + 2);
    }

    #[test]
    fn nine_days_of_tet_are_skipped() {
        // Must hold: 14–22 Feb 2026 holds no working day; Fri 13 Feb + 1 working day is Mon 23 Feb.
        let cal = WorkCalendar::default_2026();
        assert!(d(2026, 2, 14).iter_days().take(9).all(|x| !cal.is_working_day(x)));
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 23));
        assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 23)), 1);
    }

    #[test]
    fn impossible_entries_are_named_with_their_key() {
        // Must hold: a bad date, a make-up weekday, a day in both lists and a
        // repeated day are each reported with the key and position; the defaults pass.
        assert_eq!(check(&DEFAULT_HOLIDAYS_2026, &DEFAULT_MAKE_UP_DAYS_2026[..]), vec![]);
        let problems = check(
            &["2026-09-02", "2/9/2026", "2026-02-30", "2026-09-02", "2026-08-22"],
            &["2026-01-10", "2026-01-13", "2026-08-22", "x", "2026-01-10"],
        );
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "dossier.holidays[1]: `2/9/2026` is not a date YYYY-MM-DD",
                "dossier.holidays[2]: `2026-02-30` is not a date YYYY-MM-DD",
                "dossier.holidays[3]: 2026-09-02 is listed twice",
                "dossier.make_up_working_days[1]: 2026-01-13 is a Tuesday: a make-up working day must be a \
                 Saturday or Sunday (weekdays are working days already)",
                "dossier.make_up_working_days[2]: 2026-08-22 is also listed in dossier.holidays: a day cannot \
                 be both a holiday and a working day",
                "dossier.make_up_working_days[3]: `x` is not a date YYYY-MM-DD",
                "dossier.make_up_working_days[4]: 2026-01-10 is listed twice",
            ]
        );
        // What the centre uses meanwhile: the day in both lists stays a holiday,
        // the weekday "make-up" day changes nothing.
        let cal = WorkCalendar::from_config(&["2026-08-22"], &["2026-08-22", "2026-01-13"]);
        assert!(!cal.is_working_day(d(2026, 8, 22)));
        assert_eq!(cal.make_up_days().count(), 0);
    }
}
