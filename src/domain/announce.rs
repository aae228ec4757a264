//! What the display board says when a ticket is called, as words (no audio).
//!
//! "Mời số A-023 đến quầy số 5" is read as: *mời số* · *a* · *hai mươi ba* ·
//! *đến quầy số* · *năm*. The ticket's sequence is read as a number (leading
//! zeros dropped: 23, not "không hai ba"), the way officers read it aloud; the
//! board shows the printed form next to it. Letters are read by their
//! Vietnamese names (B = "bê", C = "xê", …).
//!
//! Numbers follow the northern standard reading by default:
//! * 15 "mười lăm", 11 "mười một", 14 "mười bốn";
//! * 21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai mươi lăm", 20 "hai mươi";
//! * 105 "một trăm linh năm", 110 "một trăm mười";
//! * 1005 "một nghìn không trăm linh năm", 1020 "một nghìn không trăm hai mươi".
//!
//! A southern centre ([`VoiceRegion::South`]) hears the words its citizens use:
//! "lẻ" for zero tens and "ngàn" for thousands (105 "một trăm lẻ năm", 1005
//! "một ngàn không trăm lẻ năm").
//!
//! Every [`Word`] is one recorded clip (`data/voice/<key>.wav`), so the whole
//! vocabulary is [`Word::all`]: 48 clips cover any ticket and counter in both
//! readings.
//!
//! [`AnnounceQueue`] orders the calls to read: overlapping calls are read one
//! after another in the order they came, a recall is read again, and a call
//! already waiting to be read is not queued twice.

use std::collections::VecDeque;

/// One recorded clip of the voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Word {
    /// "mời số"
    MoiSo,
    /// "đến quầy số"
    DenQuaySo,
    /// A letter by its Vietnamese name, `'A'..='Z'`.
    Letter(char),
    /// 0-9: không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín.
    Digit(u8),
    /// "mười" (ten, and the tens of 10-19).
    Muoi,
    /// "mươi" (after a tens digit: hai mươi).
    Muoi2,
    /// "mốt" (1 after mươi: hai mươi mốt).
    Mot2,
    /// "tư" (4 after mươi: hai mươi tư).
    Tu,
    /// "lăm" (5 after mười/mươi: mười lăm).
    Lam,
    /// "trăm"
    Tram,
    /// "linh" (zero tens: một trăm linh năm), northern.
    Linh,
    /// "nghìn", northern.
    Nghin,
    /// "lẻ" (zero tens: một trăm lẻ năm), southern.
    Le,
    /// "ngàn", southern.
    Ngan,
}

/// Which regional reading of numbers the voice uses (config `display.voice_region`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum VoiceRegion {
    /// Northern standard: linh, nghìn.
    #[default]
    North,
    /// Southern: lẻ, ngàn.
    South,
}

impl VoiceRegion {
    /// The config value: `north` or `south`.
    pub fn key(self) -> &'static str {
        match self {
            VoiceRegion::North => "north",
            VoiceRegion::South => "south",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        [VoiceRegion::North, VoiceRegion::South].into_iter().find(|r| r.key() == s)
    }

    fn zero_tens(self) -> Word {
        match self {
            VoiceRegion::North => Word::Linh,
            VoiceRegion::South => Word::Le,
        }
    }

    fn thousand(self) -> Word {
        match self {
            VoiceRegion::North => Word::Nghin,
            VoiceRegion::South => Word::Ngan,
        }
    }
}

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];
const DIGIT_KEYS: [&str; 10] = ["khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin"];
/// Vietnamese names of the Latin letters, as read aloud in offices.
const LETTERS: [&str; 26] = [
    "a", "bê", "xê", "dê", "e", "ép", "giê", "hát", "i", "gi", "ca", "e lờ", "em mờ", "en nờ", "o", "pê",
    "quy", "e rờ", "ét xì", "tê", "u", "vê", "vê kép", "ích xì", "i dài", "dét",
];
const LETTER_KEYS: [&str; 26] = [
    "chu_a", "chu_b", "chu_c", "chu_d", "chu_e", "chu_f", "chu_g", "chu_h", "chu_i", "chu_j", "chu_k",
    "chu_l", "chu_m", "chu_n", "chu_o", "chu_p", "chu_q", "chu_r", "chu_s", "chu_t", "chu_u", "chu_v",
    "chu_w", "chu_x", "chu_y", "chu_z",
];

