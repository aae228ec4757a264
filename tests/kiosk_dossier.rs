//! Dossier status on the kiosk driven like a citizen would (issue 14 points 3
//! and 8): through Slint's testing backend on a built-in centre with real
//! SQLite. Any real code can be typed on the keypad; a status that waits on
//! the citizen says plainly what to do and where.

mod common;

use common::kiosk::*;
use i_slint_backend_testing::ElementHandle;
use motcua_kiosk::centre::api::{DossierHistoryRecord, DossierRecord};
use motcua_kiosk::domain::dossier::{Channel, DossierStatus};
use motcua_kiosk::ui::{DossierAdapter, Nav, Page};
use slint::{ComponentHandle, Model};

fn record(code: &str, status: DossierStatus) -> DossierRecord {
    DossierRecord {
        code: code.into(),
        procedure_code: "1.004222".into(),
        procedure_name_vi: "Đăng ký thường trú".into(),
        procedure_name_en: "Permanent residence registration".into(),
        applicant: "Nguyễn Văn An".into(),
        channel: Channel::InPerson,
        received_at: motcua_kiosk::snapshot::sample_now() - chrono::Duration::days(5),
        appointment: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        status,
        missing_documents: Vec::new(),
        fee_vnd: Some(50_000),
        counter: Some(3),
        history: Vec::new(),
    }
}

