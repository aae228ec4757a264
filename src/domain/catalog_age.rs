//! Whether the kiosk's procedure catalog is too old to be trusted without a
//! word of caution (issue 18): procedures, papers and fees change (the 2025
//! reform abolished district level), and a kiosk that never receives its
//! centre's updates keeps showing what was true when it was last checked.

use chrono::NaiveDate;

/// Default for `catalog.max_age_days`: half a year.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 180;

/// What the kiosk can say about its catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogState {
    /// No catalog could be opened (not even the bundled one).
    Missing,
    /// Checked on `as_of`, older than the limit.
    Outdated {
        as_of: NaiveDate,
    },
    Current,
}

/// The day a catalog's facts were last checked: the newest source reading
/// when it names its sources (the bundled sample: the day it was installed
/// says nothing about its facts), else the day it was imported (a centre's
/// own catalog is its official record as of that day). `None`: neither known.
pub fn as_of(newest_checked: Option<NaiveDate>, imported_on: Option<NaiveDate>) -> Option<NaiveDate> {
    newest_checked.or(imported_on)
}

/// The state of a catalog checked on `as_of`, `today`, with `max_age_days`
/// (0: never outdated). A catalog of unknown age is taken as current: the
/// caution is for what is known to be old, not a guess.
pub fn state(loaded: bool, as_of: Option<NaiveDate>, today: NaiveDate, max_age_days: u32) -> CatalogState {
    if !loaded {
        return CatalogState::Missing;
    }
    match as_of {
        Some(d) if max_age_days > 0 && (today - d).num_days() > i64::from(max_age_days) => {
            CatalogState::Outdated { as_of: d }
        }
        _ => CatalogState::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn sources_win_over_the_import_day() {
        assert_eq!(as_of(Some(day(2026, 3, 2)), Some(day(2026, 11, 1))), Some(day(2026, 3, 2)));
        assert_eq!(as_of(None, Some(day(2026, 11, 1))), Some(day(2026, 11, 1)));
        assert_eq!(as_of(None, None), None);
    }

    #[test]
    fn outdated_only_past_the_limit_and_never_when_unknown_or_disabled() {
        let today = day(2026, 11, 29);
        assert_eq!(state(false, None, today, 180), CatalogState::Missing);
        // 180 days exactly is still current; 181 is not.
        assert_eq!(state(true, Some(today - chrono::Days::new(180)), today, 180), CatalogState::Current);
        let old = today - chrono::Days::new(181);
        assert_eq!(state(true, Some(old), today, 180), CatalogState::Outdated { as_of: old });
        assert_eq!(state(true, Some(old), today, 0), CatalogState::Current);
        assert_eq!(state(true, None, today, 180), CatalogState::Current);
        // Checked after "today" (a clock behind): current.
        assert_eq!(state(true, Some(day(2026, 12, 2)), today, 180), CatalogState::Current);
    }
}
