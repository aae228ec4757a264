//! Local time of the centre. Viet Nam is UTC+7 all year (no DST), so a fixed
//! offset is exact and needs no time-zone database on the kiosk.

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
    d.format("%d/%m/%Y").to_string()
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
    }
}
