//! Dossier status lookup and satisfaction ratings end to end: a real centre
//! on 127.0.0.1, real SQLite files in temp dirs, the kiosk's link and backend.

mod common;

use chrono::{Datelike, NaiveDate, Utc};
use common::{close, error_code, local, raw, remote_link, ticket_request, TestCentre, TOKEN};
use motcua_kiosk::app::backend::{DossierLookupError, QueueBackend, RatingTicket, RatingVote, VoteOutcome};
use motcua_kiosk::app::link_backend::LinkBackend;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{
    Centre, KioskLink, LinkError, LinkMode, LinkOptions, RatingLookup, RatingResult, RatingSubmission,
    TicketRef,
};
use motcua_kiosk::config::{Config, CounterOfficer};
use motcua_kiosk::domain::clock::{self, Clock, MockClock};
use motcua_kiosk::domain::dossier::{Channel, DossierStatus};
use motcua_kiosk::domain::rating::{IndexScores, RatingLevel};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A test config without sample dossiers, with officers at counters 1 and 3.
fn config(dir: &Path) -> Config {
    let mut cfg = common::config(dir);
    common::unlimited(&mut cfg); // these tests look up more dossiers than a kiosk's pace allows
    cfg.dossier.sample_data = false;
    cfg.queue.counter_officers = vec![
        CounterOfficer { counter: 1, name: "Trần Thị B.".into() },
        CounterOfficer { counter: 3, name: "Lê Văn C.".into() },
    ];
    cfg
}

