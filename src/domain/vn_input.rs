//! Typing Vietnamese on the kiosk's on-screen keyboard: plain letters, the
//! letters â ă ê ô ơ ư đ in one tap, and a tone key that puts its mark on the
//! right vowel of the word being typed (so "hoa" + sắc gives "hoá").

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// sắc
    Acute,
    /// huyền
    Grave,
    /// hỏi
    Hook,
    /// ngã
    Tilde,
    /// nặng
    Dot,
}

impl Tone {
    fn mark(self) -> char {
        match self {
            Tone::Acute => '\u{301}',
            Tone::Grave => '\u{300}',
            Tone::Hook => '\u{309}',
            Tone::Tilde => '\u{303}',
            Tone::Dot => '\u{323}',
        }
    }

    pub fn from_key(k: &str) -> Option<Tone> {
        Some(match k {
            "sac" => Tone::Acute,
            "huyen" => Tone::Grave,
            "hoi" => Tone::Hook,
            "nga" => Tone::Tilde,
            "nang" => Tone::Dot,
            _ => return None,
        })
    }
}

const TONE_MARKS: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];

fn is_vowel_base(c: char) -> bool {
    matches!(
        c.to_lowercase().next().unwrap_or(c),
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// A letter split into its base (with â/ơ/... modifiers kept) and its tone.
fn split_tone(c: char) -> (char, Option<char>) {
    let mut base = String::new();
    let mut tone = None;
    for d in c.to_string().nfd() {
        if TONE_MARKS.contains(&d) {
            tone = Some(d);
        } else {
            base.push(d);
        }
    }
    (base.nfc().next().unwrap_or(c), tone)
}

fn has_modifier(c: char) -> bool {
    matches!(c.to_lowercase().next().unwrap_or(c), 'â' | 'ă' | 'ê' | 'ô' | 'ơ' | 'ư')
}

/// Index (in `chars`) of the vowel that carries the tone in the syllable
/// `chars`, following the modern rule ("hoá", "thuý").
fn tone_position(chars: &[char]) -> Option<usize> {
    let lower: Vec<char> =
        chars.iter().map(|c| split_tone(*c).0.to_lowercase().next().unwrap_or(*c)).collect();
    // "qu" and "gi" + vowel: the u / i belong to the consonant.
    let mut start = 0;
    if lower.len() >= 3 && ((lower[0] == 'q' && lower[1] == 'u') || (lower[0] == 'g' && lower[1] == 'i')) {
        start = 2;
    }
    let vowels: Vec<usize> = (start..lower.len()).filter(|&i| is_vowel_base(lower[i])).collect();
    let (&first, &last) = (vowels.first()?, vowels.last()?);
    // A vowel with a modifier takes the tone; in "ươ" the ơ does.
    if let Some(&i) = vowels.iter().rev().find(|&&i| has_modifier(lower[i])) {
        return Some(i);
    }
    let ends_with_consonant = last + 1 < lower.len();
    let cluster: String = vowels.iter().map(|&i| lower[i]).collect();
    Some(match vowels.len() {
        1 => first,
        _ if ends_with_consonant => last,
        2 if matches!(cluster.as_str(), "oa" | "oe" | "uy") => last,
        2 => first,
        _ => vowels[1],
    })
}

/// Applies a tone to the last word of `text`; the same tone again removes it
/// (as on phone keyboards). Text without a vowel at the end is returned as is.
pub fn apply_tone(text: &str, tone: Tone) -> String {
    let chars: Vec<char> = text.nfc().collect();
    let word_start = chars.iter().rposition(|c| !c.is_alphabetic()).map_or(0, |i| i + 1);
    let word = &chars[word_start..];
    let Some(pos) = tone_position(word) else { return chars.iter().collect() };
    let mut out: Vec<char> = chars[..word_start].to_vec();
    // Only one tone per syllable: take any existing one away first.
    let mut had = None;
    let mut bases: Vec<char> = word
        .iter()
        .map(|c| {
            let (b, t) = split_tone(*c);
            had = had.or(t);
            b
        })
        .collect();
    if had != Some(tone.mark()) {
        let with: String = [bases[pos], tone.mark()].iter().collect::<String>().nfc().collect();
        bases[pos] = with.chars().next().unwrap_or(bases[pos]);
    }
    out.extend(bases);
    out.into_iter().collect()
}

/// One key of the on-screen keyboard applied to the query (at most `max` letters).
pub fn apply_key(text: &str, key: &str, max: usize) -> String {
    match key {
        "⌫" => {
            let mut s: Vec<char> = text.chars().collect();
            s.pop();
            s.into_iter().collect()
        }
        "clear" => String::new(),
        " " => {
            if text.is_empty() || text.ends_with(' ') || text.chars().count() >= max {
                text.to_string()
            } else {
                format!("{text} ")
            }
        }
        k => {
            if let Some(t) = Tone::from_key(k) {
                return apply_tone(text, t);
            }
            if text.chars().count() + k.chars().count() > max {
                return text.to_string();
            }
            format!("{text}{k}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_goes_on_the_right_vowel() {
        let cases = [
            ("hoa", Tone::Acute, "hoá"),
            ("khai", Tone::Grave, "khài"),
            ("ky", Tone::Acute, "ký"),
            ("dang", Tone::Acute, "dáng"),
            ("nguoi", Tone::Grave, "nguòi"),
            ("người", Tone::Acute, "ngưới"),
            ("ngươi", Tone::Grave, "người"),
            ("thuong", Tone::Dot, "thuọng"),
            ("thương", Tone::Dot, "thượng"),
            ("quy", Tone::Acute, "quý"),
            ("gia", Tone::Acute, "giá"),
            ("tiêu", Tone::Hook, "tiểu"),
            ("chu", Tone::Hook, "chủ"),
            ("hô tich", Tone::Dot, "hô tịch"),
            ("viec", Tone::Dot, "viẹc"),
            ("việc", Tone::Dot, "viêc"),
        ];
        for (input, tone, want) in cases {
            assert_eq!(apply_tone(input, tone), want, "{input} + {tone:?}");
        }
    }

    #[test]
    fn a_new_tone_replaces_the_old_one() {
        assert_eq!(apply_tone("má", Tone::Grave), "mà");
        assert_eq!(apply_tone("khai sính", Tone::Hook), "khai sỉnh");
    }

    #[test]
    fn tone_without_a_vowel_changes_nothing() {
        assert_eq!(apply_tone("", Tone::Acute), "");
        assert_eq!(apply_tone("khai ", Tone::Acute), "khai ");
        assert_eq!(apply_tone("1.001", Tone::Acute), "1.001");
    }

    #[test]
    fn keys_edit_the_query() {
        let mut q = String::new();
        for k in ["đ", "ă", "n", "g", "sac", " ", "k", "y", "sac"] {
            q = apply_key(&q, k, 40);
        }
        assert_eq!(q, "đắng ký");
        q = apply_key(&q, "⌫", 40);
        assert_eq!(q, "đắng k");
        assert_eq!(apply_key("abc", "clear", 40), "");
        assert_eq!(apply_key("", " ", 40), "", "no leading space");
        assert_eq!(apply_key("abcd", "e", 4), "abcd", "length limit");
    }
}
