//! The kiosk driven like a citizen would: through Slint's testing backend,
//! finding elements by their accessible label and clicking them.

mod common;

use common::kiosk::*;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::{Nav, Page, QueueAdapter, Session, SetupAdapter, TicketAdapter};
use slint::{ComponentHandle, Model};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn take_a_number_from_home_and_return() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    let ui = &h.app.ui;
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);

    tap(&h, "Lấy số thứ tự");
    assert_eq!(ui.global::<Nav>().get_page(), Page::TakeNumber);
    settle(&h);
    assert_eq!(ui.global::<QueueAdapter>().get_services().row_count(), cfg.queue.services.len());

    tap(&h, "Hộ tịch");
    settle(&h);
    // Must hold: the ticket screen shows the issued number for the chosen service.
    assert_eq!(ui.global::<Nav>().get_page(), Page::Ticket);
    assert_eq!(ui.global::<TicketAdapter>().get_number(), "A-023");
    assert_eq!(ui.global::<TicketAdapter>().get_service_name(), "Hộ tịch");
    // ... and the check code a typed rating needs, under the number.
    let code = ui.global::<TicketAdapter>().get_check_code();
    assert!(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert!(shown_texts(ui).contains(&format!("Mã kiểm tra: {code}")), "{:?}", shown_texts(ui));

    tap(&h, "Xong");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);
    assert_eq!(ui.global::<TicketAdapter>().get_number(), "", "ticket cleared when the session ends");
}

#[test]
fn unavailable_service_cannot_be_tapped() {
    let cfg = Config::default();
    let rec = Recording::new(sample_backend(&cfg));
    let h = kiosk_with(cfg.clone(), rec.clone());
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    // The sample marks the 5th service (Hộ kinh doanh) as out of numbers today.
    let e = ElementHandle::find_by_accessible_label(&h.app.ui, "Hộ kinh doanh")
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .expect("service tile");
    e.invoke_accessible_default_action();
    settle(&h);
    assert!(rec.requests.lock().unwrap().is_empty(), "no number was asked for");
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::TakeNumber);
}

#[test]
fn language_toggle_switches_texts() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    tap(&h, "English");
    assert_eq!(h.app.ui.global::<Session>().get_language(), "en");
    // The English tile exists now, the Vietnamese one is gone.
    button(&h.app.ui, "Take a number");
    assert_eq!(ElementHandle::find_by_accessible_label(&h.app.ui, "Lấy số thứ tự").count(), 0);
    tap(&h, "Tiếng Việt");
    button(&h.app.ui, "Lấy số thứ tự");
}

#[test]
fn setup_needs_the_pin_and_never_shows_it() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    // The technicians' door: a 3 s hold in the top-left corner of home.
    let w = h.app.ui.window();
    let at = slint::LogicalPosition::new(20.0, 20.0);
    w.dispatch_event(slint::platform::WindowEvent::PointerPressed {
        position: at,
        button: slint::platform::PointerEventButton::Left,
    });
    // The hold starts its timer on the next frame, then takes 3 s.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(3100));
    w.dispatch_event(slint::platform::WindowEvent::PointerReleased {
        position: at,
        button: slint::platform::PointerEventButton::Left,
    });
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Setup);
    for d in ["1", "2", "3", "4"] {
        tap(&h, d);
    }
    assert_eq!(h.app.ui.global::<SetupAdapter>().get_pin_length(), 4);
    tap(&h, "Xác nhận");
    assert!(!h.app.ui.global::<SetupAdapter>().get_unlocked(), "wrong PIN must not unlock");
    assert_ne!(h.app.ui.global::<SetupAdapter>().get_pin_error(), "");
    for d in cfg.kiosk.setup_pin.chars() {
        tap(&h, &d.to_string());
    }
    // No element may carry the PIN digits as text.
    assert_eq!(ElementHandle::find_by_accessible_label(&h.app.ui, &cfg.kiosk.setup_pin).count(), 0);
    tap(&h, "Xác nhận");
    assert!(h.app.ui.global::<SetupAdapter>().get_unlocked());
    assert!(h.app.ui.global::<SetupAdapter>().get_diagnostics().row_count() > 5);
}

