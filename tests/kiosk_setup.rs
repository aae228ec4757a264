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
