//! Answering a query: the query's words and codes are matched against the
//! index (exactly, as a prefix, or with typos), scored by field and rarity, and
//! the best documents get their phrase and coverage bonus.

use super::{DocEntry, MatchedIn, RawHit, SearchIndex, F_DOCUMENTS, F_FIELD, F_KEYWORDS, F_NAME, F_OTHER};
use crate::domain::text::{
    allowed_typos, edit_distance_within, fold, is_adjacent_swap, query_variants, search_form, tokens,
};
use std::collections::{BinaryHeap, HashMap};

fn field_weight(mask: u8) -> f32 {
    if mask & F_NAME != 0 {
        3.0
    } else if mask & F_KEYWORDS != 0 {
        2.6
    } else if mask & F_FIELD != 0 {
        1.2
    } else if mask & F_DOCUMENTS != 0 {
        0.8
    } else {
        0.6
    }
}

/// The field where most query words were found (ties: the more important field).
fn matched_in(per_token: impl Iterator<Item = u8>) -> MatchedIn {
    const ORDER: [(u8, MatchedIn); 5] = [
        (F_NAME, MatchedIn::Name),
        (F_KEYWORDS, MatchedIn::Keywords),
        (F_FIELD, MatchedIn::Field),
        (F_DOCUMENTS, MatchedIn::Documents),
        (F_OTHER, MatchedIn::Other),
    ];
    let mut counts = [0usize; 5];
    for mask in per_token {
        for (i, (bit, _)) in ORDER.iter().enumerate() {
            if mask & bit != 0 {
                counts[i] += 1;
            }
        }
    }
    let mut best = 0;
    for i in 1..ORDER.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    ORDER[best].1
}

/// Longest query handled; extra words are ignored (a kiosk query is a few words).
const MAX_QUERY_TOKENS: usize = 12;
/// Quality of a prefix match is `PREFIX_BASE + (1 - PREFIX_BASE) * typed/len`.
const PREFIX_BASE: f32 = 0.55;
/// A prefix match on a word the citizen already finished typing is less likely.
const NON_LAST_PREFIX: f32 = 0.8;
const TYPO_1: f32 = 0.6;
const TYPO_2: f32 = 0.45;
/// Upper bound of `final / preliminary` score (phrase + coverage bonuses), used to
/// skip the bonus computation for documents that cannot reach the top `limit`,
/// for a query of `n` words. A one-word query has no phrase to find, so its
/// bound is much tighter (that is where most documents match: the first key).
pub(super) fn max_bonus_factor(n: usize) -> f32 {
    let run = if n > 1 { PHRASE_RUN_BONUS + WHOLE_QUERY_RUN_BONUS } else { 0.0 };
    let phrase = (run + AT_START_BONUS + WHOLE_NAME_BONUS).min(MAX_PHRASE_BONUS);
    1.0 + phrase + MAX_COVER_BONUS + FULL_COVER_BONUS
}
const MAX_PHRASE_BONUS: f32 = 1.0;
/// Phrase bonus parts (see `bonus`): the longest run (name weight, the larger),
/// the whole query as a run, the name starting with it, the query being the name.
const PHRASE_RUN_BONUS: f32 = 0.6;
const WHOLE_QUERY_RUN_BONUS: f32 = 0.2;
const AT_START_BONUS: f32 = 0.1;
const WHOLE_NAME_BONUS: f32 = 0.2;
const MAX_COVER_BONUS: f32 = 0.3;
/// When the query covers every meaningful word of the name. Larger than any
/// advantage a longer name containing the same words can get from the prior.
const FULL_COVER_BONUS: f32 = 0.4;
/// The popularity prior scales the word score by at most this much more.
const PRIOR_WEIGHT: f32 = 0.12;
/// Code matches outrank any word match.
const CODE_EXACT: f32 = 1000.0;
const CODE_PREFIX: f32 = 500.0;

/// A document waiting for its final score, ordered by the upper bound of that
/// score (then by catalog position, first is greater).
struct Candidate {
    upper: f32,
    doc: u32,
    prelim: f32,
    code: f32,
    prior: f32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.upper.total_cmp(&other.upper).then(other.doc.cmp(&self.doc))
    }
}

