//! The technician's setup behind the PIN (issue 12), driven through Slint's
//! testing backend on real parts: a fake ESC/POS printer on loopback, real
//! SQLite, real config files.

mod common;

use common::kiosk::*;
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::{Nav, Page, SetupAdapter};
use slint::ComponentHandle;

/// Opens setup and types the default PIN.
fn unlock(h: &Harness, pin: &str) {
    h.app.ui.global::<Nav>().invoke_go(Page::Setup);
    frame();
    for d in pin.chars() {
        tap(h, &d.to_string());
    }
    tap(h, "Xác nhận");
    assert!(h.app.ui.global::<SetupAdapter>().get_unlocked(), "PIN {pin} did not unlock");
}

fn report(h: &Harness) -> String {
    h.app.ui.global::<SetupAdapter>().get_printer_report().to_string()
}

fn with_printer(uri: &str) -> Config {
    let mut cfg = Config::default();
    cfg.printer.uri = uri.into();
    cfg
}

#[test]
fn test_print_sends_a_sample_ticket_and_reads_the_status_back() {
    let (uri, got) = fake_printer([0x12, 0x12, 0x12]);
    let cfg = with_printer(&uri);
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    unlock(&h, motcua_kiosk::config::DEFAULT_SETUP_PIN);
    tap(&h, "In thử");
    settle(&h);
    let bytes = got.wait_until(|b| b.windows(2).any(|w| w == [0x1d, 0x56]));
    // Must hold: a GS v 0 raster and a cut reached the printer, and the status
    // was asked again after the job (DLE EOT after the cut).
    assert!(bytes.windows(3).any(|w| w == [0x1d, 0x76, 0x30]), "no raster command");
    let cut = bytes.windows(2).position(|w| w == [0x1d, 0x56]).expect("no cut");
    assert!(bytes[cut..].windows(2).any(|w| w == [0x10, 0x04]), "status not read back after the print");
    let r = report(&h);
    assert!(r.contains("Đã in phiếu thử") && r.contains("Sẵn sàng"), "{r}");
    assert!(h.app.ui.global::<SetupAdapter>().get_printer_ok());
    assert_eq!(h.app.health_source()().printer_status, "ok");
}

#[test]
fn printer_status_is_read_back_for_each_condition() {
    // DLE EOT 1 / 2 / 4 answers as real printers give them.
    for (status, expect, ok) in [
        ([0x12, 0x12, 0x1E], "Sắp hết giấy", true),
        ([0x1A, 0x32, 0x7E], "Hết giấy", false),
        ([0x1A, 0x16, 0x12], "Nắp máy in đang mở", false),
    ] {
        let (uri, got) = fake_printer(status);
        let cfg = with_printer(&uri);
        let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
        unlock(&h, motcua_kiosk::config::DEFAULT_SETUP_PIN);
        tap(&h, "Trạng thái máy in");
        settle(&h);
        let r = report(&h);
        assert!(r.contains(expect), "{status:x?}: {r}");
        assert_eq!(h.app.ui.global::<SetupAdapter>().get_printer_ok(), ok, "{r}");
        // A test print on a printer that cannot print sends no raster.
        tap(&h, "In thử");
        settle(&h);
        let r = report(&h);
        assert!(r.contains(expect), "{status:x?}: {r}");
        let printed = got.bytes().windows(3).any(|w| w == [0x1d, 0x76, 0x30]);
        assert_eq!(printed, ok, "{status:x?}: printed {printed}");
        assert_eq!(r.contains("Chưa in được"), !ok, "{r}");
    }
}

#[test]
fn an_unreachable_printer_is_reported_offline() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cfg = with_printer(&format!("tcp://127.0.0.1:{port}"));
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    unlock(&h, motcua_kiosk::config::DEFAULT_SETUP_PIN);
    tap(&h, "In thử");
    settle(&h);
    let r = report(&h);
    assert!(r.contains("Chưa in được") && r.contains("Không kết nối được máy in"), "{r}");
    assert!(!h.app.ui.global::<SetupAdapter>().get_printer_ok());
    assert_eq!(h.app.health_source()().printer_status, "offline");
}

