//! Contract tests of the centre API v1 over real HTTP on 127.0.0.1, with real
//! SQLite files: every endpoint, its errors, and the OpenAPI document.

mod common;

use common::openapi::OpenApi;
use common::{error_code, raw, TestCentre, DISPLAY_TOKEN, TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::cli::centre::{run_counter, CounterAction};
use motcua_kiosk::domain::clock::{self, MockClock};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn issue_body(service: &str, key: &str) -> String {
    json!({"service": service, "idempotency_key": key, "kiosk_id": "kiosk-01"}).to_string()
}

#[test]
fn the_contract_validator_catches_missing_and_mistyped_fields() {
    // What must hold: the contract check can fail (a validator that accepts
    // everything would make the API tests meaningless).
    let api = OpenApi::load();
    api.check_schema("Error", &json!({"code": "bad_request", "message": "x"}));
    assert!(std::panic::catch_unwind(|| api.check_schema("Error", &json!({"code": "bad_request"}))).is_err());
    assert!(std::panic::catch_unwind(|| api.check_schema("Availability", &json!({"state": "sometimes"})))
        .is_err());
    let bad_date =
        json!({"status": "ok", "version": "1", "server_time": "yesterday", "service_day": "2026-03-02"});
    assert!(std::panic::catch_unwind(|| api.check_schema("Health", &bad_date)).is_err());
    let wrong_type = json!({"kiosks": [{"kiosk_id": 5}]});
    assert!(std::panic::catch_unwind(|| api.check_schema("KiosksResponse", &wrong_type)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_matches_the_openapi_contract() {
    // What must hold: every documented operation answers with a documented
    // status and a body that matches its schema (errors included), every error
    // is JSON {code, message}, and every operation in docs/openapi.yaml is
    // exercised here (the document and the server cannot drift apart).
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    let api = OpenApi::load();
    let u = |p: &str| format!("{}{}", c.url, p);

    // Health is public.
    let (s, _, b) = raw("GET", &u("/api/v1/health"), None, None).await;
    assert_eq!(s, 200);
    api.check("GET", "/api/v1/health", s, &b);

    // Services: token required.
    let (s, h, b) = raw("GET", &u("/api/v1/services"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    assert_eq!(h.get("www-authenticate").unwrap(), "Bearer");
    api.check("GET", "/api/v1/services", s, &b);
    let (s, _, b) = raw("GET", &u("/api/v1/services"), Some("wrong-token"), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _, b) = raw("GET", &u("/api/v1/services"), Some(DISPLAY_TOKEN), None).await;
    assert_eq!(s, 200, "every accepted token works");
    api.check("GET", "/api/v1/services", s, &b);
    let services: ServicesResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(services.services.len(), 6);
    assert!(services.services.iter().all(|s| s.availability == Availability::Open && s.waiting == 0));

    // Tickets.
    let (s, h, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&issue_body("HT", "key-1"))).await;
    assert_eq!(s, 201, "{b}");
    api.check("POST", "/api/v1/tickets", s, &b);
    let t1: IssuedTicket = serde_json::from_str(&b).unwrap();
    assert_eq!(t1.number, "A-001");
    assert_eq!(h.get("location").unwrap().to_str().unwrap(), format!("/api/v1/tickets/{}", t1.tracking_code));
    assert!(t1.tracking_url.ends_with(&t1.tracking_code));
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&issue_body("HT", "key-1"))).await;
    assert_eq!(s, 200, "a replayed key answers 200");
    api.check("POST", "/api/v1/tickets", s, &b);
    assert_eq!(serde_json::from_str::<IssuedTicket>(&b).unwrap(), t1);
    let with_citizen = json!({
        "service": "HT", "priority": "elderly", "idempotency_key": "key-2", "kiosk_id": "kiosk-01",
        "citizen": {"id_number": "048095000123", "full_name": "Nguyễn Văn An", "birth_date": "1955-03-15"}
    });
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&with_citizen.to_string())).await;
    assert_eq!(s, 201, "{b}");
    api.check("POST", "/api/v1/tickets", s, &b);
    let t2: IssuedTicket = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (t2.number.as_str(), t2.priority, t2.people_ahead),
        ("A-002", Some(PriorityGroup::Elderly), 0)
    );
    assert!(!b.contains("048095000123"), "the ticket response does not echo the ID number");
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&issue_body("XX", "key-3"))).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "unknown_service"));
    api.check("POST", "/api/v1/tickets", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some("{not json")).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("POST", "/api/v1/tickets", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(r#"{"service":"HT"}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "missing fields");
    assert!(b.contains("idempotency_key"), "the message names the missing field: {b}");
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&issue_body("CT", "key-1"))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "idempotency_conflict"));
    api.check("POST", "/api/v1/tickets", s, &b);
    let sneaky = json!({"service": "HT", "idempotency_key": "k9", "kiosk_id": "k", "issued_at": "2020-01-01T00:00:00Z"});
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&sneaky.to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "issued_at only with offline_number");
    let bad_id = json!({"service": "HT", "idempotency_key": "k10", "kiosk_id": "k",
        "citizen": {"id_number": "12ab", "full_name": "A", "birth_date": "1990-01-01"}});
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&bad_id.to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let big = format!(r#"{{"service":"HT","idempotency_key":"big","kiosk_id":"{}"}}"#, "x".repeat(100_000));
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&big)).await;
    assert_eq!((s, error_code(&b).as_str()), (413, "payload_too_large"));
    api.check("POST", "/api/v1/tickets", s, &b);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client
        .post(u("/api/v1/tickets"))
        .bearer_auth(TOKEN)
        .body(issue_body("HT", "k11"))
        .send()
        .await
        .unwrap();
    let (s, b) = (r.status().as_u16(), r.text().await.unwrap());
    assert_eq!((s, error_code(&b).as_str()), (415, "unsupported_media_type"));
    api.check("POST", "/api/v1/tickets", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/tickets"), None, Some(&issue_body("HT", "k12"))).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("POST", "/api/v1/tickets", s, &b);

    // Public tracking.
    let track = |code: &str| format!("/api/v1/tickets/{code}");
    let (s, _, b) = raw("GET", &u(&track(&t1.tracking_code)), None, None).await;
    assert_eq!(s, 200);
    api.check("GET", "/api/v1/tickets/{tracking_code}", s, &b);
    let v: TicketView = serde_json::from_str(&b).unwrap();
    // A-002 is a priority ticket: it goes first, so A-001 has one person ahead.
    assert_eq!((v.status, v.position, v.people_ahead), (TicketStatus::Waiting, Some(2), Some(1)));
    let (s, _, b) = raw("GET", &u(&track(&t2.tracking_code)), None, None).await;
    assert!(!b.contains("Nguy") && !b.contains("048095") && !b.contains("elderly"), "no personal data: {b}");
    assert_eq!(s, 200);
    let (s, _, b) = raw("GET", &u(&track("0000000000000000000Z")), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    api.check("GET", "/api/v1/tickets/{tracking_code}", s, &b);
    let (s, _, b) = raw("GET", &u(&track("not-a-code")), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let (s, h, b) = raw("GET", &u(&format!("/t/{}", t1.tracking_code)), None, None).await;
    assert_eq!(s, 200);
    assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(b.contains("A-001") && b.contains("Hộ tịch"), "{b}");
    api.check("GET", "/t/{tracking_code}", s, &b);
    let (s, _, b) = raw("GET", &u("/t/0000000000000000000Z"), None, None).await;
    assert_eq!(s, 404);
    assert!(b.contains("Không tìm thấy vé"));
    api.check("GET", "/t/{tracking_code}", s, &b);

    // Counters.
    let (s, _, b) = raw("GET", &u("/api/v1/counters"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("GET", "/api/v1/counters", s, &b);
    let counters: CountersResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(counters.counters.iter().map(|c| c.number).collect::<Vec<_>>(), (1..=9).collect::<Vec<_>>());
    let (s, _, b) = raw("GET", &u("/api/v1/counters"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/counters", s, &b);

    let act = |n: &str, a: &str| u(&format!("/api/v1/counters/{n}/{a}"));
    let doc = |a: &str| format!("/api/v1/counters/{{n}}/{a}");
    let (s, _, b) = raw("POST", &act("1", "call-next"), Some(TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    api.check("POST", &doc("call-next"), s, &b);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket.as_ref().unwrap().number.as_str()), (CounterOutcome::Called, "A-002"));
    assert_eq!(r.message_vi, "Quầy 1 gọi số A-002");
    assert_eq!(
        r.ticket.as_ref().unwrap().citizen.as_ref().unwrap().full_name,
        "Nguyễn Văn An",
        "the officer sees who comes"
    );
    assert_eq!(r.counter.state, CounterState::Serving);
    let (s, _, b) = raw("POST", &act("1", "recall"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("recall"), s, &b);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket.unwrap().calls), (CounterOutcome::Recalled, 2));
    let (s, _, b) = raw("POST", &act("1", "complete"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("complete"), s, &b);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().outcome, CounterOutcome::Completed);
    for a in ["complete", "recall", "no-show"] {
        let (s, _, b) = raw("POST", &act("1", a), Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (409, "no_current_ticket"), "{a}");
        api.check("POST", &doc(a), s, &b);
    }
    let (s, _, b) = raw("POST", &act("1", "call-next"), Some(TOKEN), None).await;
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().ticket.unwrap().number, "A-001");
    assert_eq!(s, 200);
    let (s, _, b) = raw("POST", &act("1", "no-show"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("no-show"), s, &b);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().outcome, CounterOutcome::NoShow);
    let (s, _, b) = raw("POST", &act("1", "call-next"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("call-next"), s, &b);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket), (CounterOutcome::QueueEmpty, None));
    let (s, _, b) = raw("POST", &act("1", "pause"), Some(TOKEN), Some(r#"{"reason":"  "}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("POST", &doc("pause"), s, &b);
    let (s, _, b) = raw("POST", &act("1", "pause"), Some(TOKEN), Some(r#"{"reason":"Nghỉ trưa"}"#)).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("pause"), s, &b);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (r.counter.state, r.counter.pause_reason.as_deref()),
        (CounterState::Paused, Some("Nghỉ trưa"))
    );
    let (s, _, b) = raw("POST", &act("1", "call-next"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "counter_paused"));
    api.check("POST", &doc("call-next"), s, &b);
    let (s, _, b) = raw("POST", &act("1", "resume"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("POST", &doc("resume"), s, &b);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().counter.state, CounterState::Idle);
    for a in ["call-next", "recall", "no-show", "complete", "resume"] {
        let (s, _, b) = raw("POST", &act("99", a), Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"), "{a}");
        api.check("POST", &doc(a), s, &b);
        let (s, _, b) = raw("POST", &act("1", a), None, None).await;
        assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"), "{a}");
        api.check("POST", &doc(a), s, &b);
    }
    let (s, _, b) = raw("POST", &act("99", "pause"), Some(TOKEN), Some(r#"{"reason":"x"}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));
    api.check("POST", &doc("pause"), s, &b);
    let (s, _, b) = raw("POST", &act("abc", "call-next"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));

    // Display state and events.
    let (s, _, b) = raw("GET", &u("/api/v1/state"), Some(DISPLAY_TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("GET", "/api/v1/state", s, &b);
    let state: StateSnapshot = serde_json::from_str(&b).unwrap();
    assert!(state.last_event_id > 0);
    let recent: Vec<&str> = state.recent_calls.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(recent, vec!["A-001", "A-002"], "newest first");
    assert_eq!(state.waiting.iter().find(|w| w.service == "HT").unwrap().issued_today, 2);
    let (s, _, b) = raw("GET", &u("/api/v1/state"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/state", s, &b);

    let mut stream = c.display_client().events(Some(0)).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < state.last_event_id as usize {
        let item = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("events arrive")
            .unwrap()
            .unwrap();
        let FeedItem::Event(ev) = item else { panic!("unexpected resync") };
        let v = serde_json::to_value(&*ev).unwrap();
        api.check_schema("CentreEvent", &v);
        let data_schema = match ev.body.kind() {
            "ticket_issued" => "TicketIssuedData",
            "ticket_called" | "ticket_recalled" => "TicketCallData",
            "ticket_completed" | "ticket_no_show" => "TicketDoneData",
            "counter_state" => "CounterView",
            "day_rollover" => "DayRolloverData",
            k => panic!("undocumented kind {k}"),
        };
        api.check_schema(data_schema, &v["data"]);
        seen.push(ev.id);
    }
    assert_eq!(seen, (1..=state.last_event_id).collect::<Vec<_>>(), "ids 1..n in order, none missing");
    let r =
        client.get(u("/api/v1/events")).bearer_auth(TOKEN).header("Last-Event-ID", "0").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("content-type").unwrap(), "text/event-stream");
    api.check("GET", "/api/v1/events", 200, "");
    drop(r);
    let r = client
        .get(u("/api/v1/events"))
        .bearer_auth(TOKEN)
        .header("Last-Event-ID", "abc")
        .send()
        .await
        .unwrap();
    let (s, b) = (r.status().as_u16(), r.text().await.unwrap());
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("GET", "/api/v1/events", s, &b);
    let (s, _, b) = raw("GET", &u("/api/v1/events"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/events", s, &b);

    // Kiosk health.
    let hb = json!({"printer_status": "paper_near_end", "scanner_connected": true, "outbox_len": 0, "app_version": "0.1.0"});
    let (s, _, b) =
        raw("POST", &u("/api/v1/kiosks/kiosk-01/heartbeat"), Some(TOKEN), Some(&hb.to_string())).await;
    assert_eq!(s, 200, "{b}");
    api.check("POST", "/api/v1/kiosks/{kiosk_id}/heartbeat", s, &b);
    let (s, _, b) =
        raw("POST", &u("/api/v1/kiosks/kiosk-01/heartbeat"), Some(TOKEN), Some(r#"{"printer_status":"ok"}"#))
            .await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("POST", "/api/v1/kiosks/{kiosk_id}/heartbeat", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/kiosks/kiosk-01/heartbeat"), None, Some(&hb.to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("POST", "/api/v1/kiosks/{kiosk_id}/heartbeat", s, &b);
    let (s, _, b) = raw("GET", &u("/api/v1/kiosks"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("GET", "/api/v1/kiosks", s, &b);
    let k: KiosksResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(k.kiosks.len(), 1);
    assert_eq!((k.kiosks[0].printer_status.as_str(), k.kiosks[0].online), ("paper_near_end", true));
    let (s, _, b) = raw("GET", &u("/api/v1/kiosks"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/kiosks", s, &b);

    // Unknown paths and methods are JSON errors too.
    let (s, _, b) = raw("GET", &u("/api/v1/nothing-here"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let (s, _, b) = raw("DELETE", &u("/api/v1/services"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (405, "method_not_allowed"));

    // Dossiers (the built-in centre's sample dossiers: every kind of next step and deadline).
    let samples = c.centre.dossiers().await.unwrap();
    assert_eq!(samples.len(), 6);
    for d in &samples {
        let (s, _, b) = raw("GET", &u(&format!("/api/v1/dossiers/{}", d.code)), Some(TOKEN), None).await;
        assert_eq!(s, 200, "{b}");
        api.check("GET", "/api/v1/dossiers/{code}", s, &b);
        assert_eq!(serde_json::from_str::<DossierView>(&b).unwrap(), *d);
    }
    let (s, _, b) = raw("GET", &u("/api/v1/dossiers/000.00.06.H56-200101-0001"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "dossier_not_found"));
    api.check("GET", "/api/v1/dossiers/{code}", s, &b);
    let (s, _, b) = raw("GET", &u("/api/v1/dossiers/not-a-code"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "malformed_code"));
    api.check("GET", "/api/v1/dossiers/{code}", s, &b);
    let (s, _, b) = raw("GET", &u(&format!("/api/v1/dossiers/{}", samples[0].code)), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/dossiers/{code}", s, &b);

    // Ratings: a ticket served at counter 1.
    let (_, _, b) = raw("POST", &u("/api/v1/tickets"), Some(TOKEN), Some(&issue_body("HT", "rate-me"))).await;
    let rated: IssuedTicket = serde_json::from_str(&b).unwrap();
    let (s, _, _) = raw("POST", &act("1", "call-next"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let (s, _, _) = raw("POST", &act("1", "complete"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let ctx_doc = "/api/v1/ratings/context";
    let (s, _, b) =
        raw("GET", &u(&format!("{ctx_doc}?tracking_code={}", rated.tracking_code)), Some(TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    api.check("GET", ctx_doc, s, &b);
    let ctx: RatingContext = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (ctx.ticket_number.as_str(), ctx.counter, ctx.can_rate),
        (rated.number.as_str(), Some(1), true)
    );
    let (s, _, b) = raw("GET", &u(&format!("{ctx_doc}?number={}", rated.number)), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    api.check("GET", ctx_doc, s, &b);
    let (s, _, b) = raw("GET", &u(&format!("{ctx_doc}?number=Z-404")), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    api.check("GET", ctx_doc, s, &b);
    let (s, _, b) = raw("GET", &u(ctx_doc), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("GET", ctx_doc, s, &b);
    let (s, _, b) = raw("GET", &u(&format!("{ctx_doc}?day=someday&number=A-1")), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = raw("GET", &u(&format!("{ctx_doc}?number=A-1")), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", ctx_doc, s, &b);

    let rate_body = |key: &str, level: u8| {
        json!({"tracking_code": rated.tracking_code, "level": level, "indices": [2, 2, 1, 2, 2, 2, 2, 1, 2],
               "idempotency_key": key, "kiosk_id": "kiosk-01"})
        .to_string()
    };
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&rate_body("r-1", 3))).await;
    assert_eq!(s, 201, "{b}");
    api.check("POST", "/api/v1/ratings", s, &b);
    let receipt: RatingReceipt = serde_json::from_str(&b).unwrap();
    assert_eq!((receipt.index_score, receipt.counter), (Some(16), Some(1)));
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&rate_body("r-1", 3))).await;
    assert_eq!(s, 200, "replay: {b}");
    api.check("POST", "/api/v1/ratings", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&rate_body("r-2", 1))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"));
    api.check("POST", "/api/v1/ratings", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&rate_body("r-3", 7))).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("POST", "/api/v1/ratings", s, &b);
    let unknown = json!({"tracking_code": "0000000000000000000Z", "level": 2, "idempotency_key": "r-4", "kiosk_id": "k"});
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&unknown.to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    api.check("POST", "/api/v1/ratings", s, &b);
    let anon = json!({"level": 2, "idempotency_key": "r-5", "kiosk_id": "k"});
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(TOKEN), Some(&anon.to_string())).await;
    assert_eq!(s, 201, "anonymous ratings are allowed by default: {b}");
    api.check("POST", "/api/v1/ratings", s, &b);
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), None, Some(&anon.to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("POST", "/api/v1/ratings", s, &b);

    let sum_doc = "/api/v1/ratings/summary";
    for group in ["counter", "service", "officer", "day"] {
        let (s, _, b) = raw("GET", &u(&format!("{sum_doc}?group={group}")), Some(TOKEN), None).await;
        assert_eq!(s, 200, "{b}");
        api.check("GET", sum_doc, s, &b);
        let summary: RatingSummary = serde_json::from_str(&b).unwrap();
        assert_eq!((summary.total.ratings, summary.total.very_satisfied, summary.total.satisfied), (2, 1, 1));
    }
    let (s, h, b) = raw("GET", &u(&format!("{sum_doc}?group=counter&format=csv")), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert_eq!(h.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert!(b.starts_with("\u{feff}group,key,label,ratings,"), "{b}");
    let (s, _, b) = raw("GET", &u(&format!("{sum_doc}?group=week")), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    api.check("GET", sum_doc, s, &b);
    let (s, _, b) = raw("GET", &u(sum_doc), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", sum_doc, s, &b);

    // The catalog for kiosks (the bundled one here: nothing installed on this centre).
    let (s, h, b) = raw("GET", &u("/api/v1/catalog"), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert!(h.get("etag").is_some(), "the catalog carries its version as ETag");
    api.check("GET", "/api/v1/catalog", s, &b);
    let (s, _, b) = raw("GET", &u("/api/v1/catalog"), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    api.check("GET", "/api/v1/catalog", s, &b);

    let missing: Vec<_> = api.operations().difference(&api.checked()).cloned().collect();
    assert!(missing.is_empty(), "documented but never exercised: {missing:?}");
    c.centre.verify_waiting_counts().await.unwrap();
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replays_of_one_key_create_one_ticket() {
    // What must hold: the same idempotency key sent 30 times at once yields one
    // ticket (one 201, the rest 200 with the same number and tracking code).
    let dir = tempfile::tempdir().unwrap();
    let c = TestCentre::start(&common::config(dir.path()), &dir.path().join("c.sqlite3"), clock::system(), 0)
        .await;
    let client = c.client();
    let req = IssueTicketRequest {
        service: "CT".into(),
        priority: None,
        citizen: None,
        idempotency_key: "tap-7f3a".into(),
        kiosk_id: "kiosk-01".into(),
        issued_at: None,
        offline_number: None,
        tracking_code: None,
    };
    let results = futures_util::future::join_all((0..30).map(|_| {
        let (client, req) = (client.clone(), req.clone());
        async move { client.issue_ticket_created(&req).await.unwrap() }
    }))
    .await;
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert!(results
        .iter()
        .all(|(t, _)| t.number == "B-001" && t.tracking_code == results[0].0.tracking_code));
    let s = client.services().await.unwrap();
    let ct = s.services.iter().find(|s| s.code == "CT").unwrap();
    assert_eq!((ct.issued_today, ct.waiting), (1, 1));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_stream_sends_keep_alive_comments() {
    // What must hold: an idle event stream carries keep-alive comments so
    // proxies and the client's read timeout do not cut it.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start_with(
        &cfg,
        &dir.path().join("c.sqlite3"),
        clock::system(),
        0,
        Duration::from_millis(100),
    )
    .await;
    let mut stream = c.display_client().events(None).await.unwrap();
    // Nothing happens, so next() only returns if the connection ends.
    let r = tokio::time::timeout(Duration::from_millis(600), stream.next()).await;
    assert!(r.is_err(), "no event expected on an idle centre");
    assert!(stream.keep_alives() >= 3, "got {} keep-alives", stream.keep_alives());
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_hours_and_daily_cap_are_refused_with_the_next_opening() {
    // What must hold: outside opening hours a ticket is refused with
    // `service_closed` and the next opening; past the daily cap with
    // `cap_reached`; the services list says the same.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.always_open = false;
    cfg.queue.services[0].daily_cap = 2;
    // Monday 2026-03-02, 12:00 local: lunch break.
    let clock = MockClock::new(common::local(2026, 3, 2, 12, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let client = c.client();
    let t = motcua_kiosk::centre::TicketRequest::new("HT");
    let link = motcua_kiosk::centre::KioskLink::Local(motcua_kiosk::centre::link::LocalLink::new(
        c.centre.clone(),
        "k",
    ));
    let e = link.issue_ticket(&t).await.unwrap_err();
    assert_eq!(
        e,
        motcua_kiosk::centre::LinkError::Closed { next_open: Some(common::local(2026, 3, 2, 13, 30, 0)) }
    );
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/tickets", c.url), Some(TOKEN), Some(&issue_body("HT", "x1"))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "service_closed"));
    let err: ApiError = serde_json::from_str(&b).unwrap();
    assert_eq!(err.next_open, Some(common::local(2026, 3, 2, 13, 30, 0)));
    clock.set(common::local(2026, 3, 2, 14, 0, 0));
    for i in 0..2 {
        client
            .issue_ticket(&IssueTicketRequest {
                service: "HT".into(),
                priority: None,
                citizen: None,
                idempotency_key: format!("cap-{i}"),
                kiosk_id: "k".into(),
                issued_at: None,
                offline_number: None,
                tracking_code: None,
            })
            .await
            .unwrap();
    }
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/tickets", c.url), Some(TOKEN), Some(&issue_body("HT", "x2"))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "cap_reached"));
    let err: ApiError = serde_json::from_str(&b).unwrap();
    assert_eq!(err.next_open, Some(common::local(2026, 3, 3, 7, 30, 0)), "tomorrow's first opening");
    let ht = client.services().await.unwrap().services.into_iter().find(|s| s.code == "HT").unwrap();
    assert_eq!(
        ht.availability,
        Availability::CapReached { next_open: Some(common::local(2026, 3, 3, 7, 30, 0)) }
    );
    let ct = client.services().await.unwrap().services.into_iter().find(|s| s.code == "CT").unwrap();
    assert_eq!(ct.availability, Availability::Open, "the cap is per service");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_cli_prints_one_clear_line() {
    // What must hold: the counter command reaches the centre and reports the
    // call in one Vietnamese line; errors are one line too.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    c.client()
        .issue_ticket(&IssueTicketRequest {
            service: "CT".into(),
            priority: None,
            citizen: None,
            idempotency_key: "cli-1".into(),
            kiosk_id: "k".into(),
            issued_at: None,
            offline_number: None,
            tracking_code: None,
        })
        .await
        .unwrap();
    let url = c.url.clone();
    let lines = tokio::task::spawn_blocking(move || {
        let call = run_counter(&cfg, Some(&url), 3, CounterAction::Call).unwrap();
        let recall = run_counter(&cfg, Some(&url), 3, CounterAction::Recall).unwrap();
        let done = run_counter(&cfg, Some(&url), 3, CounterAction::Complete).unwrap();
        let again = run_counter(&cfg, Some(&url), 3, CounterAction::NoShow).unwrap_err().to_string();
        let nowhere =
            run_counter(&cfg, Some("http://127.0.0.1:9"), 3, CounterAction::Call).unwrap_err().to_string();
        [call, recall, done, again, nowhere]
    })
    .await
    .unwrap();
    assert_eq!(lines[0], "Quầy 3 gọi số B-001");
    assert_eq!(lines[1], "Quầy 3 gọi lại số B-001 (lần 2)");
    assert_eq!(lines[2], "Quầy 3: đã phục vụ xong số B-001");
    assert_eq!(lines[3], "Quầy 3 chưa có số nào đang phục vụ");
    assert_eq!(lines[4], "Không kết nối được trung tâm tại http://127.0.0.1:9");
    c.stop().await;
}
