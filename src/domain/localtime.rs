//! Local time of the centre, and the formats it is written in. Viet Nam is
//! UTC+7 all year (no DST), so a fixed offset is exact and needs no time-zone
//! database on the kiosk. Every date or time shown, printed or served as text
//! goes through the `format_*` functions here, so they all read alike.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// Asia/Ho_Chi_Minh, UTC+7.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// Converts a UTC instant into Vietnamese local time.
pub fn to_local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&vn_offset())
}

/// The local calendar day an instant belongs to (queue numbers reset at local midnight).
pub fn service_day(t: DateTime<Utc>) -> NaiveDate {
    to_local(t).date_naive()
}

/// Local midnight at the start of `day`, as a UTC instant.
pub fn day_start_utc(day: NaiveDate) -> DateTime<Utc> {
    vn_offset()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("fixed offset is unambiguous")
        .with_timezone(&Utc)
}

/// `DD/MM/YYYY`, the Vietnamese date format.
pub fn format_date(d: NaiveDate) -> String {
    d.format(DATE).to_string()
}

const DATE: &str = "%d/%m/%Y";

/// Reads a `DD/MM/YYYY` date (as [`format_date`] writes it).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, DATE).ok()
}

/// `HH:MM`, local time.
pub fn format_time(t: DateTime<Utc>) -> String {
    to_local(t).format("%H:%M").to_string()
}

/// `DD/MM/YYYY HH:MM`, local time (printed tickets, dossier timelines).
pub fn format_date_time(t: DateTime<Utc>) -> String {
    format!("{} {}", format_date(service_day(t)), format_time(t))
}

/// `HH:MM DD/MM/YYYY`, local time, the time first (when a ticket was taken);
/// `sep` goes between the two.
pub fn format_time_date(t: DateTime<Utc>, sep: &str) -> String {
    format!("{}{sep}{}", format_time(t), format_date(service_day(t)))
}

/// `HH:MM ngày DD/MM/YYYY`: an instant in a Vietnamese sentence.
pub fn time_on_day_vi(t: DateTime<Utc>) -> String {
    format_time_date(t, " ngày ")
}

/// `HH:MM on DD/MM/YYYY`: an instant in an English sentence.
pub fn time_on_day_en(t: DateTime<Utc>) -> String {
    format_time_date(t, " on ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_day_changes_at_local_midnight_not_utc() {
        // 16:59:59 UTC = 23:59:59 local; 17:00 UTC = 00:00 next local day.
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 16, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 1, 17, 0, 0).unwrap();
        assert_eq!(service_day(before), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(service_day(after), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(day_start_utc(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()), after);
    }

    #[test]
    fn dates_are_day_month_year() {
        assert_eq!(format_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()), "05/01/2026");
        assert_eq!(parse_date("05/01/2026"), NaiveDate::from_ymd_opt(2026, 1, 5));
        assert_eq!(parse_date("2026-01-05"), None);
    }

    #[test]
    fn times_are_local_and_read_alike() {
        // 23:05 UTC on 4 January is 06:05 local on 5 January.
        let t = Utc.with_ymd_and_hms(2026, 1, 4, 23, 5, 0).unwrap();
        assert_eq!(format_time(t), "06:05");
        assert_eq!(format_date_time(t), "05/01/2026 06:05");
        assert_eq!(format_time_date(t, " · "), "06:05 · 05/01/2026");
        assert_eq!(time_on_day_vi(t), "06:05 ngày 05/01/2026");
        assert_eq!(time_on_day_en(t), "06:05 on 05/01/2026");
    }
}
