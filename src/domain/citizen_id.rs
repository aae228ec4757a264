//! The citizen ID card QR payload (CCCD gắn chip, 2021+, and thẻ căn cước, 2024+).
//!
//! Payload: UTF-8, `|`-separated, no labels, no checksum:
//!
//! ```text
//! ID12|OLDID9|FULL NAME|DDMMYYYY (birth)|GENDER|PERMANENT ADDRESS|DDMMYYYY (issue)[|more...]
//! ```
//!
//! Parsing is defensive: OLDID may be empty; the 2024 card may add trailing fields
//! (kept, uninterpreted, in [`CitizenId::extra_fields`]); a 6-field payload is read
//! either without the issue date or without the OLDID field (the gender field tells
//! which). Nothing here panics on any input.
//!
//! Gender: `Nam` / `Nữ` in any letter case, with or without diacritics (`NAM`, `NU`,
//! `Nu`), since names and fields also occur in upper-case ASCII.
//!
//! The 12-digit number is `PPP G YY NNNNNN`: PPP the province of birth registration
//! (the 63 codes of Circular 07/2016/TT-BCA, unchanged by the 2025 province merger),
//! G gender + century (0/1 male/female 1900-1999, 2/3 2000-2099, 4/5 2100-2199...), YY
//! the last two digits of the birth year. Citizens whose birth was registered abroad
//! carry a country code instead of PPP: they get [`CitizenIdError::UnknownProvince`],
//! whose message sends them to a staff member.
//!
//! Personal data: `Debug` and `Display` print only the masked number and name, never
//! the full number, the birth date or the address. Strings are overwritten on drop
//! (best effort: copies made by callers are theirs to handle).

use chrono::{Datelike, NaiveDate};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// Province codes of birth registration (Circular 07/2016/TT-BCA, appendix 1).
pub const PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// Name of a birth-registration province code, e.g. `048` → "Đà Nẵng".
pub fn province_name(code: &str) -> Option<&'static str> {
    PROVINCES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    /// Accepts `Nam` / `Nữ` in any case, NFC or NFD, and the ASCII `NU`.
    pub fn parse(s: &str) -> Option<Self> {
        let folded: String =
            s.trim().nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
        match folded.as_str() {
            "nam" => Some(Self::Male),
            "nu" => Some(Self::Female),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Male => "Nam",
            Self::Female => "Nữ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Male => "Male",
            Self::Female => "Female",
        }
    }
}

fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Why a payload that looks like an ID card QR was refused. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    #[error("expected at least 6 '|'-separated fields, found {found}")]
    NotEnoughFields { found: usize },
    #[error("the ID number is not 12 digits")]
    BadNumber,
    #[error("the old ID number is neither empty nor 9 digits")]
    BadOldId,
    #[error("the name is empty or contains digits")]
    BadName,
    #[error("the gender is neither Nam nor Nữ")]
    BadGender,
    #[error("the birth date is not a real DDMMYYYY date")]
    BadBirthDate,
    #[error("the birth date is in the future")]
    BirthInFuture,
    #[error("the issue date is not a real DDMMYYYY date")]
    BadIssueDate,
    #[error("the issue date is before the birth date")]
    IssuedBeforeBirth,
    #[error("the issue date is in the future")]
    IssuedInFuture,
    #[error("province code {code} is not a Vietnamese birth-registration province")]
    UnknownProvince { code: String },
    #[error("the 4th digit (gender and century) does not match the gender and birth year")]
    GenderCenturyDigit,
    #[error("digits 5-6 do not match the birth year")]
    BirthYearDigits,
}

