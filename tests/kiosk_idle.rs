//! The idle timeout driven through Slint's testing backend on its mocked
//! clock (no sleeps): the warning, "Tôi cần thêm thời gian", and the longer
//! allowance of the reading pages (issue 14 point 6).

mod common;

use common::kiosk::*;
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::{Nav, Page, ProcedureAdapter, QueueAdapter, Session};
use slint::ComponentHandle;
use std::sync::Arc;

#[test]
fn idle_timeout_warns_then_returns_home_and_clears_the_citizen() {
    let mut cfg = Config::default();
    cfg.kiosk.idle_timeout_secs = 60;
    cfg.kiosk.idle_warning_secs = 20;
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    let ui = &h.app.ui;
    let s = ui.global::<Session>();
    // A citizen identified by an ID-card scan.
    s.set_citizen_present(true);
    s.set_citizen_name("Nguyễn V. A.".into());
    s.set_citizen_id("048*******23".into());
    tap(&h, "Lấy số thứ tự");
    settle(&h);

    seconds(39);
    assert!(!s.get_idle_warning(), "no warning before the last 20 s");
    seconds(2);
    assert!(s.get_idle_warning(), "countdown shown in the last 20 s");
    assert!(s.get_idle_seconds_left() <= 20 && s.get_idle_seconds_left() > 10, "at least 20 s to react");

    // A touch on the warning keeps the session.
    tap(&h, "Tôi cần thêm thời gian");
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
fn reading_pages_allow_longer_and_the_warning_gives_twenty_seconds() {
    // Must hold (defaults: 60 s, 180 s on reading pages, 20 s warning): the
    // procedure detail, the search and the dossier page stay quiet past the
    // ordinary 60 s; the warning comes 20 s before the end with a large "Tôi
    // cần thêm thời gian" button that restarts the allowance; without a touch
    // the session ends at 180 s. A non-reading page keeps 60 s.
    let cfg = Config::default();
    assert_eq!(
        (cfg.kiosk.idle_timeout_secs, cfg.kiosk.reading_idle_timeout_secs, cfg.kiosk.idle_warning_secs),
        (60, 180, 20)
    );
    let h = kiosk_with(cfg.clone(), sample_backend(&cfg));
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    let ui = &h.app.ui;
    let s = ui.global::<Session>();
    let nav = ui.global::<Nav>();

    tap(&h, "Tra cứu thủ tục");
    ui.global::<ProcedureAdapter>().invoke_open("1.001193".into());
    frame();
    assert_eq!(nav.get_page(), Page::ProcedureDetail);
    seconds(159);
    assert!(!s.get_idle_warning(), "no warning for 160 s on a reading page");
    seconds(1);
    assert!(s.get_idle_warning());
    assert_eq!(s.get_idle_seconds_left(), 20);
    let more = button(ui, "Tôi cần thêm thời gian");
    assert!(more.size().height >= 150.0, "a large button: {:?}", more.size());
    tap(&h, "Tôi cần thêm thời gian");
    assert!(!s.get_idle_warning());
    seconds(170);
    assert_eq!(nav.get_page(), Page::ProcedureDetail, "the allowance started again");
    seconds(10);
    assert_eq!(nav.get_page(), Page::Home, "180 s without a touch ends the session");

    for page in [Page::Procedures, Page::Dossier] {
        nav.invoke_go(page);
        frame();
        seconds(100);
        assert_eq!((nav.get_page(), s.get_idle_warning()), (page, false), "{page:?} is a reading page");
        nav.invoke_go(Page::Home);
        frame();
    }

    tap(&h, "Đánh giá hài lòng");
    seconds(41);
    assert!(s.get_idle_warning(), "the rating page keeps the ordinary 60 s");
    seconds(20);
    assert_eq!(nav.get_page(), Page::Home);
}