const CCCD: &str =
    "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|20062021";

#[test]
fn id_card_scanned_on_a_serial_reader_greets_and_goes_with_the_ticket() {
    use serialport::SerialPort;
    use std::io::Write;
    let (mut master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let mut cfg = Config::default();
    cfg.scanner.ports = vec![slave.name().expect("pty name")];
    let rec = Recording::new(sample_backend(&cfg));
    let mut h = kiosk_with(cfg, rec.clone());
    h.app.start_hardware();
    let s = h.app.ui.global::<Session>();
    // Wait for the reader to open the port, then scan: the frame is split inside "ễ".
    let payload = format!("]Q1{CCCD}\r\n");
    let bytes = payload.as_bytes();
    let cut = payload.find("ễ").unwrap() + 1;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !s.get_citizen_present() && std::time::Instant::now() < deadline {
        h.app.pump();
        master.write_all(&bytes[..cut]).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        master.write_all(&bytes[cut..]).unwrap();
        h.app.pump_wait(Duration::from_millis(300));
    }
    // Must hold: greeted by masked name and number; nothing personal in clear on screen.
    assert!(s.get_citizen_present(), "the ID card scan was not handled");
    assert_eq!(s.get_citizen_name(), "Nguyễn V. A.");
    assert_eq!(s.get_citizen_id(), "048*******23");
    assert_eq!(ElementHandle::find_by_accessible_label(&h.app.ui, "048095000123").count(), 0);

    tap(&h, "Lấy số thứ tự");
    settle(&h);
    tap(&h, "Hộ tịch");
    settle(&h);
    let reqs = rec.requests.lock().unwrap().clone();
    let citizen = reqs[0].citizen.as_ref().expect("identity attached to the ticket request");
    assert_eq!(citizen.id_number, "048095000123");
    assert_eq!(citizen.birth_date, "15/03/1995");

    // The session ends: the identity is gone from the UI and from Rust state.
    tap(&h, "Xong");
    assert!(!s.get_citizen_present());
    assert_eq!(s.get_citizen_name(), "");
    assert!(!h.app.session_data().contains(&"citizen"));
}

#[test]
fn health_insurance_card_is_refused_with_a_message() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    // BHYT QR: '|'-separated with hex-encoded name and address.
    let bhyt = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1995|1|5068c6b0e1bb9d6e672048e1baa369204368c3a275|79 - 024|01/01/2026|-|01/01/2021|-|-|4|$";
    h.app.ui.global::<Session>().invoke_wedge_frame(bhyt.into());
    let s = h.app.ui.global::<Session>();
    assert!(!s.get_citizen_present());
    assert_ne!(s.get_scan_message(), "", "the citizen is told why the card is refused");
}

#[test]
fn keyboard_wedge_scan_of_a_receipt_opens_the_dossier_page() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    h.app.ui.global::<Session>().invoke_wedge_frame("000.00.06.H56-231027-0361".into());
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Dossier);
    assert_eq!(
        h.app.ui.global::<motcua_kiosk::ui::DossierAdapter>().get_code_input(),
        "000.00.06.H56-231027-0361"
    );
}

fn issue_and_wait_for_print(cfg: Config) -> (Harness, String) {
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    tap(&h, "Hộ tịch");
    settle(&h); // the ticket, then its print
    let status = h.app.ui.global::<TicketAdapter>().get_print_status().to_string();
    (h, status)
}

