//! Administrative procedures (thủ tục hành chính) as published in the national
//! procedure database, and the versioned catalog file that carries them.
//!
//! Plain serde types only; the rules a catalog must follow are in
//! [`super::catalog_rules`], storage and search in [`crate::catalog`]. The JSON
//! format is documented in `docs/catalog.md`.

pub use super::catalog_rules::{validate, CatalogIssue, MAX_DOCUMENT_COUNT, MAX_FEE, MAX_WORKING_DAYS};
pub use super::provenance::{Fact, Source};
pub use super::time_limit::{TimeLimit, TimeUnit};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// The catalog format this firmware writes. Format 2 added sources, unverified
/// values, time limits with a unit and English names.
pub const CATALOG_FORMAT: u32 = 2;
/// The oldest format it still reads (format 1 files are a subset of format 2).
pub const OLDEST_CATALOG_FORMAT: u32 = 1;

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
    /// The limit with its unit, when it is a fixed amount (see [`TimeLimit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeLimit>,
    /// Format 1: working days (0 = the same day). Read for older catalogs; a
    /// method gives either this or `time`.
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
    /// The time limit with its unit: `time`, or the format-1 `working_days`.
    pub fn limit(&self) -> Option<TimeLimit> {
        self.time.clone().or_else(|| self.working_days.map(TimeLimit::from_legacy_working_days))
    }

    /// A short time limit for a screen: "Trong ngày", "7 ngày làm việc", "30 ngày
    /// (kể cả ngày nghỉ)", or the published text when the limit is not a fixed amount.
    pub fn duration_display(&self) -> String {
        match self.limit() {
            Some(t) => t.display_vi(),
            None => self.processing_time.trim().to_string(),
        }
    }

    /// The English counterpart of [`Method::duration_display`]; the published
    /// (Vietnamese) text when there is no fixed amount.
    pub fn duration_display_en(&self) -> String {
        match self.limit() {
            Some(t) => t.display_en(),
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

    /// How a citizen needs it. The portal has no field for this, so it is
    /// read from what it does say: a name that names its case ("(trường hợp
    /// trẻ bị bỏ rơi)", "nếu có") is needed only then; nothing to hand in
    /// ("Bản chính: 0 - Bản sao: 0") means it is shown, not handed in.
    pub fn need(&self) -> DocumentNeed {
        let name = self.name.to_lowercase();
        if ["trường hợp", "nếu có", "(nếu "].iter().any(|w| name.contains(w)) {
            DocumentNeed::Conditional
        } else if self.originals == 0 && self.copies == 0 {
            DocumentNeed::ShowOnly
        } else {
            DocumentNeed::Required
        }
    }

    /// What to hand in, in words: "Nộp 1 bản chính, 2 bản sao" / "Hand in 1
    /// original, 2 copies"; "Chỉ xuất trình" / "Show only" when nothing is handed in.
    pub fn hand_in(&self, en: bool) -> String {
        let mut parts = Vec::new();
        if self.originals > 0 {
            parts.push(if en {
                format!("{} original{}", self.originals, if self.originals > 1 { "s" } else { "" })
            } else {
                format!("{} bản chính", self.originals)
            });
        }
        if self.copies > 0 {
            parts.push(if en {
                format!("{} cop{}", self.copies, if self.copies > 1 { "ies" } else { "y" })
            } else {
                format!("{} bản sao", self.copies)
            });
        }
        match (parts.is_empty(), en) {
            (true, false) => "Chỉ xuất trình, không nộp".into(),
            (true, true) => "Show only, not handed in".into(),
            (false, false) => format!("Nộp {}", parts.join(", ")),
            (false, true) => format!("Hand in {}", parts.join(", ")),
        }
    }
}

/// How a citizen needs a document (the detail page and the printed
/// checklist mark each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentNeed {
    Required,
    /// Only in the case its name says.
    Conditional,
    /// Shown at the counter, nothing handed in.
    ShowOnly,
}

impl DocumentNeed {
    pub fn key(self) -> &'static str {
        match self {
            DocumentNeed::Required => "required",
            DocumentNeed::Conditional => "conditional",
            DocumentNeed::ShowOnly => "show_only",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentNeed::Required => "Bắt buộc",
            DocumentNeed::Conditional => "Trong một số trường hợp",
            DocumentNeed::ShowOnly => "Chỉ xuất trình",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DocumentNeed::Required => "Required",
            DocumentNeed::Conditional => "In some cases",
            DocumentNeed::ShowOnly => "Show only",
        }
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
    /// English name, for visitors and foreign residents ("Birth registration").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// English words searched like the keywords ("birth certificate").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords_en: Vec<String>,
    /// Where the facts were checked, and when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Values no source confirms: the kiosk says "hỏi tại quầy" instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<Fact>,
}

impl Procedure {
    pub fn method(&self, channel: Channel) -> Option<&Method> {
        self.methods.iter().find(|m| m.channel == channel)
    }

    /// Whether a value may be shown as fact (it is not listed as unverified).
    pub fn is_verified(&self, fact: Fact) -> bool {
        !self.unverified.contains(&fact)
    }

    /// The most recent day a source was read, if any.
    pub fn last_checked(&self) -> Option<chrono::NaiveDate> {
        self.sources.iter().filter_map(Source::checked_date).max()
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

/// Small valid values for tests of this module and its neighbours.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn method() -> Method {
        Method {
            channel: Channel::TrucTiep,
            processing_time: "Ngay trong ngày".into(),
            time: Some(TimeLimit::same_day(None)),
            working_days: None,
            fee: String::new(),
            fee_amount: Some(0),
            description: String::new(),
        }
    }

    pub fn procedure(code: &str, name: &str) -> Procedure {
        Procedure {
            code: code.into(),
            name: name.into(),
            field: "Hộ tịch".into(),
            level: Level::Xa,
            kind: String::new(),
            agency: "UBND cấp xã".into(),
            subjects: vec![],
            steps: vec!["Nộp hồ sơ".into()],
            methods: vec![method()],
            documents: vec![Document {
                name: "Tờ khai".into(),
                form: Some("Tờ khai đăng ký khai sinh".into()),
                originals: 1,
                copies: 0,
            }],
            conditions: vec![],
            legal_basis: vec![],
            result: String::new(),
            online_level: Some(OnlineLevel::ToanTrinh),
            queue_service: "HT".into(),
            keywords: vec![],
            name_en: None,
            keywords_en: vec![],
            sources: vec![],
            unverified: vec![],
        }
    }

    pub fn file(procs: Vec<Procedure>) -> CatalogFile {
        CatalogFile {
            format: CATALOG_FORMAT,
            version: "2026.11.1".into(),
            sample: true,
            note: String::new(),
            procedures: procs,
        }
    }
}

#[cfg(test)]
mod tests;
