//! Provisioning by scan, shared by `tests/provision.rs` and
//! `benches/provision.rs`: a real centre on 127.0.0.1 with a mocked clock,
//! codes made as `motcua-kiosk provision` makes them, a kiosk from a real
//! config file with comments, and scanning through a real pty.

use super::kiosk::{kiosk_on, runtime, sample_backend, tap, type_on_keypad, Harness};
use super::{TestCentre, TOKEN};
use motcua_kiosk::centre::devices::Rules;
use motcua_kiosk::centre::provision::{self, NewCode};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::access::Role;
use motcua_kiosk::domain::clock::{Clock, MockClock};
use motcua_kiosk::domain::provision::{ProvisionCode, ProvisionPayload};
use motcua_kiosk::store::{to_ms, Store};
use motcua_kiosk::ui::SetupAdapter;
use slint::ComponentHandle;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The centre's config: an admin token, offline numbers 900-999, no devices yet.
pub fn centre_config(dir: &Path) -> Config {
    let mut cfg = Config::default();
    cfg.data.dir = dir.display().to_string();
    cfg.centre.token = TOKEN.into();
    cfg.queue.always_open = true;
    cfg.centre.connect_timeout_ms = 300;
    cfg.centre.request_timeout_ms = 3000;
    cfg
}

pub struct Site {
    pub rt: tokio::runtime::Runtime,
    centre: Option<TestCentre>,
    pub cfg: Config,
    pub clock: Arc<MockClock>,
    _dir: tempfile::TempDir,
}

impl Site {
    pub fn start() -> Site {
        Site::start_range(900, 999)
    }

    /// A centre whose offline range (kiosks' blocks come from it) is `lo-hi`.
    pub fn start_range(lo: u32, hi: u32) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = centre_config(&dir.path().join("centre"));
        (cfg.offline.range_start, cfg.offline.range_end) = (lo, hi);
        std::fs::create_dir_all(dir.path().join("centre")).unwrap();
        let clock = Arc::new(MockClock::new(chrono::Utc::now()));
        let rt = runtime();
        let db = dir.path().join("centre/centre.sqlite3");
        let centre = rt.block_on(TestCentre::start(&cfg, &db, clock.clone(), 0));
        Site { rt, centre: Some(centre), cfg, clock, _dir: dir }
    }

    pub fn c(&self) -> &TestCentre {
        self.centre.as_ref().unwrap()
    }

    /// A new code for `device` made as `motcua-kiosk provision` makes it
    /// (same function, same database), valid `valid_ms` from the centre's now.
    pub fn code(&self, device: &str, role: Role, valid_ms: i64) -> ProvisionCode {
        let bytes: [u8; 11] = std::array::from_fn(|_| rand_byte());
        let code = ProvisionCode::from_random(bytes);
        let db = Store::open(&self.c().db).unwrap();
        let new = NewCode {
            device_id: device.into(),
            role,
            counters: if role == Role::Counter { vec![1] } else { vec![] },
            offline_range: None,
            range_size: provision::DEFAULT_RANGE_SIZE,
            valid_ms,
        };
        provision::create(db.conn(), &Rules::of(&self.cfg), &new, &code, to_ms(self.clock.now())).unwrap();
        code
    }

    pub fn payload(&self, code: &ProvisionCode) -> String {
        ProvisionPayload { code: code.clone(), url: self.c().url.clone(), pin: None }.to_text()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(c) = self.centre.take() {
            self.rt.block_on(c.stop());
        }
    }
}

fn rand_byte() -> u8 {
    let mut b = [0u8; 1];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
    b[0]
}

pub const FILE: &str = "# Kiosk by the entrance — tech: Minh, 0905 000 111\n[kiosk]\nid = \"kiosk-new\"  # set by provisioning\nsetup_pin = \"SETUP_PIN\"\n\n[centre]\n# the centre in the back office\nurl = \"\"\n\n[offline]\nrange_start = 900\nrange_end = 999\n";

/// A kiosk started from a real config file with comments, its PIN hashed.
pub fn kiosk_from_file() -> (Harness, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let pin = motcua_kiosk::config::pin::hash("902614");
    let body = format!("{FILE}\n[data]\ndir = \"{}\"\n", dir.path().join("data").display())
        .replace("SETUP_PIN", &pin);
    std::fs::write(&path, body).unwrap();
    let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    (h, dir, path)
}

pub fn unlock(h: &Harness) {
    h.app.ui.global::<motcua_kiosk::ui::Nav>().invoke_go(motcua_kiosk::ui::Page::Setup);
    super::kiosk::frame();
    type_on_keypad(h, "902614");
    tap(h, "Xác nhận");
    assert!(h.app.ui.global::<SetupAdapter>().get_unlocked(), "setup unlocked");
}

/// Picks `port` as the reader on the setup page and waits until the live
/// test has opened it (a frame written before would be lost).
pub fn pick_reader(h: &Harness, port: &str) {
    tap(h, "Thiết bị");
    let a = h.app.ui.global::<SetupAdapter>();
    a.invoke_choose("scanner.ports".into(), port.into());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.get_scan_report().contains("Đã mở") {
        assert!(Instant::now() < deadline, "the reader was not opened: {}", a.get_scan_report());
        h.app.pump_wait(Duration::from_millis(20));
    }
}

/// Waits until the page has the outcome of a redemption.
pub fn outcome(h: &Harness) -> String {
    let a = h.app.ui.global::<SetupAdapter>();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        h.app.pump_wait(Duration::from_millis(50));
        let r = a.get_provision_report().to_string();
        if !a.get_provision_busy() && !r.is_empty() && !r.starts_with("Đang") {
            return r;
        }
        assert!(Instant::now() < deadline, "no outcome after 10 s: {r:?}");
    }
}

/// Writes a QR frame (AIM `]Q1`) to the reader until the page reacts.
pub fn scan(h: &Harness, master: &mut serialport::TTYPort, text: &str) -> String {
    use std::io::Write;
    let a = h.app.ui.global::<SetupAdapter>();
    a.set_provision_report("".into());
    master.write_all(format!("]Q1{text}\r\n").as_bytes()).unwrap();
    outcome(h)
}
