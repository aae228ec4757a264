//! Provisioning by scan: the one-time code a centre makes for a new device,
//! the QR payload that carries it, and the offline number range the centre
//! hands out. Pure: no I/O, the random bytes come from the caller.
//!
//! The code is 11 symbols of Crockford's base32 (55 random bits) and one
//! check symbol, printed `ABCD-EFGH-JKLM`. The alphabet has no I, L, O or U,
//! and typing an `I`/`L` or an `O` is read as `1` or `0`, so nothing on a
//! label can be misread (https://www.crockford.com/base32.html). The check
//! symbol is Luhn mod 32: it catches every single wrong symbol and every swap
//! of two neighbours (but `0`↔`Z`), so a mistyped code is refused on the kiosk
//! before it costs a try at the centre.
//!
//! 55 bits are plenty for a code that works once and for at most a few days,
//! behind a centre that locks an address out after a few wrong tries.

use std::fmt;

/// Crockford's base32 alphabet.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random symbols in a code.
pub const DATA_LEN: usize = 11;
/// Symbols in a code, check symbol included.
pub const CODE_LEN: usize = DATA_LEN + 1;
/// Start of the QR payload (version 1 of the format).
pub const PAYLOAD_PREFIX: &str = "MOTCUA-PROVISION:1;";

fn value_of(c: char) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET.iter().position(|&a| a as char == c).map(|p| p as u32)
}

/// The Luhn mod 32 check symbol of `data` (values 0-31).
fn check_value(data: &[u32]) -> u32 {
    let mut factor = 2;
    let mut sum = 0;
    for &v in data.iter().rev() {
        let addend = factor * v;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 32 + addend % 32;
    }
    (32 - sum % 32) % 32
}

/// A one-time provisioning code, normalised (12 symbols, no dashes).
/// `Debug` never shows it: it is a secret until it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct ProvisionCode(String);

impl fmt::Debug for ProvisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProvisionCode(****)")
    }
}

/// Why a typed code is not a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not 12 symbols once dashes and spaces are left out.
    Length,
    /// A character outside the alphabet.
    Symbol,
    /// The check symbol does not match (a typo).
    Check,
}

impl CodeError {
    pub fn message_vi(self) -> &'static str {
        match self {
            CodeError::Length => "Mã cấp phép gồm 12 ký tự (ví dụ 7K3M-9Q2X-RT5V).",
            CodeError::Symbol => "Mã cấp phép chỉ gồm chữ số và chữ cái in hoa.",
            CodeError::Check => "Mã cấp phép bị gõ sai một ký tự. Hãy kiểm tra lại.",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            CodeError::Length => "A provisioning code has 12 characters (e.g. 7K3M-9Q2X-RT5V).",
            CodeError::Symbol => "A provisioning code has only digits and capital letters.",
            CodeError::Check => "A character of the provisioning code is mistyped. Please check it.",
        }
    }
}

impl ProvisionCode {
    /// A new code from 11 random bytes (each taken modulo 32: 256 is a
    /// multiple of 32, so every symbol is equally likely).
    pub fn from_random(bytes: [u8; DATA_LEN]) -> ProvisionCode {
        let data: Vec<u32> = bytes.iter().map(|b| u32::from(*b) % 32).collect();
        let mut s: String = data.iter().map(|v| ALPHABET[*v as usize] as char).collect();
        s.push(ALPHABET[check_value(&data) as usize] as char);
        ProvisionCode(s)
    }

    /// Reads a typed or scanned code: case, dashes and spaces do not matter,
    /// I/L read as 1 and O as 0; the check symbol must match.
    pub fn parse(text: &str) -> Result<ProvisionCode, CodeError> {
        let symbols: Vec<char> = text.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if symbols.len() != CODE_LEN {
            return Err(CodeError::Length);
        }
        let values: Vec<u32> =
            symbols.iter().map(|c| value_of(*c)).collect::<Option<_>>().ok_or(CodeError::Symbol)?;
        if check_value(&values[..DATA_LEN]) != values[DATA_LEN] {
            return Err(CodeError::Check);
        }
        Ok(ProvisionCode(values.iter().map(|v| ALPHABET[*v as usize] as char).collect()))
    }

    /// The 12 symbols, as hashed and stored.
    pub fn normalised(&self) -> &str {
        &self.0
    }

