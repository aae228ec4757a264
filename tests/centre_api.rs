//! Contract tests of the centre API v1 over real HTTP on 127.0.0.1, with real
//! SQLite files: every endpoint, its errors, and the OpenAPI document.

mod common;

use common::openapi::OpenApi;
use common::{error_code, raw, ticket_request, TestCentre, COUNTER_TOKEN, DISPLAY_TOKEN, KIOSK_TOKEN, TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::sse::SseParser;
use motcua_kiosk::cli::centre::{run_counter, CounterAction};
use motcua_kiosk::domain::clock::{self, MockClock};
use serde_json::json;
use std::collections::BTreeSet;
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

/// An operation of docs/openapi.yaml: (METHOD, path template).
type Op = (&'static str, &'static str);

/// The operations each contract test below exercises. Each test checks that it
/// exercised exactly its list, and `every_documented_operation_has_a_contract_test`
/// that the lists together cover the document: the document and the server
/// cannot drift apart, and one failing group does not hide the others.
const HEALTH_AND_SERVICES: &[Op] = &[("GET", "/api/v1/health"), ("GET", "/api/v1/services")];
const TICKETS: &[Op] = &[("POST", "/api/v1/tickets")];
const TRACKING: &[Op] = &[
    ("GET", "/api/v1/tickets/{tracking_code}"),
    ("GET", "/t/{tracking_code}"),
    ("GET", "/static/ticket.css"),
];
const COUNTERS: &[Op] = &[
    ("GET", "/api/v1/counters"),
    ("POST", "/api/v1/counters/{n}/call-next"),
    ("POST", "/api/v1/counters/{n}/recall"),
    ("POST", "/api/v1/counters/{n}/complete"),
    ("POST", "/api/v1/counters/{n}/no-show"),
    ("POST", "/api/v1/counters/{n}/pause"),
    ("POST", "/api/v1/counters/{n}/resume"),
];
const STATE_AND_EVENTS: &[Op] = &[("GET", "/api/v1/state"), ("GET", "/api/v1/events")];
const KIOSKS: &[Op] =
    &[("POST", "/api/v1/kiosks/{kiosk_id}/heartbeat"), ("GET", "/api/v1/kiosks"), ("GET", "/api/v1/devices")];
const DOSSIERS: &[Op] = &[("GET", "/api/v1/dossiers/{code}")];
const RATINGS: &[Op] =
    &[("GET", "/api/v1/ratings/context"), ("POST", "/api/v1/ratings"), ("GET", "/api/v1/ratings/summary")];
const CATALOG: &[Op] = &[("GET", "/api/v1/catalog")];
const COUNTER_RATING: &[Op] = &[("POST", "/api/v1/counters/{n}/rating")];
const HELP: &[Op] = &[
    ("POST", "/api/v1/kiosks/{kiosk_id}/help"),
    ("GET", "/api/v1/help"),
    ("POST", "/api/v1/help/{id}/resolve"),
];
const PROVISION: &[Op] = &[("POST", "/api/v1/provision")];
const ALL_GROUPS: &[&[Op]] = &[
    PROVISION,
    HEALTH_AND_SERVICES,
    TICKETS,
    TRACKING,
    COUNTERS,
    STATE_AND_EVENTS,
    KIOSKS,
    DOSSIERS,
    RATINGS,
    CATALOG,
    COUNTER_RATING,
    HELP,
    common::CONSOLE_OPS,
    common::OFFICER_OPS,
    common::REPORT_OPS,
];

/// A fresh centre on 127.0.0.1 and the contract checker, for one group of operations.
struct Contract {
    c: TestCentre,
    api: OpenApi,
    ops: &'static [Op],
    _dir: tempfile::TempDir,
}

impl Contract {
    async fn start(ops: &'static [Op]) -> Contract {
        let dir = tempfile::tempdir().unwrap();
        let cfg = common::config(dir.path());
        let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
        Contract { c, api: OpenApi::load(), ops, _dir: dir }
    }

    fn u(&self, path: &str) -> String {
        format!("{}{}", self.c.url, path)
    }

    /// A raw request, its status and body checked against the document for `doc_path`.
    async fn call(
        &self,
        method: &str,
        path: &str,
        doc_path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let (s, h, b) = raw(method, &self.u(path), token, body).await;
        self.api.check(method, doc_path, s, &b);
        (s, h, b)
    }

    /// Issues a ticket over HTTP (`POST /api/v1/tickets`, not checked here).
    async fn issue(&self, body: &str) -> IssuedTicket {
        let (s, _, b) = raw("POST", &self.u("/api/v1/tickets"), Some(TOKEN), Some(body)).await;
        assert_eq!(s, 201, "{b}");
        serde_json::from_str(&b).unwrap()
    }

    /// The queue of the counter tests: A-001 (plain) and A-002 (elderly, with
    /// the citizen's details), both for HT.
    async fn two_tickets(&self) -> (IssuedTicket, IssuedTicket) {
        let t1 = self.issue(&issue_body("HT", "key-1")).await;
        let t2 = self.issue(&with_citizen("key-2").to_string()).await;
        assert_eq!((t1.number.as_str(), t2.number.as_str()), ("A-001", "A-002"));
        (t1, t2)
    }

    /// Checks that the test exercised exactly its operations, that the
    /// centre's waiting counts are consistent, and stops the centre.
    async fn finish(self) {
        let declared: BTreeSet<(String, String)> =
            self.ops.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(self.api.checked(), declared, "operations exercised by this group");
        self.c.centre.verify_waiting_counts().await.unwrap();
        self.c.stop().await;
    }
}

fn with_citizen(key: &str) -> serde_json::Value {
    json!({
        "service": "HT", "priority": "elderly", "idempotency_key": key, "kiosk_id": "kiosk-01",
        "citizen": {"id_number": "048095000123", "full_name": "Nguyễn Văn An", "birth_date": "1955-03-15"}
    })
}

// What must hold in every contract test: each operation answers with a
// documented status and a body that matches its schema (errors included), and
// every error is JSON {code, message}.

#[test]
fn every_documented_operation_has_a_contract_test() {
    // What must hold: the groups below together exercise every operation of
    // docs/openapi.yaml, and no group claims an undocumented one.
    let api = OpenApi::load();
    let claimed: BTreeSet<(String, String)> =
        ALL_GROUPS.iter().flat_map(|g| g.iter()).map(|(m, p)| (m.to_string(), p.to_string())).collect();
    let documented = api.operations();
    let missing: Vec<_> = documented.difference(&claimed).collect();
    assert!(missing.is_empty(), "documented but never exercised: {missing:?}");
    let extra: Vec<_> = claimed.difference(&documented).collect();
    assert!(extra.is_empty(), "exercised but not documented: {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_health_and_services() {
    // Health is public; services need one of the accepted tokens.
    let k = Contract::start(HEALTH_AND_SERVICES).await;
    let (s, _, _) = k.call("GET", "/api/v1/health", "/api/v1/health", None, None).await;
    assert_eq!(s, 200);
    let (s, h, b) = k.call("GET", "/api/v1/services", "/api/v1/services", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    assert_eq!(h.get("www-authenticate").unwrap(), "Bearer");
    let (s, _, b) = raw("GET", &k.u("/api/v1/services"), Some("wrong-token"), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _, b) = k.call("GET", "/api/v1/services", "/api/v1/services", Some(DISPLAY_TOKEN), None).await;
    assert_eq!(s, 200, "every accepted token works");
    let services: ServicesResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(services.services.len(), 6);
    assert!(services.services.iter().all(|s| s.availability == Availability::Open && s.waiting == 0));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_help_requests() {
    // A kiosk asks for help (201), again while it is open (200, the same
    // request), only as itself; the open list shows it; a counter terminal
    // acknowledges it (200, twice is harmless); a display may not; an
    // unknown id is 404 `help_not_found`.
    let k = Contract::start(HELP).await;
    let ask = "/api/v1/kiosks/{kiosk_id}/help";
    let (s, _, b) = k.call("POST", "/api/v1/kiosks/kiosk-01/help", ask, Some(KIOSK_TOKEN), None).await;
    assert_eq!(s, 201, "{b}");
    let first: HelpRequest = serde_json::from_str(&b).unwrap();
    assert_eq!(first.kiosk_id, "kiosk-01");
    let (s, _, b) = k.call("POST", "/api/v1/kiosks/kiosk-01/help", ask, Some(KIOSK_TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<HelpRequest>(&b).unwrap().id, first.id, "one open request per kiosk");
    let (s, _, b) = k.call("POST", "/api/v1/kiosks/kiosk-02/help", ask, Some(KIOSK_TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));
    let (s, _, b) = k.call("GET", "/api/v1/help", "/api/v1/help", Some(COUNTER_TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<HelpList>(&b).unwrap().open, std::slice::from_ref(&first));
    let resolve = "/api/v1/help/{id}/resolve";
    let path = format!("/api/v1/help/{}/resolve", first.id);
    let (s, _, b) = k.call("POST", &path, resolve, Some(DISPLAY_TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));
    for _ in 0..2 {
        let (s, _, b) = k.call("POST", &path, resolve, Some(COUNTER_TOKEN), None).await;
        assert_eq!(s, 200, "{b}");
        let done: HelpRequest = serde_json::from_str(&b).unwrap();
        assert_eq!(done.resolved_by.as_deref(), Some("counter-1"));
        assert!(done.resolved_at.is_some());
    }
    for bad in ["/api/v1/help/999/resolve", "/api/v1/help/abc/resolve"] {
        let (s, _, b) = k.call("POST", bad, resolve, Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (404, "help_not_found"), "{bad}");
    }
    let (_, _, b) = k.call("GET", "/api/v1/help", "/api/v1/help", Some(TOKEN), None).await;
    assert!(serde_json::from_str::<HelpList>(&b).unwrap().open.is_empty());
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_issue_ticket() {
    let k = Contract::start(TICKETS).await;
    let post = |body: String, token: Option<&'static str>| {
        let k = &k;
        async move { k.call("POST", "/api/v1/tickets", "/api/v1/tickets", token, Some(&body)).await }
    };
    let (s, h, b) = post(issue_body("HT", "key-1"), Some(TOKEN)).await;
    assert_eq!(s, 201, "{b}");
    let t1: IssuedTicket = serde_json::from_str(&b).unwrap();
    assert_eq!(t1.number, "A-001");
    assert_eq!(h.get("location").unwrap().to_str().unwrap(), format!("/api/v1/tickets/{}", t1.tracking_code));
    assert!(t1.tracking_url.ends_with(&t1.tracking_code));
    let (s, _, b) = post(issue_body("HT", "key-1"), Some(TOKEN)).await;
    assert_eq!(s, 200, "a replayed key answers 200");
    assert_eq!(serde_json::from_str::<IssuedTicket>(&b).unwrap(), t1);
    let (s, _, b) = post(with_citizen("key-2").to_string(), Some(TOKEN)).await;
    assert_eq!(s, 201, "{b}");
    let t2: IssuedTicket = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (t2.number.as_str(), t2.priority, t2.people_ahead),
        ("A-002", Some(PriorityGroup::Elderly), 0)
    );
    assert!(!b.contains("048095000123"), "the ticket response does not echo the ID number");
    let (s, _, b) = post(issue_body("XX", "key-3"), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_service"));
    let (s, _, b) = post("{not json".into(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = post(r#"{"service":"HT"}"#.into(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "missing fields");
    assert!(b.contains("idempotency_key"), "the message names the missing field: {b}");
    let (s, _, b) = post(issue_body("CT", "key-1"), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "idempotency_conflict"));
    let sneaky = json!({"service": "HT", "idempotency_key": "k9", "kiosk_id": "k", "issued_at": "2020-01-01T00:00:00Z"});
    let (s, _, b) = post(sneaky.to_string(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "issued_at only with offline_number");
    let bad_id = json!({"service": "HT", "idempotency_key": "k10", "kiosk_id": "k",
        "citizen": {"id_number": "12ab", "full_name": "A", "birth_date": "1990-01-01"}});
    let (s, _, b) = post(bad_id.to_string(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let big = format!(r#"{{"service":"HT","idempotency_key":"big","kiosk_id":"{}"}}"#, "x".repeat(100_000));
    let (s, _, b) = post(big, Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (413, "payload_too_large"));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client
        .post(k.u("/api/v1/tickets"))
        .bearer_auth(TOKEN)
        .body(issue_body("HT", "k11"))
        .send()
        .await
        .unwrap();
    let (s, b) = (r.status().as_u16(), r.text().await.unwrap());
    assert_eq!((s, error_code(&b).as_str()), (415, "unsupported_media_type"));
    k.api.check("POST", "/api/v1/tickets", s, &b);
    let (s, _, b) = post(issue_body("HT", "k12"), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_public_tracking() {
    // The JSON view and the HTML page of a ticket need no token and carry no personal data.
    let k = Contract::start(TRACKING).await;
    let (t1, t2) = k.two_tickets().await;
    let track = |code: &str| format!("/api/v1/tickets/{code}");
    let doc = "/api/v1/tickets/{tracking_code}";
    let (s, _, b) = k.call("GET", &track(&t1.tracking_code), doc, None, None).await;
    assert_eq!(s, 200);
    let v: TicketView = serde_json::from_str(&b).unwrap();
    // A-002 is a priority ticket: it goes first, so A-001 has one person ahead.
    assert_eq!((v.status, v.position, v.people_ahead), (TicketStatus::Waiting, Some(2), Some(1)));
    let (s, _, b) = k.call("GET", &track(&t2.tracking_code), doc, None, None).await;
    assert!(!b.contains("Nguy") && !b.contains("048095") && !b.contains("elderly"), "no personal data: {b}");
    assert_eq!(s, 200);
    let (s, _, b) = k.call("GET", &track("0000000000000000000Z"), doc, None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let (s, _, b) = raw("GET", &k.u(&track("not-a-code")), None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let page = "/t/{tracking_code}";
    let (s, h, b) = k.call("GET", &format!("/t/{}", t1.tracking_code), page, None, None).await;
    assert_eq!(s, 200);
    assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(b.contains("A-001") && b.contains("Hộ tịch"), "{b}");
    let (s, _, b) = k.call("GET", "/t/0000000000000000000Z", page, None, None).await;
    assert_eq!(s, 404);
    assert!(b.contains("Không tìm thấy vé"));
    let (s, h, b) = k.call("GET", "/static/ticket.css", "/static/ticket.css", None, None).await;
    assert_eq!(s, 200);
    assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    assert!(b.contains(".muted"), "the phone page's style: {b}");
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_counters() {
    // The list of counters and every counter action, with their refusals.
    let k = Contract::start(COUNTERS).await;
    k.two_tickets().await;
    let (s, _, b) = k.call("GET", "/api/v1/counters", "/api/v1/counters", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let counters: CountersResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(counters.counters.iter().map(|c| c.number).collect::<Vec<_>>(), (1..=9).collect::<Vec<_>>());
    let (s, _, b) = k.call("GET", "/api/v1/counters", "/api/v1/counters", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));

    let act = |n: &'static str, a: &'static str, token: Option<&'static str>, body: Option<&'static str>| {
        let k = &k;
        async move {
            let path = format!("/api/v1/counters/{n}/{a}");
            k.call("POST", &path, &format!("/api/v1/counters/{{n}}/{a}"), token, body).await
        }
    };
    let (s, _, b) = act("1", "call-next", Some(TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket.as_ref().unwrap().number.as_str()), (CounterOutcome::Called, "A-002"));
    assert_eq!(r.message_vi, "Quầy 1 gọi số A-002");
    assert_eq!(
        r.ticket.as_ref().unwrap().citizen.as_ref().unwrap().full_name,
        "Nguyễn Văn An",
        "the officer sees who comes"
    );
    assert_eq!(r.counter.state, CounterState::Serving);
    let (s, _, b) = act("1", "recall", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket.unwrap().calls), (CounterOutcome::Recalled, 2));
    let (s, _, b) = act("1", "complete", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().outcome, CounterOutcome::Completed);
    for a in ["complete", "recall", "no-show"] {
        let (s, _, b) = act("1", a, Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (409, "no_current_ticket"), "{a}");
    }
    let (s, _, b) = act("1", "call-next", Some(TOKEN), None).await;
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().ticket.unwrap().number, "A-001");
    assert_eq!(s, 200);
    let (s, _, b) = act("1", "no-show", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().outcome, CounterOutcome::NoShow);
    let (s, _, b) = act("1", "call-next", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!((r.outcome, r.ticket), (CounterOutcome::QueueEmpty, None));
    let (s, _, b) = act("1", "pause", Some(TOKEN), Some(r#"{"reason":"  "}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = act("1", "pause", Some(TOKEN), Some(r#"{"reason":"Nghỉ trưa"}"#)).await;
    assert_eq!(s, 200);
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (r.counter.state, r.counter.pause_reason.as_deref()),
        (CounterState::Paused, Some("Nghỉ trưa"))
    );
    let (s, _, b) = act("1", "call-next", Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "counter_paused"));
    let (s, _, b) = act("1", "resume", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_str::<CounterActionResponse>(&b).unwrap().counter.state, CounterState::Idle);
    for a in ["call-next", "recall", "no-show", "complete", "resume"] {
        let (s, _, b) = act("99", a, Some(TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"), "{a}");
        let (s, _, b) = act("1", a, None, None).await;
        assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"), "{a}");
    }
    let (s, _, b) = act("99", "pause", Some(TOKEN), Some(r#"{"reason":"x"}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));
    let (s, _, b) = raw("POST", &k.u("/api/v1/counters/abc/call-next"), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_state_and_events() {
    // The display snapshot, and an event stream replaying every kind of event
    // the counter actions produce, each matching its documented schema, ids
    // 1..n in order.
    let k = Contract::start(STATE_AND_EVENTS).await;
    k.two_tickets().await;
    let centre = &k.c.centre;
    assert_eq!(centre.call_next(1).await.unwrap().ticket.unwrap().number, "A-002");
    centre.recall(1).await.unwrap();
    centre.complete(1).await.unwrap();
    assert_eq!(centre.call_next(1).await.unwrap().ticket.unwrap().number, "A-001");
    centre.no_show(1).await.unwrap();
    centre.pause(1, "Nghỉ trưa").await.unwrap();
    centre.resume(1).await.unwrap();

    let (s, _, b) = k.call("GET", "/api/v1/state", "/api/v1/state", Some(DISPLAY_TOKEN), None).await;
    assert_eq!(s, 200);
    let state: StateSnapshot = serde_json::from_str(&b).unwrap();
    assert!(state.last_event_id > 0);
    let recent: Vec<&str> = state.recent_calls.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(recent, vec!["A-001", "A-002"], "newest first");
    assert_eq!(state.waiting.iter().find(|w| w.service == "HT").unwrap().issued_today, 2);
    let (s, _, b) = k.call("GET", "/api/v1/state", "/api/v1/state", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));

    let mut stream = k.c.display_client().events(Some(0)).await.unwrap();
    let mut seen = Vec::new();
    let mut kinds = BTreeSet::new();
    while seen.len() < state.last_event_id as usize {
        let item = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("events arrive")
            .unwrap()
            .unwrap();
        let FeedItem::Event(ev) = item else { panic!("unexpected resync") };
        let v = serde_json::to_value(&*ev).unwrap();
        k.api.check_schema("CentreEvent", &v);
        let data_schema = match ev.body.kind() {
            "ticket_issued" => "TicketIssuedData",
            "ticket_called" | "ticket_recalled" => "TicketCallData",
            "ticket_completed" | "ticket_no_show" => "TicketDoneData",
            "counter_state" => "CounterView",
            "day_rollover" => "DayRolloverData",
            k => panic!("undocumented kind {k}"),
        };
        k.api.check_schema(data_schema, &v["data"]);
        kinds.insert(ev.body.kind());
        seen.push(ev.id);
    }
    assert_eq!(seen, (1..=state.last_event_id).collect::<Vec<_>>(), "ids 1..n in order, none missing");
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "counter_state",
            "ticket_called",
            "ticket_completed",
            "ticket_issued",
            "ticket_no_show",
            "ticket_recalled"
        ],
        "every kind but day_rollover (see centre_queue) was checked"
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client
        .get(k.u("/api/v1/events"))
        .bearer_auth(TOKEN)
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("content-type").unwrap(), "text/event-stream");
    k.api.check("GET", "/api/v1/events", 200, "");
    drop(r);
    let r = client
        .get(k.u("/api/v1/events"))
        .bearer_auth(TOKEN)
        .header("Last-Event-ID", "abc")
        .send()
        .await
        .unwrap();
    let (s, b) = (r.status().as_u16(), r.text().await.unwrap());
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    k.api.check("GET", "/api/v1/events", s, &b);
    let (s, _, b) = k.call("GET", "/api/v1/events", "/api/v1/events", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_kiosk_health() {
    let k = Contract::start(KIOSKS).await;
    let hb_doc = "/api/v1/kiosks/{kiosk_id}/heartbeat";
    let hb_path = "/api/v1/kiosks/kiosk-01/heartbeat";
    let hb = json!({"printer_status": "paper_near_end", "scanner_connected": true, "outbox_len": 0, "app_version": "0.1.0"})
        .to_string();
    let (s, _, b) = k.call("POST", hb_path, hb_doc, Some(TOKEN), Some(&hb)).await;
    assert_eq!(s, 200, "{b}");
    let (s, _, b) = k.call("POST", hb_path, hb_doc, Some(TOKEN), Some(r#"{"printer_status":"ok"}"#)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = k.call("POST", hb_path, hb_doc, None, Some(&hb)).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _, b) = k.call("GET", "/api/v1/kiosks", "/api/v1/kiosks", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    let list: KiosksResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(list.kiosks.len(), 1);
    assert_eq!((list.kiosks[0].printer_status.as_str(), list.kiosks[0].online), ("paper_near_end", true));
    let (s, _, b) = k.call("GET", "/api/v1/kiosks", "/api/v1/kiosks", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    // The fleet: every declared device, the reporting kiosk with its health.
    let (s, _, b) = k.call("GET", "/api/v1/devices", "/api/v1/devices", Some(TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    let fleet: DevicesResponse = serde_json::from_str(&b).unwrap();
    let kiosk = fleet.devices.iter().find(|d| d.id == "kiosk-01").unwrap();
    assert_eq!((kiosk.printer_status.as_deref(), kiosk.online), (Some("paper_near_end"), true));
    let (s, _, b) = k.call("GET", "/api/v1/devices", "/api/v1/devices", Some(KIOSK_TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));
    let (s, _, b) = k.call("GET", "/api/v1/devices", "/api/v1/devices", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_are_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let c = TestCentre::start(&common::config(dir.path()), &dir.path().join("c.sqlite3"), clock::system(), 0)
        .await;
    let (s, _, b) = raw("GET", &format!("{}/api/v1/nothing-here", c.url), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let (s, _, b) = raw("DELETE", &format!("{}/api/v1/services", c.url), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (405, "method_not_allowed"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_dossiers() {
    // The built-in centre's sample dossiers: every kind of next step and deadline.
    let k = Contract::start(DOSSIERS).await;
    let doc = "/api/v1/dossiers/{code}";
    let samples = k.c.centre.dossiers().await.unwrap();
    assert_eq!(samples.len(), 6);
    for d in &samples {
        let (s, _, b) = k.call("GET", &format!("/api/v1/dossiers/{}", d.code), doc, Some(TOKEN), None).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(serde_json::from_str::<DossierView>(&b).unwrap(), *d);
    }
    let (s, _, b) = k.call("GET", "/api/v1/dossiers/000.00.06.H56-200101-0001", doc, Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "dossier_not_found"));
    let (s, _, b) = k.call("GET", "/api/v1/dossiers/not-a-code", doc, Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "malformed_code"));
    let (s, _, b) = k.call("GET", &format!("/api/v1/dossiers/{}", samples[0].code), doc, None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_ratings() {
    // A ticket served at counter 1: its rating context, one rating of it
    // (replays answer 200, others 409), an anonymous one, and the summaries.
    let k = Contract::start(RATINGS).await;
    let rated = k.issue(&issue_body("HT", "rate-me")).await;
    k.c.centre.call_next(1).await.unwrap();
    k.c.centre.complete(1).await.unwrap();
    let ctx_doc = "/api/v1/ratings/context";
    let ctx = |q: String, token: Option<&'static str>| {
        let k = &k;
        async move { k.call("GET", &format!("{ctx_doc}{q}"), ctx_doc, token, None).await }
    };
    let (s, _, b) = ctx(format!("?tracking_code={}", rated.tracking_code), Some(TOKEN)).await;
    assert_eq!(s, 200, "{b}");
    let context: RatingContext = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (context.ticket_number.as_str(), context.counter, context.can_rate),
        (rated.number.as_str(), Some(1), true)
    );
    assert_eq!(rated.check_code, check_code(&rated.tracking_code));
    let (s, _, b) =
        ctx(format!("?number={}&check_code={}", rated.number, rated.check_code), Some(TOKEN)).await;
    assert_eq!(s, 200, "{b}");
    let (s, _, b) = ctx(format!("?number={}", rated.number), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "a bare number is not enough");
    let wrong = if rated.check_code == "0000" { "0001" } else { "0000" };
    let (s, _, b) = ctx(format!("?number={}&check_code={wrong}", rated.number), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"), "a wrong check code");
    let (s, _, b) = ctx("?number=Z-404&check_code=1234".into(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let (s, _, b) = ctx(String::new(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = raw("GET", &k.u(&format!("{ctx_doc}?day=someday&number=A-1")), Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = ctx("?number=A-1".into(), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));

    let rate_body = |key: &str, level: u8| {
        json!({"tracking_code": rated.tracking_code, "level": level, "indices": [2, 2, 1, 2, 2, 2, 2, 1, 2],
               "idempotency_key": key, "kiosk_id": "kiosk-01"})
        .to_string()
    };
    let rate = |body: String, token: Option<&'static str>| {
        let k = &k;
        async move { k.call("POST", "/api/v1/ratings", "/api/v1/ratings", token, Some(&body)).await }
    };
    let (s, _, b) = rate(rate_body("r-1", 3), Some(TOKEN)).await;
    assert_eq!(s, 201, "{b}");
    let receipt: RatingReceipt = serde_json::from_str(&b).unwrap();
    assert_eq!((receipt.index_score, receipt.counter), (Some(16), Some(1)));
    let (s, _, b) = rate(rate_body("r-1", 3), Some(TOKEN)).await;
    assert_eq!(s, 200, "replay: {b}");
    let (s, _, b) = rate(rate_body("r-2", 1), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"));
    let (s, _, b) = rate(rate_body("r-3", 7), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let unknown = json!({"tracking_code": "0000000000000000000Z", "level": 2, "idempotency_key": "r-4", "kiosk_id": "k"});
    let (s, _, b) = rate(unknown.to_string(), Some(TOKEN)).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let anon = json!({"level": 2, "idempotency_key": "r-5", "kiosk_id": "k"}).to_string();
    let (s, _, b) = rate(anon.clone(), Some(TOKEN)).await;
    assert_eq!(s, 201, "anonymous ratings are allowed by default: {b}");
    let (s, _, b) = rate(anon, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));

    let sum_doc = "/api/v1/ratings/summary";
    for group in ["counter", "service", "officer", "day"] {
        let (s, _, b) = k.call("GET", &format!("{sum_doc}?group={group}"), sum_doc, Some(TOKEN), None).await;
        assert_eq!(s, 200, "{b}");
        let summary: RatingSummary = serde_json::from_str(&b).unwrap();
        assert_eq!((summary.total.ratings, summary.total.very_satisfied, summary.total.satisfied), (2, 1, 1));
    }
    let (s, h, b) = raw("GET", &k.u(&format!("{sum_doc}?group=counter&format=csv")), Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert_eq!(h.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert!(b.starts_with("\u{feff}group,key,label,ratings,"), "{b}");
    let (s, _, b) = k.call("GET", &format!("{sum_doc}?group=week"), sum_doc, Some(TOKEN), None).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = k.call("GET", sum_doc, sum_doc, None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_catalog() {
    // The bundled catalog here (nothing installed on this centre), with its version as ETag.
    let k = Contract::start(CATALOG).await;
    let (s, h, _) = k.call("GET", "/api/v1/catalog", "/api/v1/catalog", Some(TOKEN), None).await;
    assert_eq!(s, 200);
    assert!(h.get("etag").is_some(), "the catalog carries its version as ETag");
    let (s, _, b) = k.call("GET", "/api/v1/catalog", "/api/v1/catalog", None, None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replays_of_one_key_create_one_ticket() {
    // What must hold: the same idempotency key sent 30 times at once yields one
    // ticket (one 201, the rest 200 with the same number and tracking code).
    let dir = tempfile::tempdir().unwrap();
    let c = TestCentre::start(&common::config(dir.path()), &dir.path().join("c.sqlite3"), clock::system(), 0)
        .await;
    let client = c.client();
    let req = ticket_request("CT", "tap-7f3a");
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
    // What must hold: an idle event stream carries keep-alive comments, and
    // nothing else, so proxies and the client's read timeout do not cut it.
    // The bytes are read as they arrive and fed to the client's own SSE
    // parser: three comments and not one message (an event on an idle centre
    // would be a bug). No fixed wait: the test ends at the third keep-alive.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start_with(
        &cfg,
        &dir.path().join("c.sqlite3"),
        clock::system(),
        0,
        Duration::from_millis(50),
    )
    .await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut r =
        client.get(format!("{}/api/v1/events", c.url)).bearer_auth(DISPLAY_TOKEN).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut parser = SseParser::new(64 * 1024);
    tokio::time::timeout(Duration::from_secs(10), async {
        while parser.comments < 3 {
            let chunk = r.chunk().await.unwrap().expect("the stream stays open");
            let messages = parser.push(&chunk).unwrap();
            assert!(messages.is_empty(), "no event expected on an idle centre: {messages:?}");
        }
    })
    .await
    .expect("keep-alives arrive");
    assert!(parser.retry_ms.is_some(), "the stream starts with the reconnect delay");
    drop(r);
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
                kiosk_id: "k".into(),
                ..ticket_request("HT", format!("cap-{i}"))
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
        .issue_ticket(&IssueTicketRequest { kiosk_id: "k".into(), ..ticket_request("CT", "cli-1") })
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_counter_rating() {
    // What must hold: a counter device rates, from its counter's screen, the
    // ticket just served at that counter, once (the same key again: 200 with
    // the same rating; another key: 409 already_rated); a ticket still at the
    // desk or a no-show: 409 ticket_not_served; one served at another counter,
    // or a counter not the device's own: 403; kiosk and display tokens: 403;
    // an unknown number: 404. The rating is kept with its counter.
    let k = Contract::start(COUNTER_RATING).await;
    let doc = "/api/v1/counters/{n}/rating";
    let a1 = k.issue(&issue_body("HT", "cr-1")).await;
    let a2 = k.issue(&issue_body("HT", "cr-2")).await;
    let b1 = k.issue(&issue_body("CT", "cr-3")).await;
    let rate = |n: u32, number: String, key: &'static str, level: u8, token: &'static str| {
        let k = &k;
        async move {
            let body = json!({"ticket_number": number, "level": level, "idempotency_key": key}).to_string();
            k.call("POST", &format!("/api/v1/counters/{n}/rating"), doc, Some(token), Some(&body)).await
        }
    };
    k.c.centre.call_next(1).await.unwrap();
    let (s, _, b) = rate(1, a1.number.clone(), "c-0", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "ticket_not_served"), "still at the desk");
    k.c.centre.complete(1).await.unwrap();
    let (s, _, b) = rate(1, a1.number.clone(), "c-1", 3, COUNTER_TOKEN).await;
    assert_eq!(s, 201, "{b}");
    let receipt: RatingReceipt = serde_json::from_str(&b).unwrap();
    assert_eq!((receipt.counter, receipt.ticket_number.as_deref()), (Some(1), Some(a1.number.as_str())));
    let (s, _, b) = rate(1, a1.number.clone(), "c-1", 3, COUNTER_TOKEN).await;
    assert_eq!(s, 200, "replay: {b}");
    let (s, _, b) = rate(1, a1.number.clone(), "c-2", 1, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"), "one rating per ticket");

    k.c.centre.call_next(3).await.unwrap();
    k.c.centre.complete(3).await.unwrap();
    let (s, _, b) = rate(1, b1.number.clone(), "c-3", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "served at counter 3: {b}");
    let (s, _, b) = rate(3, b1.number.clone(), "c-4", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "counter 3 is not this device's");
    for token in [KIOSK_TOKEN, DISPLAY_TOKEN] {
        let (s, _, b) = rate(3, b1.number.clone(), "c-5", 3, token).await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    }
    let (s, _, b) = rate(3, b1.number.clone(), "c-6", 2, TOKEN).await;
    assert_eq!(s, 201, "the admin may: {b}");

    k.c.centre.call_next(2).await.unwrap();
    k.c.centre.no_show(2).await.unwrap();
    let (s, _, b) = rate(2, a2.number.clone(), "c-7", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "ticket_not_served"), "a no-show");
    let (s, _, b) = rate(1, "Z-404".into(), "c-8", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "ticket_not_found"));
    let (s, _, b) = rate(1, "not a number".into(), "c-9", 3, COUNTER_TOKEN).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    k.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_provision() {
    // Public (the code is the credential): 200 once, then 409 used; 404
    // unknown, 410 expired, 409 for another role, 400 for a malformed body
    // or code, 429 after the 5th wrong code from one address.
    use motcua_kiosk::centre::provision::{create, NewCode};
    use motcua_kiosk::domain::access::Role;
    use motcua_kiosk::domain::provision::ProvisionCode;
    let k = Contract::start(PROVISION).await;
    let cfg = common::config(k._dir.path());
    let make = |n: u8, role: Role, valid_ms: i64| {
        let code = ProvisionCode::from_random([n; 11]);
        let db = motcua_kiosk::store::Store::open(&k.c.db).unwrap();
        let new = NewCode {
            device_id: format!("dev-{n}"),
            role,
            counters: if role == Role::Counter { vec![1] } else { vec![] },
            offline_range: None,
            range_size: 25,
            valid_ms,
        };
        let now = motcua_kiosk::store::to_ms(chrono::Utc::now());
        create(db.conn(), &motcua_kiosk::centre::devices::Rules::of(&cfg), &new, &code, now).unwrap();
        code.grouped()
    };
    let p = "/api/v1/provision";
    let body = |code: &str, role: &str| json!({"code": code, "role": role}).to_string();
    let display = make(1, Role::Display, 3_600_000);
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&display, "counter"))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "provision_role_mismatch"));
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&display, "display"))).await;
    assert_eq!(s, 200, "{b}");
    let got: Provisioned = serde_json::from_str(&b).unwrap();
    assert_eq!((got.device_id.as_str(), got.role.as_str(), got.token.len()), ("dev-1", "display", 64));
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&display, "display"))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "provision_code_used"));
    let counter = make(2, Role::Counter, 3_600_000);
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&counter, "counter"))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<Provisioned>(&b).unwrap().counters, [1]);
    let expired = make(3, Role::Display, 1);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&expired, "display"))).await;
    assert_eq!((s, error_code(&b).as_str()), (410, "provision_code_expired"));
    for bad in [
        r#"{"code": "x"}"#.to_string(),
        body("ABCD", "kiosk"),
        body(&display, "admin"),
        r#"{"code":"1","role":"kiosk","x":1}"#.into(),
    ] {
        let (s, _, b) = k.call("POST", p, p, None, Some(&bad)).await;
        assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"), "{bad}");
    }
    // Wrong codes since the last success: expired, "ABCD"; the 5th locks the address out.
    let unknown = ProvisionCode::from_random([9; 11]).grouped();
    let (s, _, b) = k.call("POST", p, p, None, Some(&body(&unknown, "kiosk"))).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "provision_code_unknown"));
    for _ in 0..2 {
        let (s, _, _) = k.call("POST", p, p, None, Some(&body(&unknown, "kiosk"))).await;
        assert_eq!(s, 404);
    }
    let (s, h, b) = k.call("POST", p, p, None, Some(&body(&unknown, "kiosk"))).await;
    assert_eq!((s, error_code(&b).as_str()), (429, "too_many_attempts"));
    assert!(h.get("retry-after").is_some());
    k.finish().await;
}