/// One query token's matching terms: (term id, quality), sorted by id.
type TermMatches = Vec<(u32, f32)>;

impl SearchIndex {
    fn prefix_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.terms.partition_point(|t| &**t < prefix);
        let hi = lo + self.terms[lo..].partition_point(|t| t.starts_with(prefix));
        lo..hi
    }

    /// Terms one token may stand for, each with its weight: match quality in
    /// (0, 1] times the term's rarity (IDF).
    ///
    /// Completions of a prefix share one IDF, computed from the documents the
    /// whole prefix reaches: typing `kh` says as little as `kh` does, however
    /// rare one of its completions (`khi`) happens to be.
    fn match_token(&self, token: &str, is_last: bool) -> TermMatches {
        let mut best: HashMap<u32, f32> = HashMap::new();
        let put = |id: u32, w: f32, best: &mut HashMap<u32, f32>| {
            let e = best.entry(id).or_insert(0.0);
            if w > *e {
                *e = w;
            }
        };
        let n_docs = self.docs.len().max(1) as f32;
        for (variant, vw) in query_variants(token) {
            let range = self.prefix_range(&variant);
            if !range.is_empty() {
                let reach: usize = self.postings[range.clone()].iter().map(|p| p.len()).sum();
                let prefix_idf = (1.0 + n_docs / (reach as f32).min(n_docs)).ln();
                let typed = variant.chars().count() as f32;
                for id in range {
                    let term = &self.terms[id];
                    let w = if term.len() == variant.len() {
                        self.idf[id]
                    } else {
                        let q = PREFIX_BASE + (1.0 - PREFIX_BASE) * typed / term.chars().count() as f32;
                        let q = if is_last { q } else { q * NON_LAST_PREFIX };
                        q * prefix_idf
                    };
                    put(id as u32, w * vw, &mut best);
                }
                continue;
            }
            // Nothing starts with it: a typo?
            let k = allowed_typos(variant.chars().count());
            if k == 0 {
                // Too short for a free typo, but two swapped letters ("hno" for
                // "hon") are still one slip of the finger.
                if let Some(same_len) = self.by_len.get(3).filter(|_| variant.len() == 3) {
                    for &id in same_len {
                        if is_adjacent_swap(&variant, &self.terms[id as usize]) {
                            put(id, TYPO_1 * self.idf[id as usize] * vw, &mut best);
                        }
                    }
                }
                continue;
            }
            let len = variant.len();
            for l in len.saturating_sub(k)..=(len + k).min(self.by_len.len().saturating_sub(1)) {
                for &id in &self.by_len[l] {
                    if let Some(d) = edit_distance_within(&variant, &self.terms[id as usize], k) {
                        let q = if d <= 1 { TYPO_1 } else { TYPO_2 };
                        put(id, q * self.idf[id as usize] * vw, &mut best);
                    }
                }
            }
        }
        let mut out: TermMatches = best.into_iter().collect();
        out.sort_unstable_by_key(|(id, _)| *id);
        out
    }

    /// Scores of the code tokens for every document they match.
    fn match_codes(&self, codes: &[String]) -> HashMap<usize, f32> {
        let mut out: HashMap<usize, f32> = HashMap::new();
        for q in codes {
            let q_digits: String = q.chars().filter(char::is_ascii_digit).collect();
            for (d, doc) in self.docs.iter().enumerate() {
                let code = &*doc.code;
                let score = if code == q {
                    CODE_EXACT
                } else if q.contains('.') {
                    if code.starts_with(q.as_str()) {
                        CODE_PREFIX + 100.0 * q.len() as f32 / code.len() as f32
                    } else {
                        continue;
                    }
                } else {
                    // Digits only: `1001193`, `100119`, or the six digits `001193`.
                    let digits = &*doc.code_digits;
                    if digits.is_empty() {
                        continue;
                    }
                    if digits == q_digits || digits.get(1..) == Some(q_digits.as_str()) {
                        CODE_EXACT - 1.0
                    } else if digits.starts_with(q_digits.as_str())
                        || digits[1..].starts_with(q_digits.as_str())
                    {
                        CODE_PREFIX + 100.0 * q_digits.len() as f32 / digits.len() as f32
                    } else {
                        continue;
                    }
                };
                let e = out.entry(d).or_insert(0.0);
                *e = e.max(score);
            }
        }
        out
    }

    /// Ranked documents for `query`, best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<RawHit> {
        self.search_impl(query, limit, true)
    }

    /// `prune: false` scores every matching document (the reference the pruned
    /// search is tested against).
    pub(super) fn search_impl(&self, query: &str, limit: usize, prune: bool) -> Vec<RawHit> {
        if limit == 0 || self.docs.is_empty() {
            return Vec::new();
        }
        let (codes, text) = split_codes(query);
        let folded = fold(&text);
        let toks: Vec<std::borrow::Cow<'_, str>> =
            tokens(&folded).take(MAX_QUERY_TOKENS).map(search_form).collect();
        // The last word is still being typed unless the query ends with a separator.
        let typing = text.chars().last().is_some_and(char::is_alphanumeric);
        let n_tok = toks.len();
        let matches: Vec<TermMatches> =
            toks.iter().enumerate().map(|(i, t)| self.match_token(t, typing && i + 1 == n_tok)).collect();
        let code_scores = if codes.is_empty() { HashMap::new() } else { self.match_codes(&codes) };

        let n_docs = self.docs.len();
        // Per token and document: best score, and the fields the token hit.
        let mut scores = vec![0f32; n_tok * n_docs];
        let mut fields = vec![0u8; n_tok * n_docs];
        let mut seen = vec![false; n_docs];
        let mut touched: Vec<u32> = Vec::new();
        for (t, m) in matches.iter().enumerate() {
            let row = t * n_docs;
            for &(id, w) in m {
                for p in self.postings[id as usize].iter() {
                    let d = p.doc as usize;
                    if !seen[d] {
                        seen[d] = true;
                        touched.push(p.doc);
                    }
                    fields[row + d] |= p.fields;
                    let s = w * field_weight(p.fields);
                    if s > scores[row + d] {
                        scores[row + d] = s;
                    }
                }
            }
        }
        for &d in code_scores.keys() {
            if !seen[d] {
                seen[d] = true;
                touched.push(d as u32);
            }
        }

        // Which query tokens each matched term stands for (bit t = token t).
        let mut term_tokens = vec![0u16; self.terms.len()];
        for (t, m) in matches.iter().enumerate() {
            for &(id, _) in m {
                term_tokens[id as usize] |= 1 << t;
            }
        }

        let prior = self.prior();
        let bound = max_bonus_factor(n_tok);
        // Preliminary score: token scores with a coverage penalty. The bonuses
        // at most multiply it by `max_bonus_factor`, so documents are visited by
        // that upper bound (a heap, to avoid sorting them all) and the visit
        // stops once the bound falls below the `limit`-th best final score.
        let mut cands: BinaryHeap<Candidate> = touched
            .iter()
            .map(|&d| {
                let mut sum = 0.0;
                let mut hit = 0;
                for t in 0..n_tok {
                    let s = scores[t * n_docs + d as usize];
                    if s > 0.0 {
                        sum += s;
                        hit += 1;
                    }
                }
                let coverage = if n_tok == 0 { 0.0 } else { hit as f32 / n_tok as f32 };
                let prelim = sum * coverage * coverage;
                let code = code_scores.get(&(d as usize)).copied().unwrap_or(0.0);
                let prior = 1.0 + PRIOR_WEIGHT * prior[d as usize];
                // A hair above the true bound so float rounding never prunes a tie.
                let upper = code + prelim * bound * prior * (1.0 + 1e-5);
                Candidate { upper, doc: d, prelim, code, prior }
            })
            .collect();

        let mut hits: Vec<RawHit> = Vec::with_capacity(limit + 1);
        while let Some(Candidate { upper, doc: d, prelim: s, code, prior }) = cands.pop() {
            if prune && hits.len() == limit && upper < hits[limit - 1].score {
                break;
            }
            let doc = &self.docs[d as usize];
            let bonus = if s > 0.0 { bonus(doc, &term_tokens, n_tok) } else { 0.0 };
            let m = if code > 0.0 {
                MatchedIn::Code
            } else {
                matched_in((0..n_tok).map(|t| fields[t * n_docs + d as usize]))
            };
            let hit = RawHit { doc: d as usize, score: code + s * (1.0 + bonus) * prior, matched_in: m };
            if hit.score <= 0.0 {
                continue;
            }
            // Keep `hits` sorted (best first, then catalog order) and at most `limit` long.
            let pos =
                hits.partition_point(|h| h.score > hit.score || (h.score == hit.score && h.doc < hit.doc));
            if pos < limit {
                hits.insert(pos, hit);
                hits.truncate(limit);
            }
        }
        hits
    }
}

