//! The kiosk in bad weather (issue 18) and the priority-before-print rule
//! (issue 14), driven through Slint's testing backend on real parts: a kiosk
//! whose centre does not answer (a closed loopback port), real SQLite, a fake
//! ESC/POS printer on loopback.

mod common;

use common::kiosk::*;
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::ticket::PriorityGroup;
use motcua_kiosk::ui::{Issuing, Nav, Page, QueueAdapter, Session, TicketAdapter};
use slint::{ComponentHandle, Model};
use std::sync::Arc;

/// The default config with numbers at any hour (the sample instant is a Sunday).
fn open_all_day() -> Config {
    let mut cfg = Config::default();
    cfg.queue.always_open = true;
    cfg
}

#[test]
fn first_boot_without_a_centre_issues_a_ticket_and_invents_nothing() {
    // Must hold: a kiosk that never reached its centre offers its configured
    // services, says on home that it issues offline, issues a number from its
    // own range, and shows no waiting figures (list or ticket).
    let dir = tempfile::tempdir().unwrap();
    let h = kiosk_without_centre(open_all_day(), dir.path());
    let ui = &h.app.ui;
    h.app.tick_now();
    assert_eq!(ui.global::<Session>().get_issuing(), Issuing::Offline);
    assert_plain_vietnamese(&h, "home, first boot");
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    let services = ui.global::<QueueAdapter>().get_services();
    assert_eq!(services.row_count(), open_all_day().queue.services.len());
    assert!(services.iter().all(|s| s.available && !s.live), "configured services, no live figures");
    assert!(!shown_texts(ui).iter().any(|t| t.contains("người đang chờ")), "no waiting count offline");
    assert_plain_vietnamese(&h, "take a number, first boot");

    tap(&h, "Hộ tịch");
    settle(&h);
    assert_eq!(ui.global::<Nav>().get_page(), Page::Ticket);
    let t = ui.global::<TicketAdapter>();
    assert_eq!((t.get_number().as_str(), t.get_offline()), ("A-900", true));
    let texts = shown_texts(ui);
    assert!(!texts.iter().any(|t| t == "Trước bạn" || t == "Chờ khoảng"), "no people ahead / wait offline");
    assert!(texts.iter().any(|t| t.contains("Quầy vẫn gọi số này như thường lệ")), "{texts:?}");
    assert_plain_vietnamese(&h, "ticket, first boot");
    // No printer configured: no "print again", and the screen says it is the ticket.
    assert!(buttons(ui, "In lại vé").is_empty());
    assert!(t.get_print_status().contains("màn hình này là vé của bạn"));
}

#[test]
fn a_kiosk_with_nothing_to_offer_says_so_calmly_and_alerts_the_technician() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.queue.services.clear();
    let h = kiosk_without_centre(cfg, dir.path());
    let ui = &h.app.ui;
    h.app.tick_now();
    assert_eq!(ui.global::<Session>().get_issuing(), Issuing::Unavailable);
    let texts = shown_texts(ui);
    assert!(
        texts.iter().any(|t| t.contains("Tạm ngừng cấp số tại máy này")),
        "home tells the truth: {texts:?}"
    );
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    let texts = shown_texts(ui);
    assert!(texts.iter().any(|t| t == "Máy này tạm thời chưa cấp được số thứ tự."), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("bàn hướng dẫn")));
    assert_plain_vietnamese(&h, "nothing to offer");
    let health = (h.app.health_source())();
    assert!(health.alerts.contains(&"cannot_issue".to_string()), "{:?}", health.alerts);
    tap(&h, "Về trang chủ");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);
}

#[test]
fn centre_lost_mid_day_shows_no_stale_figures_and_offline_lookups_fail_plainly() {
    // The centre answered this morning (figures remembered), then went away.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.data.dir = dir.path().display().to_string();
    let mut known =
        motcua_kiosk::centre::link::configured_services(&cfg, motcua_kiosk::snapshot::sample_now()).unwrap();
    for s in &mut known.services {
        s.waiting = 7;
        s.estimated_wait_minutes = 35;
    }
    motcua_kiosk::centre::link::remember_services(
        motcua_kiosk::store::kiosk_db_path(&cfg.data_dir()),
        &known,
    )
    .unwrap();
    let h = kiosk_without_centre(cfg, dir.path());
    let ui = &h.app.ui;
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    assert!(ui.global::<QueueAdapter>().get_services().iter().all(|s| !s.live));
    assert!(!shown_texts(ui).iter().any(|t| t.contains('7') && t.contains("chờ")), "stale figures shown");

    // Dossier lookup has no offline answer: a plain sentence with what to do.
    ui.global::<Nav>().invoke_go(Page::Dossier);
    let d = ui.global::<motcua_kiosk::ui::DossierAdapter>();
    d.invoke_lookup("000.00.06.H56-261124-0361".into());
    settle(&h);
    assert!(d.get_error().contains("thử lại") || d.get_error().contains("cán bộ"), "{}", d.get_error());
    assert_plain_vietnamese(&h, "dossier lookup offline");

    // A rating is queued and the citizen is thanked plainly.
    ui.global::<Nav>().invoke_go(Page::Rating);
    let r = ui.global::<motcua_kiosk::ui::RatingAdapter>();
    r.invoke_find_ticket("A-023".into());
    assert_eq!(r.get_state(), "ask-check");
    r.invoke_find_ticket("4821".into()); // the check code, queued with the number
    settle(&h);
    r.invoke_rate(3);
    r.invoke_submit();
    settle(&h);
    assert_eq!(r.get_state(), "thanks", "{}", r.get_message());
    // Said plainly that it is kept, so nobody rates twice thinking it was lost.
    assert!(
        shown_texts(ui).iter().any(|t| t.contains("sẽ tự gửi về trung tâm khi có kết nối")),
        "{}",
        r.get_message()
    );
    assert_plain_vietnamese(&h, "rating queued offline");
    assert!(h.app.wait_idle(std::time::Duration::from_secs(5)));
}