impl Word {
    /// The clip's file stem under `data/voice/` (ASCII).
    pub fn key(self) -> &'static str {
        match self {
            Word::MoiSo => "moi_so",
            Word::DenQuaySo => "den_quay_so",
            Word::Letter(c) => LETTER_KEYS[letter_index(c)],
            Word::Digit(d) => DIGIT_KEYS[usize::from(d.min(9))],
            Word::Muoi => "muoi_huyen",
            Word::Muoi2 => "muoi_ngang",
            Word::Mot2 => "mot_sac",
            Word::Tu => "tu",
            Word::Lam => "lam",
            Word::Tram => "tram",
            Word::Linh => "linh",
            Word::Nghin => "nghin",
            Word::Le => "le",
            Word::Ngan => "ngan",
        }
    }

    /// What the clip says, in Vietnamese (also the text the clip was made from).
    pub fn text(self) -> &'static str {
        match self {
            Word::MoiSo => "mời số",
            Word::DenQuaySo => "đến quầy số",
            Word::Letter(c) => LETTERS[letter_index(c)],
            Word::Digit(d) => DIGITS[usize::from(d.min(9))],
            Word::Muoi => "mười",
            Word::Muoi2 => "mươi",
            Word::Mot2 => "mốt",
            Word::Tu => "tư",
            Word::Lam => "lăm",
            Word::Tram => "trăm",
            Word::Linh => "linh",
            Word::Nghin => "nghìn",
            Word::Le => "lẻ",
            Word::Ngan => "ngàn",
        }
    }

    /// The whole vocabulary: one clip each.
    pub fn all() -> Vec<Word> {
        let mut v = vec![Word::MoiSo, Word::DenQuaySo];
        v.extend(('A'..='Z').map(Word::Letter));
        v.extend((0..=9).map(Word::Digit));
        v.extend([
            Word::Muoi,
            Word::Muoi2,
            Word::Mot2,
            Word::Tu,
            Word::Lam,
            Word::Tram,
            Word::Linh,
            Word::Nghin,
            Word::Le,
            Word::Ngan,
        ]);
        v
    }
}

fn letter_index(c: char) -> usize {
    let c = c.to_ascii_uppercase();
    if c.is_ascii_uppercase() {
        usize::from(c as u8 - b'A')
    } else {
        0
    }
}

/// Reads `n` as Vietnamese number words, northern reading (0 ≤ n < 1,000,000;
/// larger numbers are read digit by digit).
pub fn number_words(n: u32) -> Vec<Word> {
    number_words_in(n, VoiceRegion::North)
}

/// Reads `n` in the given regional reading (see [`number_words`]).
pub fn number_words_in(n: u32, region: VoiceRegion) -> Vec<Word> {
    let mut out = Vec::new();
    if n == 0 {
        out.push(Word::Digit(0));
    } else if n >= 1_000_000 {
        out.extend(n.to_string().bytes().map(|b| Word::Digit(b - b'0')));
    } else {
        let (thousands, rest) = (n / 1000, n % 1000);
        if thousands > 0 {
            group(thousands, false, region, &mut out);
            out.push(region.thousand());
        }
        if rest > 0 {
            group(rest, thousands > 0, region, &mut out);
        }
    }
    out
}

/// One group of three digits (1..=999). `inner`: a higher group was read
/// before it, so zero hundreds and zero tens are spoken ("không trăm linh").
fn group(n: u32, inner: bool, region: VoiceRegion, out: &mut Vec<Word>) {
    let (h, t, u) = ((n / 100) as u8, (n / 10 % 10) as u8, (n % 10) as u8);
    let has_hundreds = h > 0 || inner;
    if has_hundreds {
        out.extend([Word::Digit(h), Word::Tram]);
    }
    match (t, u) {
        (0, 0) => {}
        (0, u) => {
            if has_hundreds {
                out.push(region.zero_tens());
            }
            out.push(Word::Digit(u));
        }
        (1, u) => {
            out.push(Word::Muoi);
            match u {
                0 => {}
                5 => out.push(Word::Lam),
                u => out.push(Word::Digit(u)),
            }
        }
        (t, u) => {
            out.extend([Word::Digit(t), Word::Muoi2]);
            match u {
                0 => {}
                1 => out.push(Word::Mot2),
                4 => out.push(Word::Tu),
                5 => out.push(Word::Lam),
                u => out.push(Word::Digit(u)),
            }
        }
    }
}

