//! Integrity of what kiosks report: ratings and heartbeats dated by the
//! kiosk cannot be slipped into the past or frozen in the future — over real
//! HTTP on 127.0.0.1 with a kiosk token, real SQLite, a mock clock.

mod common;

use chrono::{Duration, Utc};
use common::{local, raw, TestCentre, KIOSK_TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::domain::clock::{Clock, MockClock};
use serde_json::json;
use std::sync::Arc;

async fn served(c: &TestCentre, key: &str) -> IssuedTicket {
    let t = c.centre.issue(common::ticket_request("HT", key)).await.unwrap().ticket;
    c.centre.call_next(1).await.unwrap();
    c.centre.complete(1).await.unwrap();
    t
}

async fn rate(c: &TestCentre, t: &IssuedTicket, key: &str, rated_at: chrono::DateTime<Utc>) -> RatingReceipt {
    let body = json!({
        "tracking_code": t.tracking_code, "level": 3, "idempotency_key": key, "kiosk_id": "kiosk-01",
        "rated_at": rated_at
    });
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/ratings", c.url), Some(KIOSK_TOKEN), Some(&body.to_string())).await;
    assert_eq!(s, 201, "{b}");
    serde_json::from_str(&b).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn backdated_and_future_ratings_count_when_they_arrive() {
    // What must hold: a rating's own time is kept when it is plausible (a few
    // hours in a kiosk's outbox, after the ticket was served); dated a month
    // back, in the future, or before the ticket was called, it counts when it
    // arrives. (On main a backdated rated_at moved the rating into that day's
    // figures, which may already have been reported.)
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(local(2026, 3, 4, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let (t1, t2, t3, t4) =
        (served(&c, "a").await, served(&c, "b").await, served(&c, "c").await, served(&c, "d").await);
    let served_at = clock.now();
    clock.advance(Duration::hours(3));
    let now = clock.now();
    let month_ago = now - Duration::days(30);
    assert_eq!(rate(&c, &t1, "r1", month_ago).await.rated_at, now, "backdated a month");
    assert_eq!(rate(&c, &t2, "r2", now + Duration::days(1)).await.rated_at, now, "in the future");
    assert_eq!(
        rate(&c, &t3, "r3", served_at - Duration::hours(1)).await.rated_at,
        now,
        "before it was called"
    );
    let queued = served_at + Duration::hours(1);
    assert_eq!(rate(&c, &t4, "r4", queued).await.rated_at, queued, "two hours in an outbox: kept");
    let past = c.centre.rating_summary(
        Some(month_ago.date_naive()),
        Some(month_ago.date_naive()),
        SummaryGroup::Day,
    );
    assert_eq!(past.await.unwrap().total.ratings, 0, "nothing slipped into a past period");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_future_heartbeat_does_not_freeze_the_kiosks_row() {
    // What must hold: a heartbeat dated a year ahead is taken as sent now, so
    // the next ordinary heartbeat still replaces it (on main the future
    // `sent_at` made every later report look older: the row froze).
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(local(2026, 3, 4, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let send = |status: &str, at: chrono::DateTime<Utc>| {
        json!({"printer_status": status, "scanner_connected": true, "outbox_len": 0, "app_version": "1", "sent_at": at})
            .to_string()
    };
    let url = format!("{}/api/v1/kiosks/kiosk-01/heartbeat", c.url);
    let (s, _, _) =
        raw("POST", &url, Some(KIOSK_TOKEN), Some(&send("ok", clock.now() + Duration::days(365)))).await;
    assert_eq!(s, 200);
    let row = &c.centre.kiosks().await.unwrap().kiosks[0];
    assert_eq!(row.reported_at, Some(clock.now()), "counted as sent now");
    clock.advance(Duration::seconds(60));
    let (s, _, _) = raw("POST", &url, Some(KIOSK_TOKEN), Some(&send("out_of_paper", clock.now()))).await;
    assert_eq!(s, 200);
    assert_eq!(c.centre.kiosks().await.unwrap().kiosks[0].printer_status, "out_of_paper", "not frozen");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_number_rates_only_with_the_check_code_printed_under_it() {
    // The attack of issue 11: numbers are called aloud and shown on the board,
    // so someone at a kiosk could type another citizen's number and use up
    // their one rating. A bare number is refused; the number with the check
    // code printed on the ticket rates it; a wrong check code finds nothing.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(local(2026, 3, 4, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let t = served(&c, "a").await;
    assert_eq!(t.check_code.len(), 4);
    let url = format!("{}/api/v1/ratings", c.url);
    let body = |key: &str, check: Option<&str>| {
        let mut v = json!({"ticket_number": t.number, "day": t.service_day, "level": 1, "idempotency_key": key,
                           "kiosk_id": "kiosk-01"});
        if let Some(code) = check {
            v["check_code"] = json!(code);
        }
        v.to_string()
    };
    let (s, _, b) = raw("POST", &url, Some(KIOSK_TOKEN), Some(&body("bare", None))).await;
    assert_eq!((s, common::error_code(&b).as_str()), (400, "bad_request"), "{b}");
    assert!(b.contains("check_code"), "{b}");
    let wrong = if t.check_code == "0000" { "0001" } else { "0000" };
    let (s, _, b) = raw("POST", &url, Some(KIOSK_TOKEN), Some(&body("wrong", Some(wrong)))).await;
    assert_eq!((s, common::error_code(&b).as_str()), (404, "ticket_not_found"), "{b}");
    assert_eq!(c.centre.rating_count().await.unwrap(), 0, "nothing used up the rating");
    let (s, _, b) = raw("POST", &url, Some(KIOSK_TOKEN), Some(&body("right", Some(&t.check_code)))).await;
    assert_eq!(s, 201, "{b}");
    let receipt: RatingReceipt = serde_json::from_str(&b).unwrap();
    assert_eq!(receipt.ticket_number.as_deref(), Some(t.number.as_str()));
    c.stop().await;
}