/// Phrase and coverage bonus for one document, in [0, max_bonus_factor(n) - 1].
/// `term_tokens[id]` has bit t set when term `id` matches query token t.
fn bonus(doc: &DocEntry, term_tokens: &[u16], n: usize) -> f32 {
    if n == 0 {
        return 0.0;
    }
    let phrase = |seq: &[u32], weight: f32| -> f32 {
        // run[t]: length of the run of consecutive query tokens ending with
        // token t at the current position of `seq` (dynamic programming).
        let mut run = [0u8; MAX_QUERY_TOKENS];
        let mut longest = 0usize;
        let mut whole_at_start = false;
        for (j, &id) in seq.iter().enumerate() {
            let mask = term_tokens[id as usize];
            for t in (0..n).rev() {
                run[t] = if mask & (1 << t) != 0 {
                    if t > 0 {
                        run[t - 1] + 1
                    } else {
                        1
                    }
                } else {
                    0
                };
                longest = longest.max(run[t] as usize);
            }
            if j + 1 == n && run[n - 1] as usize == n {
                whole_at_start = true;
            }
        }
        if longest == 0 {
            return 0.0;
        }
        let mut b = if n > 1 { weight * (longest - 1) as f32 / (n - 1) as f32 } else { 0.0 };
        if longest == n && n > 1 {
            b += WHOLE_QUERY_RUN_BONUS;
        }
        if whole_at_start {
            b += AT_START_BONUS;
        }
        if longest == n && longest == seq.len() {
            // The query is the whole name or keyword.
            b += WHOLE_NAME_BONUS;
        }
        b
    };
    let mut best = phrase(&doc.name, PHRASE_RUN_BONUS);
    for k in doc.keywords.iter() {
        best = best.max(phrase(k, 0.5));
    }
    let phrase_bonus = best.min(MAX_PHRASE_BONUS);
    let covered = doc.name.iter().filter(|&&id| term_tokens[id as usize] != 0).count();
    let cover_bonus =
        if doc.name.is_empty() { 0.0 } else { MAX_COVER_BONUS * covered as f32 / doc.name.len() as f32 };
    let full_cover = !doc.core.is_empty() && doc.core.iter().all(|&id| term_tokens[id as usize] != 0);
    phrase_bonus + cover_bonus + if full_cover { FULL_COVER_BONUS } else { 0.0 }
}

