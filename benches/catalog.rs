//! Catalog benchmark: keystroke-to-results latency, import and load time,
//! index memory; plus SQLite FTS5 on the same keystrokes for comparison.
//! Prints `BENCH <name> <value> <unit>` lines.
//!
//! `CARGO_TARGET_DIR=/work/main/target cargo bench --bench catalog`

use motcua_kiosk::catalog::{self, store, synth, Catalog, ImportOptions};
use motcua_kiosk::domain::procedure::{CatalogFile, Procedure};
use motcua_kiosk::domain::text::{fold, tokens};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes, to measure what a loaded catalog holds.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now =
                    LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f`, returning its value, the heap bytes it left allocated, and the
/// peak of extra heap bytes while it ran.
fn heap_of<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let v = f();
    let after = LIVE.load(Ordering::Relaxed);
    (v, after.saturating_sub(before), PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

/// Queries citizens type on the bundled catalog (with typos and IME leftovers).
const BUNDLED_QUERIES: &[&str] = &[
    "đăng ký khai sinh",
    "dang ky ket hon",
    "chung thuc ban sao",
    "dangw kys thuowngf truus",
    "dang9 ky1 tam tru",
    "so do",
    "giay phep xay dung",
    "ho khau",
    "xac nhan tinh trang hon nhan",
    "dang ky khai sihn",
    "1.001193",
    "thanh lap ho kinh doanh",
];

/// The classes added with issue 15: i/y spelling, swapped letters, whole short
/// names, near-ties, English.
const BUNDLED_NEW_CLASS_QUERIES: &[&str] =
    &["li lich tu phap", "ket hno", "chugn thuc ban sao", "tam tru", "chung thuc", "criminal record"];

/// Queries on the synthetic catalog (its vocabulary).
const SYNTH_QUERIES: &[&str] = &[
    "cap giay phep hoat dong kinh doanh dich vu karaoke",
    "dang ky ho kinh doanh",
    "xac nhan nguoi khuyet tat",
    "gia han giay chung nhan",
    "cong nhan ho ngheo",
    "thu hoi giay phep co so kham benh",
    "cap lai the nguoi co cong do bi mat",
    "chungs thuwcj banr sao",
    "phe duyet phuong an truong tieu hoc",
    "2.00791",
    "giay phep con",
    "dieu chinh giay chung nhan quyen su dung dat",
];

/// Every prefix of every query, as typed one character at a time.
fn keystrokes(queries: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for q in queries {
        let mut typed = String::new();
        for c in q.chars() {
            typed.push(c);
            out.push(typed.clone());
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// Times `f` on every keystroke, `rounds` times over. Prints the p50/p99 of the
/// per-keystroke medians (robust to the scheduler: the machine may be busy)
/// and the p99/max of all raw samples.
fn keystroke_bench(name: &str, strokes: &[String], rounds: usize, mut f: impl FnMut(&str) -> usize) {
    // Warm up.
    for s in strokes {
        black_box(f(s));
    }
    let mut per_stroke: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); strokes.len()];
    for _ in 0..rounds {
        for (i, s) in strokes.iter().enumerate() {
            let t = Instant::now();
            black_box(f(s));
            per_stroke[i].push(t.elapsed());
        }
    }
    let mut medians: Vec<Duration> = per_stroke
        .iter_mut()
        .map(|v| {
            v.sort();
            v[v.len() / 2]
        })
        .collect();
    if std::env::var_os("CATALOG_BENCH_SLOWEST").is_some() {
        let mut by: Vec<(Duration, &String)> = medians.iter().copied().zip(strokes).collect();
        by.sort_by_key(|b| std::cmp::Reverse(b.0));
        for (d, s) in by.iter().take(8) {
            println!("SLOW {name} {} us {s:?}", us(*d));
        }
    }
    medians.sort();
    let mut raw: Vec<Duration> = per_stroke.into_iter().flatten().collect();
    raw.sort();
    println!("BENCH {name}_p50 {} us", us(percentile(&medians, 0.50)));
    println!("BENCH {name}_p99 {} us", us(percentile(&medians, 0.99)));
    println!("BENCH {name}_worst_keystroke {} us", us(*medians.last().unwrap()));
    println!("BENCH {name}_raw_p99 {} us", us(percentile(&raw, 0.99)));
    println!("BENCH {name}_raw_max {} us", us(*raw.last().unwrap()));
    println!("BENCH {name}_keystrokes {} n", strokes.len());
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// The same data in SQLite FTS5 (folded text, prefix indexes), queried with a
/// prefix on every token and BM25 weights favouring the name.
struct Fts {
    conn: rusqlite::Connection,
}

impl Fts {
    fn build(procs: &[Procedure]) -> Self {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE fts USING fts5(name, keywords, rest, code UNINDEXED,
                 tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');",
        )
        .unwrap();
        let mut ins = conn
            .prepare("INSERT INTO fts (rowid, name, keywords, rest, code) VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for (i, p) in procs.iter().enumerate() {
            let rest: Vec<String> =
                p.documents.iter().map(|d| d.name.clone()).chain([p.field.clone()]).collect();
            ins.execute(rusqlite::params![
                i as i64,
                fold(&p.name),
                fold(&p.keywords.join(" ; ")),
                fold(&rest.join(" ; ")),
                p.code
            ])
            .unwrap();
        }
        drop(ins);
        Fts { conn }
    }

    fn search(&self, q: &str) -> usize {
        let folded = fold(q);
        let expr: Vec<String> = tokens(&folded).map(|t| format!("\"{t}\"*")).collect();
        if expr.is_empty() {
            return 0;
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY bm25(fts, 10.0, 8.0, 1.0) LIMIT 10",
            )
            .unwrap();
        let rows = stmt.query_map([expr.join(" ")], |r| r.get::<_, i64>(0)).unwrap();
        rows.count()
    }
}

fn main() {
    // Cargo passes `--bench`; nothing to configure.
    let rounds: usize = std::env::var("CATALOG_BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);

    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let one = load.split_whitespace().next().unwrap_or("?");
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!("BENCH machine_loadavg_1m {one} load ({cpus} cpus)");
    }

    // ---- bundled catalog
    let t = Instant::now();
    let (bundled, held, peak) = heap_of(|| Catalog::bundled().unwrap());
    println!("BENCH bundled_parse_and_index {} ms", ms(t.elapsed()));
    println!("BENCH bundled_catalog_heap {held} bytes");
    println!("BENCH bundled_catalog_peak_while_building {peak} bytes");
    println!("BENCH bundled_procedures {} n", bundled.len());
    println!("BENCH bundled_index_terms {} n", bundled.index_terms());
    println!("BENCH bundled_index_heap {} bytes", bundled.index_heap_bytes());
    // Ranked as the kiosk ranks: with the default list of popular procedures.
    bundled.set_popularity(&Default::default(), &motcua_kiosk::config::Config::default().catalog.popular);
    let strokes = keystrokes(BUNDLED_QUERIES);
    keystroke_bench("keystroke_bundled", &strokes, rounds, |q| bundled.search(q, 10).len());
    let strokes_new = keystrokes(BUNDLED_NEW_CLASS_QUERIES);
    keystroke_bench("keystroke_bundled_new_classes", &strokes_new, rounds, |q| bundled.search(q, 10).len());
    let fts = Fts::build(bundled.procedures());
    keystroke_bench("fts5_keystroke_bundled", &strokes, rounds, |q| fts.search(q));

    // ---- synthetic 5,000
    let file: CatalogFile = synth::generate(5000, 2026);
    let json = serde_json::to_vec(&file).unwrap();
    println!("BENCH synth5000_json {} bytes", json.len());

    let copy = file.clone();
    let t = Instant::now();
    // The procedures are moved in: what stays allocated is the index.
    let (synth_catalog, index_held, index_peak) = heap_of(|| Catalog::from_file(copy, "synthetic").unwrap());
    let build = t.elapsed();
    println!("BENCH synth5000_build_index {} ms", ms(build));
    println!("BENCH synth5000_index_terms {} n", synth_catalog.index_terms());
    println!("BENCH synth5000_index_heap_estimate {} bytes", synth_catalog.index_heap_bytes());
    println!("BENCH synth5000_index_heap_measured {index_held} bytes");
    println!("BENCH synth5000_index_peak_while_building {index_peak} bytes");
    // A popularity prior on every procedure (as if each had been counted).
    let counts = synth_catalog
        .procedures()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (p.code.clone(), catalog::usage::Usage { lookups: (i % 97) as u64, tickets: (i % 13) as u64 })
        })
        .collect();
    synth_catalog.set_popularity(&counts, &[]);
    let strokes = keystrokes(SYNTH_QUERIES);
    keystroke_bench("keystroke_synth5000", &strokes, rounds, |q| synth_catalog.search(q, 10).len());
    let fts = Fts::build(synth_catalog.procedures());
    keystroke_bench("fts5_keystroke_synth5000", &strokes, rounds, |q| fts.search(q));

    // ---- import and load (real files in a temporary directory)
    let dir = tempfile::tempdir().unwrap();
    let opts = ImportOptions { force: true, progress: None };
    let t = Instant::now();
    catalog::import_bytes(dir.path(), catalog::BUNDLED_JSON.as_bytes(), "bench", &opts).unwrap();
    println!("BENCH import_bundled {} ms", ms(t.elapsed()));
    let t = Instant::now();
    let loaded = Catalog::load(&store::db_path(dir.path())).unwrap();
    println!("BENCH load_bundled {} ms", ms(t.elapsed()));
    black_box(loaded);

    let t = Instant::now();
    catalog::import_bytes(dir.path(), &json, "bench", &opts).unwrap();
    println!("BENCH import_synth5000 {} ms", ms(t.elapsed()));
    let size = std::fs::metadata(store::db_path(dir.path())).unwrap().len();
    println!("BENCH synth5000_db_file {size} bytes");
    let t = Instant::now();
    let (loaded, held, peak) = heap_of(|| Catalog::load(&store::db_path(dir.path())).unwrap());
    println!("BENCH load_synth5000 {} ms", ms(t.elapsed()));
    println!("BENCH synth5000_loaded_catalog_heap {held} bytes");
    println!("BENCH synth5000_peak_while_loading {peak} bytes");
    assert_eq!(loaded.len(), 5000);
}