#[test]
fn ticket_prints_as_a_raster_on_the_thermal_printer() {
    let (uri, got) = fake_printer([0x12, 0x12, 0x12]);
    let mut cfg = Config::default();
    cfg.printer.uri = uri;
    let (h, status) = issue_and_wait_for_print(cfg);
    assert!(status.contains("đã được in"), "{status}");
    let bytes = got.wait_until(|b| b.windows(2).any(|w| w == [0x1d, 0x56]));
    // Must hold: a GS v 0 raster (Vietnamese as pixels) and a cut reached the printer.
    assert!(bytes.windows(3).any(|w| w == [0x1d, 0x76, 0x30]), "no raster command");
    assert!(bytes.windows(2).any(|w| w == [0x1d, 0x56]), "no cut");
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Ticket);
}

#[test]
fn paper_out_keeps_the_ticket_on_screen_with_a_plain_message() {
    // Paper end as real printers answer DLE EOT 1 / 2 / 4.
    let (uri, got) = fake_printer([0x1A, 0x32, 0x7E]);
    let mut cfg = Config::default();
    cfg.printer.uri = uri;
    let (h, status) = issue_and_wait_for_print(cfg);
    assert!(status.contains("hết giấy") && status.contains("màn hình này là vé"), "{status}");
    assert!(!got.bytes().windows(3).any(|w| w == [0x1d, 0x76, 0x30]), "nothing printed on an empty roll");
    // The number stays visible.
    assert_eq!(h.app.ui.global::<TicketAdapter>().get_number(), "A-023");
}

/// The kiosk on the built-in centre, with its SQLite store in `dir`.
fn kiosk_on_builtin_centre(dir: &std::path::Path) -> Harness {
    let mut cfg = Config::default();
    cfg.data.dir = dir.display().to_string();
    cfg.centre.listen = String::new();
    // Numbers at any hour (the test runs on the wall clock), as in demo mode.
    cfg.queue.always_open = true;
    let rt = runtime();
    let link = {
        let _g = rt.enter();
        motcua_kiosk::centre::link::KioskLink::open(&cfg).expect("built-in centre opens")
    };
    let backend = Arc::new(motcua_kiosk::app::link_backend::LinkBackend { link });
    kiosk_on(cfg, backend, rt)
}

fn take_number(h: &Harness, service: &str) -> String {
    tap(h, "Lấy số thứ tự");
    settle(h);
    tap(h, service);
    settle(h);
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::Ticket);
    let n = h.app.ui.global::<TicketAdapter>().get_number().to_string();
    tap(h, "Xong");
    n
}

#[test]
fn numbers_come_from_the_sqlite_queue_and_continue_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let h = kiosk_on_builtin_centre(dir.path());
        assert_eq!(take_number(&h, "Hộ tịch"), "A-001");
        assert_eq!(take_number(&h, "Hộ tịch"), "A-002");
        assert_eq!(take_number(&h, "Chứng thực"), "B-001", "each service has its own prefix and sequence");
    }
    // Must hold: a restarted kiosk on the same store continues the sequence.
    let h = kiosk_on_builtin_centre(dir.path());
    assert_eq!(take_number(&h, "Hộ tịch"), "A-003");
}

/// Smallest touch target: 15 mm on a 21" 1080x1920 portrait panel (~41 px/cm).
const MIN_TARGET_PX: f32 = 62.0;

fn assert_targets(h: &Harness, page: &str) {
    let mut small = Vec::new();
    let mut count = 0;
    let buttons = i_slint_backend_testing::ElementQuery::from_root(&h.app.ui)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all();
    for e in buttons {
        let s = e.size();
        if s.width == 0.0 || s.height == 0.0 {
            continue; // not laid out on this page
        }
        count += 1;
        if s.width < MIN_TARGET_PX || s.height < MIN_TARGET_PX {
            small.push(format!("{:?} {}x{}", e.accessible_label(), s.width, s.height));
        }
    }
    assert!(count > 0, "{page}: no buttons found");
    assert!(small.is_empty(), "{page}: touch targets under 15 mm: {small:?}");
}

