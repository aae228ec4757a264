//! `calendar show YEAR`: the working-day calendar as deadlines count it, for
//! the centre to check its `dossier.holidays` and `dossier.make_up_working_days`.

use crate::config::Config;
use crate::domain::localtime::format_date;
use chrono::{Datelike, NaiveDate, Weekday};

fn weekday_vi(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

pub fn show(cfg: &Config, year: i32, json: bool) -> anyhow::Result<()> {
    let (Some(first), Some(last)) =
        (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        anyhow::bail!("{year} is not a year the calendar can show");
    };
    let cal = cfg.dossier.calendar();
    let in_year = |d: &NaiveDate| *d >= first && *d <= last;
    let holidays: Vec<NaiveDate> = cal.holidays().filter(in_year).collect();
    let make_up: Vec<NaiveDate> = cal.make_up_days().filter(in_year).collect();
    let by_month: Vec<u32> = (1..=12)
        .map(|m| {
            first
                .iter_days()
                .take_while(|d| *d <= last)
                .filter(|d| d.month() == m && cal.is_working_day(*d))
                .count() as u32
        })
        .collect();
    let total: u32 = by_month.iter().sum();
    if json {
        let out = serde_json::json!({
            "year": year,
            "holidays": holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "make_up_working_days": make_up.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "working_days": total,
            "working_days_by_month": by_month,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("Lịch làm việc năm {year} (dossier.holidays, dossier.make_up_working_days)");
    println!("Ngày nghỉ lễ, Tết ({}):", holidays.len());
    if holidays.is_empty() {
        println!("  (không có — kiểm tra dossier.holidays)");
    }
    for d in &holidays {
        println!("  {} {}", weekday_vi(*d), format_date(*d));
    }
    println!("Ngày làm bù ({}):", make_up.len());
    for d in &make_up {
        println!("  {} {}", weekday_vi(*d), format_date(*d));
    }
    println!("Số ngày làm việc: {total}");
    let months: Vec<String> = by_month.iter().enumerate().map(|(i, n)| format!("T{}: {n}", i + 1)).collect();
    println!("  {}", months.join(", "));
    Ok(())
}
