//! Unit tests of `dossier`.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn status_codes_round_trip_with_the_national_labels() {
    // Must hold: codes 1-10 in the portal's order, each with its Vietnamese label; 0 and 11 do not exist.
    let labels: Vec<&str> = DossierStatus::ALL.iter().map(|s| s.label_vi()).collect();
    assert_eq!(labels[0], "Mới đăng ký");
    assert_eq!(labels[4], "Yêu cầu bổ sung giấy tờ");
    assert_eq!(labels[9], "Đã trả kết quả");
    for (i, s) in DossierStatus::ALL.iter().enumerate() {
        assert_eq!(s.code() as usize, i + 1);
        assert_eq!(DossierStatus::from_code(s.code()), Some(*s));
        assert!(!s.label_en().is_empty());
        assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(i + 1));
    }
    assert_eq!(DossierStatus::from_code(0), None);
    assert_eq!(DossierStatus::from_code(11), None);
    assert!(serde_json::from_str::<DossierStatus>("11").is_err());
    assert_eq!(Channel::from_code(3), Some(Channel::Post));
    assert!(serde_json::from_str::<Channel>("4").is_err());
}

#[test]
fn working_days_skip_weekends_and_holidays() {
    // Must hold: Fri -> Mon is one working day; a holiday Monday pushes it to Tuesday.
    let cal = WorkCalendar::default();
    assert_eq!(cal.working_days_between(d(2026, 3, 6), d(2026, 3, 9)), 1);
    assert_eq!(cal.working_days_between(d(2026, 3, 9), d(2026, 3, 6)), 0);
    assert_eq!(cal.add_working_days(d(2026, 3, 6), 1), d(2026, 3, 9));
    assert_eq!(cal.sub_working_days(d(2026, 3, 9), 1), d(2026, 3, 6));
    let cal = WorkCalendar::from_strings(&DEFAULT_HOLIDAYS_2026);
    // Friday 24/4/2026; Monday 27/4 is the Hùng Kings' substitute day.
    assert!(!cal.is_working_day(d(2026, 4, 27)));
    assert_eq!(cal.add_working_days(d(2026, 4, 24), 1), d(2026, 4, 28));
    // Tết: Friday 13/2 + 1 working day = Monday 23/2.
    assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 23));
    assert!(DEFAULT_HOLIDAYS_2026.iter().all(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()));
}

#[test]
fn overdue_counts_working_days_after_the_appointment() {
    // Must hold: due Friday, Saturday is not yet late, Monday is 1 working day late,
    // with Monday a holiday Tuesday is 1; closed dossiers are never late.
    let plain = WorkCalendar::default();
    let fri = d(2026, 4, 24);
    let open = DossierStatus::Processing;
    assert_eq!(Deadline::evaluate(open, fri, fri, &plain), Deadline::Due);
    assert_eq!(Deadline::evaluate(open, fri, d(2026, 4, 25), &plain), Deadline::Due);
    assert_eq!(Deadline::evaluate(open, fri, d(2026, 4, 27), &plain), Deadline::Overdue { working_days: 1 });
    assert_eq!(Deadline::evaluate(open, fri, d(2026, 4, 28), &plain), Deadline::Overdue { working_days: 2 });
    let hol = WorkCalendar::new([d(2026, 4, 27)]);
    assert_eq!(Deadline::evaluate(open, fri, d(2026, 4, 27), &hol), Deadline::Due);
    assert_eq!(Deadline::evaluate(open, fri, d(2026, 4, 28), &hol), Deadline::Overdue { working_days: 1 });
    assert_eq!(
        Deadline::evaluate(open, d(2026, 4, 28), fri, &hol),
        Deadline::OnTime { working_days_left: 1 },
        "Friday to Tuesday over the weekend and the holiday"
    );
    for s in [
        DossierStatus::Completed,
        DossierStatus::Returned,
        DossierStatus::NotAccepted,
        DossierStatus::Withdrawn,
        DossierStatus::Stopped,
    ] {
        assert_eq!(Deadline::evaluate(s, fri, d(2026, 5, 20), &plain), Deadline::Closed, "{s:?}");
    }
    let late = Deadline::Overdue { working_days: 2 };
    assert_eq!(late.note_vi(fri), "Trễ hạn 2 ngày làm việc so với ngày hẹn trả 24/04/2026");
    assert_eq!(late.note_en(fri), "Overdue by 2 working days (appointment 24/04/2026)");
    assert_eq!(
        Deadline::OnTime { working_days_left: 1 }.note_en(fri),
        "On time: 1 working day left until the appointment on 24/04/2026"
    );
    assert_eq!(Deadline::Closed.note_vi(fri), "");
}