impl CitizenIdError {
    /// Short Vietnamese explanation for the kiosk screen.
    pub fn message_vi(&self) -> &'static str {
        use CitizenIdError::*;
        match self {
            NotEnoughFields { .. } => {
                "Mã QR không đủ thông tin của thẻ Căn cước. Vui lòng quét lại mã QR trên thẻ."
            }
            BadNumber | BadOldId | GenderCenturyDigit | BirthYearDigits => {
                "Số định danh trên mã QR không hợp lệ. Vui lòng gặp cán bộ hướng dẫn."
            }
            BadName => "Không đọc được họ tên trên mã QR. Vui lòng quét lại.",
            BadGender => "Không đọc được giới tính trên mã QR. Vui lòng quét lại.",
            BadBirthDate | BirthInFuture => {
                "Ngày sinh trên mã QR không hợp lệ. Vui lòng gặp cán bộ hướng dẫn."
            }
            BadIssueDate | IssuedBeforeBirth | IssuedInFuture => {
                "Ngày cấp trên mã QR không hợp lệ. Vui lòng gặp cán bộ hướng dẫn."
            }
            UnknownProvince { .. } => {
                "Không nhận ra mã nơi đăng ký khai sinh trong số định danh. Vui lòng gặp cán bộ hướng dẫn."
            }
        }
    }

    /// Short English explanation for the kiosk screen.
    pub fn message_en(&self) -> &'static str {
        use CitizenIdError::*;
        match self {
            NotEnoughFields { .. } => {
                "This QR code lacks the ID card data. Please scan the QR code on your ID card."
            }
            BadNumber | BadOldId | GenderCenturyDigit | BirthYearDigits => {
                "The ID number in the QR code is not valid. Please ask a staff member."
            }
            BadName => "The name in the QR code cannot be read. Please scan again.",
            BadGender => "The gender in the QR code cannot be read. Please scan again.",
            BadBirthDate | BirthInFuture => {
                "The birth date in the QR code is not valid. Please ask a staff member."
            }
            BadIssueDate | IssuedBeforeBirth | IssuedInFuture => {
                "The issue date in the QR code is not valid. Please ask a staff member."
            }
            UnknownProvince { .. } => {
                "The birth-registration code in the ID number is not recognised. Please ask a staff member."
            }
        }
    }
}

/// A validated ID card read from its QR code. See the module docs for what is checked
/// and how personal data is kept out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct CitizenId {
    number: String,
    old_id: Option<String>,
    full_name: String,
    birth_date: NaiveDate,
    gender: Gender,
    address: String,
    issue_date: Option<NaiveDate>,
    extra_fields: Vec<String>,
}

impl CitizenId {
    /// Parses and validates a QR payload. `today` (the centre's local date) bounds the
    /// birth and issue dates; the domain reads no clock.
    pub fn parse(payload: &str, today: NaiveDate) -> Result<Self, CitizenIdError> {
        let text: String = payload.trim().nfc().collect();
        let fields: Vec<&str> = text.split('|').map(str::trim).collect();
        if fields.len() < 6 {
            return Err(CitizenIdError::NotEnoughFields { found: fields.len() });
        }
        let number = fields[0];
        if !is_digits(number, 12) {
            return Err(CitizenIdError::BadNumber);
        }
        // Field layout: with the OLDID field the gender is field 4, without it field 3.
        let (g, gender) = match (Gender::parse(fields[4]), Gender::parse(fields[3])) {
            (Some(gender), _) => (4, gender),
            (None, Some(gender)) => (3, gender),
            (None, None) => return Err(CitizenIdError::BadGender),
        };
        let old_id = if g == 4 {
            match fields[1] {
                "" => None,
                s if is_digits(s, 9) => Some(s.to_owned()),
                _ => return Err(CitizenIdError::BadOldId),
            }
        } else {
            None
        };
        let full_name = fields[g - 2];
        if full_name.is_empty()
            || full_name.chars().any(|c| c.is_ascii_digit())
            || !full_name.chars().any(char::is_alphabetic)
        {
            return Err(CitizenIdError::BadName);
        }
        let birth_date = parse_ddmmyyyy(fields[g - 1]).ok_or(CitizenIdError::BadBirthDate)?;
        if birth_date > today {
            return Err(CitizenIdError::BirthInFuture);
        }
        let address = fields[g + 1];
        let issue_date = match fields.get(g + 2).copied() {
            None | Some("") => None,
            Some(s) => {
                let d = parse_ddmmyyyy(s).ok_or(CitizenIdError::BadIssueDate)?;
                if d < birth_date {
                    return Err(CitizenIdError::IssuedBeforeBirth);
                }
                if d > today {
                    return Err(CitizenIdError::IssuedInFuture);
                }
                Some(d)
            }
        };
        let extra_fields = fields.get(g + 3..).unwrap_or(&[]).iter().map(|s| s.to_string()).collect();

        let code = &number[..3];
        if province_name(code).is_none() {
            return Err(CitizenIdError::UnknownProvince { code: code.to_owned() });
        }
        let digit = |i: usize| (number.as_bytes()[i] - b'0') as i32;
        let g_digit = digit(3);
        let century = 1900 + (g_digit / 2) * 100;
        let female = g_digit % 2 == 1;
        let year = birth_date.year();
        if female != (gender == Gender::Female) || year / 100 * 100 != century {
            return Err(CitizenIdError::GenderCenturyDigit);
        }
        if digit(4) * 10 + digit(5) != year % 100 {
            return Err(CitizenIdError::BirthYearDigits);
        }
        Ok(Self {
            number: number.to_owned(),
            old_id,
            full_name: full_name.to_owned(),
            birth_date,
            gender,
            address: address.to_owned(),
            issue_date,
            extra_fields,
        })
    }

