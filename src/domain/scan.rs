//! What a scanned code is: an ID card, a health-insurance card (refused with a
//! helpful message), a dossier receipt, one of our own tickets, or something else.
//!
//! Pure: the text comes decoded and NFC-normalised from the reader driver, with its
//! AIM symbology identifier when the reader sends one.

use chrono::NaiveDate;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

use super::citizen_id::{CitizenId, CitizenIdError};
use super::provision::ProvisionPayload;

/// Path of the ticket tracking page in the QR printed on tickets:
/// `http://HOST:8700/t/<tracking code>`.
pub const TRACKING_PATH: &str = "/t/";
/// Length bounds of a tracking code (characters `A-Z`, `0-9`). The centre issues
/// 20-character codes (`centre::api::TRACKING_CODE_LEN`).
pub const TRACKING_CODE_MIN: usize = 10;
pub const TRACKING_CODE_MAX: usize = 20;

/// A dossier code `{agency}-{yyMMdd}-{NNNN}`, e.g. `000.00.06.H56-231027-0361`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DossierCode {
    code: String,
    agency_len: usize,
    received: NaiveDate,
    seq: u32,
}

impl DossierCode {
    /// Longest code accepted (docs/openapi.yaml says the same): a 40-character
    /// agency with the longest counter.
    pub const MAX_LEN: usize = 54;

    /// Parses exactly one code (upper-cased). The agency part is dot-separated
    /// alphanumeric segments (at least two), the date a real `yyMMdd` in 2000-2099, the
    /// counter 4 to 6 digits; at most [`DossierCode::MAX_LEN`] characters in all.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let mut parts = s.rsplitn(3, '-');
        let (seq, date, agency) = (parts.next()?, parts.next()?, parts.next()?);
        if !(4..=6).contains(&seq.len()) || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let segments: Vec<&str> = agency.split('.').collect();
        if segments.len() < 2
            || s.len() > Self::MAX_LEN
            || segments.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return None;
        }
        let received = NaiveDate::from_ymd_opt(
            2000 + date[..2].parse::<i32>().ok()?,
            date[2..4].parse().ok()?,
            date[4..].parse().ok()?,
        )?;
        let agency_len = agency.len();
        Some(Self { seq: seq.parse().ok()?, received, agency_len, code: s })
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The agency identifier, e.g. `000.00.06.H56`.
    pub fn agency(&self) -> &str {
        &self.code[..self.agency_len]
    }

    /// The day the dossier was received (from `yyMMdd`).
    pub fn received(&self) -> NaiveDate {
        self.received
    }

    /// The agency's counter for that day.
    pub fn seq(&self) -> u32 {
        self.seq
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// What a scan is.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanKind {
    /// A valid citizen ID card QR.
    CitizenCard(CitizenId),
    /// Looks like an ID card QR but fails validation.
    InvalidCitizenCard(CitizenIdError),
    /// A BHYT (health insurance) card QR: recognised and refused, no data kept.
    HealthInsuranceCard,
    /// A dossier receipt code, bare or inside a URL.
    DossierReceipt(DossierCode),
    /// The QR of one of our tickets: the tracking code.
    TicketTracking(String),
    /// A device provisioning QR (`motcua-kiosk provision`): holds a one-time
    /// secret, so it is never logged or shown in clear; used only on the setup pages.
    Provisioning(ProvisionPayload),
    Unknown,
}

