//! The rules a catalog file must follow before it is installed. Every issue
//! names the JSON path of the value at fault, so a producer can fix it.

use super::procedure::{
    format_dong, is_valid_code, CatalogFile, CatalogVersion, CATALOG_FORMAT, OLDEST_CATALOG_FORMAT,
};
use std::collections::HashSet;
use std::fmt;

/// A rule a catalog breaks, with the JSON path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIssue {
    /// e.g. `procedures[12].methods[0].fee_amount`
    pub path: String,
    pub message: String,
}

impl fmt::Display for CatalogIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Highest fee accepted as a fixed amount (a typo guard: 100 million đồng).
pub const MAX_FEE: u64 = 100_000_000;
/// Longest time limit accepted, in working days.
pub const MAX_WORKING_DAYS: u32 = 365;
/// Most originals or copies of one document a procedure may ask for.
pub const MAX_DOCUMENT_COUNT: u32 = 50;

/// Checks every rule; an empty list means the catalog can be installed.
pub fn validate(file: &CatalogFile) -> Vec<CatalogIssue> {
    let mut out = Vec::new();
    let mut push =
        |path: String, message: &str| out.push(CatalogIssue { path, message: message.to_string() });
    if !(OLDEST_CATALOG_FORMAT..=CATALOG_FORMAT).contains(&file.format) {
        push(
            "format".into(),
            &format!(
                "unsupported format {} (this firmware reads {OLDEST_CATALOG_FORMAT} to {CATALOG_FORMAT})",
                file.format
            ),
        );
    }
    if CatalogVersion::parse(&file.version).is_none() {
        push("version".into(), "must be dotted numbers such as \"2026.11.1\"");
    }
    if file.procedures.is_empty() {
        push("procedures".into(), "the catalog has no procedures");
    }
    let mut codes = HashSet::new();
    for (i, p) in file.procedures.iter().enumerate() {
        let at = |f: &str| format!("procedures[{i}].{f}");
        if !is_valid_code(&p.code) {
            push(at("code"), &format!("`{}` is not a procedure code d.dddddd (e.g. 1.001193)", p.code));
        } else if !codes.insert(p.code.as_str()) {
            push(at("code"), &format!("`{}` appears twice", p.code));
        }
        for (key, value) in [("name", &p.name), ("field", &p.field), ("agency", &p.agency)] {
            if value.trim().is_empty() {
                push(at(key), "must not be empty");
            }
        }
        if p.name.chars().count() > 500 {
            push(at("name"), "is longer than 500 characters");
        }
        let qs = &p.queue_service;
        if qs.is_empty() || qs.len() > 8 || !qs.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            push(
                at("queue_service"),
                "must be a queue service code: 1-8 upper-case letters or digits (e.g. HT)",
            );
        }
        if p.methods.is_empty() {
            push(at("methods"), "at least one channel (trực tiếp, trực tuyến, bưu chính) is needed");
        }
        let mut channels = HashSet::new();
        for (j, m) in p.methods.iter().enumerate() {
            let at = |f: &str| format!("procedures[{i}].methods[{j}].{f}");
            if !channels.insert(m.channel) {
                push(at("channel"), "the same channel is listed twice");
            }
            if m.processing_time.trim().is_empty() && m.limit().is_none() {
                push(at("processing_time"), "give the time limit as text or as `time`");
            }
            if m.working_days.is_some_and(|d| d > MAX_WORKING_DAYS) {
                push(at("working_days"), &format!("more than {MAX_WORKING_DAYS} working days"));
            }
            if m.working_days.is_some() && m.time.is_some() {
                push(at("working_days"), "give `time` (with its unit) or the older `working_days`, not both");
            }
            if let Some(problem) = m.time.as_ref().and_then(|t| t.problem()) {
                push(at("time"), &problem);
            }
            if m.fee_amount.is_some_and(|a| a > MAX_FEE) {
                push(at("fee_amount"), &format!("more than {} (typo?)", format_dong(MAX_FEE)));
            }
        }
        for (j, d) in p.documents.iter().enumerate() {
            let at = |f: &str| format!("procedures[{i}].documents[{j}].{f}");
            if d.name.trim().is_empty() {
                push(at("name"), "must not be empty");
            }
            if d.originals > MAX_DOCUMENT_COUNT {
                push(at("originals"), &format!("more than {MAX_DOCUMENT_COUNT}"));
            }
            if d.copies > MAX_DOCUMENT_COUNT {
                push(at("copies"), &format!("more than {MAX_DOCUMENT_COUNT}"));
            }
            if d.form.as_ref().is_some_and(|t| t.trim().is_empty()) {
                push(at("form"), "is empty: leave it out when there is no form");
            }
        }
        for (j, s) in p.steps.iter().enumerate() {
            if s.trim().is_empty() {
                push(format!("procedures[{i}].steps[{j}]"), "must not be empty");
            }
        }
        for (key, words) in [("keywords", &p.keywords), ("keywords_en", &p.keywords_en)] {
            for (j, k) in words.iter().enumerate() {
                if crate::domain::text::fold(k).is_empty() {
                    push(format!("procedures[{i}].{key}[{j}]"), "has no letters or digits");
                }
            }
        }
        if p.name_en.as_ref().is_some_and(|n| n.trim().is_empty()) {
            push(at("name_en"), "is empty: leave it out when there is no English name");
        }
        for (j, s) in p.sources.iter().enumerate() {
            for (key, message) in s.problems() {
                push(format!("procedures[{i}].sources[{j}].{key}"), &message);
            }
        }
        let mut unverified = HashSet::new();
        for (j, f) in p.unverified.iter().enumerate() {
            if !unverified.insert(*f) {
                push(format!("procedures[{i}].unverified[{j}]"), &format!("`{}` is listed twice", f.key()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::procedure::fixtures::*;
    use super::super::procedure::*;
    use super::*;

    #[test]
    fn a_good_catalog_has_no_issues() {
        assert_eq!(validate(&file(vec![procedure("1.001193", "Đăng ký khai sinh")])), vec![]);
    }

    #[test]
    fn issues_name_the_json_path() {
        let mut a = procedure("1.001193", "Đăng ký khai sinh");
        let mut b = procedure("1.001193", " ");
        b.methods[0].fee_amount = Some(MAX_FEE + 1);
        b.methods.push(method());
        b.documents[0].copies = 99;
        b.queue_service = "ht".into();
        a.keywords = vec!["--".into()];
        let mut f = file(vec![a, b]);
        f.version = "latest".into();
        f.format = 3;
        let paths: Vec<String> = validate(&f).into_iter().map(|i| i.path).collect();
        for p in [
            "format",
            "version",
            "procedures[0].keywords[0]",
            "procedures[1].code",
            "procedures[1].name",
            "procedures[1].queue_service",
            "procedures[1].methods[0].fee_amount",
            "procedures[1].methods[1].channel",
            "procedures[1].documents[0].copies",
        ] {
            assert!(paths.iter().any(|x| x == p), "missing {p} in {paths:?}");
        }
    }

    #[test]
    fn empty_catalog_is_refused() {
        let issues = validate(&file(vec![]));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "procedures");
    }

    #[test]
    fn json_round_trip_keeps_every_field() {
        let mut p = procedure("1.000894", "Đăng ký kết hôn");
        p.keywords = vec!["lấy vợ".into()];
        p.name_en = Some("Marriage registration".into());
        p.keywords_en = vec!["wedding".into()];
        p.unverified = vec![Fact::Documents];
        p.sources = vec![Source {
            url: Some("https://thuvienphapluat.vn/".into()),
            document: None,
            checked: "2026-12-02".into(),
            covers: vec![Fact::Fee],
            note: "miễn lệ phí".into(),
        }];
        p.methods[0].time = Some(TimeLimit::same_day(Some("15:00")));
        p.methods[0].fee_amount = None;
        p.methods[0].fee = "Theo HĐND tỉnh".into();
        let f = file(vec![p]);
        let text = serde_json::to_string(&f).unwrap();
        assert!(text.contains("\"type\":\"\""), "{text}");
        assert!(text.contains("\"level\":\"xa\""), "{text}");
        assert!(text.contains("\"channel\":\"truc_tiep\""), "{text}");
        assert!(text.contains("\"unverified\":[\"documents\"]"), "{text}");
        assert!(text.contains("\"time\":{\"unit\":\"same_day\",\"cutoff\":\"15:00\"}"), "{text}");
        let back: CatalogFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn format_1_catalogs_still_load() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.methods[0].time = None;
        p.methods[0].working_days = Some(0);
        let mut f = file(vec![p]);
        f.format = 1;
        assert_eq!(validate(&f), vec![]);
        assert_eq!(f.procedures[0].methods[0].limit(), Some(TimeLimit::same_day(None)));
    }

    #[test]
    fn new_values_are_checked_with_their_path() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.methods[0].working_days = Some(1);
        p.methods.push(Method {
            channel: Channel::TrucTuyen,
            time: Some(TimeLimit::working_days(0)),
            ..method()
        });
        p.name_en = Some(" ".into());
        p.keywords_en = vec!["!".into()];
        p.sources = vec![Source {
            url: Some("dichvucong.gov.vn".into()),
            document: None,
            checked: "2026-13-01".into(),
            covers: vec![],
            note: String::new(),
        }];
        p.unverified = vec![Fact::Fee, Fact::Time, Fact::Fee];
        let paths: Vec<String> = validate(&file(vec![p])).into_iter().map(|i| i.path).collect();
        assert_eq!(
            paths,
            [
                "procedures[0].methods[0].working_days",
                "procedures[0].methods[1].time",
                "procedures[0].keywords_en[0]",
                "procedures[0].name_en",
                "procedures[0].sources[0].url",
                "procedures[0].sources[0].checked",
                "procedures[0].unverified[2]",
            ]
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = r#"{"format":1,"version":"1","procedures":[],"extra":1}"#;
        assert!(serde_json::from_str::<CatalogFile>(text).is_err());
    }
}