/// Types `pin` and submits it.
fn enter(h: &Harness, pin: &str) {
    for d in pin.chars() {
        tap(h, &d.to_string());
    }
    tap(h, "Xác nhận");
}

fn pin_error(h: &Harness) -> String {
    h.app.ui.global::<SetupAdapter>().get_pin_error().to_string()
}

#[test]
fn the_pin_lockout_survives_the_session_and_a_restart() {
    // What must hold: five wrong PINs lock the pad; neither the end of the
    // session nor a restarted kiosk on the same database file (a real
    // SQLite file) unlocks it, not even for the right PIN; the heartbeat
    // reports the count and the lockout in its existing fields.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.data.dir = dir.path().display().to_string();
    cfg.kiosk.setup_pin = motcua_kiosk::config::pin::hash("902614").into();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    h.app.ui.global::<motcua_kiosk::ui::Nav>().invoke_go(Page::Setup);
    frame();
    for _ in 0..4 {
        enter(&h, "111111");
        assert_eq!(pin_error(&h), "Mã PIN không đúng");
    }
    enter(&h, "111111");
    assert!(pin_error(&h).contains("Thử lại sau 60 giây"), "{}", pin_error(&h));
    let health = h.app.health_source()();
    let until = health.pin_locked_until.expect("the heartbeat reports the lockout");
    assert_eq!((health.pin_failures, (until - motcua_kiosk::snapshot::sample_now()).num_seconds()), (5, 60));
    h.app.end_session();
    h.app.ui.global::<motcua_kiosk::ui::Nav>().invoke_go(Page::Setup);
    frame();
    enter(&h, "902614");
    assert!(!h.app.ui.global::<SetupAdapter>().get_unlocked(), "locked after the session ended");
    drop(h);

    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    let health = h.app.health_source()();
    assert_eq!((health.pin_failures, health.pin_locked_until), (5, Some(until)), "restart");
    h.app.ui.global::<motcua_kiosk::ui::Nav>().invoke_go(Page::Setup);
    frame();
    enter(&h, "902614");
    assert!(!h.app.ui.global::<SetupAdapter>().get_unlocked(), "locked after a restart");
    assert!(pin_error(&h).contains("Thử lại sau"), "{}", pin_error(&h));
}

#[test]
fn the_right_pin_after_a_lockout_starts_the_count_again() {
    // What must hold: once the lockout has passed, the right (hashed) PIN
    // opens setup and the heartbeat reports no failures any more; the next
    // round of wrong PINs locks for 1 minute again.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.data.dir = dir.path().display().to_string();
    cfg.kiosk.setup_pin = motcua_kiosk::config::pin::hash("902614").into();
    {
        // A kiosk that was locked an hour before this one starts.
        let s = motcua_kiosk::store::Store::open(motcua_kiosk::store::kiosk_db_path(dir.path())).unwrap();
        let before = motcua_kiosk::snapshot::sample_now() - chrono::Duration::hours(1);
        let past = motcua_kiosk::domain::pin_lockout::PinLockout { failures: 10, locked_until: Some(before) };
        motcua_kiosk::store::pin_lockout::save(s.conn(), &past).unwrap();
    }
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    assert_eq!(h.app.health_source()().pin_failures, 10);
    unlock(&h, "902614");
    assert_eq!(h.app.health_source()().pin_failures, 0);
}

#[test]
fn a_clear_pin_in_the_config_is_replaced_by_its_hash_on_the_first_right_entry() {
    // What must hold: an old config with the PIN in clear still opens setup;
    // the file then holds an Argon2id hash of that PIN, its comments kept.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &path,
        format!(
            "# front desk kiosk\n[kiosk]\nsetup_pin = \"902614\"  # technicians only\n[data]\ndir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    unlock(&h, "902614");
    settle(&h);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("\"902614\""), "{text}");
    assert!(text.contains("# front desk kiosk") && text.contains("# technicians only"), "{text}");
    let again = motcua_kiosk::config::load(Some(&path)).unwrap();
    assert!(again.kiosk.setup_pin.starts_with("$argon2id$"));
    assert!(motcua_kiosk::config::pin::verify("902614", &again.kiosk.setup_pin));
}