impl ScanKind {
    /// A stable name for logs and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CitizenCard(_) => "citizen_card",
            Self::InvalidCitizenCard(_) => "invalid_citizen_card",
            Self::HealthInsuranceCard => "health_insurance_card",
            Self::DossierReceipt(_) => "dossier_receipt",
            Self::TicketTracking(_) => "ticket_tracking",
            Self::Provisioning(_) => "provisioning",
            Self::Unknown => "unknown",
        }
    }

    /// Vietnamese message for scans the kiosk cannot use here; `None` for usable ones.
    pub fn refusal_vi(&self) -> Option<&'static str> {
        match self {
            Self::InvalidCitizenCard(e) => Some(e.message_vi()),
            Self::HealthInsuranceCard => {
                Some("Đây là thẻ Bảo hiểm y tế. Vui lòng quét mã QR trên thẻ Căn cước (CCCD) của bạn.")
            }
            Self::Provisioning(_) => Some(
                "Đây là mã cấp phép thiết bị, chỉ dùng trong trang Cài đặt kỹ thuật. Vui lòng quét thẻ Căn cước, giấy tiếp nhận hồ sơ hoặc phiếu số thứ tự.",
            ),
            Self::Unknown => Some(
                "Không nhận ra mã này. Vui lòng quét mã QR trên thẻ Căn cước, giấy tiếp nhận hồ sơ hoặc phiếu số thứ tự.",
            ),
            _ => None,
        }
    }

    /// English message for scans the kiosk cannot use here; `None` for usable ones.
    pub fn refusal_en(&self) -> Option<&'static str> {
        match self {
            Self::InvalidCitizenCard(e) => Some(e.message_en()),
            Self::HealthInsuranceCard => {
                Some("This is a health insurance card. Please scan the QR code on your citizen ID card.")
            }
            Self::Provisioning(_) => Some(
                "This is a device provisioning code, used only on the technician's setup pages. Please scan your ID card, dossier receipt or queue ticket.",
            ),
            Self::Unknown => Some(
                "This code is not recognised. Please scan the QR code of your ID card, dossier receipt or queue ticket.",
            ),
            _ => None,
        }
    }
}

/// Classifies a scanned text. `symbology` is the AIM identifier (`]Q1`...) if the
/// reader sent one: ID and health-insurance cards are only accepted from 2D codes
/// (QR, DataMatrix, PDF417, Aztec) or when the symbology is unknown. `today` is the
/// centre's local date, used to validate ID card dates.
pub fn classify(text: &str, symbology: Option<&str>, today: NaiveDate) -> ScanKind {
    let text: String = text.trim().nfc().collect();
    if text.is_empty() {
        return ScanKind::Unknown;
    }
    let two_d = symbology.is_none_or(|s| matches!(s.as_bytes().get(1), Some(b'Q' | b'd' | b'L' | b'z')));
    if two_d {
        if let Some(p) = ProvisionPayload::parse(&text) {
            return ScanKind::Provisioning(p);
        }
    }
    if let Some(code) = tracking_code(&text) {
        return ScanKind::TicketTracking(code);
    }
    if two_d && text.contains('|') {
        let fields: Vec<&str> = text.split('|').map(str::trim).collect();
        if looks_like_health_insurance(&fields) {
            return ScanKind::HealthInsuranceCard;
        }
        if looks_like_citizen_card(&fields) {
            return match CitizenId::parse(&text, today) {
                Ok(id) => ScanKind::CitizenCard(id),
                Err(e) => ScanKind::InvalidCitizenCard(e),
            };
        }
    }
    if let Some(code) = find_dossier_code(&text) {
        return ScanKind::DossierReceipt(code);
    }
    ScanKind::Unknown
}

/// `http(s)://HOST[:PORT]/t/<CODE>[/][?...][#...]` → `CODE`.
fn tracking_code(text: &str) -> Option<String> {
    let lower = text.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &text[7..]
    } else if lower.starts_with("https://") {
        &text[8..]
    } else {
        return None;
    };
    let path = &rest[rest.find('/')?..];
    let after = path.strip_prefix(TRACKING_PATH)?;
    let end = after.find(['?', '#']).unwrap_or(after.len());
    let code = after[..end].strip_suffix('/').unwrap_or(&after[..end]);
    let ok = (TRACKING_CODE_MIN..=TRACKING_CODE_MAX).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    ok.then(|| code.to_owned())
}

/// ID card QR shape: a 12-digit first field, or a number-like first field (9-13
/// digits) with a DDMMYYYY-like field where the birth date goes.
fn looks_like_citizen_card(fields: &[&str]) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let first = fields[0];
    if first.len() == 12 && digits(first) {
        return true;
    }
    fields.len() >= 6
        && (9..=13).contains(&first.len())
        && digits(first)
        && [fields[2], fields[3]].iter().any(|f| f.len() == 8 && digits(f))
}

