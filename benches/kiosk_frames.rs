//! Page change → frame rendered with the software renderer (issue 14): the
//! kiosk's citizen pages in turn at 1080x1920, each change timed from setting
//! the page to the whole frame in the buffer. Run pinned to one core:
//! `taskset -c 0 cargo bench --bench kiosk_frames`. Goal: p99 < 16 ms (60 Hz).
//! Prints `BENCH <name> <value> <unit>` lines.

fn main() {
    let cfg = motcua_kiosk::config::Config::default();
    let mut ms = motcua_kiosk::snapshot::page_change_frames(&cfg, (1080, 1920), 60).expect("frames rendered");
    // The first round warms glyph caches and allocations: report it apart.
    let first = ms[..6].iter().cloned().fold(0.0, f64::max);
    ms.drain(..6);
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!("BENCH kiosk_page_change_first_round_max {first:.2} ms");
    println!("BENCH kiosk_page_change_p50 {:.2} ms", q(0.5));
    println!("BENCH kiosk_page_change_p99 {:.2} ms", q(0.99));
    println!("BENCH kiosk_page_change_max {:.2} ms", q(1.0));
    println!("BENCH kiosk_page_change_samples {} n", ms.len());
}
