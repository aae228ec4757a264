//! Kiosk start-up figures (issue 2): process start to first rendered frame,
//! peak RSS after showing home, binary size. Run with `cargo bench --bench startup`.
//! Prints one `BENCH <name> <value> <unit>` line per figure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let exe = env!("CARGO_BIN_EXE_motcua-kiosk");
    let runs = 15;
    let mut ms = Vec::new();
    let mut rss = Vec::new();
    for i in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        // Run 0 starts on an empty data dir (creates the databases), the rest reopen one.
        let data =
            if i == 0 { dir.path().to_path_buf() } else { std::env::temp_dir().join("motcua-bench-startup") };
        let t0 = Instant::now();
        let mut child = Command::new(exe)
            .args(["bench-first-frame", "--data-dir"])
            .arg(&data)
            .env_remove("MOTCUA_CONFIG")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the kiosk binary");
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut first = None;
        for line in out.lines() {
            let line = line.unwrap();
            if line == "FIRST_FRAME_DONE" {
                first = Some(t0.elapsed());
            } else if let Some(v) = line.strip_prefix("PEAK_RSS_KIB ") {
                rss.push(v.parse::<u64>().unwrap());
            }
        }
        assert!(child.wait().unwrap().success(), "bench-first-frame failed");
        let first = first.expect("no first frame reported");
        if i == 0 {
            println!("BENCH startup_first_frame_empty_store {:.1} ms", first.as_secs_f64() * 1e3);
        } else {
            ms.push(first.as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rss.sort();
    let p = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!("BENCH startup_first_frame_p50 {:.1} ms", p(0.5));
    println!("BENCH startup_first_frame_max {:.1} ms", p(1.0));
    println!("BENCH startup_peak_rss_home {:.1} MiB", rss[rss.len() / 2] as f64 / 1024.0);
    let size = std::fs::metadata(exe).unwrap().len();
    println!("BENCH binary_size {:.1} MiB", size as f64 / (1024.0 * 1024.0));
}