/// BHYT card QR: card number of 2 letters + 13 digits (e.g. `DN4797915000211`), or a
/// hex-encoded UTF-8 name as the second field.
fn looks_like_health_insurance(fields: &[&str]) -> bool {
    let card = fields[0].as_bytes();
    let card_no = card.len() == 15
        && card[..2].iter().all(u8::is_ascii_uppercase)
        && card[2..].iter().all(u8::is_ascii_digit);
    let hex_name = fields.get(1).is_some_and(|f| {
        f.len() >= 4
            && f.len() % 2 == 0
            && f.bytes().all(|b| b.is_ascii_hexdigit())
            && f.bytes().any(|b| b.is_ascii_alphabetic())
            && decode_hex(f)
                .and_then(|b| String::from_utf8(b).ok())
                .is_some_and(|s| s.chars().any(char::is_alphabetic))
    });
    card_no || hex_name
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The first dossier code in the text, bare or inside a URL (path or query).
fn find_dossier_code(text: &str) -> Option<DossierCode> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .filter(|t| t.len() >= 15)
        .find_map(DossierCode::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    const CCCD: &str =
        "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|20062021";

    #[test]
    fn citizen_card_is_recognised_from_qr_or_unknown_symbology() {
        // Must hold: a valid payload is a CitizenCard with ]Q1 or without AIM id.
        for sym in [Some("]Q1"), None, Some("]d1")] {
            match classify(CCCD, sym, today()) {
                ScanKind::CitizenCard(id) => assert_eq!(id.masked_number(), "048*******23"),
                other => panic!("{sym:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn id_card_payload_from_a_1d_barcode_is_not_trusted() {
        // Must hold: pipe text from a Code 128 symbology is never taken for an ID card.
        assert_eq!(classify(CCCD, Some("]C0"), today()), ScanKind::Unknown);
    }

    #[test]
    fn invalid_citizen_card_says_why() {
        // Must hold: a CCCD-shaped payload failing validation is InvalidCitizenCard with
        // the specific error, including a wrong-length number with a date where expected.
        let bad = CCCD.replace("048095", "003095");
        assert_eq!(
            classify(&bad, Some("]Q1"), today()),
            ScanKind::InvalidCitizenCard(CitizenIdError::UnknownProvince { code: "003".into() })
        );
        let short = CCCD.replace("048095000123", "04809500012");
        assert_eq!(classify(&short, None, today()), ScanKind::InvalidCitizenCard(CitizenIdError::BadNumber));
        let k = classify(&bad, None, today());
        assert!(k.refusal_vi().unwrap().contains("cán bộ"));
    }

    #[test]
    fn health_insurance_card_is_refused_with_a_helpful_message() {
        // Must hold: a BHYT QR (card number + hex-encoded name/address) is recognised, even
        // with an unusual card number, and the message points to the ID card.
        let name_hex: String = "Nguyễn Văn An".bytes().map(|b| format!("{b:02x}")).collect();
        let addr_hex: String = "Hải Châu, Đà Nẵng".bytes().map(|b| format!("{b:02x}")).collect();
        let bhyt = format!(
            "DN4797915000211|{name_hex}|15/03/1995|1|{addr_hex}|48 - 017|01/01/2026|-|01/01/2021|xyz|$"
        );
        let k = classify(&bhyt, Some("]Q1"), today());
        assert_eq!(k, ScanKind::HealthInsuranceCard);
        assert!(k.refusal_vi().unwrap().contains("Bảo hiểm y tế"));
        assert!(k.refusal_en().unwrap().contains("health insurance"));
        let odd_number = bhyt.replacen("DN4797915000211", "4797915000211", 1);
        assert_eq!(classify(&odd_number, None, today()), ScanKind::HealthInsuranceCard);
    }

    #[test]
    fn dossier_codes_bare_or_in_urls() {
        // Must hold: the code is found bare, in a path or in a query, upper-cased; its
        // parts are parsed.
        for text in [
            "000.00.06.H56-231027-0361",
            "https://dichvucong.danang.gov.vn/tra-cuu-ho-so?ma=000.00.06.H56-231027-0361&x=1",
            "http://example.vn/hoso/000.00.06.h56-231027-0361",
        ] {
            match classify(text, Some("]Q1"), today()) {
                ScanKind::DossierReceipt(c) => {
                    assert_eq!(c.as_str(), "000.00.06.H56-231027-0361");
                    assert_eq!(c.agency(), "000.00.06.H56");
                    assert_eq!(c.received(), NaiveDate::from_ymd_opt(2023, 10, 27).unwrap());
                    assert_eq!(c.seq(), 361);
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // Code 128 on a paper receipt is fine too.
        assert!(matches!(
            classify("000.17.22.H56-240101-0001", Some("]C0"), today()),
            ScanKind::DossierReceipt(_)
        ));
        // Not real dates or shapes.
        for bad in
            ["000.00.06.H56-231327-0361", "H56-231027-0361", "000.00.06.H56-231027-36", "tra-cuu-ho-so"]
        {
            assert_eq!(classify(bad, None, today()), ScanKind::Unknown, "{bad}");
        }
    }

    #[test]
    fn ticket_tracking_urls() {
        // Must hold: our ticket URL gives its tracking code; wrong path, length or
        // alphabet does not.
        let ok = [
            ("http://192.168.1.10:8700/t/ABCD2345EFGH", "ABCD2345EFGH"),
            ("HTTPS://kiosk.local/t/0123456789/", "0123456789"),
            ("http://10.0.0.2:8700/t/ABCDEFGHJK23MNPQ?lang=en", "ABCDEFGHJK23MNPQ"),
            // The length the centre issues.
            ("http://127.0.0.1:8700/t/7K3M9Q2XRT5VW8YZ0ABC", "7K3M9Q2XRT5VW8YZ0ABC"),
        ];
        for (url, code) in ok {
            assert_eq!(classify(url, Some("]Q1"), today()), ScanKind::TicketTracking(code.into()), "{url}");
        }
        for url in [
            "http://192.168.1.10:8700/x/ABCD2345EFGH",
            "http://192.168.1.10:8700/t/ABC",
            "http://192.168.1.10:8700/t/ABCDEFGHJK23MNPQRSTVW",
            "http://192.168.1.10:8700/t/abcd2345efgh",
            "ftp://host/t/ABCD2345EFGH",
            "http://host/t/ABCD2345EFGH/extra",
        ] {
            assert_eq!(classify(url, None, today()), ScanKind::Unknown, "{url}");
        }
    }

    #[test]
    fn a_provisioning_qr_is_its_own_kind_and_never_shows_its_code() {
        // Must hold: the payload `provision` prints is recognised from a QR
        // (or an unknown symbology), not from a 1D code; its Debug output
        // and its name hold no code; on a citizen page it is refused politely.
        use crate::domain::provision::{ProvisionCode, ProvisionPayload};
        let p = ProvisionPayload {
            code: ProvisionCode::from_random([7; 11]),
            url: "http://10.0.0.5:8700".into(),
            pin: None,
        };
        let text = p.to_text();
        let k = classify(&text, Some("]Q1"), today());
        assert_eq!(k, ScanKind::Provisioning(p.clone()));
        assert_eq!(classify(&text, None, today()).name(), "provisioning");
        assert_ne!(classify(&text, Some("]C0"), today()).name(), "provisioning");
        let shown = format!("{k:?} {}", k.name());
        assert!(!shown.contains(&p.code.grouped()) && !shown.contains(p.code.normalised()), "{shown}");
        assert!(k.refusal_vi().unwrap().contains("Cài đặt kỹ thuật"));
        assert!(k.refusal_en().unwrap().contains("setup"));
    }

    #[test]
    fn anything_else_is_unknown() {
        // Must hold: plain text, empty input and product barcodes are Unknown.
        for t in ["", "   ", "8934563138165", "Xin chào", "a|b|c"] {
            assert_eq!(classify(t, None, today()), ScanKind::Unknown, "{t:?}");
        }
        assert_eq!(ScanKind::Unknown.name(), "unknown");
    }
}