fn record(seq: u32, status: DossierStatus, received: NaiveDate, appointment: NaiveDate) -> DossierRecord {
    DossierRecord {
        code: format!("000.00.06.H56-{}-{seq:04}", received.format("%y%m%d")),
        procedure_code: "1.004222".into(),
        procedure_name_vi: "Đăng ký thường trú".into(),
        procedure_name_en: "Permanent residence registration".into(),
        applicant: "Nguyễn Văn An".into(),
        channel: Channel::InPerson,
        received_at: local(received.year(), received.month(), received.day(), 9, 15, 0),
        appointment,
        status,
        missing_documents: if status == DossierStatus::SupplementRequested {
            vec!["Giấy tờ chứng minh chỗ ở hợp pháp (bản sao)".into()]
        } else {
            vec![]
        },
        fee_vnd: (status == DossierStatus::PaymentRequested).then_some(400_000),
        counter: Some(5),
        history: vec![
            DossierHistoryRecord {
                at: local(received.year(), received.month(), received.day(), 9, 15, 0),
                agency: "Bộ phận một cửa".into(),
                action: "Tiếp nhận hồ sơ".into(),
                status: Some(DossierStatus::Accepted),
            },
            DossierHistoryRecord {
                at: local(received.year(), received.month(), received.day(), 14, 0, 0),
                agency: "Công an phường Hải Châu".into(),
                action: "Thẩm định hồ sơ".into(),
                status: Some(status),
            },
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_reads_back_with_labels_next_step_and_only_the_masked_name() {
    // What must hold: for each national status 1-10 the centre answers the
    // code's dossier with that status and its Vietnamese/English labels, a
    // next step of the right kind (papers and counter for 5, the fee for 6,
    // the pickup counter for 9), the timeline oldest first, and the applicant
    // masked — the full name never leaves the centre; 5 and 6 pause the clock.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let clock = MockClock::new(local(2026, 3, 3, 10, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock), 0).await;
    let records: Vec<DossierRecord> = DossierStatus::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| record(i as u32 + 1, *s, d(2026, 3, 2), d(2026, 3, 11)))
        .collect();
    let report = c.centre.import_dossiers(records.clone()).await.unwrap();
    assert_eq!(report, ImportReport { inserted: 10, updated: 0 });
    let client = c.client();
    for (r, status) in records.iter().zip(DossierStatus::ALL) {
        let (s, _, body) =
            raw("GET", &format!("{}/api/v1/dossiers/{}", c.url, r.code), Some(TOKEN), None).await;
        assert_eq!(s, 200, "{body}");
        assert!(!body.contains("Văn An"), "the full name must not be served: {body}");
        let v = client.dossier(&r.code).await.unwrap();
        assert_eq!(v.status.code, status.code());
        assert_eq!(
            (v.status.label_vi.as_str(), v.status.label_en.as_str()),
            (status.label_vi(), status.label_en())
        );
        assert_eq!(v.applicant, "Nguyễn V. A.");
        assert_eq!(v.appointment, d(2026, 3, 11));
        assert_eq!(
            v.history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(),
            ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]
        );
        let expected = match status {
            DossierStatus::Registered | DossierStatus::Accepted | DossierStatus::Processing => {
                NextStepKind::Wait
            }
            DossierStatus::SupplementRequested => NextStepKind::BringDocuments,
            DossierStatus::PaymentRequested => NextStepKind::PayFee,
            DossierStatus::NotAccepted | DossierStatus::Stopped => NextStepKind::AskDesk,
            DossierStatus::Withdrawn => NextStepKind::CollectPapers,
            DossierStatus::Completed => NextStepKind::CollectResult,
            DossierStatus::Returned => NextStepKind::Done,
        };
        assert_eq!(v.next_step.kind, expected, "{status:?}");
        let waiting = matches!(status, DossierStatus::SupplementRequested | DossierStatus::PaymentRequested);
        assert_eq!(v.deadline.paused, waiting, "{status:?}: the clock stops only while the citizen must act");
        if waiting {
            // Clock paused: neither "on time: N days left" nor late.
            assert_eq!(v.deadline.working_days_left, None, "{status:?}");
            assert!(v.deadline.note_vi.contains("tạm dừng"), "{}", v.deadline.note_vi);
            assert!(!v.deadline.note_vi.contains("Đúng hạn"), "{}", v.deadline.note_vi);
        } else if status.is_open() {
            assert_eq!(v.deadline.working_days_left, Some(6), "Tue 3/3 to Wed 11/3 is six working days");
            assert!(v.deadline.note_vi.contains("còn 6 ngày làm việc"), "{}", v.deadline.note_vi);
        } else {
            assert_eq!((v.deadline.working_days_left, v.deadline.note_vi.as_str()), (None, ""), "{status:?}");
        }
        assert!(!v.deadline.overdue);
    }
    let papers = client.dossier(&records[4].code).await.unwrap();
    assert_eq!(
        papers.next_step.text_vi,
        "Mang bổ sung: Giấy tờ chứng minh chỗ ở hợp pháp (bản sao) đến quầy số 5."
    );
    assert!(client.dossier(&records[5].code).await.unwrap().next_step.text_vi.contains("400.000 đ"));
    assert!(client.dossier(&records[8].code).await.unwrap().next_step.text_vi.contains("quầy số 5"));
    // Lower case and spaces around the code are what people type.
    let lower = client.dossier(&format!("  {}  ", records[0].code.to_lowercase())).await.unwrap();
    assert_eq!(lower.code, records[0].code);
    // A second import of the same code replaces it.
    let mut again = records[3].clone();
    again.status = DossierStatus::Completed;
    assert_eq!(
        c.centre.import_dossiers(vec![again]).await.unwrap(),
        ImportReport { inserted: 0, updated: 1 }
    );
    assert_eq!(client.dossier(&records[3].code).await.unwrap().status.code, 9);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_counts_working_days_across_a_weekend_and_a_holiday() {
    // What must hold: a dossier due on Friday 24/4/2026 is not late on the
    // Saturday, nor on Monday 27/4 (a public holiday by default), and is 1
    // working day late on Tuesday 28/4; without the holiday configured it is
    // 2 days late that Tuesday; across a plain weekend (due Fri 6/3, seen Mon
    // 9/3) it is 1 day late, not 3; days left skip a holiday too.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let clock = MockClock::new(local(2026, 4, 25, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let due_fri = record(1, DossierStatus::Processing, d(2026, 4, 15), d(2026, 4, 24));
    let plain = record(2, DossierStatus::Processing, d(2026, 2, 26), d(2026, 3, 6));
    let future = record(3, DossierStatus::Processing, d(2026, 4, 21), d(2026, 4, 30));
    c.centre.import_dossiers(vec![due_fri.clone(), plain.clone(), future.clone()]).await.unwrap();
    let client = c.client();
    let late = |v: &DossierView| (v.deadline.overdue, v.deadline.working_days_late);

    let sat = client.dossier(&due_fri.code).await.unwrap();
    assert_eq!(late(&sat), (false, 0));
    assert_eq!(sat.deadline.note_vi, "Đã đến ngày hẹn trả kết quả (24/04/2026)");
    clock.set(local(2026, 4, 27, 9, 0, 0));
    assert_eq!(late(&client.dossier(&due_fri.code).await.unwrap()), (false, 0), "Monday 27/4 is a holiday");
    clock.set(local(2026, 4, 28, 9, 0, 0));
    let tue = client.dossier(&due_fri.code).await.unwrap();
    assert_eq!(late(&tue), (true, 1));
    assert_eq!(tue.deadline.note_vi, "Trễ hạn 1 ngày làm việc so với ngày hẹn trả 24/04/2026");
    assert_eq!(tue.deadline.note_en, "Overdue by 1 working day (appointment 24/04/2026)");
    assert!(tue.next_step.text_vi.contains("phiếu xin lỗi"), "{}", tue.next_step.text_vi);
    // Due Thu 30/4 (a holiday): from Tue 28/4 only Wed 29/4 and the holiday lie ahead.
    assert_eq!(client.dossier(&future.code).await.unwrap().deadline.working_days_left, Some(1));
    clock.set(local(2026, 3, 9, 9, 0, 0));
    assert_eq!(late(&client.dossier(&plain.code).await.unwrap()), (true, 1), "Fri to Mon is one working day");
    c.stop().await;

    // The same dossier on a centre without configured holidays.
    let dir2 = tempfile::tempdir().unwrap();
    let mut cfg2 = config(dir2.path());
    cfg2.dossier.holidays.clear();
    let c2 = Centre::open_at(
        dir2.path().join("c.sqlite3"),
        &cfg2,
        Arc::new(MockClock::new(local(2026, 4, 28, 9, 0, 0))),
    )
    .unwrap();
    c2.import_dossiers(vec![due_fri.clone()]).await.unwrap();
    let v = c2.dossier(&due_fri.code).await.unwrap();
    assert_eq!((v.deadline.overdue, v.deadline.working_days_late), (true, 2));
    close(c2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_for_papers_in_the_history_moves_the_due_date_and_a_make_up_saturday_counts() {
    // What must hold: a dossier that waited for the citizen's papers (status 5
    // from Mon 24/8 to Wed 26/8, back to 4) is due 2 working days (Tue 25, Wed 26)
    // after its appointment Fri 28/8 — Mon 31/8, 1/9 and 2/9 are holidays, so it is
    // due Fri 4/9, and on Thu 3/9 it has 1 working day left; the same dossier without
    // the wait is 1 working day late on Thu 3/9. The make-up Saturday 22/8 is a working day: due
    // Fri 21/8, seen Mon 24/8, is 2 working days late, not 1.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let clock = MockClock::new(local(2026, 9, 3, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let step = |day: u32, status: DossierStatus| DossierHistoryRecord {
        at: local(2026, 8, day, 10, 0, 0),
        agency: "Công an phường Hải Châu".into(),
        action: "Cập nhật".into(),
        status: Some(status),
    };
    let mut waited = record(1, DossierStatus::Processing, d(2026, 8, 19), d(2026, 8, 28));
    waited.history.push(step(24, DossierStatus::SupplementRequested));
    waited.history.push(step(26, DossierStatus::Processing));
    let plain = record(2, DossierStatus::Processing, d(2026, 8, 19), d(2026, 8, 28));
    let before_make_up = record(3, DossierStatus::Processing, d(2026, 8, 12), d(2026, 8, 21));
    c.centre.import_dossiers(vec![waited.clone(), plain.clone(), before_make_up.clone()]).await.unwrap();
    let client = c.client();
    let v = client.dossier(&waited.code).await.unwrap();
    assert_eq!(v.deadline.due, Some(d(2026, 9, 4)), "{:?}", v.deadline);
    assert_eq!((v.deadline.overdue, v.deadline.working_days_left), (false, Some(1)));
    assert!(v.deadline.note_vi.contains("04/09/2026"), "{}", v.deadline.note_vi);
    assert_eq!(v.appointment, d(2026, 8, 28), "the receipt's date is still shown as given");
    let p = client.dossier(&plain.code).await.unwrap();
    assert_eq!((p.deadline.overdue, p.deadline.working_days_late), (true, 1));
    clock.set(local(2026, 8, 24, 9, 0, 0));
    let m = client.dossier(&before_make_up.code).await.unwrap();
    assert_eq!((m.deadline.overdue, m.deadline.working_days_late), (true, 2), "Sat 22/8 was worked");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_codes_are_told_apart() {
    // What must hold: a well-formed unknown code is 404 `dossier_not_found`, a
    // malformed one 400 `malformed_code` (JSON errors), and the kiosk backend
    // turns them into different errors with different messages.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let url = |code: &str| format!("{}/api/v1/dossiers/{code}", c.url);
    let (s, _, b) = raw("GET", &url("000.00.06.H56-260302-9999"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "dossier_not_found"));
    let (s, _, b) = raw("GET", &url("H56-260302-0001"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "malformed_code"));
    let (s, _, b) = raw("GET", &url("000.00.06.H56-261399-0001"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "malformed_code"), "month 13 is not a date");
    let (s, _, b) = raw("GET", &url("000.00.06.H56-260302-0001"), None, None).await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (401, "unauthorized"),
        "dossier codes are guessable: token required"
    );

    let mut kcfg = cfg.clone();
    kcfg.centre.url = c.url.clone();
    let link = KioskLink::Remote(
        RemoteLink::open(&kcfg, dir.path().join("k.sqlite3"), clock::system(), LinkOptions::default())
            .unwrap(),
    );
    let backend = LinkBackend { link };
    let unknown = backend.dossier("000.00.06.H56-260302-9999".into()).await.unwrap_err();
    let malformed = backend.dossier("12-34".into()).await.unwrap_err();
    assert_eq!(
        (unknown.clone(), malformed.clone()),
        (DossierLookupError::NotFound, DossierLookupError::Malformed)
    );
    assert!(unknown.message_vi("X").starts_with("Không tìm thấy hồ sơ mã X"));
    assert!(malformed.message_vi("12-34").contains("không phải là mã hồ sơ"));
    assert_ne!(unknown.message_en("X"), malformed.message_en("X"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_centre_that_never_answers_is_reported_as_slow_and_a_closed_port_as_unreachable() {
    // What must hold: against a listener that accepts and never answers, a
    // lookup fails with Timeout once the request timeout has passed (the
    // kiosk does not hang; how long it took is not asserted beyond the
    // configured minimum); against a closed port it fails as Unreachable, not
    // Timeout; the citizen reads a different sentence for each.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for conn in silent.incoming() {
            match conn {
                Ok(s) => keep.lock().unwrap().push(s), // accepted, never read or answered
                Err(_) => return,
            }
        }
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.centre.request_timeout_ms = 600;
    let backend_for = |url: &str, db: &str| {
        let mut k = cfg.clone();
        k.centre.url = url.to_string();
        let link = KioskLink::Remote(
            RemoteLink::open(&k, dir.path().join(db), clock::system(), LinkOptions::default()).unwrap(),
        );
        LinkBackend { link }
    };
    let slow = backend_for(&silent_url, "k1.sqlite3");
    let started = Instant::now();
    let e = slow.dossier("000.00.06.H56-260302-0001".into()).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e, DossierLookupError::Timeout);
    assert!(took >= Duration::from_millis(550), "gave up before the request timeout: {took:?}");
    assert!(!held.lock().unwrap().is_empty(), "the request did reach the silent listener");
    let gone = backend_for(&closed_url, "k2.sqlite3");
    assert_eq!(
        gone.dossier("000.00.06.H56-260302-0001".into()).await.unwrap_err(),
        DossierLookupError::Unreachable
    );
    assert_ne!(DossierLookupError::Timeout.message_vi("x"), DossierLookupError::Unreachable.message_vi("x"));
    assert!(DossierLookupError::Timeout.message_vi("x").contains("phản hồi chậm"));
    assert!(DossierLookupError::Unreachable.message_vi("x").contains("Không kết nối được"));
}

/// Issues a ticket of `service` and serves it at `counter` (call, complete).
async fn served_ticket(c: &Centre, service: &str, counter: u32, key: &str) -> IssuedTicket {
    let t = c.issue(ticket_request(service, key)).await.unwrap().ticket;
    let called = c.call_next(counter).await.unwrap();
    assert_eq!(called.ticket.unwrap().number, t.number);
    c.complete(counter).await.unwrap();
    t
}

fn rating(tracking: Option<&str>, level: RatingLevel, key: &str) -> RatingRequest {
    RatingRequest {
        tracking_code: tracking.map(str::to_string),
        ticket_number: None,
        check_code: None,
        day: None,
        level,
        indices: None,
        comment: None,
        idempotency_key: key.into(),
        kiosk_id: "kiosk-01".into(),
        rated_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_rated_once_replays_are_idempotent_and_unserved_tickets_refused() {
    // What must hold: the context of a served ticket (by QR or typed number)
    // names its counter and officer; the first rating is 201, the same key
    // again 200 with the same rating, any other rating of that ticket 409
    // `already_rated`; a waiting or no-show ticket cannot be rated (409
    // `ticket_not_served`); anonymous ratings follow rating.allow_anonymous;
    // bad indices are 400; exactly the accepted ratings are stored.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    let t = served_ticket(&c.centre, "HT", 1, "k-served").await;

    let ctx = client
        .rating_context(&RatingContextQuery {
            tracking_code: Some(t.tracking_code.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (ctx.ticket_number.as_str(), ctx.counter, ctx.officer.as_deref(), ctx.can_rate, ctx.already_rated),
        ("A-001", Some(1), Some("Trần Thị B."), true, false)
    );
    let typed = client
        .rating_context(&RatingContextQuery {
            number: Some("a1".into()),
            check_code: Some(t.check_code.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(typed, ctx, "the typed number finds the same ticket today");

    let mut first = rating(Some(&t.tracking_code), RatingLevel::VerySatisfied, "rate-1");
    first.indices = Some([2, 2, 2, 1, 2, 2, 2, 1, 2].map(Some).to_vec());
    first.comment = Some("  Cán bộ nhiệt tình  ".into());
    let body = serde_json::to_string(&first).unwrap();
    let (s, _, b) = raw("POST", &format!("{}/api/v1/ratings", c.url), Some(TOKEN), Some(&body)).await;
    assert_eq!(s, 201, "{b}");
    let r1: RatingReceipt = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (r1.ticket_number.as_deref(), r1.counter, r1.officer.as_deref(), r1.index_score, r1.anonymous),
        (Some("A-001"), Some(1), Some("Trần Thị B."), Some(16), false)
    );
    let (s, _, b) = raw("POST", &format!("{}/api/v1/ratings", c.url), Some(TOKEN), Some(&body)).await;
    assert_eq!(s, 200, "a replay of the key answers 200: {b}");
    assert_eq!(serde_json::from_str::<RatingReceipt>(&b).unwrap(), r1);
    let other_key =
        serde_json::to_string(&rating(Some(&t.tracking_code), RatingLevel::Dissatisfied, "rate-2")).unwrap();
    let (s, _, b) = raw("POST", &format!("{}/api/v1/ratings", c.url), Some(TOKEN), Some(&other_key)).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"));
    let same_key_new_level =
        serde_json::to_string(&rating(Some(&t.tracking_code), RatingLevel::Satisfied, "rate-1")).unwrap();
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/ratings", c.url), Some(TOKEN), Some(&same_key_new_level)).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"));
    let mut by_number = rating(None, RatingLevel::Satisfied, "rate-3");
    by_number.ticket_number = Some("A-001".into());
    by_number.check_code = Some(t.check_code.clone());
    assert!(
        matches!(client.rate(&by_number).await, Err(LinkError::Rejected { status: 409, ref code, .. }) if code == "already_rated")
    );
    let ctx = client
        .rating_context(&RatingContextQuery {
            number: Some("A-001".into()),
            check_code: Some(t.check_code.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(ctx.already_rated);

    // Not served: still waiting, and no-show.
    let waiting = c.centre.issue(ticket_request("CT", "k-wait")).await.unwrap().ticket;
    let ctx = client
        .rating_context(&RatingContextQuery {
            tracking_code: Some(waiting.tracking_code.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((ctx.status, ctx.can_rate, ctx.counter), (TicketStatus::Waiting, false, None));
    let e = client
        .rate(&rating(Some(&waiting.tracking_code), RatingLevel::Satisfied, "rate-4"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LinkError::Rejected { status: 409, ref code, .. } if code == "ticket_not_served"),
        "{e:?}"
    );
    c.centre.call_next(3).await.unwrap();
    c.centre.no_show(3).await.unwrap();
    let e = client
        .rate(&rating(Some(&waiting.tracking_code), RatingLevel::Satisfied, "rate-5"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LinkError::Rejected { status: 409, ref code, .. } if code == "ticket_not_served"),
        "{e:?}"
    );

    // Unknown tickets, bad input.
    let e = client
        .rate(&rating(Some("0000000000000000000Z"), RatingLevel::Satisfied, "rate-6"))
        .await
        .unwrap_err();
    assert!(matches!(e, LinkError::Rejected { status: 404, ref code, .. } if code == "ticket_not_found"));
    let (s, _, b) = raw(
        "GET",
        &format!("{}/api/v1/ratings/context?number=Z-999&check_code=1234", c.url),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    // A bare number (guessable: called aloud, shown on the board) is refused.
    let (s, _, b) =
        raw("GET", &format!("{}/api/v1/ratings/context?number=A-001", c.url), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "{b}");
    let (s, _, b) =
        raw("GET", &format!("{}/api/v1/ratings/context?number=12", c.url), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let mut bad = rating(None, RatingLevel::Satisfied, "rate-7");
    bad.indices = Some([2, 2, 3, 0, 0, 0, 0, 0, 0].map(Some).to_vec());
    let (s, _, b) = raw(
        "POST",
        &format!("{}/api/v1/ratings", c.url),
        Some(TOKEN),
        Some(&serde_json::to_string(&bad).unwrap()),
    )
    .await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    assert!(b.contains("indices[2]"), "{b}");
    let (s, _, b) = raw(
        "POST",
        &format!("{}/api/v1/ratings", c.url),
        Some(TOKEN),
        Some(r#"{"level":4,"idempotency_key":"x","kiosk_id":"k"}"#),
    )
    .await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));

    // Anonymous: allowed here.
    let (anon, created) = client.rate_created(&rating(None, RatingLevel::Satisfied, "rate-8")).await.unwrap();
    assert!(created && anon.anonymous && anon.counter.is_none());
    assert_eq!(c.centre.rating_count().await.unwrap(), 2, "one ticket rating and one anonymous");
    c.stop().await;

    let dir2 = tempfile::tempdir().unwrap();
    let mut strict = config(dir2.path());
    strict.rating.allow_anonymous = false;
    let c2 = TestCentre::start(&strict, &dir2.path().join("c.sqlite3"), clock::system(), 0).await;
    let (s, _, b) = raw(
        "POST",
        &format!("{}/api/v1/ratings", c2.url),
        Some(TOKEN),
        Some(&serde_json::to_string(&rating(None, RatingLevel::Satisfied, "anon")).unwrap()),
    )
    .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "anonymous_not_allowed"));
    assert_eq!(c2.centre.rating_count().await.unwrap(), 0);
    c2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_given_while_the_centre_is_down_is_queued_survives_a_restart_and_is_stored_once() {
    // What must hold: with the centre stopped, the kiosk still takes a rating
    // (queued in its outbox, fsynced); the same choice again is not queued
    // twice and a different choice for that ticket is "already rated"; the
    // queue survives a kiosk restart; when the centre is back the outbox
    // drains and the centre holds exactly one rating for the ticket, with the
    // time it was given; a queued rating of a ticket rated meanwhile at
    // another kiosk is dropped, not kept as a failure.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let db = dir.path().join("centre.sqlite3");
    let c = TestCentre::start(&cfg, &db, clock::system(), 0).await;
    let port = c.addr.port();
    let t1 = served_ticket(&c.centre, "HT", 1, "off-1").await;
    let t2 = served_ticket(&c.centre, "CT", 3, "off-2").await;
    let kcfg = common::kiosk_config(&cfg, &c.url, "kiosk-07");
    let kdb = dir.path().join("kiosk.sqlite3");
    let kclock = MockClock::new(Utc::now());
    let link = remote_link(&kcfg, &kdb, Arc::new(kclock.clone()));
    assert!(link.services().await.is_ok());
    c.stop().await;

    let r1 = TicketRef::Tracking(t1.tracking_code.clone());
    assert_eq!(link.rating_context(&r1).await.unwrap(), RatingLookup::Offline { already_queued: false });
    assert_eq!(link.status().mode, LinkMode::Offline);
    let given_at = kclock.now();
    let sub = RatingSubmission::new(Some(r1.clone()), RatingLevel::VerySatisfied)
        .with_indices(IndexScores::new(&[2; 9]).unwrap());
    assert_eq!(link.rate(&sub).await.unwrap(), RatingResult::Recorded { receipt: None, queued: true });
    assert_eq!(
        link.rate(&sub).await.unwrap(),
        RatingResult::Recorded { receipt: None, queued: true },
        "a retry"
    );
    let other = RatingSubmission::new(Some(r1.clone()), RatingLevel::Dissatisfied);
    assert_eq!(link.rate(&other).await.unwrap(), RatingResult::AlreadyRated);
    assert_eq!(link.rating_context(&r1).await.unwrap(), RatingLookup::Offline { already_queued: true });
    let r2 =
        TicketRef::Number { number: "B-001".into(), check_code: t2.check_code.clone(), day: t2.service_day };
    link.rate(&RatingSubmission::new(Some(r2), RatingLevel::Satisfied)).await.unwrap();
    assert_eq!(link.outbox_len(), 2);
    kclock.advance(chrono::Duration::minutes(30));

    // The kiosk restarts before the centre is back.
    drop(link);
    let link = remote_link(&kcfg, &kdb, Arc::new(kclock.clone()));
    assert_eq!(link.outbox_len(), 2, "the queue survived the restart");

    // Meanwhile ticket B-001 was rated at another kiosk.
    let centre = Centre::open_at(&db, &cfg, clock::system()).unwrap();
    let mut elsewhere = rating(Some(&t2.tracking_code), RatingLevel::Dissatisfied, "other-kiosk-1");
    elsewhere.kiosk_id = "kiosk-02".into();
    centre.rate(elsewhere).await.unwrap();
    close(centre).await;

    let c = TestCentre::start(&cfg, &db, clock::system(), port).await;
    assert!(link.wait_synced(Duration::from_secs(10)).await, "outbox drained: {:?}", link.status());
    let KioskLink::Remote(remote) = &link else { unreachable!() };
    assert!(remote.dead_items().await.unwrap().is_empty(), "nothing kept as failed");
    assert_eq!(c.centre.rating_count().await.unwrap(), 2, "t1 once (from kiosk-07), t2 once (from kiosk-02)");
    let ctx = c
        .client()
        .rating_context(&RatingContextQuery {
            tracking_code: Some(t1.tracking_code.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(ctx.already_rated);
    let summary = c.centre.rating_summary(None, None, SummaryGroup::Counter).await.unwrap();
    let counter1 = summary.groups.iter().find(|g| g.key == "1").unwrap();
    assert_eq!((counter1.very_satisfied, counter1.ratings, counter1.index_score_average), (1, 1, Some(18.0)));
    let counter3 = summary.groups.iter().find(|g| g.key == "3").unwrap();
    assert_eq!((counter3.dissatisfied, counter3.ratings), (1, 1), "the other kiosk's rating, not ours");
    // The rating keeps the time the citizen gave it (the kiosk's clock).
    let replay =
        c.client().rate_created(&RatingSubmissionProbe::api(&sub, "kiosk-07", given_at)).await.unwrap();
    assert!(!replay.1, "the same key is a replay");
    assert_eq!(replay.0.rated_at.timestamp_millis(), given_at.timestamp_millis());
    // Online again: a new rating goes straight to the centre.
    let t3 = served_ticket(&c.centre, "HT", 1, "off-3").await;
    let fresh =
        RatingSubmission::new(Some(TicketRef::Tracking(t3.tracking_code.clone())), RatingLevel::Satisfied);
    match link.rate(&fresh).await.unwrap() {
        RatingResult::Recorded { receipt: Some(r), queued: false } => {
            assert_eq!(r.ticket_number.as_deref(), Some("A-002"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(link.status().mode, LinkMode::Online);
    c.stop().await;
}

/// The request a kiosk sends for a submission (to replay it by hand).
struct RatingSubmissionProbe;

impl RatingSubmissionProbe {
    fn api(sub: &RatingSubmission, kiosk: &str, at: chrono::DateTime<Utc>) -> RatingRequest {
        let Some(TicketRef::Tracking(code)) = &sub.ticket else { panic!("tracking ticket expected") };
        RatingRequest {
            tracking_code: Some(code.clone()),
            ticket_number: None,
            check_code: None,
            day: None,
            level: sub.level,
            indices: sub.indices.map(|i| i.scores().to_vec()),
            comment: None,
            idempotency_key: sub.idempotency_key(kiosk),
            kiosk_id: kiosk.into(),
            rated_at: Some(at),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_json_and_csv_match_the_ratings_given() {
    // What must hold: over two days, ratings at counters 1 and 3 (services HT
    // and CT) and one anonymous rating are counted per level, per group
    // (counter, service, officer, day) and in total; score (mean level),
    // satisfaction rate and index means are those of exactly these ratings;
    // the CSV carries the same numbers; the period filter excludes other
    // days; bad parameters are JSON 400 errors.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let clock = MockClock::new(local(2026, 3, 2, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let centre = &c.centre;
    let give = |t: &IssuedTicket, level: RatingLevel, indices: Option<[u8; 9]>, key: &str| {
        let mut r = rating(Some(&t.tracking_code), level, key);
        r.indices = indices.map(|i| i.map(Some).to_vec());
        r
    };
    // Monday 2/3: counter 1 (HT, Trần Thị B.) very satisfied ×2, satisfied ×1; counter 3 (CT) dissatisfied.
    let a1 = served_ticket(centre, "HT", 1, "s1").await;
    let a2 = served_ticket(centre, "HT", 1, "s2").await;
    let a3 = served_ticket(centre, "HT", 1, "s3").await;
    let b1 = served_ticket(centre, "CT", 3, "s4").await;
    centre.rate(give(&a1, RatingLevel::VerySatisfied, Some([2; 9]), "r1")).await.unwrap();
    centre
        .rate(give(&a2, RatingLevel::VerySatisfied, Some([2, 2, 2, 2, 2, 2, 2, 1, 1]), "r2"))
        .await
        .unwrap();
    centre.rate(give(&a3, RatingLevel::Satisfied, None, "r3")).await.unwrap();
    centre.rate(give(&b1, RatingLevel::Dissatisfied, Some([0; 9]), "r4")).await.unwrap();
    // Tuesday 3/3: counter 3 satisfied, one anonymous very satisfied.
    clock.set(local(2026, 3, 3, 9, 0, 0));
    let b2 = served_ticket(centre, "CT", 3, "s5").await;
    centre.rate(give(&b2, RatingLevel::Satisfied, None, "r5")).await.unwrap();
    centre.rate(rating(None, RatingLevel::VerySatisfied, "r6")).await.unwrap();
    // Wednesday 4/3: outside the period asked below.
    clock.set(local(2026, 3, 4, 9, 0, 0));
    let a4 = served_ticket(centre, "HT", 1, "s6").await;
    centre.rate(give(&a4, RatingLevel::Dissatisfied, None, "r7")).await.unwrap();

    let client = c.client();
    let (from, to) = (Some(d(2026, 3, 2)), Some(d(2026, 3, 3)));
    let by_counter = client.rating_summary(from, to, SummaryGroup::Counter).await.unwrap();
    let row = |s: &RatingSummary, key: &str| {
        s.groups.iter().find(|g| g.key == key).cloned().unwrap_or_else(|| panic!("no group {key}: {s:?}"))
    };
    let levels = |t: &RatingTallyView| (t.very_satisfied, t.satisfied, t.dissatisfied, t.ratings);
    assert_eq!(by_counter.groups.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(), ["1", "3", "none"]);
    let c1 = row(&by_counter, "1");
    assert_eq!(levels(&c1), (2, 1, 0, 3));
    assert_eq!(c1.label, "Quầy 1 · Trần Thị B.");
    assert_eq!((c1.score, c1.satisfaction_rate), (2.67, 100.0));
    assert_eq!((c1.with_indices, c1.index_score_average), (2, Some(17.0)));
    assert_eq!(c1.index_averages, vec![2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.5, 1.5]);
    let c3 = row(&by_counter, "3");
    assert_eq!(levels(&c3), (0, 1, 1, 2));
    assert_eq!((c3.score, c3.satisfaction_rate, c3.index_score_average), (1.5, 50.0, Some(0.0)));
    assert_eq!(levels(&row(&by_counter, "none")), (1, 0, 0, 1));
    assert_eq!(levels(&by_counter.total), (3, 2, 1, 6));
    assert_eq!((by_counter.total.score, by_counter.total.satisfaction_rate), (2.33, 83.33));

    let by_service = client.rating_summary(from, to, SummaryGroup::Service).await.unwrap();
    assert_eq!(
        by_service.groups.iter().map(|g| (g.key.as_str(), g.ratings)).collect::<Vec<_>>(),
        [("HT", 3), ("CT", 2), ("none", 1)]
    );
    assert_eq!(row(&by_service, "CT").label, "Chứng thực");
    let by_day = client.rating_summary(from, to, SummaryGroup::Day).await.unwrap();
    assert_eq!(
        by_day.groups.iter().map(|g| (g.key.as_str(), g.ratings)).collect::<Vec<_>>(),
        [("2026-03-02", 4), ("2026-03-03", 2)]
    );
    let by_officer = client.rating_summary(from, to, SummaryGroup::Officer).await.unwrap();
    assert_eq!(row(&by_officer, "Lê Văn C.").ratings, 2);
    let all_days =
        client.rating_summary(Some(d(2026, 3, 1)), Some(d(2026, 3, 31)), SummaryGroup::Day).await.unwrap();
    assert_eq!(all_days.total.ratings, 7);
    let default_period = client.rating_summary(None, None, SummaryGroup::Day).await.unwrap();
    assert_eq!(
        (default_period.from, default_period.to, default_period.total.ratings),
        (d(2026, 2, 3), d(2026, 3, 4), 7)
    );

    let (s, h, csv) = raw(
        "GET",
        &format!("{}/api/v1/ratings/summary?from=2026-03-02&to=2026-03-03&group=counter&format=csv", c.url),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    assert!(h
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("danh-gia-2026-03-02-2026-03-03-counter.csv"));
    let lines: Vec<Vec<String>> = csv
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split("\r\n")
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(
        lines[0][..11],
        [
            "group",
            "key",
            "label",
            "ratings",
            "very_satisfied",
            "satisfied",
            "dissatisfied",
            "score",
            "satisfaction_rate",
            "with_indices",
            "index_score_average"
        ]
    );
    assert_eq!(lines.len(), 1 + 3 + 1, "header, three groups, total");
    assert_eq!(
        lines[1][..11],
        ["counter", "1", "Quầy 1 · Trần Thị B.", "3", "2", "1", "0", "2.67", "100.00", "2", "17.00"]
    );
    assert_eq!(
        lines[4][..11],
        ["counter", "all", "Tổng cộng", "6", "3", "2", "1", "2.33", "83.33", "3", "11.33"]
    );
    assert_eq!(lines[1][18], "1.50", "mean of index 8 (feedback handling) at counter 1");

    for (q, what) in [
        ("group=floor", "group"),
        ("from=2026-03-05&to=2026-03-01", "after"),
        ("format=xml", "format"),
        ("from=yesterday", "from"),
    ] {
        let (s, _, b) = raw("GET", &format!("{}/api/v1/ratings/summary?{q}", c.url), Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "{q}");
        assert!(b.contains(what), "{q}: {b}");
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_centre_seeds_sample_dossiers_and_removes_them_when_asked() {
    // What must hold: with dossier.sample_data on, a new centre holds the
    // sample dossiers dated from its first day, among them one overdue across
    // a weekend, one waiting for papers and one ready at a counter; imported
    // dossiers are kept; switching sample_data off removes only the samples.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.dossier.sample_data = true;
    let db = dir.path().join("c.sqlite3");
    let now = local(2026, 3, 10, 9, 0, 0); // a Tuesday
    let centre = Centre::open_at(&db, &cfg, Arc::new(MockClock::new(now))).unwrap();
    let samples = centre.dossiers().await.unwrap();
    assert_eq!(samples.len(), 6);
    let overdue = samples.iter().find(|d| d.deadline.overdue).expect("an overdue sample");
    assert_eq!(overdue.appointment, d(2026, 3, 6), "the Friday before the weekend");
    assert_eq!(overdue.deadline.working_days_late, 2, "Mon 9/3 and Tue 10/3");
    let papers = samples.iter().find(|d| d.status.code == 5).unwrap();
    assert!(!papers.missing_documents.is_empty() && papers.next_step.kind == NextStepKind::BringDocuments);
    let ready = samples.iter().find(|d| d.status.code == 9).unwrap();
    assert_eq!((ready.next_step.kind, ready.next_step.counter), (NextStepKind::CollectResult, Some(1)));
    assert!(samples.iter().all(|d| d.applicant.ends_with('.')), "masked names only");
    let mine = record(1, DossierStatus::Processing, d(2026, 3, 9), d(2026, 3, 16));
    centre.import_dossiers(vec![mine.clone()]).await.unwrap();
    close(centre).await;

    // Reopened: samples are not created twice.
    let centre =
        Centre::open_at(&db, &cfg, Arc::new(MockClock::new(now + chrono::Duration::days(3)))).unwrap();
    assert_eq!(centre.dossiers().await.unwrap().len(), 7);
    close(centre).await;
    cfg.dossier.sample_data = false;
    let centre = Centre::open_at(&db, &cfg, Arc::new(MockClock::new(now))).unwrap();
    let left = centre.dossiers().await.unwrap();
    assert_eq!(left.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), [mine.code.as_str()]);
    close(centre).await;
}

#[test]
fn dossiers_import_command_names_json_paths_and_imports_all_or_nothing() {
    // What must hold: `dossiers import` refuses a file with a type error
    // (named by JSON path) or with bad values (all listed, by path), imports
    // nothing then, and imports a good file, reporting new and updated counts;
    // `dossiers list` shows what was imported.
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg_path,
        format!("[data]\ndir = \"{}\"\n[dossier]\nsample_data = false\n", dir.path().join("data").display()),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
            .env_remove("MOTCUA_CONFIG")
            .arg("--config")
            .arg(&cfg_path)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let good = record(7, DossierStatus::Completed, d(2026, 3, 2), d(2026, 3, 9));
    let mut v = json!({ "dossiers": [serde_json::to_value(&good).unwrap()] });
    let file = dir.path().join("hoso.json");

    v["dossiers"][0]["received_at"] = json!("hôm qua");
    std::fs::write(&file, v.to_string()).unwrap();
    let (ok, _, err) = run(&["dossiers", "import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("dossiers[0].received_at"), "{err}");

    v["dossiers"][0]["received_at"] = json!("2026-03-02T09:15:00+07:00");
    v["dossiers"][0]["code"] = json!("000.00.06.H56-0302-7");
    v["dossiers"][0]["history"][1]["action"] = json!("");
    v["dossiers"][0]["spare"] = json!(1);
    std::fs::write(&file, v.to_string()).unwrap();
    let (ok, _, err) = run(&["dossiers", "import", file.to_str().unwrap()]);
    assert!(!ok && err.contains("unknown field `spare`"), "{err}");
    v["dossiers"][0].as_object_mut().unwrap().remove("spare");
    std::fs::write(&file, v.to_string()).unwrap();
    let (ok, _, err) = run(&["dossiers", "import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("2 problem(s), nothing imported"), "{err}");
    assert!(err.contains("dossiers[0].code") && err.contains("dossiers[0].history[1].action"), "{err}");
    let (ok, out, _) = run(&["dossiers", "list"]);
    assert!(ok && out.contains("0 hồ sơ"), "nothing was imported: {out}");

    std::fs::write(&file, json!({ "dossiers": [serde_json::to_value(&good).unwrap()] }).to_string()).unwrap();
    let (ok, out, err) = run(&["dossiers", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("Đã nhập 1 hồ sơ") && out.contains("1 mới, 0 cập nhật"), "{out}");
    let (ok, out, _) = run(&["dossiers", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("0 mới, 1 cập nhật"), "{out}");
    let (ok, out, _) = run(&["dossiers", "list"]);
    assert!(ok && out.contains(&good.code) && out.contains("Đã xử lý xong"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_backend_rates_through_the_builtin_centre() {
    // What must hold: on the built-in centre (no HTTP) the kiosk backend finds
    // a served ticket by typed number, records one rating, answers "already
    // rated" to a second, and tells a ticket still waiting apart.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, clock::system()).unwrap();
    let t = served_ticket(&centre, "HT", 1, "b-1").await;
    let backend = LinkBackend {
        link: KioskLink::Local(motcua_kiosk::centre::link::LocalLink::new(centre.clone(), "kiosk-01")),
    };
    let check_code = t.check_code.clone();
    assert_eq!(check_code, motcua_kiosk::centre::api::check_code(&t.tracking_code));
    // A wrong check code reads as an unknown ticket (the number alone is guessable).
    let wrong = format!("{:04}", (check_code.parse::<u32>().unwrap() + 1) % 10_000);
    assert_eq!(
        backend
            .rating_context(RatingTicket::Number {
                number: "a1".into(),
                check_code: wrong,
                day: t.service_day
            })
            .await
            .unwrap_err(),
        motcua_kiosk::app::backend::RatingError::NotFound
    );
    let ticket =
        RatingTicket::Number { number: "a1".into(), check_code: check_code.clone(), day: t.service_day };
    let ctx = backend.rating_context(ticket.clone()).await.unwrap();
    assert_eq!(
        (ctx.ticket_number.as_deref(), ctx.counter, ctx.officer.as_deref()),
        (Some("A-001"), Some(1), Some("Trần Thị B."))
    );
    let vote = RatingVote { ticket: Some(ticket.clone()), level: RatingLevel::Satisfied, indices: None };
    assert_eq!(backend.rate(vote.clone()).await.unwrap(), VoteOutcome::Thanks { queued: false });
    assert_eq!(
        backend.rate(RatingVote { level: RatingLevel::Dissatisfied, ..vote }).await.unwrap(),
        VoteOutcome::AlreadyRated
    );
    assert!(backend.rating_context(ticket).await.unwrap().already_rated);
    assert_eq!(
        backend
            .rating_context(RatingTicket::Number { number: "A-050".into(), check_code, day: t.service_day })
            .await
            .unwrap_err(),
        motcua_kiosk::app::backend::RatingError::NotFound
    );
    assert_eq!(centre.rating_count().await.unwrap(), 1);
    tokio::task::spawn_blocking(move || drop((centre, backend))).await.unwrap();
}