/// A ticket as words: letters by name, each run of digits as one number
/// (`A-023` → a · hai mươi ba). Other characters (dashes, spaces) are silent.
pub fn ticket_words(ticket: &str) -> Vec<Word> {
    ticket_words_in(ticket, VoiceRegion::North)
}

/// [`ticket_words`] in the given regional reading.
pub fn ticket_words_in(ticket: &str, region: VoiceRegion) -> Vec<Word> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut Vec<Word>| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            if trimmed.len() > 6 {
                out.extend(digits.bytes().map(|b| Word::Digit(b - b'0')));
            } else {
                out.extend(number_words_in(trimmed.parse().unwrap_or(0), region));
            }
            digits.clear();
        }
    };
    for c in ticket.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            if c.is_ascii_alphabetic() {
                out.push(Word::Letter(c.to_ascii_uppercase()));
            }
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// The whole call: "mời số A-023 đến quầy số 5".
pub fn call_words(ticket: &str, counter: u32) -> Vec<Word> {
    call_words_in(ticket, counter, VoiceRegion::North)
}

/// [`call_words`] in the given regional reading.
pub fn call_words_in(ticket: &str, counter: u32, region: VoiceRegion) -> Vec<Word> {
    let mut out = vec![Word::MoiSo];
    out.extend(ticket_words_in(ticket, region));
    out.push(Word::DenQuaySo);
    out.extend(number_words_in(counter, region));
    out
}

/// The call as a sentence (logs, and what the voice says).
pub fn call_text(ticket: &str, counter: u32) -> String {
    format!("Mời số {ticket} đến quầy số {counter}")
}

/// Joins words into the text they read (for logs and tests).
pub fn spoken(words: &[Word]) -> String {
    words.iter().map(|w| w.text()).collect::<Vec<_>>().join(" ")
}

/// One call to read out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub ticket: String,
    pub counter: u32,
}

/// What happened to a pushed announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// Queued at the end.
    Added,
    /// The same call was already waiting to be read: not queued twice.
    AlreadyWaiting,
    /// Queued; the queue was full, so the oldest waiting call was dropped.
    DroppedOldest(Announcement),
}

/// Calls waiting to be read, oldest first. Bounded: after a burst (a long
/// outage replayed) only the newest calls are read, they are the ones people
/// are still waiting for.
#[derive(Debug, Clone)]
pub struct AnnounceQueue {
    pending: VecDeque<Announcement>,
    cap: usize,
}

impl AnnounceQueue {
    pub fn new(cap: usize) -> Self {
        Self { pending: VecDeque::new(), cap: cap.max(1) }
    }

    pub fn push(&mut self, a: Announcement) -> Queued {
        if self.pending.contains(&a) {
            return Queued::AlreadyWaiting;
        }
        let dropped = if self.pending.len() >= self.cap { self.pending.pop_front() } else { None };
        self.pending.push_back(a);
        match dropped {
            Some(d) => Queued::DroppedOldest(d),
            None => Queued::Added,
        }
    }

