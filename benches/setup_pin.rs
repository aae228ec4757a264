//! The setup PIN's Argon2id cost on this machine: hashing (`pin set`, the
//! first right entry of a clear PIN) and verifying (every PIN entry at the
//! kiosk, on the UI thread). Prints `BENCH <name> <value> <unit>`.

use motcua_kiosk::config::pin;
use std::time::Instant;

fn ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let runs = 30;
    let mut hash = String::new();
    let mut hashing: Vec<f64> = (0..runs).map(|_| ms(|| hash = pin::hash("902614"))).collect();
    let mut verifying: Vec<f64> = (0..runs).map(|_| ms(|| assert!(pin::verify("902614", &hash)))).collect();
    for v in [&mut hashing, &mut verifying] {
        v.sort_by(f64::total_cmp);
    }
    println!("BENCH setup_pin_hash_p50 {:.1} ms", hashing[runs / 2]);
    println!("BENCH setup_pin_verify_p50 {:.1} ms", verifying[runs / 2]);
    println!("BENCH setup_pin_verify_max {:.1} ms", verifying[runs - 1]);
}
