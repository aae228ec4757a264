//! The kiosk driven like a citizen would: through Slint's testing backend,
//! finding elements by their accessible label and clicking them.

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use motcua_kiosk::app::backend::QueueBackend;
use motcua_kiosk::app::kiosk::{Clock, KioskApp};
use motcua_kiosk::app::poster::Poster;
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::{KioskWindow, Nav, Page, QueueAdapter, Session, SetupAdapter, TicketAdapter};
use slint::{ComponentHandle, Model};
use std::sync::Arc;
use std::time::Duration;

struct Harness {
    app: KioskApp,
    _rt: tokio::runtime::Runtime,
}

fn kiosk_with(cfg: Config, backend: Arc<dyn QueueBackend>) -> Harness {
    i_slint_backend_testing::init_no_event_loop();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let clock: Clock = Arc::new(motcua_kiosk::snapshot::sample_now);
    let ui = KioskWindow::new().unwrap();
    let app = KioskApp::new(ui, cfg, backend, rt.handle().clone(), Poster::queue(), clock);
    app.ui.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.ui.show().unwrap();
    Harness { app, _rt: rt }
}

/// The one button with this accessible label (texts also expose labels, so
/// filter by role).
fn button(ui: &KioskWindow, label: &str) -> ElementHandle {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(ui, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "expected one button labelled {label:?}, found {}", found.len());
    found.into_iter().next().unwrap()
}

fn tap(h: &Harness, label: &str) {
    button(&h.app.ui, label).invoke_accessible_default_action();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
}

/// Waits for background work to post its results, and runs them.
fn settle(h: &Harness) {
    let mut ran = h.app.inner.poster.pump_wait(Duration::from_secs(5));
    // A result may itself trigger more background work (e.g. navigation loading data).
    while ran > 0 {
        ran = h.app.inner.poster.pump_wait(Duration::from_millis(200));
    }
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
}

/// Advances mocked time second by second (the kiosk's tick is a 1 s timer).
fn seconds(n: u64) {
    for _ in 0..n {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
}

fn sample_backend(cfg: &Config) -> Arc<dyn QueueBackend> {
    Arc::new(motcua_kiosk::app::sample_backend::SampleBackend::new(cfg, motcua_kiosk::snapshot::sample_now()))
}

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

    tap(&h, "Xong");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);
    assert_eq!(ui.global::<TicketAdapter>().get_number(), "", "ticket cleared when the session ends");
}

#[test]
fn unavailable_service_cannot_be_tapped() {
    let cfg = Config::default();
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    // The sample marks the 5th service (Hộ kinh doanh) as out of numbers today.
    let e = ElementHandle::find_by_accessible_label(&h.app.ui, "Hộ kinh doanh")
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .expect("service tile");
    e.invoke_accessible_default_action();
    std::thread::sleep(Duration::from_millis(50));
    h.app.pump();
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::TakeNumber);
}

#[test]
fn idle_timeout_warns_then_returns_home_and_clears_the_citizen() {
    let mut cfg = Config::default();
    cfg.kiosk.idle_timeout_secs = 60;
    cfg.kiosk.idle_warning_secs = 10;
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    let ui = &h.app.ui;
    let s = ui.global::<Session>();
    // A citizen identified by an ID-card scan.
    s.set_citizen_present(true);
    s.set_citizen_name("Nguyễn V. A.".into());
    s.set_citizen_id("048*******23".into());
    tap(&h, "Lấy số thứ tự");
    settle(&h);

    seconds(49);
    assert!(!s.get_idle_warning(), "no warning before the last 10 s");
    seconds(2);
    assert!(s.get_idle_warning(), "countdown shown in the last 10 s");
    assert!(s.get_idle_seconds_left() <= 10 && s.get_idle_seconds_left() > 0);

    // A touch on the warning keeps the session.
    tap(&h, "Tiếp tục sử dụng");
    assert!(!s.get_idle_warning());
    assert_eq!(ui.global::<Nav>().get_page(), Page::TakeNumber);

    seconds(61);
    // Must hold: back home, and nothing of the citizen left in the UI state.
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);
    assert!(!s.get_citizen_present());
    assert_eq!(s.get_citizen_name(), "");
    assert_eq!(s.get_citizen_id(), "");
    assert_eq!(ui.global::<QueueAdapter>().get_priority(), "");
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
    tap(&h, "Kỹ thuật");
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
