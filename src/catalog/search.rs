//! Vietnamese procedure search: an in-memory inverted index over folded tokens,
//! built when the catalog is loaded. Why this and not SQLite FTS5, with the
//! measurements, is in `docs/search.md`.
//!
//! What it does, per keystroke:
//! - codes: `1.001193` (exact), `1.0011` (prefix), `001193` (number without the
//!   leading digit) are matched against the procedure codes;
//! - words: the query is folded like the catalog ([`crate::domain::text::fold`]),
//!   each token is tried as typed and without Telex/VNI leftovers, and matched
//!   exactly, as a prefix (the last token is usually half typed) or, when the
//!   word exists nowhere, with 1 typo (≥ 4 letters) or 2 (≥ 8 letters);
//! - ranking: each token scores by the best field it hits (name > keywords >
//!   lĩnh vực > documents > other) times its rarity (IDF); documents hitting
//!   fewer tokens are penalised quadratically; a bonus goes to query words found
//!   as a consecutive phrase in the name or a keyword, to names starting with the
//!   query, and to names the query covers entirely (a larger one when it covers
//!   every meaningful word of the name: `khai tu` is "Đăng ký khai tử", not
//!   "Đăng ký khai tử lưu động");
//! - spelling: `y` after a consonant is indexed and searched as `i` (kí/ký);
//!   a swapped pair of letters is one typo, also in three-letter words;
//! - English: `name_en` and `keywords_en` are searched like keywords;
//! - popularity: a per-procedure prior in [0, 1] (from the centre's counts and
//!   a configured list) multiplies the word score by at most `1 + PRIOR_WEIGHT`,
//!   so it only decides near-ties.

use crate::domain::procedure::Procedure;
use crate::domain::text::{
    allowed_typos, edit_distance_within, fold, is_adjacent_swap, query_variants, search_form, tokens,
};
use serde::Serialize;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Where a hit matched best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedIn {
    Code,
    Name,
    Keywords,
    Field,
    Documents,
    Other,
}

impl MatchedIn {
    pub fn key(self) -> &'static str {
        match self {
            MatchedIn::Code => "code",
            MatchedIn::Name => "name",
            MatchedIn::Keywords => "keywords",
            MatchedIn::Field => "field",
            MatchedIn::Documents => "documents",
            MatchedIn::Other => "other",
        }
    }
}

const F_NAME: u8 = 1;
const F_KEYWORDS: u8 = 2;
const F_FIELD: u8 = 4;
const F_DOCUMENTS: u8 = 8;
const F_OTHER: u8 = 16;

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
/// Upper bound of `final / preliminary` score (phrase + coverage bonuses) for a
/// query of `n` words, used to skip the bonus computation for documents that
/// cannot reach the top `limit`. A one-word query has no phrase to find, so its
/// bound is much tighter (that is where most documents match: the first key).
fn max_bonus_factor(n: usize) -> f32 {
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
pub const PRIOR_WEIGHT: f32 = 0.12;
/// Words that do not tell procedures apart when checking whether a query covers
/// a whole name ("Đăng ký khai tử" is covered by "khai tử"). In search form.
const GENERIC_WORDS: &[&str] =
    &["dang", "ki", "cac", "cua", "va", "cho", "doi", "voi", "ve", "tai", "trong", "theo", "nhung"];
/// Code matches outrank any word match.
const CODE_EXACT: f32 = 1000.0;
const CODE_PREFIX: f32 = 500.0;

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    fields: u8,
}

#[derive(Debug)]
struct DocEntry {
    code: Box<str>,
    /// The code without its dot: `1001193`.
    code_digits: Box<str>,
    /// Term ids of the name, in order.
    name: Box<[u32]>,
    /// Term ids of each keyword phrase (English name and keywords included), in order.
    keywords: Box<[Box<[u32]>]>,
    /// The name's meaningful terms (without [`GENERIC_WORDS`]), each once.
    core: Box<[u32]>,
}

/// A ranked result, by document position in the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHit {
    pub doc: usize,
    pub score: f32,
    pub matched_in: MatchedIn,
}

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