#[test]
fn dossier_typed_on_the_keypad_shows_status_and_timeline_and_is_gone_at_home() {
    // Must hold: a code typed on the keypad finds the dossier on the centre:
    // status, masked applicant, what the citizen must do and where (papers
    // requested: no "on time" note), and the three-step timeline; the texts follow the language; an unknown code and
    // a malformed one give different plain messages; going home clears the
    // screen and the Rust state (the next citizen sees nothing).
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let at = |d: u32, hh: u32, mm: u32| {
        chrono::TimeZone::with_ymd_and_hms(
            &motcua_kiosk::domain::localtime::vn_offset(),
            2026,
            11,
            d,
            hh,
            mm,
            0,
        )
        .unwrap()
        .with_timezone(&chrono::Utc)
    };
    let step = |at, agency: &str, action: &str| DossierHistoryRecord {
        at,
        agency: agency.into(),
        action: action.into(),
        status: None,
    };
    let code = "000.00.06.H56-261124-0361";
    h.rt.block_on(centre.import_dossiers(vec![DossierRecord {
        code: code.into(),
        procedure_code: "1.004222".into(),
        procedure_name_vi: "Đăng ký thường trú".into(),
        procedure_name_en: "Permanent residence registration".into(),
        applicant: "Nguyễn Văn An".into(),
        channel: Channel::InPerson,
        received_at: at(24, 9, 15),
        appointment: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        status: DossierStatus::SupplementRequested,
        missing_documents: vec!["Giấy tờ chứng minh chỗ ở hợp pháp (bản sao)".into()],
        fee_vnd: None,
        counter: Some(5),
        history: vec![
            step(at(24, 9, 15), "Bộ phận một cửa", "Tiếp nhận hồ sơ"),
            step(at(25, 14, 2), "Công an phường Hải Châu", "Thẩm định hồ sơ"),
            step(at(26, 10, 40), "Công an phường Hải Châu", "Yêu cầu bổ sung giấy tờ"),
        ],
    }]))
    .unwrap();
    let ui = &h.app.ui;
    let d = ui.global::<DossierAdapter>();
    tap(&h, "Tra cứu hồ sơ");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Dossier);
    type_on_keypad(&h, code);
    assert_eq!(d.get_code_input(), code);
    tap(&h, "Tra cứu");
    settle(&h);
    assert!(d.get_found(), "error: {}", d.get_error());
    assert_eq!(d.get_status(), "Yêu cầu bổ sung giấy tờ");
    assert_eq!(d.get_status_code(), 5);
    assert_eq!(d.get_applicant(), "Nguyễn V. A.");
    assert_eq!(d.get_received(), "24/11/2026 09:15");
    assert_eq!(d.get_appointment(), "03/12/2026");
    assert!(!d.get_overdue());
    // The citizen must act: said plainly (what and where); the clock is
    // paused, so no reassuring "on time: 4 working days left" beside it.
    assert_eq!(d.get_action_title(), "Bạn cần bổ sung giấy tờ");
    assert!(d.get_overdue_note().starts_with("Thời hạn giải quyết tạm dừng"), "{}", d.get_overdue_note());
    assert_eq!(d.get_next_step(), "Mang bổ sung: Giấy tờ chứng minh chỗ ở hợp pháp (bản sao) đến quầy số 5.");
    assert!(
        !shown_texts(ui).iter().any(|t| t.contains("Đúng hạn")),
        "no on-time note while papers are missing"
    );
    let history: Vec<(String, String)> =
        d.get_history().iter().map(|r| (r.time.to_string(), r.action.to_string())).collect();
    assert_eq!(history[0], ("24/11/2026 09:15".to_string(), "Tiếp nhận hồ sơ".to_string()));
    assert_eq!(history.len(), 3);
    assert_eq!(ElementHandle::find_by_accessible_label(ui, "Nguyễn Văn An").count(), 0);
    h.app.set_language(motcua_kiosk::config::Language::En);
    assert_eq!(d.get_status(), "Additional documents requested");
    assert_eq!(d.get_action_title(), "You need to bring more papers");
    assert_eq!(d.get_next_step(), "Please bring: Giấy tờ chứng minh chỗ ở hợp pháp (bản sao) to counter 5.");
    h.app.set_language(motcua_kiosk::config::Language::Vi);

    tap(&h, "Tra cứu hồ sơ khác");
    assert!(!d.get_found());
    assert_eq!(d.get_code_input(), "");
    type_on_keypad(&h, "000.00.06.H56-261124-0999");
    tap(&h, "Tra cứu");
    settle(&h);
    let unknown = d.get_error().to_string();
    assert!(unknown.starts_with("Không tìm thấy hồ sơ mã 000.00.06.H56-261124-0999"), "{unknown}");
    for _ in 0..25 {
        tap(&h, "Xoá");
    }
    type_on_keypad(&h, "12-34");
    tap(&h, "Tra cứu");
    let malformed = d.get_error().to_string();
    assert!(malformed.contains("không phải là mã hồ sơ"), "{malformed}");
    assert!(!d.get_busy(), "a malformed code is not sent to the centre");

    tap(&h, "Trang chủ");
    assert_eq!(ui.global::<Nav>().get_page(), Page::Home);
    assert_eq!((d.get_code_input().as_str(), d.get_error().as_str(), d.get_found()), ("", "", false));
    assert_eq!(d.get_history().row_count(), 0);
    assert!(!h.app.session_data().contains(&"dossier"), "neither the result nor the error is kept");
}

#[test]
fn any_letter_of_a_real_code_can_be_typed_and_the_lookup_reaches_the_centre() {
    // Must hold: agency ids use letters beyond H and G (and "." and "-" are
    // keys labelled as themselves): a code with K, P, T, X typed key by key on
    // the keypad is looked up on the centre and found; a fee to pay says so
    // plainly, with no "on time" note.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let code = "000.XK.31.PT5-261124-0042";
    h.rt.block_on(centre.import_dossiers(vec![record(code, DossierStatus::PaymentRequested)])).unwrap();
    let ui = &h.app.ui;
    let d = ui.global::<DossierAdapter>();
    tap(&h, "Tra cứu hồ sơ");
    assert!(
        ElementHandle::find_by_accessible_label(ui, "Quét mã trên giấy biên nhận").count() > 0,
        "scan first"
    );
    assert_eq!(button(ui, "Tra cứu").accessible_enabled(), Some(false), "nothing typed yet");
    type_on_keypad(&h, code);
    assert_eq!(d.get_code_input(), code);
    tap(&h, "Tra cứu");
    settle(&h);
    assert!(d.get_found(), "error: {}", d.get_error());
    assert_eq!(d.get_code(), code);
    assert_eq!(d.get_action_title(), "Bạn cần nộp phí, lệ phí");
    assert!(
        d.get_next_step().contains("50.000 đ") && d.get_next_step().contains("quầy số 3"),
        "{}",
        d.get_next_step()
    );
    assert!(d.get_overdue_note().contains("chờ bạn nộp phí"), "{}", d.get_overdue_note());
    assert!(!d.get_overdue_note().contains("Đúng hạn"));
    assert_eq!(ui.global::<Nav>().get_page(), Page::Dossier);
}