    pub fn pop(&mut self) -> Option<Announcement> {
        self.pending.pop_front()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(n: u32) -> String {
        spoken(&number_words(n))
    }

    #[test]
    fn small_numbers() {
        let expect = [
            (0, "không"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (23, "hai mươi ba"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (99, "chín mươi chín"),
        ];
        for (n, s) in expect {
            assert_eq!(say(n), s, "{n}");
        }
    }

    #[test]
    fn hundreds_and_thousands() {
        let expect = [
            (100, "một trăm"),
            (101, "một trăm linh một"),
            (104, "một trăm linh bốn"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (115, "một trăm mười lăm"),
            (121, "một trăm hai mươi mốt"),
            (901, "chín trăm linh một"),
            (1000, "một nghìn"),
            (1005, "một nghìn không trăm linh năm"),
            (1020, "một nghìn không trăm hai mươi"),
            (1100, "một nghìn một trăm"),
            (2024, "hai nghìn không trăm hai mươi tư"),
            (9999, "chín nghìn chín trăm chín mươi chín"),
            (15_000, "mười lăm nghìn"),
        ];
        for (n, s) in expect {
            assert_eq!(say(n), s, "{n}");
        }
        assert_eq!(say(1_234_567), "một hai ba bốn năm sáu bảy", "beyond the range: digit by digit");
    }

    #[test]
    fn a_call_reads_letter_number_and_counter() {
        assert_eq!(spoken(&call_words("A-023", 5)), "mời số a hai mươi ba đến quầy số năm");
        assert_eq!(spoken(&call_words("B-105", 12)), "mời số bê một trăm linh năm đến quầy số mười hai");
        assert_eq!(spoken(&ticket_words("a901")), "a chín trăm linh một");
        assert_eq!(spoken(&ticket_words("C-000")), "xê không");
        assert_eq!(call_text("A-023", 5), "Mời số A-023 đến quầy số 5");
    }

    #[test]
    fn southern_reading_says_le_and_ngan() {
        let south = |n| spoken(&number_words_in(n, VoiceRegion::South));
        assert_eq!(south(105), "một trăm lẻ năm");
        assert_eq!(south(1005), "một ngàn không trăm lẻ năm");
        assert_eq!(south(2024), "hai ngàn không trăm hai mươi tư");
        assert_eq!(south(15_000), "mười lăm ngàn");
        // Only those two words differ.
        assert_eq!(south(110), "một trăm mười");
        assert_eq!(south(21), "hai mươi mốt");
        assert_eq!(
            spoken(&call_words_in("B-105", 12, VoiceRegion::South)),
            "mời số bê một trăm lẻ năm đến quầy số mười hai"
        );
        assert_eq!(
            spoken(&call_words_in("B-105", 12, VoiceRegion::North)),
            "mời số bê một trăm linh năm đến quầy số mười hai"
        );
        assert_eq!(VoiceRegion::from_key("south"), Some(VoiceRegion::South));
        assert_eq!(VoiceRegion::from_key("North"), None);
        assert_eq!(VoiceRegion::default().key(), "north");
    }

    #[test]
    fn vocabulary_is_small_and_keys_are_unique_ascii() {
        let all = Word::all();
        assert_eq!(all.len(), 48);
        let keys: std::collections::HashSet<&str> = all.iter().map(|w| w.key()).collect();
        assert_eq!(keys.len(), all.len(), "one clip per word");
        assert!(keys.iter().all(|k| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        // Every word a call can produce is in the vocabulary, in both readings.
        for n in (0..=10_000).step_by(7).chain([15, 21, 24, 25, 105, 1005]) {
            for region in [VoiceRegion::North, VoiceRegion::South] {
                for w in call_words_in(&format!("Z-{n:03}"), n % 40, region) {
                    assert!(all.contains(&w), "{w:?}");
                }
            }
        }
    }

    #[test]
    fn queue_reads_in_order_once_and_bounded() {
        let a = |t: &str, c| Announcement { ticket: t.into(), counter: c };
        let mut q = AnnounceQueue::new(3);
        assert_eq!(q.push(a("A-001", 1)), Queued::Added);
        assert_eq!(q.push(a("B-001", 3)), Queued::Added);
        assert_eq!(q.push(a("A-001", 1)), Queued::AlreadyWaiting, "a recall of a call not yet read");
        assert_eq!(q.push(a("C-001", 5)), Queued::Added);
        assert_eq!(q.push(a("A-002", 2)), Queued::DroppedOldest(a("A-001", 1)));
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop(), Some(a("B-001", 3)));
        // Once read, a recall is read again.
        assert_eq!(q.push(a("B-001", 3)), Queued::Added);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, [a("C-001", 5), a("A-002", 2), a("B-001", 3)]);
        assert!(q.is_empty());
    }
}