/// True for a token that is (the start of) a procedure code: `1.001193`, `1.0011`,
/// `1.`, `001193`, `1001193`.
pub(super) fn looks_like_code(t: &str) -> bool {
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.as_bytes()[0].is_ascii_digit()
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && (t.contains('.') || digits >= 3)
}

/// Splits code-like words (`1.001193`, also the localised `1.001193.000.00.00.H56`)
/// from the rest of the query. The text keeps a trailing space when its last word
/// is complete (followed by a space or a code), so the caller can tell.
pub(super) fn split_codes(query: &str) -> (Vec<String>, String) {
    let mut codes = Vec::new();
    let mut words = Vec::new();
    let mut last_is_code = false;
    for word in query.split_whitespace() {
        let w = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.');
        // A sentence may end right after a code: `1.001193.`
        let w = if w.matches('.').count() > 1 && !w.contains("..") { w.trim_end_matches('.') } else { w };
        last_is_code = true;
        if w.len() > 9 && w.is_char_boundary(8) && w.as_bytes()[8] == b'.' && looks_like_code(&w[..8]) {
            codes.push(w[..8].to_string());
        } else if looks_like_code(w) {
            codes.push(w.to_string());
        } else {
            words.push(word);
            last_is_code = false;
        }
    }
    let mut text = words.join(" ");
    if !text.is_empty() && (last_is_code || query.ends_with(char::is_whitespace)) {
        text.push(' ');
    }
    (codes, text)
}
