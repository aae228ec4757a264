//! Language: Slint's bundled translations for UI strings, and `pick` for the
//! few texts Rust builds itself (service names come in both languages).

use crate::config::Language;

/// Selects the UI language. Vietnamese is the source language of the `.slint`
/// files (Slint's "original" strings), English a bundled translation.
pub fn select(lang: Language) {
    let code = match lang {
        Language::Vi => "",
        Language::En => "en",
    };
    if let Err(e) = slint::select_bundled_translation(code) {
        tracing::warn!("cannot select UI language {}: {e}", lang.code());
    }
}

/// Picks the Vietnamese or English variant of a text built in Rust.
pub fn pick<'a>(lang: Language, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Language::Vi => vi,
        Language::En => en,
    }
}

const WEEKDAYS_VI: [&str; 7] = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"];
const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// "Chủ nhật, 29/11/2026" / "Sunday, 29/11/2026".
pub fn long_date(lang: Language, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let i = d.weekday().num_days_from_monday() as usize;
    let name = pick(lang, WEEKDAYS_VI[i], WEEKDAYS_EN[i]);
    format!("{name}, {}", crate::domain::localtime::format_date(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_date_names_the_weekday() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(long_date(Language::Vi, d), "Chủ nhật, 29/11/2026");
        assert_eq!(long_date(Language::En, d), "Sunday, 29/11/2026");
    }
}
