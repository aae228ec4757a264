//! Vietnamese text folding for search.
//!
//! Citizens type with or without diacritics, in upper or lower case, and often
//! leave input-method keystrokes in the text when the IME is off ("dangw kys",
//! "dang9 ky1"). Both the catalog and the query are reduced to the same folded
//! form before they are compared:
//!
//! - NFC and NFD input give the same result (everything is decomposed first);
//! - combining marks are removed, `đ`/`Đ` (which has no decomposition) become `d`;
//! - letters are lower-cased, every run of punctuation or spaces becomes one space.
//!
//! Query tokens additionally get *variants* with Telex or VNI leftovers removed;
//! the search tries the token as typed and its variants (see [`query_variants`]).

use unicode_normalization::UnicodeNormalization;

/// True for the combining marks Vietnamese uses (and the rest of the basic block).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}')
}

/// Folds text for search: see the module documentation.
///
/// `fold("Đăng ký  Khai-sinh!")` is `"dang ky khai sinh"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            // Other letters without a decomposition that show up in imported texts.
            'ð' | 'Ð' => 'd',
            _ => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for l in c.to_lowercase() {
                // A lower-cased letter can itself decompose (rare outside Vietnamese).
                for d in std::iter::once(l).nfd() {
                    if !is_combining_mark(d) {
                        out.push(d);
                    }
                }
            }
        } else {
            pending_space = true;
        }
    }
    out
}

/// The spelling-neutral form of a folded token: `y` after a consonant (or after
/// `qu`) becomes `i`. Vietnamese writes the same syllable both ways — kí/ký,
/// lí/lý, mĩ/mỹ, tỉ/tỷ, qui/quy, sĩ/sỹ — while `y` after another vowel (uy, ay)
/// or at the start of a word (y tế) is a different sound and stays. Applied to
/// the catalog and the query alike, so both spellings find each other.
pub fn search_form(token: &str) -> std::borrow::Cow<'_, str> {
    let b = token.as_bytes();
    let swap = |i: usize| {
        b[i] == b'y' && i > 0 && (is_consonant(b[i - 1]) || (i >= 2 && b[i - 1] == b'u' && b[i - 2] == b'q'))
    };
    if !(0..b.len()).any(swap) {
        return std::borrow::Cow::Borrowed(token);
    }
    let out: Vec<u8> = (0..b.len()).map(|i| if swap(i) { b'i' } else { b[i] }).collect();
    // Only an ASCII byte was replaced by another: still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("ASCII replacement keeps UTF-8"))
}

fn is_consonant(c: u8) -> bool {
    c.is_ascii_lowercase() && !is_vowel(c)
}

/// Splits folded text into tokens (words). The input should come from [`fold`].
pub fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(' ').filter(|t| !t.is_empty())
}