#[test]
fn priority_comes_first_and_a_wrong_tap_prints_nothing() {
    // Must hold: without priority one tap on a service issues (the common
    // case); with a priority chosen the tap asks "Hộ tịch · Người cao tuổi —
    // In vé?" and nothing is issued until "In vé"; "Chọn lại" issues nothing.
    let cfg = Config::default();
    let rec = Recording::new(sample_backend(&cfg));
    let h = kiosk_on(cfg.clone(), rec.clone(), runtime());
    let ui = &h.app.ui;
    let q = ui.global::<QueueAdapter>();
    let asked = || rec.requests.lock().unwrap().clone();

    tap(&h, "Lấy số thứ tự");
    settle(&h);
    tap(&h, "Người cao tuổi");
    assert_eq!(q.get_priority(), "elderly");
    tap(&h, "Hộ tịch");
    settle(&h);
    assert!(asked().is_empty(), "a priority ticket is not issued by the service tap alone");
    assert_eq!(q.get_confirm_text(), "Hộ tịch · Người cao tuổi");
    tap(&h, "Chọn lại");
    settle(&h);
    assert!(asked().is_empty(), "the wrong tap printed nothing");
    assert_eq!(q.get_confirm_text(), "");
    assert_eq!(ui.global::<Nav>().get_page(), Page::TakeNumber);

    tap(&h, "Chứng thực");
    tap(&h, "In vé");
    settle(&h);
    let reqs = asked();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].service.as_str(), reqs[0].priority), ("CT", Some(PriorityGroup::Elderly)));
    assert_eq!(ui.global::<Nav>().get_page(), Page::Ticket);
    assert_eq!(ui.global::<TicketAdapter>().get_priority_label(), "Người cao tuổi");
    tap(&h, "Xong");

    // The common case: home → "Lấy số thứ tự" → the service: two taps to a ticket.
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    assert_eq!(q.get_priority(), "", "priority is per citizen");
    tap(&h, "Hộ tịch");
    settle(&h);
    assert_eq!(asked().len(), 2);
    assert_eq!(asked()[1].priority, None);
    assert_eq!(ui.global::<Nav>().get_page(), Page::Ticket);
}

fn ticket_with_printer(uri: &str) -> Harness {
    let mut cfg = Config::default();
    cfg.printer.uri = uri.into();
    cfg.printer.status_timeout_ms = 500;
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    tap(&h, "Hộ tịch");
    settle(&h); // the ticket, then its print
    h
}

#[test]
fn printer_failures_are_told_plainly_and_reprint_says_why_it_cannot() {
    // (status bytes, reprint possible, heartbeat code)
    let cases = [
        ("paper out", Some([0x1A, 0x32, 0x7E]), false, "out_of_paper", "hết giấy"),
        ("cover open", Some([0x1A, 0x16, 0x12]), false, "cover_open", "Nắp máy in"),
        ("unreachable", None, true, "offline", "không hoạt động"),
    ];
    for (name, status, reprint, code, words) in cases {
        let uri = match status {
            Some(st) => fake_printer(st).0,
            None => "tcp://127.0.0.1:9".to_string(), // nothing listens there
        };
        let h = ticket_with_printer(&uri);
        let t = h.app.ui.global::<TicketAdapter>();
        assert!(t.get_print_problem(), "{name}");
        let status_text = t.get_print_status().to_string();
        assert!(
            status_text.contains(words) && status_text.contains("màn hình này là vé"),
            "{name}: {status_text}"
        );
        assert_eq!(t.get_reprint_enabled(), reprint, "{name}");
        if !reprint {
            assert!(!t.get_reprint_note().is_empty(), "{name}: a disabled reprint says why");
        }
        assert_eq!(t.get_number(), "A-023", "{name}: the number stays on screen");
        assert_plain_vietnamese(&h, name);
        let health = (h.app.health_source())();
        assert_eq!(health.printer_status, code, "{name}");
        assert!(health.alerts.contains(&format!("printer_{code}")), "{name}: {:?}", health.alerts);
        // The technician sees the detail on the diagnostics page.
        if status.is_none() {
            h.app.set_language(motcua_kiosk::config::Language::En);
            assert!(h.app.ui.global::<TicketAdapter>().get_print_status().contains("printer"));
        }
    }
}