/// Types `text` on the technician keyboard, key by key.
fn type_keys(h: &Harness, text: &str) {
    for c in text.chars() {
        tap(h, &c.to_string());
    }
}

/// A kiosk started from a real config file (`body`, data dir added) with a hashed PIN.
fn kiosk_from_file(body: &str) -> (Harness, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let pin = motcua_kiosk::config::pin::hash("902614");
    std::fs::write(
        &path,
        format!("{body}\n[data]\ndir = \"{}\"\n", dir.path().join("data").display())
            .replace("SETUP_PIN", &pin),
    )
    .unwrap();
    let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    (h, dir, path)
}

const FILE: &str = "# Kiosk at the main entrance (tech: Minh, 0905 000 111)\n[kiosk]\nid = \"kiosk-01\"  # the fleet view shows it\nsetup_pin = \"SETUP_PIN\"\nlanguage = \"vi\"\n\n[printer]\n# our thermal printer\nuri = \"\"\n";

#[test]
fn a_fake_tcp_printer_chosen_in_setup_prints_and_the_settings_are_saved_with_comments() {
    // What must hold: the technician types a TCP printer on the setup page's
    // keyboard and test-prints before saving: a GS v 0 raster and a cut reach
    // that printer. Then a language and an idle timeout changed on the screen
    // page are saved: the file holds the three new values, every comment and
    // the key order as before, and the kiosk asks to restart to apply them.
    let (uri, got) = fake_printer([0x12, 0x12, 0x12]);
    let (h, _dir, path) = kiosk_from_file(FILE);
    unlock(&h, "902614");
    tap(&h, "Thiết bị");
    tap(&h, "Sửa địa chỉ máy in");
    type_keys(&h, &uri);
    tap(&h, "Xong");
    assert_eq!(h.app.ui.global::<SetupAdapter>().get_printer_uri(), uri.as_str());
    tap(&h, "In thử");
    settle(&h);
    let bytes = got.wait_until(|b| b.windows(2).any(|w| w == [0x1d, 0x56]));
    assert!(bytes.windows(3).any(|w| w == [0x1d, 0x76, 0x30]), "no raster command");
    assert!(report(&h).contains("Đã in phiếu thử"), "{}", report(&h));

    tap(&h, "Màn hình");
    tap(&h, "Ngôn ngữ: English");
    tap(&h, "Tăng thời gian chờ");
    assert!(h.app.ui.global::<SetupAdapter>().get_dirty());
    assert!(!h.app.restart_requested());
    tap(&h, "Lưu và áp dụng");
    settle(&h);
    let text = std::fs::read_to_string(&path).unwrap();
    let expected_head =
        "# Kiosk at the main entrance (tech: Minh, 0905 000 111)\n[kiosk]\nid = \"kiosk-01\"  # the fleet view shows it\n";
    assert!(text.starts_with(expected_head), "{text}");
    assert!(text.contains("language = \"en\"\nidle_timeout_secs = 75\n"), "{text}");
    assert!(text.contains("[printer]\n# our thermal printer\nuri = \"tcp://127.0.0.1:"), "{text}");
    let saved = motcua_kiosk::config::load(Some(&path)).unwrap();
    assert_eq!(saved.printer.uri, uri);
    assert!(h.app.restart_requested(), "saved settings are applied by a clean restart");
}