/// Folds and tokenises in one step.
pub fn fold_tokens(s: &str) -> Vec<String> {
    tokens(&fold(s)).map(str::to_string).collect()
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Removes Telex leftovers from one folded ASCII token, if it has any.
///
/// Telex marks the tone with a trailing `s f r x j`, the hat by doubling a vowel
/// (`aa ee oo`), the breve/horn with `w` (`aw ow uw`, or a lone `w` for `ư`), and
/// `đ` with `dd`. A Vietnamese syllable never has `s f r x j` after its first
/// vowel (finals are `c ch m n ng nh p t` and semivowels), so those letters can be
/// dropped there without touching real initials like `s`, `x`, `tr`.
pub fn strip_telex(token: &str) -> Option<String> {
    let b = token.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    // `dd` at the start is `đ`.
    if b.starts_with(b"dd") {
        out.push(b'd');
        i = 2;
    }
    let has_vowel_without_w = b.iter().any(|&c| is_vowel(c));
    let mut seen_vowel = false;
    while i < b.len() {
        let c = b[i];
        if c == b'w' {
            // `w` after a vowel (or anywhere once the syllable has a vowel) is a
            // modifier; a lone `w` between consonants stands for `ư`.
            if !has_vowel_without_w {
                out.push(b'u');
                seen_vowel = true;
            }
            i += 1;
            continue;
        }
        if seen_vowel && matches!(c, b's' | b'f' | b'r' | b'x' | b'j' | b'z') {
            i += 1;
            continue;
        }
        if c == b'f' || c == b'j' || c == b'z' {
            // Not Vietnamese letters at all: a tone key typed before the vowel.
            i += 1;
            continue;
        }
        if is_vowel(c) {
            // A doubled a/e/o is the circumflex key.
            if matches!(c, b'a' | b'e' | b'o') && out.last() == Some(&c) && seen_vowel {
                i += 1;
                continue;
            }
            seen_vowel = true;
        }
        out.push(c);
        i += 1;
    }
    let s = String::from_utf8(out).expect("ASCII stays ASCII");
    (s != token && !s.is_empty()).then_some(s)
}

/// Removes VNI leftovers (digits 1-9 typed after letters) from a token that mixes
/// letters and digits: `dang9` → `dang`, `ky1` → `ky`, `d9a8ng` → `dang`.
pub fn strip_vni(token: &str) -> Option<String> {
    let has_digit = token.bytes().any(|c| c.is_ascii_digit());
    let has_letter = token.bytes().any(|c| c.is_ascii_lowercase());
    if !has_digit || !has_letter || !token.is_ascii() {
        return None;
    }
    // VNI keys are 1-9; a 0 is not an IME key, so the token is something else (CT01).
    if token.bytes().any(|c| c == b'0') {
        return None;
    }
    let s: String = token.chars().filter(|c| !c.is_ascii_digit()).collect();
    (!s.is_empty()).then_some(s)
}

/// The forms a folded query token may stand for, best first: the token itself,
/// then with VNI digits removed, then with Telex keys removed (both can apply:
/// `dd9awngs` is unusual but harmless). Each comes with a confidence factor.
pub fn query_variants(token: &str) -> Vec<(String, f32)> {
    let mut out = vec![(token.to_string(), 1.0)];
    let push = |s: String, w: f32, out: &mut Vec<(String, f32)>| {
        if !out.iter().any(|(t, _)| *t == s) {
            out.push((s, w));
        }
    };
    let base = match strip_vni(token) {
        Some(v) => {
            push(v.clone(), 0.95, &mut out);
            v
        }
        None => token.to_string(),
    };
    if let Some(t) = strip_telex(&base) {
        push(t, 0.95, &mut out);
    }
    out
}

/// True when `a` is `b` with two neighbouring letters swapped ("hno"/"hon").
pub fn is_adjacent_swap(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a.len() < 2 {
        return false;
    }
    let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) else { return false };
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

/// Optimal string alignment distance (Levenshtein plus adjacent transposition),
/// giving up early: returns `None` when the distance exceeds `max`.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    let mut prev2: Vec<usize> = vec![0; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur: Vec<usize> = vec![0; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] <= max).then_some(prev[n])
}