#[test]
fn a_printed_ticket_points_to_the_slot_below() {
    let (uri, got) = fake_printer([0x12, 0x12, 0x12]);
    let h = ticket_with_printer(&uri);
    let t = h.app.ui.global::<TicketAdapter>();
    assert!(!t.get_print_problem() && t.get_reprint_enabled(), "{}", t.get_print_status());
    assert!(shown_texts(&h.app.ui).iter().any(|s| s == "Mời bạn nhận vé in ở khe bên dưới"));
    assert_eq!(buttons(&h.app.ui, "In lại vé").len(), 1);
    drop(got);
}

#[test]
fn an_unplugged_card_reader_is_told_on_home_and_alerted() {
    let mut cfg = Config::default();
    cfg.scanner.ports = vec!["/dev/serial/by-id/not-plugged-in".into()];
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    h.app.tick_now();
    let note = h.app.ui.global::<Session>().get_reader_note();
    assert!(note.contains("vẫn lấy số"), "{note}");
    assert_plain_vietnamese(&h, "reader disconnected");
    assert!((h.app.health_source())().alerts.contains(&"reader_disconnected".to_string()));
}

#[test]
fn closed_and_capped_services_cannot_be_tapped_and_say_when_they_open() {
    use motcua_kiosk::domain::queue_rules::Availability;
    let cfg = Config::default();
    let now = motcua_kiosk::snapshot::sample_now();
    let sample = motcua_kiosk::app::sample_backend::SampleBackend::new(&cfg, now)
        .with_availability("HT", Availability::Closed { next_open: Some(now + chrono::Duration::hours(22)) })
        .with_availability("CT", Availability::CapReached { next_open: None });
    let rec = Recording::new(Arc::new(sample));
    let h = kiosk_on(cfg, rec.clone(), runtime());
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    let services: Vec<_> = h.app.ui.global::<QueueAdapter>().get_services().iter().collect();
    assert!(services[0].note.starts_with("Ngoài giờ làm việc. Mở lại lúc"), "{}", services[0].note);
    assert_eq!(services[1].note, "Đã hết số hôm nay.");
    for label in ["Hộ tịch", "Chứng thực"] {
        button(&h.app.ui, label).invoke_accessible_default_action();
    }
    settle(&h);
    assert!(rec.requests.lock().unwrap().is_empty());
    assert_plain_vietnamese(&h, "closed and capped");
}

#[test]
fn the_checker_catches_technical_text() {
    // The checker itself must fail on what issue 18 saw on screen.
    for bad in [
        "Không in được vé (lỗi máy in: cannot connect to the printer at 127.0.0.1:9: Connection refused (os error 111))",
        "Trung tâm từ chối yêu cầu: unknown_service",
        "printer error",
        "Lỗi 10.0.0.5",
    ] {
        assert!(technical(bad).is_some(), "{bad}");
    }
    for good in [
        "Máy in đã hết giấy.",
        "Quầy 1, 2 · 3 người đang chờ · khoảng 18 phút",
        "English",
        "000.00.06.H56-261124-0361",
    ] {
        assert_eq!(technical(good), None, "{good}");
    }
}

#[test]
fn the_waiting_count_on_the_tiles_is_the_people_ahead_on_the_ticket() {
    // Must hold (issue 14, point 7): one definition of "waiting". On the
    // built-in centre, the tile's waiting figure before the tap is the
    // ticket's people ahead, and the ticket then counts on the tile.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = open_all_day();
    cfg.data.dir = dir.path().display().to_string();
    cfg.centre.listen = String::new();
    let clock = motcua_kiosk::domain::clock::MockClock::new(motcua_kiosk::snapshot::sample_now());
    let centre =
        motcua_kiosk::centre::Centre::open_at(dir.path().join("centre.sqlite3"), &cfg, Arc::new(clock))
            .unwrap();
    let link = motcua_kiosk::centre::KioskLink::Local(motcua_kiosk::centre::link::LocalLink::new(
        centre,
        &cfg.kiosk.id,
    ));
    let h = kiosk_on(cfg, Arc::new(motcua_kiosk::app::link_backend::LinkBackend { link }), runtime());
    let ui = &h.app.ui;
    let waiting_ht = || {
        ui.global::<QueueAdapter>().get_services().iter().find(|s| s.code == "HT").map(|s| s.waiting).unwrap()
    };
    for expected in 0..3 {
        tap(&h, "Lấy số thứ tự");
        settle(&h);
        let before = waiting_ht();
        assert_eq!(before, expected);
        assert!(ui.global::<QueueAdapter>().get_services().iter().all(|s| s.live));
        tap(&h, "Hộ tịch");
        settle(&h);
        assert_eq!(ui.global::<TicketAdapter>().get_people_ahead(), before, "ticket {expected}");
        let texts = shown_texts(ui);
        assert!(texts.iter().any(|t| t == &format!("{before} người đang chờ")), "{texts:?}");
        tap(&h, "Xong");
    }
}