#[test]
fn a_dossier_waiting_for_papers_long_past_its_appointment_is_paused_not_late() {
    // Must hold (issue 15): status 5 stops the clock. A dossier whose appointment
    // passed weeks ago while it waited for the citizen's papers is not "late" on
    // the centre's API nor on the kiosk (no red, no "Trễ hạn", no "Đúng hạn: còn
    // N ngày"); the kiosk says the time is paused and what to bring where.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let code = "000.00.06.H56-261102-0007";
    let mut r = record(code, DossierStatus::SupplementRequested);
    r.received_at = motcua_kiosk::snapshot::sample_now() - chrono::Duration::days(30);
    r.appointment = chrono::NaiveDate::from_ymd_opt(2026, 11, 11).unwrap();
    r.missing_documents = vec!["Giấy xác nhận nơi cư trú".into()];
    r.fee_vnd = None;
    h.rt.block_on(centre.import_dossiers(vec![r])).unwrap();
    let api = h.rt.block_on(centre.dossier(code)).unwrap();
    assert!(api.deadline.paused && !api.deadline.overdue, "{:?}", api.deadline);
    assert_eq!((api.deadline.working_days_late, api.deadline.working_days_left), (0, None));
    assert_eq!(api.next_step.kind, motcua_kiosk::domain::dossier::NextStepKind::BringDocuments);

    let ui = &h.app.ui;
    let d = ui.global::<DossierAdapter>();
    tap(&h, "Tra cứu hồ sơ");
    d.invoke_lookup(code.into());
    settle(&h);
    assert!(d.get_found(), "error: {}", d.get_error());
    assert!(!d.get_overdue(), "not shown late");
    assert_eq!(d.get_action_title(), "Bạn cần bổ sung giấy tờ");
    assert_eq!(d.get_next_step(), "Mang bổ sung: Giấy xác nhận nơi cư trú đến quầy số 3.");
    assert!(d.get_overdue_note().contains("tạm dừng"), "{}", d.get_overdue_note());
    let texts = shown_texts(ui);
    assert!(!texts.iter().any(|t| t.contains("Trễ hạn") || t.contains("Đúng hạn")), "{texts:?}");
    h.app.set_language(motcua_kiosk::config::Language::En);
    assert!(d.get_overdue_note().contains("paused"), "{}", d.get_overdue_note());
    assert_eq!(d.get_next_step(), "Please bring: Giấy xác nhận nơi cư trú to counter 3.");
}

#[test]
fn a_dossier_in_processing_keeps_its_on_time_note_and_asks_nothing() {
    // Must hold: while the agency works (nothing asked of the citizen) the
    // on-time note stays and there is no action heading.
    let dir = tempfile::tempdir().unwrap();
    let (h, centre) = kiosk_with_centre(dir.path());
    let code = "000.00.06.H56-261124-0361";
    h.rt.block_on(centre.import_dossiers(vec![record(code, DossierStatus::Processing)])).unwrap();
    let d = h.app.ui.global::<DossierAdapter>();
    tap(&h, "Tra cứu hồ sơ");
    d.invoke_lookup(code.into());
    settle(&h);
    assert!(d.get_found(), "error: {}", d.get_error());
    assert_eq!(d.get_action_title(), "");
    assert!(d.get_overdue_note().starts_with("Đúng hạn"), "{}", d.get_overdue_note());
    assert_eq!(d.get_history().row_count(), 0);
}