/// Typos tolerated for a word of this many letters: none under 4, 1 from 4, 2 from 8.
pub fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_case_and_d() {
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(fold("ĐĂNG KÝ KẾT HÔN"), "dang ky ket hon");
        assert_eq!(fold("Chứng thực bản sao từ bản chính"), "chung thuc ban sao tu ban chinh");
        assert_eq!(fold("Nguyễn Thị Hường"), "nguyen thi huong");
        assert_eq!(fold("Sổ đỏ"), "so do");
    }

    #[test]
    fn nfc_and_nfd_fold_the_same() {
        let nfc: String = "Đăng ký thường trú".nfc().collect();
        let nfd: String = "Đăng ký thường trú".nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(&nfc), fold(&nfd));
        assert_eq!(fold(&nfd), "dang ky thuong tru");
    }

    #[test]
    fn tone_placement_variants_fold_the_same() {
        assert_eq!(fold("hoà giải"), fold("hòa giải"));
        assert_eq!(fold("thuỷ"), fold("thủy"));
    }

    #[test]
    fn punctuation_and_spaces_collapse() {
        assert_eq!(fold("  nhận cha, mẹ,  con. "), "nhan cha me con");
        assert_eq!(fold("Đất đai – Xây dựng"), "dat dai xay dung");
        assert_eq!(fold("1.001193"), "1 001193");
        assert_eq!(fold("---"), "");
    }

    #[test]
    fn tokenises() {
        assert_eq!(fold_tokens("Giấy khai sinh (bản sao)"), vec!["giay", "khai", "sinh", "ban", "sao"]);
        assert!(fold_tokens("  ").is_empty());
    }

    #[test]
    fn telex_leftovers_are_removed() {
        assert_eq!(strip_telex("dangw").as_deref(), Some("dang"));
        assert_eq!(strip_telex("kys").as_deref(), Some("ky"));
        assert_eq!(strip_telex("ddawng").as_deref(), Some("dang"));
        assert_eq!(strip_telex("thuowngf").as_deref(), Some("thuong"));
        assert_eq!(strip_telex("truwowngf").as_deref(), Some("truong"));
        assert_eq!(strip_telex("hooj").as_deref(), Some("ho"));
        assert_eq!(strip_telex("tichj").as_deref(), Some("tich"));
        assert_eq!(strip_telex("baanr").as_deref(), Some("ban"));
        assert_eq!(strip_telex("nhwng").as_deref(), Some("nhung"));
        assert_eq!(strip_telex("chuwngs").as_deref(), Some("chung"));
    }

    #[test]
    fn telex_keeps_real_initials_and_plain_words() {
        // s, x, r and tr are real initials; nothing to strip.
        assert_eq!(strip_telex("sinh"), None);
        assert_eq!(strip_telex("xac"), None);
        assert_eq!(strip_telex("tru"), None);
        assert_eq!(strip_telex("ruong"), None);
        assert_eq!(strip_telex("khai"), None);
        // `xas` is `xá`: the initial x stays, the trailing s goes.
        assert_eq!(strip_telex("xas").as_deref(), Some("xa"));
        // Digits are VNI's business.
        assert_eq!(strip_telex("ky1"), None);
    }

    #[test]
    fn vni_leftovers_are_removed() {
        assert_eq!(strip_vni("dang9").as_deref(), Some("dang"));
        assert_eq!(strip_vni("ky1").as_deref(), Some("ky"));
        assert_eq!(strip_vni("d9a8ng").as_deref(), Some("dang"));
        assert_eq!(strip_vni("1001193"), None);
        assert_eq!(strip_vni("sinh"), None);
        // Form numbers are not IME keys.
        assert_eq!(strip_vni("ct01"), None);
    }

    #[test]
    fn query_variants_keep_the_typed_form_first() {
        let v = query_variants("dangw");
        assert_eq!(v[0].0, "dangw");
        assert!(v.iter().any(|(t, _)| t == "dang"));
        let v = query_variants("thu7o8ng2");
        assert!(v.iter().any(|(t, _)| t == "thuong"), "{v:?}");
        assert_eq!(query_variants("khai"), vec![("khai".to_string(), 1.0)]);
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(edit_distance_within("sinh", "sinh", 1), Some(0));
        assert_eq!(edit_distance_within("sihn", "sinh", 1), Some(1));
        assert_eq!(edit_distance_within("snih", "sinh", 1), Some(1));
        assert_eq!(edit_distance_within("sinhh", "sinh", 1), Some(1));
        assert_eq!(edit_distance_within("thuong", "thuogn", 1), Some(1));
        assert_eq!(edit_distance_within("khai", "kheo", 1), None);
        assert_eq!(edit_distance_within("a", "abcd", 2), None);
        assert_eq!(edit_distance_within("chungthuc", "chumgthux", 2), Some(2));
    }

    #[test]
    fn i_and_y_after_a_consonant_are_one_spelling() {
        for (a, b) in [("ky", "ki"), ("ly", "li"), ("my", "mi"), ("quy", "qui"), ("sy", "si"), ("ty", "ti")] {
            assert_eq!(search_form(a), search_form(b), "{a}/{b}");
        }
        assert_eq!(search_form(&fold("Đăng ký")), "dang ki");
        assert_eq!(search_form("quyen"), "quien");
        // y after a vowel or at the start of a word is another sound.
        assert_eq!(search_form("thuy"), "thuy");
        assert_eq!(search_form("huy"), "huy");
        assert_eq!(search_form("nguyen"), "nguyen");
        assert_eq!(search_form("y"), "y");
        assert_eq!(search_form("yeu"), "yeu");
        assert_eq!(search_form("tay"), "tay");
        assert!(matches!(search_form("khai"), std::borrow::Cow::Borrowed(_)));
        // Telex and VNI leftovers still strip after the change.
        assert_eq!(strip_telex(&search_form("kys")).as_deref(), Some("ki"));
        assert_eq!(strip_vni(&search_form("ky1")).as_deref(), Some("ki"));
    }

    #[test]
    fn adjacent_swaps_are_recognised() {
        assert!(is_adjacent_swap("hno", "hon"));
        assert!(is_adjacent_swap("kte", "ket"));
        assert!(is_adjacent_swap("ab", "ba"));
        assert!(!is_adjacent_swap("hon", "hon"));
        assert!(!is_adjacent_swap("hon", "noh"));
        assert!(!is_adjacent_swap("abc", "abd"));
        assert!(!is_adjacent_swap("abc", "abcd"));
    }

    #[test]
    fn typo_allowance_grows_with_length() {
        assert_eq!(allowed_typos(3), 0);
        assert_eq!(allowed_typos(4), 1);
        assert_eq!(allowed_typos(7), 1);
        assert_eq!(allowed_typos(8), 2);
    }
}
