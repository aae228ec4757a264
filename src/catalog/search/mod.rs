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
use crate::domain::text::{fold, search_form, tokens};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

mod query;

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

/// Words that do not tell procedures apart when checking whether a query covers
/// a whole name ("Đăng ký khai tử" is covered by "khai tử"). In search form.
const GENERIC_WORDS: &[&str] =
    &["dang", "ki", "cac", "cua", "va", "cho", "doi", "voi", "ve", "tai", "trong", "theo", "nhung"];

/// A ranked result, by document position in the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHit {
    pub doc: usize,
    pub score: f32,
    pub matched_in: MatchedIn,
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
}

/// Folded, spelling-neutral tokens of a catalog text (see [`search_form`]).
fn search_tokens(text: &str) -> impl Iterator<Item = String> {
    let folded = fold(text);
    let out: Vec<String> = tokens(&folded).map(|t| search_form(t).into_owned()).collect();
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::query::{looks_like_code, split_codes};
    use super::*;
    use crate::domain::procedure::Document;

    fn proc(code: &str, name: &str, docs: &[&str], keywords: &[&str]) -> Procedure {
        let mut p = crate::domain::procedure::fixtures::procedure(code, name);
        p.documents = docs
            .iter()
            .map(|d| Document { name: (*d).into(), form: None, originals: 1, copies: 0 })
            .collect();
        p.keywords = keywords.iter().map(|k| (*k).into()).collect();
        p
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
        assert!(query::max_bonus_factor(1) < query::max_bonus_factor(2));
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
