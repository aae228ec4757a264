//! Counter screen figures (issue 13): process start to the first rendered
//! frame (a called number, software renderer, no GPU) and the peak RSS, for
//! each screen size. Run with `cargo bench --bench counter_screen`; prints one
//! `BENCH <name> <value> <unit>` line per figure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let exe = env!("CARGO_BIN_EXE_motcua-kiosk");
    let runs = 11;
    for size in ["800x480", "1024x600", "1280x800", "600x1024"] {
        let mut ms = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..runs {
            let t0 = Instant::now();
            let mut child = Command::new(exe)
                .args(["bench-counter-frame", "--size", size])
                .env_remove("MOTCUA_CONFIG")
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the binary");
            let out = BufReader::new(child.stdout.take().unwrap());
            for line in out.lines() {
                let line = line.unwrap();
                if line == "FIRST_FRAME_DONE" {
                    ms.push(t0.elapsed().as_secs_f64() * 1e3);
                } else if let Some(v) = line.strip_prefix("PEAK_RSS_KIB ") {
                    rss.push(v.parse::<u64>().unwrap());
                }
            }
            assert!(child.wait().unwrap().success(), "bench-counter-frame failed");
        }
        assert_eq!(ms.len(), runs, "every run drew its first frame");
        ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
        rss.sort();
        let p = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!("BENCH counter_first_frame_{size}_p50 {:.1} ms", p(0.5));
        println!("BENCH counter_first_frame_{size}_max {:.1} ms", p(1.0));
        println!("BENCH counter_peak_rss_{size} {:.1} MiB", rss[rss.len() / 2] as f64 / 1024.0);
    }
}
