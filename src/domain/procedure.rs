//! Administrative procedures (thủ tục hành chính) as published in the national
//! procedure database, and the versioned catalog file that carries them.
//!
//! Plain serde types and validation rules only; storage and search live in
//! [`crate::catalog`]. The JSON format is documented in `docs/catalog.md`.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

/// The only catalog file format this firmware reads.
pub const CATALOG_FORMAT: u32 = 1;

/// A catalog file: `{"format":1,"version":"2026.11.1","sample":false,"note":"…","procedures":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub format: u32,
    /// Dotted numbers, compared numerically: `2026.11.1` < `2026.11.10`.
    pub version: String,
    /// True for demonstration data that must not be taken as the official record.
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub note: String,
    pub procedures: Vec<Procedure>,
}

/// Administrative level of the agency that settles the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cấp tỉnh
    Tinh,
    /// Cấp xã (ward / commune)
    Xa,
    /// Cấp huyện: abolished in 2025; kept so older catalogs still load.
    Huyen,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Tinh, Level::Xa, Level::Huyen];

    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Tinh => "Cấp tỉnh",
            Level::Xa => "Cấp xã",
            Level::Huyen => "Cấp huyện",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Level::Tinh => "Provincial level",
            Level::Xa => "Commune level",
            Level::Huyen => "District level",
        }
    }

    /// The JSON value: `tinh`, `xa`, `huyen`.
    pub fn key(self) -> &'static str {
        match self {
            Level::Tinh => "tinh",
            Level::Xa => "xa",
            Level::Huyen => "huyen",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == s)
    }
}

/// How a dossier can be handed in (cách thức thực hiện).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Trực tiếp: at the one-stop desk.
    TrucTiep,
    /// Trực tuyến: on the public-service portal.
    TrucTuyen,
    /// Bưu chính công ích: by public postal service.
    BuuChinh,
}

impl Channel {
    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::TrucTiep => "Trực tiếp",
            Channel::TrucTuyen => "Trực tuyến",
            Channel::BuuChinh => "Bưu chính",
        }
    }
}

/// Online public-service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Toàn trình: the whole procedure can be done online.
    ToanTrinh,
    /// Một phần: part of it (usually the result is collected in person).
    MotPhan,
}

impl OnlineLevel {
    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineLevel::ToanTrinh => "Toàn trình",
            OnlineLevel::MotPhan => "Một phần",
        }
    }
}

/// One row of "cách thức thực hiện": a channel with its time limit and fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub channel: Channel,
    /// As published, e.g. "Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo".
    pub processing_time: String,
    /// Working days when the time limit is a fixed number (0 = the same working day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    /// Fee as published, e.g. "2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang".
    #[serde(default)]
    pub fee: String,
    /// Fee in đồng when it is one fixed amount (0 = free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<u64>,
    #[serde(default)]
    pub description: String,
}

impl Method {
    /// A short time limit for a screen: "Trong ngày", "7 ngày làm việc", or the
    /// published text when the limit is not a fixed number of days.
    pub fn duration_display(&self) -> String {
        match self.working_days {
            Some(0) => "Trong ngày".to_string(),
            Some(d) => format!("{d} ngày làm việc"),
            None => self.processing_time.trim().to_string(),
        }
    }

    /// What the kiosk shows as the fee: "Miễn phí", "10.000 đ", or the published text.
    pub fn fee_display(&self) -> String {
        match self.fee_amount {
            Some(a) => format_fee(a),
            None if self.fee.trim().is_empty() => "Không quy định".to_string(),
            None => self.fee.trim().to_string(),
        }
    }
}

/// One item of the dossier (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub name: String,
    /// Name of the form template (mẫu đơn, tờ khai), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Originals to hand in (bản chính).
    #[serde(default)]
    pub originals: u32,
    /// Copies to hand in (bản sao).
    #[serde(default)]
    pub copies: u32,
}

impl Document {
    /// The quantity as the portal prints it: "Bản chính: 1 - Bản sao: 0".
    pub fn quantity_text(&self) -> String {
        format!("Bản chính: {} - Bản sao: {}", self.originals, self.copies)
    }
}

/// An administrative procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// National code `d.dddddd`, e.g. `1.001193`.
    pub code: String,
    pub name: String,
    /// Lĩnh vực, e.g. "Hộ tịch".
    pub field: String,
    pub level: Level,
    /// Loại thủ tục, e.g. "TTHC được luân chuyển" (free text, may be empty).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Implementing agency (cơ quan thực hiện).
    pub agency: String,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub steps: Vec<String>,
    pub methods: Vec<Method>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub legal_basis: Vec<String>,
    #[serde(default)]
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_level: Option<OnlineLevel>,
    /// Code of the queue service whose counters receive the dossier (e.g. `HT`).
    pub queue_service: String,
    /// Words citizens use for it ("sổ đỏ", "giấy khai sinh", "hộ khẩu").
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl Procedure {
    pub fn method(&self, channel: Channel) -> Option<&Method> {
        self.methods.iter().find(|m| m.channel == channel)
    }
}

/// True for a national procedure code `d.dddddd`.
pub fn is_valid_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 8 && b[0].is_ascii_digit() && b[1] == b'.' && b[2..].iter().all(u8::is_ascii_digit)
}

/// Formats an amount of đồng the Vietnamese way: `10000` → "10.000 đ".
pub fn format_dong(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out.push_str(" đ");
    out
}

/// A fee for display: 0 is "Miễn phí", anything else is [`format_dong`].
pub fn format_fee(amount: u64) -> String {
    if amount == 0 {
        "Miễn phí".to_string()
    } else {
        format_dong(amount)
    }
}

/// A catalog version: dotted non-negative integers (`2026.11.1`).
#[derive(Debug, Clone)]
pub struct CatalogVersion(Vec<u64>);

impl PartialEq for CatalogVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for CatalogVersion {}

impl CatalogVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let parts: Option<Vec<u64>> = s
            .split('.')
            .map(|p| {
                if p.is_empty() || p.len() > 12 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    p.parse().ok()
                }
            })
            .collect();
        parts.map(CatalogVersion)
    }
}

impl Ord for CatalogVersion {
    /// Missing trailing parts count as 0: `2026.11` == `2026.11.0`.
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        for i in 0..n {
            let a = self.0.get(i).copied().unwrap_or(0);
            let b = other.0.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for CatalogVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for CatalogVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

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
    if file.format != CATALOG_FORMAT {
        push(
            "format".into(),
            &format!("unsupported format {} (this firmware reads {CATALOG_FORMAT})", file.format),
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
            if m.processing_time.trim().is_empty() && m.working_days.is_none() {
                push(at("processing_time"), "give the time limit as text or working_days");
            }
            if m.working_days.is_some_and(|d| d > MAX_WORKING_DAYS) {
                push(at("working_days"), &format!("more than {MAX_WORKING_DAYS} working days"));
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
        for (j, k) in p.keywords.iter().enumerate() {
            if crate::domain::text::fold(k).is_empty() {
                push(format!("procedures[{i}].keywords[{j}]"), "has no letters or digits");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
