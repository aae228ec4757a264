//! A bounded, seeded fuzz driver on stable Rust.
//!
//! Each case is built by [`fastrand`] from the target's seed inputs (valid
//! examples): 1-8 mutations (bit flips, byte inserts and deletions, copies,
//! splices with another seed, tokens that parsers treat specially, cuts), or
//! now and then fully random bytes. Harnesses that need typed values read
//! them from the case's bytes through [`arbitrary::Unstructured`], the same
//! decoding cargo-fuzz targets use, so a harness could move to a
//! coverage-guided fuzzer unchanged. No coverage guidance here (that needs
//! nightly's sanitizers), which is why cases start from valid inputs: random
//! bytes alone rarely get past a JSON or TOML parser's first character.
//!
//! Cases per target: `FUZZ_CASES` (default: the short count each target gives,
//! a few thousand, so `cargo test` stays quick); seed: `FUZZ_SEED` (default
//! fixed, so a failure reproduces). A panicking case is printed (seed, case
//! index, bytes) before the test fails.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Parsers' special bytes and strings: delimiters, escapes, big numbers,
/// control characters, multi-byte UTF-8 (Vietnamese letters, combining marks).
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"|",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"4294967296",
    b"18446744073709551616",
    b"1e999",
    b"-0.0",
    b"\\u0000",
    b"\\ud800",
    b"=",
    b"[[",
    b"]]",
    b"'''",
    b"\"\"\"",
    b"#",
    b"data:",
    b"id:",
    b"event:",
    b"retry:",
    b": ",
    b"\xff",
    b"\xc3",
    b"\xe1\xbb\x87",
    "Nguyễn".as_bytes(),
    "\u{303}".as_bytes(),
    b"\x1b",
    b"\x10\x04",
    b"2026-02-30",
    b"9999-12-31T23:59:59Z",
    b"A-901",
    b"]Q1",
    b"000.00.06.H56-231027-0361",
];

/// Cases to run: `FUZZ_CASES` if set, else `short`.
pub fn case_count(short: u64) -> u64 {
    std::env::var("FUZZ_CASES").ok().and_then(|s| s.replace('_', "").parse().ok()).unwrap_or(short)
}

fn base_seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x6d6f_7463_7561)
}

/// One mutated input from `seeds`.
pub fn mutate(rng: &mut fastrand::Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if seeds.is_empty() || rng.u8(..) < 16 {
        let n = rng.usize(..256);
        return (0..n).map(|_| rng.u8(..)).collect();
    }
    let mut v = seeds[rng.usize(..seeds.len())].clone();
    for _ in 0..rng.usize(1..=8) {
        let len = v.len();
        match rng.u8(..10) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                v[i] ^= 1 << rng.u8(..8);
            }
            1 => {
                let i = rng.usize(..=len);
                v.insert(i, rng.u8(..));
            }
            2 if len > 0 => {
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=16)).min(len);
                v.drain(a..b);
            }
            3 if len > 0 => {
                // Copy a run elsewhere (repeated fields, nested brackets).
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=32)).min(len);
                let run = v[a..b].to_vec();
                let at = rng.usize(..=v.len());
                v.splice(at..at, run);
            }
            4 => {
                let other = &seeds[rng.usize(..seeds.len())];
                if !other.is_empty() {
                    let a = rng.usize(..other.len());
                    let b = (a + rng.usize(1..=64)).min(other.len());
                    let at = rng.usize(..=len);
                    v.splice(at..at, other[a..b].iter().copied());
                }
            }
            5 if len > 0 => v.truncate(rng.usize(..len)),
            6 if len > 0 => {
                let i = rng.usize(..len);
                v[i] = *[b'0', b'9', b'-', b' ', b'a', b'Z', 0x7f, 0x80].get(rng.usize(..8)).unwrap();
            }
            _ => {
                let t = TOKENS[rng.usize(..TOKENS.len())];
                let at = rng.usize(..=len);
                if rng.bool() || len == 0 {
                    v.splice(at..at, t.iter().copied());
                } else {
                    let end = (at + t.len()).min(len);
                    v.splice(at..end, t.iter().copied());
                }
            }
        }
    }
    v
}

/// Runs `check` on `short` (or `FUZZ_CASES`) mutated inputs and prints
/// `FUZZ <name> <cases> cases ...`. `check` panics when a property fails.
pub fn run(
    name: &str,
    short: u64,
    seeds: &[Vec<u8>],
    mut check: impl FnMut(&[u8], &mut fastrand::Rng),
) -> u64 {
    let cases = case_count(short);
    let seed = base_seed()
        ^ name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let mut rng = fastrand::Rng::with_seed(seed);
    // Every seed itself first: the valid inputs must pass too.
    for s in seeds {
        check(s, &mut rng);
    }
    let started = std::time::Instant::now();
    for i in 0..cases {
        let input = mutate(&mut rng, seeds);
        let mut case_rng = fastrand::Rng::with_seed(seed.wrapping_add(i));
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(&input, &mut case_rng))) {
            eprintln!(
                "FUZZ {name}: case {i} failed (FUZZ_SEED={}); input ({} bytes): {:?}\n{}",
                base_seed(),
                input.len(),
                String::from_utf8_lossy(&input),
                input.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            std::panic::resume_unwind(e);
        }
    }
    println!("FUZZ {name} {cases} cases in {:.2} s (seed {seed:#x})", started.elapsed().as_secs_f64());
    cases
}

/// Splits `bytes` into chunks of random lengths (how a port or socket delivers them).
pub fn chunks<'a>(bytes: &'a [u8], rng: &mut fastrand::Rng) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let most = if rng.bool() { 3 } else { 64 };
        let n = rng.usize(1..=rest.len().min(most));
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

pub fn seeds(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}