    /// `ABCD-EFGH-JKLM`, as printed and typed.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

/// What the QR holds: the centre's address, the code, and the SHA-256 pin of
/// the centre's certificate when it serves HTTPS.
/// `MOTCUA-PROVISION:1;code=ABCD-EFGH-JKLM;url=https://10.0.0.5:8700;pin=sha256:…`
#[derive(Clone, PartialEq, Eq)]
pub struct ProvisionPayload {
    pub code: ProvisionCode,
    pub url: String,
    pub pin: Option<String>,
}

/// The address only: the code is a secret.
impl fmt::Debug for ProvisionPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisionPayload")
            .field("url", &self.url)
            .field("pinned", &self.pin.is_some())
            .finish()
    }
}

/// Whether `url` can be a centre address: http(s), a host, no spaces or `;`.
pub fn valid_centre_url(url: &str) -> bool {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && url.len() <= 200
            && url.chars().all(|c| c.is_ascii_graphic() && c != ';')
    })
}

/// Whether `pin` is `sha256:` and 64 hex digits.
pub fn valid_pin(pin: &str) -> bool {
    pin.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl ProvisionPayload {
    pub fn to_text(&self) -> String {
        let mut s = format!("{PAYLOAD_PREFIX}code={};url={}", self.code.grouped(), self.url);
        if let Some(p) = &self.pin {
            s.push_str(";pin=");
            s.push_str(p);
        }
        s
    }

    /// Reads a scanned payload; `None` when it is not one (or is damaged).
    pub fn parse(text: &str) -> Option<ProvisionPayload> {
        let rest = text.trim().strip_prefix(PAYLOAD_PREFIX)?;
        let (mut code, mut url, mut pin) = (None, None, None);
        for field in rest.split(';') {
            let (k, v) = field.split_once('=')?;
            let slot = match k {
                "code" => &mut code,
                "url" => &mut url,
                "pin" => &mut pin,
                _ => return None,
            };
            if slot.replace(v.to_string()).is_some() {
                return None;
            }
        }
        let code = ProvisionCode::parse(&code?).ok()?;
        let url = url?.trim_end_matches('/').to_string();
        if !valid_centre_url(&url) || pin.as_deref().is_some_and(|p| !valid_pin(p)) {
            return None;
        }
        Some(ProvisionPayload { code, url, pin: pin.map(|p| p.to_ascii_lowercase()) })
    }
}

/// The first block of `size` numbers inside `centre` that overlaps none of
/// `taken`; `None` when no such block is left.
pub fn allocate_range(centre: (u32, u32), taken: &[(u32, u32)], size: u32) -> Option<(u32, u32)> {
    if size == 0 || centre.0 > centre.1 {
        return None;
    }
    // Candidates: the start of the range and just after each taken block.
    let mut starts: Vec<u32> = std::iter::once(centre.0)
        .chain(taken.iter().filter_map(|t| t.1.checked_add(1)))
        .filter(|s| *s >= centre.0)
        .collect();
    starts.sort_unstable();
    starts.into_iter().find_map(|s| {
        let end = s.checked_add(size - 1)?;
        let block = (s, end);
        (end <= centre.1 && !taken.iter().any(|t| super::access::ranges_overlap(*t, block))).then_some(block)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u8) -> ProvisionCode {
        ProvisionCode::from_random([n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200])
    }

    #[test]
    fn a_code_reads_back_however_it_is_typed() {
        // Must hold: the grouped form, lower case, spaces, and I/L/O for 1/0
        // all read as the same code.
        let c = code(17);
        assert_eq!(c.normalised().len(), CODE_LEN);
        assert_eq!(ProvisionCode::parse(&c.grouped()), Ok(c.clone()));
        assert_eq!(ProvisionCode::parse(&c.grouped().to_lowercase().replace('-', " ")), Ok(c.clone()));
        let with_o = ProvisionCode::from_random([0; DATA_LEN]);
        let typed = with_o.grouped().replace('0', "O");
        assert_eq!(ProvisionCode::parse(&typed), Ok(with_o));
        assert_eq!(format!("{c:?}"), "ProvisionCode(****)", "never shown in logs");
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_is_caught() {
        // Must hold: changing one symbol, or swapping two different
        // neighbours (but 0 and Z, Luhn's blind spot), always fails the check.
        for seed in 0..40u8 {
            let c = ProvisionCode::from_random(std::array::from_fn(|i| {
                seed.wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(57))
            }));
            let s: Vec<char> = c.normalised().chars().collect();
            for i in 0..CODE_LEN {
                for &a in ALPHABET {
                    if a as char == s[i] {
                        continue;
                    }
                    let mut t = s.clone();
                    t[i] = a as char;
                    let t: String = t.into_iter().collect();
                    assert_eq!(ProvisionCode::parse(&t), Err(CodeError::Check), "{t}");
                }
                let pair = [s[i], *s.get(i + 1).unwrap_or(&s[i])];
                if i + 1 < CODE_LEN && s[i] != s[i + 1] && pair != ['0', 'Z'] && pair != ['Z', '0'] {
                    let mut t = s.clone();
                    t.swap(i, i + 1);
                    let t: String = t.into_iter().collect();
                    assert_eq!(ProvisionCode::parse(&t), Err(CodeError::Check), "swap {t}");
                }
            }
        }
        assert_eq!(ProvisionCode::parse("ABCD-EFGH"), Err(CodeError::Length));
        assert_eq!(ProvisionCode::parse("ABCD-EFGH-JKU!"), Err(CodeError::Symbol));
    }

    #[test]
    fn payloads_round_trip_and_damaged_ones_are_not_payloads() {
        // Must hold: a payload reads back as written (pin lower-cased); one
        // with a bad code, an unknown or repeated field, a bad URL or pin is
        // not a payload; Debug shows no code.
        let p = ProvisionPayload {
            code: code(3),
            url: "https://10.0.0.5:8700".into(),
            pin: Some(format!("sha256:{}", "ab".repeat(32))),
        };
        let text = p.to_text();
        assert!(text.starts_with("MOTCUA-PROVISION:1;code="), "{text}");
        assert_eq!(ProvisionPayload::parse(&text), Some(p.clone()));
        assert_eq!(
            ProvisionPayload::parse(
                &text
                    .to_uppercase()
                    .replace("MOTCUA-PROVISION:1;CODE", "MOTCUA-PROVISION:1;code")
                    .replace(";URL=HTTPS", ";url=https")
                    .replace(";PIN=SHA256", ";pin=sha256")
            ),
            Some(p.clone())
        );
        let plain = ProvisionPayload { pin: None, url: "http://127.0.0.1:8700".into(), ..p.clone() };
        assert_eq!(ProvisionPayload::parse(&format!("{}/", plain.to_text())), Some(plain));
        let g = p.code.grouped();
        for bad in [
            format!("MOTCUA-PROVISION:1;code={}X;url=http://a", &g[..13]),
            format!("MOTCUA-PROVISION:1;code={g};url=ftp://a"),
            format!("MOTCUA-PROVISION:1;code={g};url=http://a;x=1"),
            format!("MOTCUA-PROVISION:1;code={g};url=http://a;url=http://b"),
            format!("MOTCUA-PROVISION:1;code={g};url=http://a;pin=sha256:abc"),
            "MOTCUA-PROVISION:1;url=http://a".to_string(),
            format!("MOTCUA-PROVISION:2;code={g};url=http://a"),
        ] {
            assert_eq!(ProvisionPayload::parse(&bad), None, "{bad}");
        }
        assert!(!format!("{p:?}").contains(&g));
    }

    #[test]
    fn ranges_are_allocated_apart() {
        // Must hold: blocks never overlap what is taken, fill gaps first,
        // and run out cleanly.
        let centre = (900, 999);
        assert_eq!(allocate_range(centre, &[], 25), Some((900, 924)));
        assert_eq!(allocate_range(centre, &[(900, 924)], 25), Some((925, 949)));
        assert_eq!(allocate_range(centre, &[(925, 949)], 25), Some((900, 924)), "a gap first");
        assert_eq!(allocate_range(centre, &[(900, 910), (950, 999)], 25), Some((911, 935)));
        assert_eq!(allocate_range(centre, &[(900, 990)], 25), None);
        assert_eq!(allocate_range(centre, &[(1, 5000)], 1), None);
        assert_eq!(allocate_range(centre, &[], 101), None);
        assert_eq!(allocate_range(centre, &[], 0), None);
        let mut taken = Vec::new();
        while let Some(r) = allocate_range(centre, &taken, 7) {
            assert!(taken.iter().all(|t| !crate::domain::access::ranges_overlap(*t, r)));
            taken.push(r);
        }
        assert_eq!(taken.len(), 14);
    }
}