#[test]
fn every_touch_target_is_at_least_15_mm_on_both_panel_sizes() {
    for (w, hgt) in [(1080, 1920), (768, 1366)] {
        let cfg = Config::default();
        let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
        h.app.ui.window().set_size(slint::PhysicalSize::new(w, hgt));
        let nav = h.app.ui.global::<Nav>();
        for page in [Page::Home, Page::TakeNumber, Page::Procedures, Page::Dossier, Page::Rating, Page::Setup]
        {
            nav.invoke_go(page);
            if page == Page::TakeNumber {
                settle(&h); // the service tiles come from the backend
            }
            i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
            if page == Page::Procedures {
                h.app.ui.global::<motcua_kiosk::ui::ProcedureAdapter>().set_keyboard_open(true);
                i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
            }
            assert_targets(&h, &format!("{page:?} at {w}x{hgt}"));
        }
        tap(&h, "Trang chủ");
    }
}

#[test]
fn procedure_list_builds_only_the_rows_on_screen() {
    // What must hold: the browse list (every procedure) builds row elements
    // only for what the screen shows, so opening the page or typing a key
    // does not build and lay out the whole catalog (the frame-time tail of
    // issue 14); and the rows it shows are the list's first ones, in order.
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    let ui = &h.app.ui;
    tap(&h, "Tra cứu thủ tục");
    frame();
    let results: Vec<_> = ui.global::<motcua_kiosk::ui::ProcedureAdapter>().get_results().iter().collect();
    assert!(results.len() >= 50, "the browse list holds the whole catalog ({})", results.len());
    // A row is built when an element carries its name and code.
    let built_rows = || -> Vec<usize> {
        let on_screen = |r: &motcua_kiosk::ui::ProcedureRow| {
            ElementHandle::find_by_accessible_label(ui, r.name.as_str())
                .any(|e| e.accessible_description().as_deref() == Some(r.code.as_str()))
        };
        results.iter().enumerate().filter(|(_, r)| on_screen(r)).map(|(i, _)| i).collect()
    };
    let built = built_rows();
    assert!(!built.is_empty() && built[0] == 0, "the first row is on screen: {built:?}");
    assert!(built.len() < 20, "{} of {} rows built: the list is not virtualised", built.len(), results.len());
    assert_eq!(built, (0..built.len()).collect::<Vec<_>>(), "the rows on screen are the first ones");

    // A finger dragged up the list scrolls it (a touch screen sends pointer
    // events): the first row leaves, later rows are built.
    use slint::platform::{PointerEventButton, WindowEvent};
    let w = ui.window();
    let mut at = slint::LogicalPosition::new(500.0, 1500.0);
    w.dispatch_event(WindowEvent::PointerMoved { position: at });
    w.dispatch_event(WindowEvent::PointerPressed { position: at, button: PointerEventButton::Left });
    for _ in 0..20 {
        frame();
        at.y -= 40.0;
        w.dispatch_event(WindowEvent::PointerMoved { position: at });
    }
    w.dispatch_event(WindowEvent::PointerReleased { position: at, button: PointerEventButton::Left });
    for _ in 0..60 {
        frame();
    }
    let first_built = built_rows().first().copied();
    assert!(first_built.is_some_and(|i| i > 0), "a drag scrolls the list (first row built: {first_built:?})");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Procedures, "a drag is not a tap");
}

