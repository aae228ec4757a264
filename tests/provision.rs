//! Provisioning by scan: a real centre on 127.0.0.1, a real config file, a
//! real pty standing in for the kiosk's barcode reader, the setup pages
//! through Slint's testing backend.

mod common;

use common::kiosk::{settle, tap, type_on_keypad};
use common::provision::{kiosk_from_file, outcome, pick_reader, scan, unlock, Site};
use common::{raw_from, TOKEN};
use motcua_kiosk::centre::api::{ProvisionRequest, Provisioned};
use motcua_kiosk::centre::link::{DeviceHealth, LinkMode};
use motcua_kiosk::domain::access::Role;
use motcua_kiosk::domain::provision::ProvisionCode;
use motcua_kiosk::ui::SetupAdapter;
use slint::ComponentHandle;
use std::time::{Duration, Instant};

#[test]
fn a_scanned_provisioning_qr_rewrites_the_config_and_the_kiosk_goes_online_once() {
    // Must hold: the technician picks the reader on the setup page and scans
    // the QR: the config file gets the centre address, the new token, the
    // device id and an allocated offline range, with every comment and the
    // key order kept; the kiosk restarts itself; a link built from the new
    // file is online and its heartbeat is accepted. Scanning the same QR
    // again is refused as used and changes nothing.
    let site = Site::start();
    let code = site.code("kiosk-03", Role::Kiosk, 24 * 3_600_000);
    let (mut master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let (h, _dir, path) = kiosk_from_file();
    unlock(&h);
    pick_reader(&h, &serialport::SerialPort::name(&slave).unwrap());
    let r = scan(&h, &mut master, &site.payload(&code));
    assert!(r.contains("Đã cấp phép") && r.contains("kiosk-03") && r.contains("900–924"), "{r}");
    assert!(!r.contains(code.normalised()) && !r.contains(&code.grouped()), "the code on screen: {r}");
    assert!(h.app.restart_requested(), "the kiosk restarts to go online");

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# Kiosk by the entrance — tech: Minh, 0905 000 111\n[kiosk]\nid = \"kiosk-03\"  # set by provisioning\nsetup_pin = "), "{text}");
    assert!(
        text.contains(&format!("[centre]\n# the centre in the back office\nurl = \"{}\"\n", site.c().url)),
        "{text}"
    );
    assert!(text.contains("[offline]\nrange_start = 900\nrange_end = 924\n"), "{text}");
    let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
    assert_eq!(cfg.centre.token.len(), 64);
    assert!(!text.contains(code.normalised()) && !text.contains(&code.grouped()));

    // What `run` builds after the restart: a link from the new file.
    let link = {
        let _g = site.rt.enter();
        common::remote_link(&cfg, &motcua_kiosk::store::kiosk_db_path(&cfg.data_dir()), site.clock.clone())
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while link.status().mode != LinkMode::Online {
        assert!(Instant::now() < deadline, "the provisioned kiosk never came online: {:?}", link.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    site.rt
        .block_on(link.heartbeat(&DeviceHealth::default()))
        .expect("heartbeat accepted with the new token");
    // The fleet view records the device's request off the request path: poll.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let fleet = site.rt.block_on(site.c().client().devices()).unwrap();
        if fleet.devices.iter().any(|d| d.id == "kiosk-03" && d.online) {
            break;
        }
        assert!(Instant::now() < deadline, "kiosk-03 not online in the fleet: {:?}", fleet.devices);
        std::thread::sleep(Duration::from_millis(50));
    }

    let before = std::fs::read_to_string(&path).unwrap();
    let again = scan(&h, &mut master, &site.payload(&code));
    assert!(again.contains("đã được dùng"), "{again}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "a refused code changes nothing");
    drop(link);
}

#[test]
fn a_typed_expired_code_is_refused_plainly() {
    // Must hold: a code typed on the technician keyboard (lower case, with
    // dashes) with the centre's address reaches the centre; once the
    // centre's clock is past its expiry it is refused with a plain message,
    // the config file is untouched and the kiosk does not restart.
    let site = Site::start();
    let code = site.code("kiosk-04", Role::Kiosk, 3_600_000);
    site.clock.advance(chrono::Duration::minutes(61));
    let (h, _dir, path) = kiosk_from_file();
    let before = std::fs::read_to_string(&path).unwrap();
    unlock(&h);
    tap(&h, "Cấp phép");
    tap(&h, "Nhập mã cấp phép");
    type_on_keypad(&h, &code.grouped().to_lowercase());
    tap(&h, "Xong");
    tap(&h, "Nhập địa chỉ trung tâm để cấp phép");
    type_on_keypad(&h, &site.c().url);
    tap(&h, "Xong");
    assert_eq!(h.app.ui.global::<SetupAdapter>().get_provision_code(), code.grouped().as_str());
    tap(&h, "Gửi mã cấp phép");
    let r = outcome(&h);
    assert!(r.contains("hết hạn"), "{r}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(!h.app.restart_requested());
    // A mistyped code is caught on the kiosk by its check symbol.
    tap(&h, "Nhập mã cấp phép");
    tap(&h, "Xoá hết");
    let mut typo: Vec<char> = code.grouped().chars().collect();
    typo[0] = if typo[0] == '7' { '8' } else { '7' };
    type_on_keypad(&h, &typo.into_iter().collect::<String>().to_lowercase());
    tap(&h, "Xong");
    tap(&h, "Gửi mã cấp phép");
    settle(&h);
    let r = h.app.ui.global::<SetupAdapter>().get_provision_report().to_string();
    assert!(r.contains("gõ sai"), "{r}");
}

fn redeem(site: &Site, from: &str, code: &str, role: &str) -> (u16, String) {
    let body = serde_json::to_string(&ProvisionRequest { code: code.into(), role: role.into() }).unwrap();
    let (s, _, b) = site.rt.block_on(raw_from(
        from,
        "POST",
        &format!("{}/api/v1/provision", site.c().url),
        None,
        Some(&body),
    ));
    (s, b)
}

#[test]
fn two_provisioned_kiosks_get_ranges_apart_and_wrong_codes_lock_the_address_out() {
    // Must hold: two kiosks provisioned one after the other get offline
    // ranges that do not overlap, inside the centre's; a display's code gives
    // no range; the 5th wrong code from one address locks it out (429 with
    // Retry-After) while another address still redeems.
    let site = Site::start();
    let (a, b, d) = (
        site.code("kiosk-a", Role::Kiosk, 3_600_000),
        site.code("kiosk-b", Role::Kiosk, 3_600_000),
        site.code("display-2", Role::Display, 3_600_000),
    );
    let (s, body) = redeem(&site, "127.0.0.2", &a.grouped(), "kiosk");
    assert_eq!(s, 200, "{body}");
    let ra: Provisioned = serde_json::from_str(&body).unwrap();
    let (s, body) = redeem(&site, "127.0.0.2", &b.normalised().to_lowercase(), "kiosk");
    assert_eq!(s, 200, "{body}");
    let rb: Provisioned = serde_json::from_str(&body).unwrap();
    let (x, y) = (ra.offline_range.unwrap(), rb.offline_range.unwrap());
    assert!(x.end < y.start || y.end < x.start, "{x:?} {y:?}");
    assert!(x.start >= 900 && y.end <= 999);
    assert_ne!(ra.token, rb.token);
    let (s, body) = redeem(&site, "127.0.0.2", &d.grouped(), "kiosk");
    assert_eq!((s, common::error_code(&body).as_str()), (409, "provision_role_mismatch"));
    let (s, body) = redeem(&site, "127.0.0.2", &d.grouped(), "display");
    assert_eq!(s, 200, "{body}");
    assert!(serde_json::from_str::<Provisioned>(&body).unwrap().offline_range.is_none());

    let unknown = ProvisionCode::from_random([1; 11]).grouped();
    for i in 0..5 {
        let (s, body) = redeem(&site, "127.0.0.3", &unknown, "kiosk");
        assert_eq!((s, common::error_code(&body).as_str()), (404, "provision_code_unknown"), "try {i}");
    }
    let e = site.code("kiosk-e", Role::Kiosk, 3_600_000);
    let body = serde_json::to_string(&ProvisionRequest { code: e.grouped(), role: "kiosk".into() }).unwrap();
    let (s, h, b) = site.rt.block_on(raw_from(
        "127.0.0.3",
        "POST",
        &format!("{}/api/v1/provision", site.c().url),
        None,
        Some(&body),
    ));
    assert_eq!((s, common::error_code(&b).as_str()), (429, "too_many_attempts"));
    assert!(h.get("retry-after").is_some());
    let (s, _) = redeem(&site, "127.0.0.4", &e.grouped(), "kiosk");
    assert_eq!(s, 200, "another address is not locked out");
}

#[test]
fn the_provision_command_prints_a_qr_writes_a_png_and_a_short_code() {
    // Must hold: `provision` on the centre's data prints the QR in half
    // blocks, the grouped short code (its check symbol valid) and the
    // centre address; the PNG is a real image whose QR holds the payload's
    // size; the code is stored only as its hash.
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("centre.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[data]\ndir = \"{}\"\n[centre]\ntoken = \"{TOKEN}\"\nlisten = \"127.0.0.1:8700\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let png = dir.path().join("kiosk-03.png");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args([
            "--config",
            cfg_path.to_str().unwrap(),
            "provision",
            "--device",
            "kiosk-03",
            "--role",
            "kiosk",
        ])
        .args(["--url", "http://10.0.0.5:8700", "--valid", "2h", "--png", png.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains('▀') && stdout.contains('▄') && stdout.contains('█'), "{stdout}");
    let line = stdout.lines().find(|l| l.starts_with("Mã để gõ / Code to type: ")).expect("short code line");
    let typed = line.trim_start_matches("Mã để gõ / Code to type: ");
    let code = ProvisionCode::parse(typed).expect("a valid code");
    assert_eq!(typed, code.grouped());
    assert!(stdout.contains("http://10.0.0.5:8700"));
    let img = image::open(&png).expect("a PNG").to_luma8();
    assert_eq!(img.width(), img.height());
    assert!(img.width() >= 8 * (25 + 8), "a QR of at least version 2 at 8 px a module");
    let db = std::fs::read(dir.path().join("centre.sqlite3")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("centre.sqlite3-wal")).unwrap_or_default();
    let all = [db, wal].concat();
    assert!(!common::holds(&all, code.normalised()) && !common::holds(&all, &code.grouped()));
    // A second device with a wildcard listen and no --url is refused with the fix.
    std::fs::write(&cfg_path, format!(
            "[data]\ndir = \"{}\"\n[centre]\ntoken = \"{TOKEN}\"\nlisten = \"0.0.0.0:8700\"\ntracking_base_url = \"http://10.0.0.5:8700/t/\"\n",
            dir.path().display()
        )).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args([
            "--config",
            cfg_path.to_str().unwrap(),
            "provision",
            "--device",
            "kiosk-04",
            "--role",
            "kiosk",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
}
