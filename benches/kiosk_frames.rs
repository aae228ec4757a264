//! Input → frame rendered with the software renderer (issue 14), each timed
//! from the input to the whole frame in the buffer:
//! - page change: the kiosk's citizen pages in turn; goal p99 < 16 ms (60 Hz);
//! - keystroke on the procedure search page (the on-screen keyboard open,
//!   "khai sinh" typed and erased; search and list update included); goal
//!   p99 < 8 ms.
//!
//! At 1080x1920 and 768x1366 in the normal theme, and 1080x1920 large-text;
//! each with a full repaint into a new buffer (the worst case) and with the
//! partial repaint into two swapped buffers that the kiosk's renderers do
//! (names ending in `_partial`).
//! Each in wall time and in the UI thread's CPU time (names ending in
//! `_cpu`: without the moments the thread was preempted), and `BREAKDOWN`
//! lines with p50 / max per page and per key.
//! Run pinned to one core, as a weak kiosk CPU:
//! `taskset -c 1 cargo bench --bench kiosk_frames`
//! (`KIOSK_FRAMES_NO_SETTLE=1` leaves out the kiosk's settle frame after the
//! keyboard opens, to see what it saves).
//! Prints `BENCH <name> <value> <unit>` lines.

use motcua_kiosk::config::ThemeVariant;

fn report(name: &str, mut ms: Vec<f64>, warm_up: usize) {
    // The first round warms glyph caches and allocations: report it apart.
    let first = ms[..warm_up].iter().cloned().fold(0.0, f64::max);
    ms.drain(..warm_up);
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!("BENCH {name}_first_round_max {first:.2} ms");
    println!("BENCH {name}_p50 {:.2} ms", q(0.5));
    println!("BENCH {name}_p99 {:.2} ms", q(0.99));
    println!("BENCH {name}_max {:.2} ms", q(1.0));
    println!("BENCH {name}_samples {} n", ms.len());
}

/// Per input (page or key, in the order made), p50 and max over the rounds
/// after the first: where the tail comes from. Not BENCH lines.
fn breakdown(name: &str, ms: &[f64], labels: &[&str]) {
    let n = labels.len();
    let mut line = format!("BREAKDOWN {name}:");
    for (i, l) in labels.iter().enumerate() {
        let mut v: Vec<f64> = ms.iter().skip(n).skip(i).step_by(n).copied().collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        line += &format!(" {l}={:.1}/{:.1}", v[v.len() / 2], v[v.len() - 1]);
    }
    println!("{line}");
}

fn main() {
    let cfg = motcua_kiosk::config::Config::default();
    let variants = [
        ((1080, 1920), ThemeVariant::Normal),
        ((768, 1366), ThemeVariant::Normal),
        ((1080, 1920), ThemeVariant::LargeText),
    ];
    let rounds = 40;
    let runs = motcua_kiosk::snapshot::kiosk_frames(&cfg, &variants, rounds).expect("frames rendered");
    for r in runs {
        let repaint = if r.partial { "_partial" } else { "" };
        let tag = format!("{}x{}_{}{repaint}", r.size.0, r.size.1, r.theme.name().replace('-', "_"));
        let pages = ["home", "take", "procedures", "dossier", "rating", "home"];
        breakdown(&format!("page_change_{tag}"), &r.page_change, &pages);
        let keys = [
            "k", "h", "a", "i", "_", "s", "i", "n", "h", "<9", "<8", "<7", "<6", "<5", "<4", "<3", "<2", "<1",
        ];
        breakdown(&format!("keystroke_{tag}"), &r.keystroke, &keys);
        report(&format!("kiosk_page_change_{tag}"), r.page_change, 6);
        report(&format!("kiosk_keystroke_{tag}"), r.keystroke, 18);
        report(&format!("kiosk_page_change_{tag}_cpu"), r.page_change_cpu, 6);
        report(&format!("kiosk_keystroke_{tag}_cpu"), r.keystroke_cpu, 18);
    }
}