#[test]
fn next_step_follows_the_status() {
    // Must hold: each status tells a concrete next action; papers, fee amount and
    // counter appear in the text; postal results are not collected at a counter.
    let docs = vec!["Giấy tờ chứng minh chỗ ở hợp pháp (bản sao)".to_string()];
    let facts = NextStepFacts {
        missing_documents: &docs,
        fee_vnd: Some(400_000),
        counter: Some(5),
        channel: Some(Channel::InPerson),
        appointment: Some(d(2026, 3, 11)),
        overdue: false,
    };
    let s = next_step(DossierStatus::SupplementRequested, &facts);
    assert_eq!(s.kind, NextStepKind::BringDocuments);
    assert_eq!(s.text_vi, "Mang bổ sung: Giấy tờ chứng minh chỗ ở hợp pháp (bản sao) đến quầy số 5.");
    let s = next_step(DossierStatus::PaymentRequested, &facts);
    assert_eq!(s.kind, NextStepKind::PayFee);
    assert!(s.text_vi.contains("400.000 đ") && s.text_en.contains("400,000 VND"), "{s:?}");
    let s = next_step(DossierStatus::Completed, &facts);
    assert_eq!(s.kind, NextStepKind::CollectResult);
    assert!(s.text_vi.contains("quầy số 5"), "{s:?}");
    let post = NextStepFacts { channel: Some(Channel::Post), ..facts.clone() };
    assert_eq!(next_step(DossierStatus::Completed, &post).kind, NextStepKind::AwaitPost);
    assert!(next_step(DossierStatus::Processing, &facts).text_vi.contains("11/03/2026"));
    let late = NextStepFacts { overdue: true, ..facts.clone() };
    assert!(next_step(DossierStatus::Processing, &late).text_vi.contains("phiếu xin lỗi"));
    assert_eq!(next_step(DossierStatus::Returned, &facts).kind, NextStepKind::Done);
    let no_counter = NextStepFacts::default();
    assert!(next_step(DossierStatus::NotAccepted, &no_counter).text_vi.contains("Bộ phận một cửa"));
    for st in DossierStatus::ALL {
        let s = next_step(st, &facts);
        assert!(!s.text_vi.is_empty() && !s.text_en.is_empty(), "{st:?}");
    }
}

#[test]
fn money_uses_dots_for_thousands() {
    assert_eq!(format_vnd(0), "0 đ");
    assert_eq!(format_vnd(2_000), "2.000 đ");
    assert_eq!(format_vnd(400_000), "400.000 đ");
    assert_eq!(format_vnd(1_234_567), "1.234.567 đ");
    assert_eq!(format_vnd_en(1_234_567), "1,234,567 VND");
}

#[test]
fn waiting_for_the_citizen_pauses_the_clock() {
    // Must hold: a status-5 or status-6 dossier long past its appointment is neither
    // overdue nor "on time"; its note says the time is paused and gives no day count.
    let cal = WorkCalendar::default_2026();
    let appointment = d(2026, 3, 2);
    for (status, for_payment) in
        [(DossierStatus::SupplementRequested, false), (DossierStatus::PaymentRequested, true)]
    {
        for today in [d(2026, 2, 25), appointment, d(2026, 4, 20)] {
            let dl = Deadline::evaluate(status, appointment, today, &cal);
            assert_eq!(dl, Deadline::Paused { for_payment }, "{status:?} {today}");
            assert!(!dl.is_overdue() && dl.is_paused());
            assert_eq!(dl.working_days_late(), 0);
            let (vi, en) = (dl.note_vi(appointment), dl.note_en(appointment));
            assert!(vi.contains("tạm dừng") && !vi.contains("Đúng hạn") && !vi.contains("Trễ hạn"), "{vi}");
            assert!(en.contains("paused") && !en.contains("On time") && !en.contains("Overdue"), "{en}");
        }
    }
}

#[test]
fn finished_pauses_move_the_appointment_by_their_working_days() {
    // Must hold: the history's 5/6 periods become pauses (an open one last); a
    // pause from Monday to Wednesday moves the appointment by 2 working days; a pause
    // over Tết moves it only by the working days in it; an open pause moves nothing.
    use DossierStatus::*;
    let cal = WorkCalendar::default_2026();
    let h = [
        (d(2026, 3, 2), Some(Accepted)),
        (d(2026, 3, 9), Some(SupplementRequested)),
        (d(2026, 3, 10), None),
        (d(2026, 3, 11), Some(Processing)),
        (d(2026, 3, 16), Some(PaymentRequested)),
    ];
    let p = pauses(&h);
    assert_eq!(
        p,
        vec![
            Pause { from: d(2026, 3, 9), until: Some(d(2026, 3, 11)) },
            Pause { from: d(2026, 3, 16), until: None }
        ]
    );
    // Due Fri 13 Mar; +2 working days = Tue 17 Mar.
    assert_eq!(appointment_after_pauses(d(2026, 3, 13), &p, &cal), d(2026, 3, 17));
    // Asked on Fri 13 Feb, answered Tue 24 Feb: Mon 23 and Tue 24 count, Tết does not.
    let tet = [Pause { from: d(2026, 2, 13), until: Some(d(2026, 2, 24)) }];
    assert_eq!(appointment_after_pauses(d(2026, 2, 26), &tet, &cal), d(2026, 3, 2));
    assert_eq!(appointment_after_pauses(d(2026, 2, 26), &p[1..], &cal), d(2026, 2, 26));
}
