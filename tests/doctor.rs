//! `motcua-kiosk doctor` run as the technician runs it (the real binary)
//! against a healthy kiosk, then with one part broken at a time: each broken
//! part is named as a failure and the exit status is 1. The parts are real: a
//! centre on 127.0.0.1, a barcode reader on a pseudo-terminal, a TCP printer
//! answering DLE EOT, SQLite files, a Wayland socket.

mod common;

use common::kiosk::fake_printer;
use common::{TestCentre, KIOSK_TOKEN};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::clock::{self, MockClock};
use serde_json::Value;
use serialport::SerialPort;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

/// Printer status bytes: ready; and paper out (DLE EOT 4 with bits 5-6 set).
const READY: [u8; 3] = [0x12, 0x12, 0x12];
const PAPER_OUT: [u8; 3] = [0x12, 0x12, 0x7E];

/// A kiosk whose every part works.
struct Bench {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    centre: Option<TestCentre>,
    cfg: Config,
    reader: String,
    _pty: (serialport::TTYPort, serialport::TTYPort),
    _wayland: std::os::unix::net::UnixListener,
}

impl Bench {
    fn new() -> Bench {
        Self::with_centre_clock(clock::system())
    }

    fn with_centre_clock(centre_clock: Arc<dyn motcua_kiosk::domain::clock::Clock>) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let centre_cfg = common::config(&dir.path().join("centre"));
        let centre = rt.block_on(TestCentre::start(
            &centre_cfg,
            &dir.path().join("centre/centre.sqlite3"),
            centre_clock,
            0,
        ));
        let data = dir.path().join("data");
        let mut cfg = common::kiosk_config(&common::config(&data), &centre.url, "kiosk-01");
        cfg.centre.token = KIOSK_TOKEN.into();
        // A kiosk's own config lists no centre devices (a token listed twice is an error).
        cfg.centre.devices.clear();
        cfg.kiosk.setup_pin = motcua_kiosk::config::pin::hash("731594").into();
        let pty = serialport::TTYPort::pair().expect("pty pair");
        let reader = pty.1.name().expect("pty name");
        cfg.scanner.ports = vec![reader.clone()];
        cfg.printer.uri = fake_printer(READY).0;
        // The kiosk's own database, as a kiosk that has run leaves it.
        std::fs::create_dir_all(&data).unwrap();
        motcua_kiosk::store::Store::open(motcua_kiosk::store::kiosk_db_path(&data)).unwrap();
        let wayland = std::os::unix::net::UnixListener::bind(dir.path().join("wayland-test")).unwrap();
        Bench { dir, rt, centre: Some(centre), cfg, reader, _pty: pty, _wayland: wayland }
    }

    /// Runs `doctor --json` on `cfg` written as the config file (mode 640).
    fn doctor(&self, role: &str, cfg: &Config, env: &[(&str, &str)]) -> (i32, Value) {
        let file = self.dir.path().join("kiosk.toml");
        std::fs::write(&file, cfg.to_toml()).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        self.run_doctor(role, &file, env)
    }

    fn run_doctor(&self, role: &str, file: &std::path::Path, env: &[(&str, &str)]) -> (i32, Value) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"));
        cmd.args(["doctor", "--json", "--role", role, "--config"])
            .arg(file)
            .env_remove("MOTCUA_CONFIG")
            .env_remove("DISPLAY")
            .env("XDG_RUNTIME_DIR", self.dir.path())
            .env("WAYLAND_DISPLAY", "wayland-test");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("doctor runs");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().expect("exit code"), report)
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(c) = self.centre.take() {
            self.rt.block_on(c.stop());
        }
    }
}