    /// The full 12-digit number. Personal data: never log or display it.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The 9-digit CMND number, if the card carries one.
    pub fn old_id(&self) -> Option<&str> {
        self.old_id.as_deref()
    }

    /// Full name in NFC, as on the card.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    pub fn gender(&self) -> Gender {
        self.gender
    }

    /// Permanent address. Personal data: never show it on the kiosk screen.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn issue_date(&self) -> Option<NaiveDate> {
        self.issue_date
    }

    /// Fields after the issue date (2024 cards), kept uninterpreted.
    pub fn extra_fields(&self) -> &[String] {
        &self.extra_fields
    }

    /// Province code of birth registration (first three digits).
    pub fn province_code(&self) -> &str {
        &self.number[..3]
    }

    pub fn province_name(&self) -> Option<&'static str> {
        province_name(self.province_code())
    }

    /// Age in whole years on `today` (e.g. for the elderly priority group).
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.birth_date).unwrap_or(0)
    }

    /// `048*******23`: safe to show on screen.
    pub fn masked_number(&self) -> String {
        mask_number(&self.number)
    }

    /// `Nguyễn V. A.`: safe to show on screen.
    pub fn masked_name(&self) -> String {
        mask_name(&self.full_name)
    }
}

/// Keeps the first 3 and last 2 characters of an ID number, stars in between
/// (`048095000123` → `048*******23`); all stars when too short to hide anything.
pub fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 5)).chain(&chars[n - 2..]).collect()
}

/// Family name in full, the other words as initials: `Nguyễn Văn An` → `Nguyễn V. A.`,
/// `NGUYEN VAN AN` → `NGUYEN V. A.`, a single word → its initial.
pub fn mask_name(name: &str) -> String {
    let words: Vec<String> = name.nfc().collect::<String>().split_whitespace().map(str::to_owned).collect();
    let initial =
        |w: &str| format!("{}.", w.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default());
    match words.as_slice() {
        [] => String::new(),
        [only] => initial(only),
        [family, rest @ ..] => {
            let mut out = family.clone();
            for w in rest {
                out.push(' ');
                out.push_str(&initial(w));
            }
            out
        }
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CCCD {} {}", self.masked_number(), self.masked_name())
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenId")
            .field("number", &self.masked_number())
            .field("name", &self.masked_name())
            .field("gender", &self.gender)
            .field("birth_date", &"<redacted>")
            .field("address", &"<redacted>")
            .field("old_id", &self.old_id.as_ref().map(|_| "<present>"))
            .field("extra_fields", &self.extra_fields.len())
            .finish()
    }
}

impl Drop for CitizenId {
    fn drop(&mut self) {
        wipe(&mut self.number);
        wipe(&mut self.full_name);
        wipe(&mut self.address);
        if let Some(o) = self.old_id.as_mut() {
            wipe(o);
        }
        for s in &mut self.extra_fields {
            wipe(s);
        }
    }
}

/// Overwrites a string's bytes before its memory is freed (best effort, no crate).
fn wipe(s: &mut String) {
    let mut bytes = std::mem::take(s).into_bytes();
    bytes.iter_mut().for_each(|b| *b = 0);
    std::hint::black_box(&bytes);
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `DDMMYYYY` → a real calendar date from 1900 on.
fn parse_ddmmyyyy(s: &str) -> Option<NaiveDate> {
    if !is_digits(s, 8) {
        return None;
    }
    let (d, m, y) = (s[..2].parse().ok()?, s[2..4].parse().ok()?, s[4..].parse().ok()?);
    if y < 1900 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests;
