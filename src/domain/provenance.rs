//! Where a procedure's facts come from, and which of them nobody has checked.
//!
//! A kiosk that shows a wrong fee or deadline does more harm than no kiosk, so
//! every procedure can name its sources (a web page or a legal document, with
//! the date someone read it) and list the values that are *not* confirmed by
//! them. The kiosk shows an unconfirmed value as "hỏi tại quầy" (ask at the
//! counter), never as fact. A value not listed as unverified is taken as
//! confirmed: a centre's own catalog is its official record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One kind of value of a procedure that a source can confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// The national code.
    Code,
    Name,
    /// Implementing agency.
    Agency,
    /// Thành phần hồ sơ: what to bring.
    Documents,
    /// Processing time of the channels.
    Time,
    /// Fees of the channels.
    Fee,
    Steps,
    Conditions,
    Result,
    LegalBasis,
    OnlineLevel,
}

impl Fact {
    pub const ALL: [Fact; 11] = [
        Fact::Code,
        Fact::Name,
        Fact::Agency,
        Fact::Documents,
        Fact::Time,
        Fact::Fee,
        Fact::Steps,
        Fact::Conditions,
        Fact::Result,
        Fact::LegalBasis,
        Fact::OnlineLevel,
    ];

    /// The JSON value (`legal_basis`).
    pub fn key(self) -> &'static str {
        match self {
            Fact::Code => "code",
            Fact::Name => "name",
            Fact::Agency => "agency",
            Fact::Documents => "documents",
            Fact::Time => "time",
            Fact::Fee => "fee",
            Fact::Steps => "steps",
            Fact::Conditions => "conditions",
            Fact::Result => "result",
            Fact::LegalBasis => "legal_basis",
            Fact::OnlineLevel => "online_level",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Fact::Code => "mã thủ tục",
            Fact::Name => "tên thủ tục",
            Fact::Agency => "cơ quan thực hiện",
            Fact::Documents => "thành phần hồ sơ",
            Fact::Time => "thời hạn giải quyết",
            Fact::Fee => "phí, lệ phí",
            Fact::Steps => "trình tự thực hiện",
            Fact::Conditions => "yêu cầu, điều kiện",
            Fact::Result => "kết quả",
            Fact::LegalBasis => "căn cứ pháp lý",
            Fact::OnlineLevel => "mức độ dịch vụ công trực tuyến",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Fact::Code => "procedure code",
            Fact::Name => "name",
            Fact::Agency => "agency",
            Fact::Documents => "documents",
            Fact::Time => "processing time",
            Fact::Fee => "fees",
            Fact::Steps => "steps",
            Fact::Conditions => "conditions",
            Fact::Result => "result",
            Fact::LegalBasis => "legal basis",
            Fact::OnlineLevel => "online service level",
        }
    }
}

/// A source someone read to check a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The page read (`https://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Or the document when there is no page: "Luật Hộ tịch số 60/2014/QH13, Điều 11".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The day it was read, `YYYY-MM-DD`.
    pub checked: String,
    /// The values it confirms (empty: not said).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Fact>,
    /// What it says, briefly, or why it is only indirect evidence.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Source {
    pub fn checked_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.checked, "%Y-%m-%d").ok()
    }

    /// The URL, else the document: how a person finds it again.
    pub fn reference(&self) -> &str {
        self.url.as_deref().or(self.document.as_deref()).unwrap_or("")
    }

    /// Problems with this source, each with the key it is about.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let blank = |o: &Option<String>| o.as_ref().is_none_or(|s| s.trim().is_empty());
        if blank(&self.url) && blank(&self.document) {
            out.push(("url", "a source needs a `url` or a `document`".to_string()));
        }
        if let Some(u) = &self.url {
            let ok =
                (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace);
            if !ok {
                out.push(("url", format!("`{u}` is not a web address (http:// or https://)")));
            }
        }
        if self.checked_date().is_none() {
            out.push(("checked", format!("`{}` is not a date YYYY-MM-DD", self.checked)));
        }
        let mut seen = std::collections::HashSet::new();
        if self.covers.iter().any(|f| !seen.insert(*f)) {
            out.push(("covers", "a value is listed twice".to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_keys_match_json() {
        for f in Fact::ALL {
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.key()));
            assert!(!f.label_vi().is_empty() && !f.label_en().is_empty());
        }
        assert!(serde_json::from_str::<Fact>("\"price\"").is_err());
    }

    #[test]
    fn sources_need_a_reference_and_a_date() {
        let ok = Source {
            url: Some("https://thuvienphapluat.vn/x".into()),
            document: None,
            checked: "2026-12-02".into(),
            covers: vec![Fact::Fee],
            note: String::new(),
        };
        assert!(ok.problems().is_empty());
        assert_eq!(ok.reference(), "https://thuvienphapluat.vn/x");
        let bad = Source {
            url: Some("thuvienphapluat.vn".into()),
            document: None,
            checked: "02/12/2026".into(),
            covers: vec![Fact::Fee, Fact::Fee],
            note: String::new(),
        };
        let keys: Vec<&str> = bad.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["url", "checked", "covers"]);
        let none = Source { url: None, document: Some(" ".into()), ..ok.clone() };
        assert_eq!(none.problems()[0].0, "url");
        let doc = Source { url: None, document: Some("Luật Hộ tịch 2014, Điều 11".into()), ..ok };
        assert!(doc.problems().is_empty());
        assert_eq!(doc.reference(), "Luật Hộ tịch 2014, Điều 11");
    }
}