/// The checks with this status, as `check` or `check target`.
fn with_status(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| match c["target"].as_str() {
            Some(t) => format!("{} {t}", c["check"].as_str().unwrap()),
            None => c["check"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn find<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no {check} check in {report:#}"))
}

/// Must hold: the named check, and only it, fails; the report has a fix for it.
fn only_failure(code: i32, report: &Value, check: &str) -> Value {
    assert_eq!(code, 1, "a failure exits 1: {report:#}");
    let failed = with_status(report, "fail");
    assert_eq!(failed.len(), 1, "expected only {check} to fail, got {failed:?}");
    assert!(failed[0].starts_with(check), "expected {check} to fail, got {failed:?}");
    let c = find(report, check).clone();
    assert!(c["hint"].as_str().is_some_and(|h| !h.is_empty()), "no fix hint: {c}");
    c
}

#[test]
fn a_healthy_kiosk_passes_every_check() {
    let b = Bench::new();
    let (code, report) = b.doctor("kiosk", &b.cfg, &[]);
    assert_eq!(with_status(&report, "fail"), Vec::<String>::new(), "{report:#}");
    assert_eq!(with_status(&report, "warn"), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    let passed = with_status(&report, "pass");
    for c in [
        "config",
        "config_mode",
        "start",
        "data_dir",
        "database kiosk.sqlite3",
        "disk",
        "centre_reachable",
        "centre_token",
        "centre_tls",
        "clock_skew",
        "printer",
        "screen",
    ] {
        assert!(passed.iter().any(|p| p.starts_with(c)), "{c} did not pass: {report:#}");
    }
    assert!(passed.contains(&format!("reader {}", b.reader)), "{report:#}");
    // The table form says the same, with no fix lines.
    let table = Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args(["doctor", "--config"])
        .arg(b.dir.path().join("kiosk.toml"))
        .env("XDG_RUNTIME_DIR", b.dir.path())
        .env("WAYLAND_DISPLAY", "wayland-test")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(table.status.success(), "{text}");
    assert!(text.contains("[ OK ] centre_token") && !text.contains("fix:"), "{text}");
}

#[test]
fn a_bad_config_key_is_named() {
    let b = Bench::new();
    let file = b.dir.path().join("bad.toml");
    std::fs::write(&file, b.cfg.to_toml() + "\n[kiosk2]\nid = 1\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, report) = b.run_doctor("kiosk", &file, &[]);
    let c = only_failure(code, &report, "config");
    assert!(c["detail"].as_str().unwrap().contains("kiosk2"), "{c}");
}

#[test]
fn the_default_setup_pin_is_named_as_what_stops_the_kiosk() {
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.kiosk.setup_pin = motcua_kiosk::config::DEFAULT_SETUP_PIN.into();
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    let c = only_failure(code, &report, "start");
    assert!(c["detail"].as_str().unwrap().contains("kiosk.setup_pin"), "{c}");
}

#[test]
fn a_data_dir_that_cannot_be_written_fails() {
    let b = Bench::new();
    let blocker = b.dir.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let mut cfg = b.cfg.clone();
    cfg.data.dir = blocker.join("data").display().to_string();
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    only_failure(code, &report, "data_dir");
}

#[test]
fn a_damaged_database_fails_its_integrity_check() {
    let b = Bench::new();
    let db = motcua_kiosk::store::kiosk_db_path(std::path::Path::new(&b.cfg.data.dir));
    let mut bytes = std::fs::read(&db).unwrap();
    // Keep the header, scramble the pages after it.
    for (i, byte) in bytes.iter_mut().enumerate().skip(100) {
        *byte = (i * 7 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let (code, report) = b.doctor("kiosk", &b.cfg, &[]);
    let c = only_failure(code, &report, "database");
    assert_eq!(c["target"], "kiosk.sqlite3", "{c}");
}

#[test]
fn an_unreachable_centre_fails() {
    let b = Bench::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut cfg = b.cfg.clone();
    cfg.centre.url = format!("http://{closed}");
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    only_failure(code, &report, "centre_reachable");
}

#[test]
fn a_refused_token_fails() {
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.centre.token = format!("{KIOSK_TOKEN}-wrong").into();
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    only_failure(code, &report, "centre_token");
}

#[test]
fn a_clock_two_minutes_off_the_centre_fails() {
    let centre_clock = Arc::new(MockClock::new(chrono::Utc::now() + chrono::Duration::minutes(2)));
    let b = Bench::with_centre_clock(centre_clock);
    let (code, report) = b.doctor("kiosk", &b.cfg, &[]);
    let c = only_failure(code, &report, "clock_skew");
    assert!(c["detail"].as_str().unwrap().contains("behind"), "{c}");
}

#[test]
fn a_missing_reader_fails() {
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.scanner.ports = vec!["/dev/serial/by-id/usb-no-such-reader".into()];
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    let c = only_failure(code, &report, "reader");
    assert!(c["detail"].as_str().unwrap().contains("not found"), "{c}");
}

#[test]
fn a_reader_held_by_another_program_fails() {
    let b = Bench::new();
    // This test process takes the reader exclusively, as a stray terminal would.
    let _held = serialport::new(&b.reader, 9600).open_native().expect("open the pty exclusively");
    let (code, report) = b.doctor("kiosk", &b.cfg, &[]);
    let c = only_failure(code, &report, "reader");
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains("busy") && detail.contains(&std::process::id().to_string()), "{c}");
}

#[test]
fn a_printer_out_of_paper_fails() {
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.printer.uri = fake_printer(PAPER_OUT).0;
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    let c = only_failure(code, &report, "printer");
    assert!(c["detail"].as_str().unwrap().contains("paper"), "{c}");
}

#[test]
fn a_printer_that_is_off_fails() {
    let b = Bench::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut cfg = b.cfg.clone();
    cfg.printer.uri = format!("tcp://{closed}");
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    only_failure(code, &report, "printer");
}

#[test]
fn a_screen_that_cannot_be_reached_fails() {
    let b = Bench::new();
    let (code, report) = b.doctor("kiosk", &b.cfg, &[("WAYLAND_DISPLAY", "wayland-gone")]);
    only_failure(code, &report, "screen");
}

#[test]
fn a_display_board_without_an_audio_player_fails() {
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.centre.token = common::DISPLAY_TOKEN.into();
    cfg.display.audio_command = "aplay -q -".into();
    // A PATH with neither the player nor its fallbacks (paplay, pw-play).
    let empty: PathBuf = b.dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, report) = b.doctor("display", &cfg, &[("PATH", empty.to_str().unwrap())]);
    let c = only_failure(code, &report, "audio");
    assert!(c["detail"].as_str().unwrap().contains("aplay not installed"), "{c}");
}

#[test]
fn a_listen_address_taken_by_another_program_fails() {
    let b = Bench::new();
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = b.cfg.clone();
    cfg.centre.url.clear();
    cfg.centre.listen = squatter.local_addr().unwrap().to_string();
    let (code, report) = b.doctor("kiosk", &cfg, &[]);
    let c = only_failure(code, &report, "centre_listen");
    assert!(c["detail"].as_str().unwrap().contains("another program"), "{c}");
}

#[test]
fn a_counter_screen_without_its_counter_or_with_one_the_centre_lacks_fails() {
    // Must hold: counter.number 0 fails `start` (the counter screen refuses
    // to run without it); a counter the centre does not serve fails
    // `counter_number` with a fix; counter 1 passes.
    let b = Bench::new();
    let mut cfg = b.cfg.clone();
    cfg.centre.token = common::COUNTER_TOKEN.into();
    cfg.counter.number = 0;
    let (code, report) = b.doctor("counter", &cfg, &[]);
    let c = only_failure(code, &report, "start");
    assert!(c["detail"].as_str().unwrap().contains("counter.number"), "{c}");
    cfg.counter.number = 97;
    let (code, report) = b.doctor("counter", &cfg, &[]);
    let c = only_failure(code, &report, "counter_number");
    assert!(c["detail"].as_str().unwrap().contains("no counter 97"), "{c}");
    cfg.counter.number = 1;
    let (code, report) = b.doctor("counter", &cfg, &[]);
    assert_eq!(with_status(&report, "fail"), Vec::<String>::new(), "{report:#}");
    assert!(with_status(&report, "pass").contains(&"counter_number".to_string()), "{report:#}");
    assert_eq!(code, 0);
}
