//! Provisioning scan → kiosk online (issue 12, target < 3 s): a QR frame
//! written to a real pty reader that the setup page reads, redeemed at a real
//! centre on 127.0.0.1, the config file rewritten, then — as `run` does after
//! the restart — a link opened from the new file until it is online and its
//! first heartbeat is accepted. The process restart itself (exec, window,
//! fonts: see the `startup` bench) is not included.
//! Run: `cargo bench --profile dev --bench provision` — the setup page is
//! tapped through Slint's testing API, which needs the element info that
//! build.rs emits outside release builds only.
//! Prints `BENCH <name> <value> <unit>` lines.

#[path = "../tests/common/mod.rs"]
mod common;

use common::provision::{kiosk_from_file, outcome, pick_reader, unlock, Site};
use motcua_kiosk::centre::link::{DeviceHealth, LinkMode};
use motcua_kiosk::domain::access::Role;
use std::io::Write;
use std::time::{Duration, Instant};

fn main() {
    let site = Site::start_range(5000, 9999);
    let rounds = 10;
    let mut ms = Vec::new();
    // Each round's kiosk and pty stay open to the end: a pty number freed and
    // reused while the last kiosk's reader thread still holds it reads as busy.
    let mut keep = Vec::new();
    for i in 0..rounds {
        let code = site.code(&format!("kiosk-b{i}"), Role::Kiosk, 3_600_000);
        let (mut master, slave) = serialport::TTYPort::pair().expect("pty pair");
        let (h, _dir, path) = kiosk_from_file();
        unlock(&h);
        pick_reader(&h, &serialport::SerialPort::name(&slave).unwrap());
        let t0 = Instant::now();
        master.write_all(format!("]Q1{}\r\n", site.payload(&code)).as_bytes()).unwrap();
        let r = outcome(&h);
        assert!(r.contains("Đã cấp phép") && h.app.restart_requested(), "{r}");
        let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
        let link = {
            let _g = site.rt.enter();
            common::remote_link(
                &cfg,
                &motcua_kiosk::store::kiosk_db_path(&cfg.data_dir()),
                site.clock.clone(),
            )
        };
        while link.status().mode != LinkMode::Online {
            assert!(t0.elapsed() < Duration::from_secs(10), "not online: {:?}", link.status());
            std::thread::sleep(Duration::from_millis(2));
        }
        site.rt.block_on(link.heartbeat(&DeviceHealth::default())).expect("heartbeat accepted");
        ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        drop(link);
        keep.push((h, master, slave, _dir));
    }
    ms.sort_by(f64::total_cmp);
    println!("BENCH provision_online_ms_p50 {:.0} ms", ms[rounds / 2]);
    println!("BENCH provision_online_ms {:.0} ms", ms[rounds - 1]);
}