/// The inverted index. Immutable once built; `search` takes `&self` and can run
/// from several threads.
#[derive(Debug)]
pub struct SearchIndex {
    /// Sorted, unique folded terms: a prefix is a contiguous id range.
    terms: Vec<Box<str>>,
    idf: Vec<f32>,
    postings: Vec<Box<[Posting]>>,
    /// Term ids grouped by term length in bytes, for the typo scan.
    by_len: Vec<Vec<u32>>,
    docs: Vec<DocEntry>,
    /// Popularity per document in [0, 1]; replaced as a whole when counts change.
    prior: RwLock<Arc<[f32]>>,
}

/// One query token's matching terms: (term id, quality), sorted by id.
type TermMatches = Vec<(u32, f32)>;

impl SearchIndex {
    pub fn build(procs: &[Procedure]) -> Self {
        // Terms get provisional ids in order of appearance, renumbered in sorted
        // order at the end (so that a prefix is a contiguous id range).
        let mut interned: HashMap<String, u32> = HashMap::new();
        let mut intern = |t: &str| -> u32 {
            if let Some(&id) = interned.get(t) {
                return id;
            }
            let id = interned.len() as u32;
            interned.insert(t.to_string(), id);
            id
        };
        let mut per_term: Vec<Vec<Posting>> = Vec::new();
        let mut docs = Vec::with_capacity(procs.len());
        let mut masks: HashMap<u32, u8> = HashMap::new();
        for (d, p) in procs.iter().enumerate() {
            masks.clear();
            let name: Box<[u32]> = search_tokens(&p.name).map(|t| intern(&t)).collect();
            for &id in name.iter() {
                *masks.entry(id).or_default() |= F_NAME;
            }
            let core: Vec<u32> = {
                let mut seen = HashSet::new();
                search_tokens(&p.name)
                    .filter(|t| !GENERIC_WORDS.contains(&t.as_ref()))
                    .map(|t| intern(&t))
                    .filter(|id| seen.insert(*id))
                    .collect()
            };
            let keywords: Box<[Box<[u32]>]> = p
                .keywords
                .iter()
                .chain(p.name_en.iter())
                .chain(p.keywords_en.iter())
                .map(|k| search_tokens(k).map(|t| intern(&t)).collect())
                .collect();
            for &id in keywords.iter().flatten() {
                *masks.entry(id).or_default() |= F_KEYWORDS;
            }
            let mut add = |mask: u8, text: &str| {
                for t in search_tokens(text) {
                    *masks.entry(intern(&t)).or_default() |= mask;
                }
            };
            add(F_FIELD, &p.field);
            for doc in &p.documents {
                add(F_DOCUMENTS, &doc.name);
                if let Some(t) = &doc.form {
                    add(F_DOCUMENTS, t);
                }
            }
            for s in &p.subjects {
                add(F_OTHER, s);
            }
            add(F_OTHER, &p.result);
            add(F_OTHER, &p.agency);
            for (&id, &fields) in &masks {
                if per_term.len() <= id as usize {
                    per_term.resize_with(id as usize + 1, Vec::new);
                }
                per_term[id as usize].push(Posting { doc: d as u32, fields });
            }
            let code_digits: String = p.code.chars().filter(char::is_ascii_digit).collect();
            docs.push(DocEntry {
                code: p.code.as_str().into(),
                code_digits: code_digits.into(),
                name,
                keywords,
                core: core.into(),
            });
        }

        // Renumber terms in sorted order.
        let mut vocab: Vec<(String, u32)> = interned.into_iter().collect();
        vocab.sort_unstable();
        let mut new_id = vec![0u32; vocab.len()];
        for (i, (_, old)) in vocab.iter().enumerate() {
            new_id[*old as usize] = i as u32;
        }
        for doc in &mut docs {
            for id in doc
                .name
                .iter_mut()
                .chain(doc.core.iter_mut())
                .chain(doc.keywords.iter_mut().flat_map(|k| k.iter_mut()))
            {
                *id = new_id[*id as usize];
            }
        }
        per_term.resize_with(vocab.len(), Vec::new);
        let mut postings: Vec<Box<[Posting]>> = vec![Box::default(); vocab.len()];
        for (old, mut p) in per_term.into_iter().enumerate() {
            p.sort_unstable_by_key(|p| p.doc);
            postings[new_id[old] as usize] = p.into_boxed_slice();
        }
        let n = procs.len().max(1) as f32;
        let idf = postings.iter().map(|p| (1.0 + n / p.len().max(1) as f32).ln()).collect();
        let mut by_len: Vec<Vec<u32>> = Vec::new();
        for (i, (t, _)) in vocab.iter().enumerate() {
            if by_len.len() <= t.len() {
                by_len.resize(t.len() + 1, Vec::new());
            }
            by_len[t.len()].push(i as u32);
        }
        let terms = vocab.into_iter().map(|(t, _)| t.into_boxed_str()).collect();
        let prior = RwLock::new(vec![0.0; docs.len()].into());
        SearchIndex { terms, idf, postings, by_len, docs, prior }
    }