#[test]
fn procedure_search_on_the_keyboard_then_detail_then_a_number_for_it() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    let ui = &h.app.ui;
    tap(&h, "Tra cứu thủ tục");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Procedures);
    // Tap the search box: the on-screen keyboard opens.
    let search =
        ElementHandle::find_by_accessible_label(ui, "Ô tìm kiếm thủ tục").next().expect("search box");
    search.invoke_accessible_default_action();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
    // Typed without diacritics, as most citizens do.
    for k in ["k", "h", "a", "i", "Dấu cách", "s", "i", "n", "h"] {
        tap(&h, k);
    }
    let p = ui.global::<motcua_kiosk::ui::ProcedureAdapter>();
    assert_eq!(p.get_query(), "khai sinh");
    // Must hold: the best result for what citizens type is the birth registration.
    let first = p.get_results().row_data(0).expect("results while typing");
    assert_eq!(first.code, "1.001193", "top result {:?}", first.name);
    // A tone key puts its mark on the right vowel of the last word.
    tap(&h, "Dấu huyền");
    assert_eq!(p.get_query(), "khai sình");
    tap(&h, "Xoá hết");
    assert_eq!(p.get_query(), "");

    tap(&h, "Đăng ký khai sinh");
    assert_eq!(ui.global::<Nav>().get_page(), Page::ProcedureDetail);
    assert_eq!(p.get_code(), "1.001193");
    assert!(p.get_documents().row_count() >= 2, "documents checklist shown");
    assert!(p.get_methods().row_count() >= 1, "time and fee per channel shown");
    // Checked values as they are, unchecked ones never as fact.
    let in_person = p.get_methods().row_data(0).unwrap();
    assert_eq!(in_person.fee, "Miễn phí");
    assert_eq!(in_person.duration, "Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)");
    assert_eq!(p.get_agency(), "Hỏi tại quầy");
    assert!(p.get_notice().contains("cơ quan thực hiện"), "{}", p.get_notice());

    // The element query of the testing backend does not reach into this page's
    // scrolled body here, so press the button through the callback it invokes.
    p.invoke_take_number(p.get_service_code());
    settle(&h);
    // Straight to a ticket of the service that receives the procedure (HT → A).
    assert_eq!(ui.global::<Nav>().get_page(), Page::Ticket);
    assert!(ui.global::<TicketAdapter>().get_number().starts_with("A-"));
}

#[test]
fn kiosk_downloads_a_newer_catalog_from_the_centre_only_when_it_changed() {
    // Must hold: the kiosk installs the centre's catalog when its version is
    // newer, a second sync downloads nothing (ETag), and the kiosk's search
    // answers from the new catalog.
    let centre_dir = tempfile::tempdir().unwrap();
    let kiosk_dir = tempfile::tempdir().unwrap();
    let bundled = motcua_kiosk::catalog::bundled_version().unwrap();
    let newer = motcua_kiosk::catalog::BUNDLED_JSON
        .replacen(&format!("\"version\": \"{bundled}\""), "\"version\": \"2099.1.1\"", 1)
        .replacen(&format!("\"version\":\"{bundled}\""), "\"version\":\"2099.1.1\"", 1);
    assert!(newer.contains("2099.1.1"), "test catalog has a new version");
    motcua_kiosk::catalog::store::import_bytes(
        centre_dir.path(),
        newer.as_bytes(),
        "test",
        &Default::default(),
    )
    .unwrap();
    let mut centre_cfg = Config::default();
    centre_cfg.data.dir = centre_dir.path().display().to_string();
    let rt = runtime();
    let (url, stop) = rt.block_on(async {
        let centre = motcua_kiosk::centre::core::Centre::open(&centre_cfg).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let opts = motcua_kiosk::centre::server::ServerOptions::from_config(&centre_cfg);
        tokio::spawn(motcua_kiosk::centre::server::serve_centre(centre, opts, listener, async {
            let _ = rx.await;
        }));
        (url, tx)
    });
    let mut cfg = Config::default();
    cfg.data.dir = kiosk_dir.path().display().to_string();
    cfg.centre.url = url.clone();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), rt);
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    let client = motcua_kiosk::centre::client::ApiClient::for_url(&cfg, &url).unwrap();
    let got =
        h.rt.block_on(motcua_kiosk::app::procedures::sync_catalog_once(&client, h.app.procedures())).unwrap();
    assert_eq!(got.as_deref(), Some("2099.1.1"));
    let again =
        h.rt.block_on(motcua_kiosk::app::procedures::sync_catalog_once(&client, h.app.procedures())).unwrap();
    assert_eq!(again, None, "unchanged catalog is not downloaded again");
    // Installed on disk too: a restarted kiosk opens the new version.
    assert_eq!(motcua_kiosk::catalog::Catalog::open(kiosk_dir.path()).unwrap().version(), "2099.1.1");
    let _ = stop.send(());
}