#[test]
fn a_setting_config_check_refuses_is_not_written() {
    // What must hold: an empty device id (refused by `config check`) is not
    // saved: the page names the key and the file is left as it was.
    let (h, _dir, path) = kiosk_from_file(FILE);
    let before = std::fs::read_to_string(&path).unwrap();
    unlock(&h, "902614");
    tap(&h, "Trung tâm");
    tap(&h, "Sửa mã thiết bị");
    tap(&h, "Xoá hết");
    tap(&h, "Xong");
    tap(&h, "Lưu và áp dụng");
    settle(&h);
    let r = h.app.ui.global::<SetupAdapter>().get_save_report().to_string();
    assert!(r.contains("Chưa lưu") && r.contains("kiosk.id"), "{r}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(!h.app.restart_requested());
    // Discarding brings the saved value back.
    tap(&h, "Bỏ thay đổi");
    assert_eq!(h.app.ui.global::<SetupAdapter>().get_kiosk_id(), "kiosk-01");
}

#[test]
fn a_reader_picked_in_setup_shows_the_last_frame_masked_with_its_timing() {
    // What must hold: a reader port picked on the setup page (a real pty) is
    // opened for a live test; an ID card scanned there shows its kind, the
    // number and name masked, and the read time, and is not acted on.
    use std::io::Write;
    let (mut master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let (h, _dir, _path) = kiosk_from_file(FILE);
    unlock(&h, "902614");
    tap(&h, "Thiết bị");
    let a = h.app.ui.global::<SetupAdapter>();
    a.invoke_choose("scanner.ports".into(), serialport::SerialPort::name(&slave).unwrap().into());
    let card =
        "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|20062021";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !a.get_scan_report().contains("Thẻ căn cước") && std::time::Instant::now() < deadline {
        master.write_all(format!("]Q1{card}\r\n").as_bytes()).unwrap();
        h.app.pump_wait(std::time::Duration::from_millis(300));
    }
    let r = a.get_scan_report().to_string();
    assert!(r.contains("Thẻ căn cước") && r.contains("Nguyễn V. A.") && r.contains("ms"), "{r}");
    assert!(!r.contains("048095000123") && !r.contains("Nguyễn Văn An"), "personal data in clear: {r}");
    assert!(
        !h.app.ui.global::<motcua_kiosk::ui::Session>().get_citizen_present(),
        "a test scan is not a visit"
    );
}

#[test]
fn the_pin_is_changed_on_the_setup_page_with_the_rules_of_pin_set() {
    // What must hold: on the screen page the technician types the current
    // PIN and the new one twice on the keyboard (shown as dots only). A wrong
    // current PIN is refused and counts as a wrong attempt; a guessable new
    // PIN is refused; a good change is written as an Argon2id hash (comments
    // kept), the old PIN no longer verifies, and the kiosk restarts to use it.
    let (h, _dir, path) = kiosk_from_file(FILE);
    unlock(&h, "902614");
    tap(&h, "Màn hình");
    let a = h.app.ui.global::<SetupAdapter>();
    let fill = |old: &str, new: &str, again: &str| {
        for (button, pin) in
            [("Nhập mã PIN hiện tại", old), ("Nhập mã PIN mới", new), ("Nhập lại mã PIN mới", again)]
        {
            tap(&h, button);
            type_keys(&h, pin);
            assert_eq!(a.get_edit_text().as_str(), "•".repeat(pin.len()), "the PIN is never shown");
            tap(&h, "Xong");
        }
    };
    fill("111111", "480273", "480273");
    assert_eq!(a.get_pin_new_dots().as_str(), "••••••");
    tap(&h, "Đổi mã PIN");
    settle(&h);
    assert!(a.get_pin_change_report().contains("không đúng"), "{}", a.get_pin_change_report());
    assert_eq!(h.app.health_source()().pin_failures, 1, "a wrong current PIN counts");
    fill("902614", "123456", "123456");
    tap(&h, "Đổi mã PIN");
    assert!(a.get_pin_change_report().contains("dễ đoán"), "{}", a.get_pin_change_report());
    fill("902614", "480273", "480273");
    tap(&h, "Đổi mã PIN");
    settle(&h);
    assert!(a.get_pin_change_report().contains("Đã đổi mã PIN"), "{}", a.get_pin_change_report());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# Kiosk at the main entrance (tech: Minh, 0905 000 111)\n"), "{text}");
    let saved = motcua_kiosk::config::load(Some(&path)).unwrap();
    assert!(motcua_kiosk::config::pin::verify("480273", &saved.kiosk.setup_pin));
    assert!(!motcua_kiosk::config::pin::verify("902614", &saved.kiosk.setup_pin));
    assert!(h.app.restart_requested());
    assert_eq!(h.app.health_source()().pin_failures, 0, "a new PIN starts the count again");
}