    /// Sets the popularity prior, one value in [0, 1] per document (catalog
    /// order); missing values are 0, out-of-range ones are clamped.
    pub fn set_prior(&self, prior: &[f32]) {
        let v: Arc<[f32]> =
            (0..self.docs.len()).map(|d| prior.get(d).copied().unwrap_or(0.0).clamp(0.0, 1.0)).collect();
        *self.prior.write().expect("prior lock") = v;
    }

    /// The popularity prior in use, per document.
    pub fn prior(&self) -> Arc<[f32]> {
        Arc::clone(&self.prior.read().expect("prior lock"))
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of distinct folded terms.
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Approximate heap memory held by the index, in bytes.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let terms: usize = self.terms.iter().map(|t| t.len() + size_of::<Box<str>>()).sum();
        let idf = self.idf.len() * size_of::<f32>();
        let postings: usize =
            self.postings.iter().map(|p| p.len() * size_of::<Posting>() + size_of::<Box<[Posting]>>()).sum();
        let by_len: usize =
            self.by_len.iter().map(|v| v.capacity() * size_of::<u32>() + size_of::<Vec<u32>>()).sum();
        let docs: usize = self
            .docs
            .iter()
            .map(|d| {
                size_of::<DocEntry>()
                    + d.code.len()
                    + d.code_digits.len()
                    + d.name.len() * 4
                    + d.core.len() * 4
                    + d.keywords.iter().map(|k| k.len() * 4 + size_of::<Box<[u32]>>()).sum::<usize>()
            })
            .sum();
        let prior = self.docs.len() * size_of::<f32>();
        terms + idf + postings + by_len + docs + prior
    }

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
    fn search_impl(&self, query: &str, limit: usize, prune: bool) -> Vec<RawHit> {
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

/// Folded, spelling-neutral tokens of a catalog text (see [`search_form`]).
fn search_tokens(text: &str) -> impl Iterator<Item = String> {
    let folded = fold(text);
    let out: Vec<String> = tokens(&folded).map(|t| search_form(t).into_owned()).collect();
    out.into_iter()
}

/// True for a token that is (the start of) a procedure code: `1.001193`, `1.0011`,
/// `1.`, `001193`, `1001193`.
fn looks_like_code(t: &str) -> bool {
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
fn split_codes(query: &str) -> (Vec<String>, String) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::{Channel, Document, Level, Method};

    fn proc(code: &str, name: &str, docs: &[&str], keywords: &[&str]) -> Procedure {
        Procedure {
            code: code.into(),
            name: name.into(),
            field: "Hộ tịch".into(),
            level: Level::Xa,
            kind: String::new(),
            agency: "UBND cấp xã".into(),
            subjects: vec![],
            steps: vec![],
            methods: vec![Method {
                channel: Channel::TrucTiep,
                processing_time: "1 ngày".into(),
                time: Some(crate::domain::procedure::TimeLimit::working_days(1)),
                working_days: None,
                fee: String::new(),
                fee_amount: Some(0),
                description: String::new(),
            }],
            documents: docs
                .iter()
                .map(|d| Document { name: (*d).into(), form: None, originals: 1, copies: 0 })
                .collect(),
            conditions: vec![],
            legal_basis: vec![],
            result: String::new(),
            online_level: None,
            queue_service: "HT".into(),
            keywords: keywords.iter().map(|k| (*k).into()).collect(),
            name_en: None,
            keywords_en: vec![],
            sources: vec![],
            unverified: vec![],
        }
    }

    fn index() -> (Vec<Procedure>, SearchIndex) {
        let procs = vec![
            proc("1.000656", "Đăng ký khai tử", &["Giấy báo tử"], &[]),
            proc("1.001193", "Đăng ký khai sinh", &["Tờ khai", "Giấy chứng sinh"], &["giấy khai sinh"]),
            proc("1.000894", "Đăng ký kết hôn", &["Tờ khai đăng ký kết hôn"], &["lấy vợ"]),
            proc("2.000635", "Cấp bản sao trích lục hộ tịch", &["Bản sao giấy khai sinh"], &[]),
            proc("1.004884", "Đăng ký lại khai sinh", &["Tờ khai"], &[]),
            proc("2.000815", "Chứng thực bản sao từ bản chính", &["Bản chính giấy tờ"], &[]),
            proc("9.000001", "Xác nhận sinh hoạt khai báo", &[], &[]),
        ];
        let idx = SearchIndex::build(&procs);
        (procs, idx)
    }

    fn top(idx: &SearchIndex, procs: &[Procedure], q: &str) -> Vec<String> {
        idx.search(q, 10).into_iter().map(|h| procs[h.doc].code.clone()).collect()
    }

    #[test]
    fn exact_name_wins() {
        let (p, idx) = index();
        assert_eq!(top(&idx, &p, "đăng ký khai sinh")[0], "1.001193");
        assert_eq!(top(&idx, &p, "DANG KY KET HON")[0], "1.000894");
    }

    #[test]
    fn name_matches_rank_above_document_matches() {
        let (p, idx) = index();
        // "giấy báo tử" is a document of 1.000656 only; "khai tử" is in its name.
        let hits = idx.search("khai sinh", 10);
        assert_eq!(p[hits[0].doc].code, "1.001193");
        assert_eq!(hits[0].matched_in, MatchedIn::Name);
        // 2.000635 has "khai sinh" only in a document: after both name matches.
        let pos = |c: &str| hits.iter().position(|h| p[h.doc].code == c).unwrap();
        assert!(pos("2.000635") > pos("1.004884"), "{:?}", top(&idx, &p, "khai sinh"));
        assert_eq!(hits[pos("2.000635")].matched_in, MatchedIn::Documents);
    }

    #[test]
    fn phrase_ranks_above_scattered_words() {
        let (p, idx) = index();
        // "sinh ... khai" are scattered in 9.000001; adjacent in 1.001193.
        let t = top(&idx, &p, "khai sinh");
        let a = t.iter().position(|c| c == "1.001193").unwrap();
        let b = t.iter().position(|c| c == "9.000001").unwrap();
        assert!(a < b, "{t:?}");
    }

    #[test]
    fn prefixes_match_while_typing() {
        let (p, idx) = index();
        let t = top(&idx, &p, "dang ky kh");
        assert!(
            t[..2].contains(&"1.001193".to_string()) && t[..2].contains(&"1.000656".to_string()),
            "{t:?}"
        );
        assert_eq!(top(&idx, &p, "chung th")[0], "2.000815");
    }

    #[test]
    fn typos_and_ime_leftovers() {
        let (p, idx) = index();
        assert_eq!(top(&idx, &p, "dang ky khai sihn")[0], "1.001193");
        assert_eq!(top(&idx, &p, "ddawngw kys keets hoon")[0], "1.000894");
        assert_eq!(top(&idx, &p, "dang9 ky1 ke6t ho6n")[0], "1.000894");
    }

    #[test]
    fn codes_match_exactly_and_by_prefix() {
        let (p, idx) = index();
        let hits = idx.search("1.001193", 5);
        assert_eq!(p[hits[0].doc].code, "1.001193");
        assert_eq!(hits[0].matched_in, MatchedIn::Code);
        assert_eq!(top(&idx, &p, "2.0008")[0], "2.000815");
        assert_eq!(top(&idx, &p, "001193")[0], "1.001193");
        assert_eq!(top(&idx, &p, "1.001193.000.00.00.H56")[0], "1.001193");
        // A code prefix matches every code under it and nothing else.
        let t = top(&idx, &p, "1.00");
        assert_eq!(t.len(), 4, "{t:?}");
    }

    #[test]
    fn keywords_match() {
        let (p, idx) = index();
        assert_eq!(top(&idx, &p, "giấy khai sinh")[0], "1.001193");
        assert_eq!(top(&idx, &p, "lay vo")[0], "1.000894");
    }

    #[test]
    fn nothing_matches_nonsense() {
        let (_, idx) = index();
        assert!(idx.search("qqqq zzzz", 10).is_empty());
        assert!(idx.search("", 10).is_empty());
        assert!(idx.search("   ", 10).is_empty());
        assert!(idx.search("khai", 0).is_empty());
    }

    #[test]
    fn limit_is_respected_and_order_is_stable() {
        let (_, idx) = index();
        let all = idx.search("dang", 10);
        assert!(all.len() >= 4);
        let two = idx.search("dang", 2);
        assert_eq!(two, all[..2].to_vec());
        assert_eq!(idx.search("dang", 10), all);
    }

    #[test]
    fn codes_split_from_words() {
        assert_eq!(split_codes("1.001193"), (vec!["1.001193".to_string()], String::new()));
        assert_eq!(split_codes("khai sinh 1.0011"), (vec!["1.0011".to_string()], "khai sinh ".to_string()));
        assert_eq!(split_codes("khai si"), (vec![], "khai si".to_string()));
        assert_eq!(split_codes("mẫu 01"), (vec![], "mẫu 01".to_string()));
        assert_eq!(split_codes("mã 1.001193."), (vec!["1.001193".to_string()], "mã ".to_string()));
        assert!(looks_like_code("1."));
        assert!(!looks_like_code("12"));
        assert!(!looks_like_code("1.2.3"));
    }

    #[test]
    fn pruned_search_ranks_exactly_like_scoring_everything() {
        let file = crate::catalog::synth::generate(800, 5);
        let idx = SearchIndex::build(&file.procedures);
        // With a popularity prior too: the bound must hold with it.
        let prior: Vec<f32> = (0..800).map(|i| ((i * 37) % 100) as f32 / 100.0).collect();
        idx.set_prior(&prior);
        assert!(max_bonus_factor(1) < max_bonus_factor(2));
        for q in [
            "t",
            "giay",
            "c",
            "cap",
            "cap giay",
            "cap giay phep hoat dong",
            "xac nhan nguoi khuyet tat",
            "dang ky ho kinh doanh lan dau",
            "gia han giay chung nhan",
            "chungs thuwcj",
            "1.0",
            "2.00",
            "giay phep con",
            "thu hoi the",
        ] {
            for limit in [1, 5, 10, 30] {
                let pruned = idx.search_impl(q, limit, true);
                let full = idx.search_impl(q, limit, false);
                assert_eq!(pruned, full, "{q:?} limit {limit}");
                assert!(!full.is_empty(), "{q:?}");
            }
        }
    }

    #[test]
    fn spelling_swaps_and_whole_names() {
        let mut procs = index().0;
        procs.push(proc("1.000689", "Đăng ký khai tử lưu động", &[], &[]));
        procs[2].name_en = Some("Marriage registration".into());
        let idx = SearchIndex::build(&procs);
        let top1 = |q: &str| procs[idx.search(q, 1)[0].doc].code.clone();
        // kí and ký are one word.
        assert_eq!(top1("dang ki ket hon"), "1.000894");
        assert_eq!(top1("ĐĂNG KÍ KHAI SINH"), "1.001193");
        // Two swapped letters in a three-letter word.
        assert_eq!(top1("ket hno"), "1.000894");
        // The whole short name ranks above the longer one containing it.
        assert_eq!(top1("khai tu"), "1.000656");
        // English name.
        assert_eq!(top1("marriage"), "1.000894");
    }

    #[test]
    fn prior_breaks_near_ties_and_is_clamped() {
        let procs = vec![
            proc("1.000001", "Cấp bản sao trích lục hộ tịch", &[], &[]),
            proc("1.000002", "Cấp bản sao từ sổ gốc", &[], &[]),
        ];
        let idx = SearchIndex::build(&procs);
        let first = |idx: &SearchIndex| procs[idx.search("cap ban sao", 1)[0].doc].code.clone();
        idx.set_prior(&[0.0, 1.0]);
        assert_eq!(first(&idx), "1.000002");
        idx.set_prior(&[1.0, 0.0]);
        assert_eq!(first(&idx), "1.000001");
        idx.set_prior(&[5.0]);
        assert_eq!(&*idx.prior(), &[1.0, 0.0]);
    }

    #[test]
    fn heap_estimate_grows_with_the_catalog() {
        let (p, idx) = index();
        let small = SearchIndex::build(&p[..2]);
        assert!(idx.heap_bytes() > small.heap_bytes());
        assert!(idx.term_count() > small.term_count());
    }
}
