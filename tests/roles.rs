//! Device roles over real HTTP on 127.0.0.1 with real SQLite files: each
//! attack of issue 11 on roles, as a device on the hall's LAN would try it.
//! (Before roles, any accepted token could do everything below.)

mod common;

use common::openapi::OpenApi;
use common::{error_code, raw, TestCentre, COUNTER_TOKEN, DISPLAY_TOKEN, KIOSK_TOKEN, TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::devices::{self, NewDevice};
use motcua_kiosk::domain::access::{Action, Role};
use motcua_kiosk::domain::clock;
use motcua_kiosk::store::{self, Store};
use serde_json::json;
use std::time::Duration;

async fn start(dir: &std::path::Path) -> TestCentre {
    TestCentre::start(&common::config(dir), &dir.join("centre.sqlite3"), clock::system(), 0).await
}

fn ticket(key: &str, kiosk: &str) -> serde_json::Value {
    json!({"service": "HT", "idempotency_key": key, "kiosk_id": kiosk})
}

fn offline(key: &str, kiosk: &str, number: &str) -> serde_json::Value {
    json!({"service": "HT", "idempotency_key": key, "kiosk_id": kiosk, "offline_number": number})
}

fn heartbeat() -> String {
    json!({"printer_status": "ok", "scanner_connected": true, "outbox_len": 0, "app_version": "t"})
        .to_string()
}

/// Every protected operation: (method, documented path, concrete path, body, action).
fn operations() -> Vec<(&'static str, &'static str, String, Option<String>, Action)> {
    let rating = json!({"level": 3, "idempotency_key": "r-x", "kiosk_id": "kiosk-01"}).to_string();
    vec![
        ("GET", "/api/v1/services", "/api/v1/services".into(), None, Action::ReadServices),
        (
            "POST",
            "/api/v1/tickets",
            "/api/v1/tickets".into(),
            Some(ticket("m-1", "kiosk-01").to_string()),
            Action::IssueTicket,
        ),
        ("GET", "/api/v1/counters", "/api/v1/counters".into(), None, Action::ReadQueue),
        (
            "POST",
            "/api/v1/counters/{n}/call-next",
            "/api/v1/counters/1/call-next".into(),
            None,
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/recall",
            "/api/v1/counters/1/recall".into(),
            None,
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/complete",
            "/api/v1/counters/1/complete".into(),
            None,
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/no-show",
            "/api/v1/counters/1/no-show".into(),
            None,
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/pause",
            "/api/v1/counters/1/pause".into(),
            Some(json!({"reason": "Nghỉ"}).to_string()),
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/resume",
            "/api/v1/counters/1/resume".into(),
            None,
            Action::CounterAction,
        ),
        (
            "POST",
            "/api/v1/counters/{n}/rating",
            "/api/v1/counters/1/rating".into(),
            Some(json!({"ticket_number": "A-404", "level": 3, "idempotency_key": "cr-x"}).to_string()),
            Action::RateAtCounter,
        ),
        ("GET", "/api/v1/state", "/api/v1/state".into(), None, Action::ReadQueue),
        (
            "POST",
            "/api/v1/kiosks/{kiosk_id}/heartbeat",
            "/api/v1/kiosks/kiosk-01/heartbeat".into(),
            Some(heartbeat()),
            Action::KioskReport,
        ),
        (
            "POST",
            "/api/v1/kiosks/{kiosk_id}/help",
            "/api/v1/kiosks/kiosk-01/help".into(),
            None,
            Action::KioskReport,
        ),
        ("GET", "/api/v1/help", "/api/v1/help".into(), None, Action::ReadQueue),
        ("POST", "/api/v1/help/{id}/resolve", "/api/v1/help/1/resolve".into(), None, Action::AnswerHelp),
        ("GET", "/api/v1/kiosks", "/api/v1/kiosks".into(), None, Action::ReadKiosks),
        ("GET", "/api/v1/devices", "/api/v1/devices".into(), None, Action::ReadKiosks),
        (
            "GET",
            "/api/v1/dossiers/{code}",
            "/api/v1/dossiers/000.00.06.H56-200101-0001".into(),
            None,
            Action::LookupDossier,
        ),
        (
            "GET",
            "/api/v1/ratings/context",
            "/api/v1/ratings/context?number=Z-404".into(),
            None,
            Action::RatingContext,
        ),
        ("POST", "/api/v1/ratings", "/api/v1/ratings".into(), Some(rating), Action::Rate),
        ("GET", "/api/v1/ratings/summary", "/api/v1/ratings/summary".into(), None, Action::Reports),
        ("GET", "/api/v1/catalog", "/api/v1/catalog".into(), None, Action::DownloadCatalog),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_is_refused_outside_its_actions_and_allowed_inside() {
    // What must hold: for every operation and every role, a token of that role
    // gets 403 `forbidden` exactly when the role does not grant the action
    // (docs/security.md's table), and never 401; each answer is documented.
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path()).await;
    let api = OpenApi::load();
    let roles = [
        (Role::Kiosk, KIOSK_TOKEN),
        (Role::Display, DISPLAY_TOKEN),
        (Role::Counter, COUNTER_TOKEN),
        (Role::Admin, TOKEN),
    ];
    for (method, doc, path, body, action) in operations() {
        for (role, token) in roles {
            let (s, _, b) = raw(method, &format!("{}{path}", c.url), Some(token), body.as_deref()).await;
            api.check(method, doc, s, &b);
            if role.grants(action) {
                assert!(s != 403 && s != 401, "{role} {method} {path}: {s} {b}");
            } else {
                assert_eq!(s, 403, "{role} {method} {path}: {b}");
                assert_eq!(error_code(&b), "forbidden");
            }
        }
    }
    // The event stream too (read only for the head: it never ends).
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for (token, allowed) in [(KIOSK_TOKEN, false), (DISPLAY_TOKEN, true), (COUNTER_TOKEN, true)] {
        let r = client.get(format!("{}/api/v1/events", c.url)).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status().as_u16() == 200, allowed, "{token}");
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_display_token_cannot_call_counters_or_see_citizens() {
    // The attack of issue 11: a token read from a display's config calls every
    // counter and reads the identity returned by counter actions.
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path()).await;
    let with_citizen = json!({
        "service": "HT", "idempotency_key": "c-1", "kiosk_id": "kiosk-01",
        "citizen": {"id_number": "048095000123", "full_name": "Nguyễn Văn An", "birth_date": "1955-03-15"}
    });
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/tickets", c.url), Some(KIOSK_TOKEN), Some(&with_citizen.to_string()))
            .await;
    assert_eq!(s, 201, "{b}");
    for counter in 1..=9 {
        let (s, _, b) =
            raw("POST", &format!("{}/api/v1/counters/{counter}/call-next", c.url), Some(DISPLAY_TOKEN), None)
                .await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "counter {counter}: {b}");
        assert!(!b.contains("Nguyễn"), "{b}");
    }
    assert_eq!(c.centre.counters().await.unwrap().counters.iter().filter(|v| v.current.is_some()).count(), 0);
    // The counter's own token gets the citizen (it serves them).
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/counters/1/call-next", c.url), Some(COUNTER_TOKEN), None).await;
    assert_eq!(s, 200, "{b}");
    let r: CounterActionResponse = serde_json::from_str(&b).unwrap();
    assert_eq!(r.ticket.unwrap().citizen.unwrap().full_name, "Nguyễn Văn An");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_counter_token_acts_only_at_its_own_counters() {
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path()).await;
    // Counter-1's token serves counters 1 and 2; CT is served at 3 and 4.
    let body = json!({"service": "CT", "idempotency_key": "ct-1", "kiosk_id": "kiosk-01"}).to_string();
    let (s, _, _) = raw("POST", &format!("{}/api/v1/tickets", c.url), Some(KIOSK_TOKEN), Some(&body)).await;
    assert_eq!(s, 201);
    for action in ["call-next", "recall", "complete", "no-show", "resume"] {
        let (s, _, b) =
            raw("POST", &format!("{}/api/v1/counters/3/{action}", c.url), Some(COUNTER_TOKEN), None).await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{action}: {b}");
        assert!(b.contains("counter(s) 1, 2"), "{b}");
    }
    let (s, _, b) = raw(
        "POST",
        &format!("{}/api/v1/counters/3/pause", c.url),
        Some(COUNTER_TOKEN),
        Some(r#"{"reason":"x"}"#),
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/counters/abc/call-next", c.url), Some(COUNTER_TOKEN), None).await;
    assert_eq!(s, 403, "{b}");
    let waiting =
        c.centre.services().await.unwrap().services.iter().find(|s| s.code == "CT").unwrap().waiting;
    assert_eq!(waiting, 1, "nothing was called at counter 3");
    let (s, _, b) =
        raw("POST", &format!("{}/api/v1/counters/2/call-next", c.url), Some(COUNTER_TOKEN), None).await;
    assert_eq!(s, 200, "its own counter: {b}");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_token_acts_only_as_its_own_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path()).await;
    let u = |p: &str| format!("{}{p}", c.url);
    let (s, _, b) =
        raw("POST", &u("/api/v1/kiosks/kiosk-02/heartbeat"), Some(KIOSK_TOKEN), Some(&heartbeat())).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let (s, _, b) =
        raw("POST", &u("/api/v1/tickets"), Some(KIOSK_TOKEN), Some(&ticket("k-1", "kiosk-02").to_string()))
            .await;
    assert_eq!(s, 403, "{b}");
    let (s, _, b) = raw(
        "POST",
        &u("/api/v1/tickets"),
        Some(KIOSK_TOKEN),
        Some(&offline("k-2", "kiosk-02", "A-951").to_string()),
    )
    .await;
    assert_eq!(s, 403, "an offline ticket under another id: {b}");
    let rating = json!({"level": 1, "idempotency_key": "r-1", "kiosk_id": "kiosk-02"}).to_string();
    let (s, _, b) = raw("POST", &u("/api/v1/ratings"), Some(KIOSK_TOKEN), Some(&rating)).await;
    assert_eq!(s, 403, "{b}");
    assert!(c.centre.kiosks().await.unwrap().kiosks.is_empty(), "no heartbeat stored");
    assert_eq!(c.centre.rating_count().await.unwrap(), 0);
    // As itself, all of it works.
    let (s, _, b) =
        raw("POST", &u("/api/v1/kiosks/kiosk-01/heartbeat"), Some(KIOSK_TOKEN), Some(&heartbeat())).await;
    assert_eq!(s, 200, "{b}");
    let (s, _, b) =
        raw("POST", &u("/api/v1/tickets"), Some(KIOSK_TOKEN), Some(&ticket("k-3", "kiosk-01").to_string()))
            .await;
    assert_eq!(s, 201, "{b}");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_numbers_outside_the_kiosks_range_are_refused_and_never_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path()).await;
    let u = format!("{}/api/v1/tickets", c.url);
    // kiosk-01 prints 900-949; 950 belongs to kiosk-02, 5 to the centre's own numbering.
    for (key, number) in [("o-1", "A-950"), ("o-2", "A-005"), ("o-3", "A-1000")] {
        let (s, _, b) =
            raw("POST", &u, Some(KIOSK_TOKEN), Some(&offline(key, "kiosk-01", number).to_string())).await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{number}: {b}");
    }
    let (s, _, b) =
        raw("POST", &u, Some(KIOSK_TOKEN), Some(&offline("o-4", "kiosk-01", "A-949").to_string())).await;
    assert_eq!(s, 201, "{b}");
    // The same printed number again under another key (a bug, or an admin
    // replaying by hand): refused, and the database keeps one ticket.
    let (s, _, b) =
        raw("POST", &u, Some(TOKEN), Some(&offline("o-5", "kiosk-01", "A-949").to_string())).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "offline_number_taken"), "{b}");
    let today = c.centre.services().await.unwrap().service_day;
    let db = Store::open(&c.db).unwrap();
    let copies: i64 =
        db.conn().query_row("SELECT COUNT(*) FROM tickets WHERE number = 'A-949'", [], |r| r.get(0)).unwrap();
    assert_eq!(copies, 1);
    // Even written past the centre's checks, a second A-949 cannot exist.
    let dup = db.conn().execute(
        "INSERT INTO tickets (day, service, seq, number, prio, status, issued_at, received_at, kiosk_id, idempotency_key, tracking_code)
         VALUES (?1, 'HT', 949, 'A-949', 0, 'waiting', 1, 1, 'x', 'dup-key', 'DUPTRACK')",
        [today.to_string()],
    );
    assert!(dup.is_err(), "the unique index refuses a duplicate");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_added_at_run_time_work_and_a_revoked_token_stops_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = start(dir.path()).await;
    let u = format!("{}/api/v1/counters/5/call-next", c.url);
    let (s, _, b) = raw("POST", &u, Some("not-a-token-of-this-centre-at-all"), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let db = Store::open(store::centre_db_path(dir.path())).unwrap();
    let new =
        NewDevice { id: "counter-5".into(), role: Role::Counter, counters: vec![5], offline_range: None };
    let token = devices::add(db.conn(), &cfg, &new, 0).unwrap();
    assert_eq!(token.len(), 64);
    // The centre reads the table again within a second.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let s = loop {
        let (s, _, _) = raw("POST", &u, Some(&token), None).await;
        if s != 401 || std::time::Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(s, 200);
    let (s, _, _) = raw("POST", &format!("{}/api/v1/counters/6/call-next", c.url), Some(&token), None).await;
    assert_eq!(s, 403, "bound to counter 5");
    // The database holds only the hash.
    let stored: String = db
        .conn()
        .query_row("SELECT token_sha256 FROM devices WHERE id = 'counter-5'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, motcua_kiosk::centre::tokens::token_hash_hex(&token));
    assert_ne!(stored, token);
    devices::revoke(db.conn(), &cfg, "counter-5", 1).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, _, b) = raw("POST", &u, Some(&token), None).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"), "revoked");
    c.stop().await;
}

#[test]
fn devices_add_refuses_overlapping_ranges_unknown_counters_and_taken_ids() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = Store::open(store::centre_db_path(dir.path())).unwrap();
    let kiosk =
        |id: &str, r| NewDevice { id: id.into(), role: Role::Kiosk, counters: vec![], offline_range: r };
    let err = |d: NewDevice| devices::add(db.conn(), &cfg, &d, 0).unwrap_err().to_string();
    // kiosk-01 (900-949) and kiosk-02 (950-999) are in the config.
    assert!(err(kiosk("kiosk-03", Some((940, 960)))).contains("overlaps kiosk `kiosk-01`"));
    assert!(err(kiosk("kiosk-03", Some((800, 899)))).contains("not inside the centre's offline range"));
    assert!(err(kiosk("kiosk-01", Some((900, 949)))).contains("declared in the config"));
    let counter = NewDevice { id: "c".into(), role: Role::Counter, counters: vec![42], offline_range: None };
    assert!(err(counter).contains("counter 42"));
    let mut cfg2 = cfg.clone();
    cfg2.offline.range_start = 800;
    devices::add(db.conn(), &cfg2, &kiosk("kiosk-03", Some((800, 849))), 0).unwrap();
    let again =
        devices::add(db.conn(), &cfg2, &kiosk("kiosk-03", Some((850, 899))), 0).unwrap_err().to_string();
    assert!(again.contains("already exists"), "{again}");
    let overlap =
        devices::add(db.conn(), &cfg2, &kiosk("kiosk-04", Some((849, 860))), 0).unwrap_err().to_string();
    assert!(overlap.contains("kiosk-03"), "{overlap}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_displays_open_event_stream_ends() {
    // What must hold: revoking a device also ends the event stream it holds
    // open (within the 5 s re-check), not only its next request.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = start(dir.path()).await;
    let db = Store::open(store::centre_db_path(dir.path())).unwrap();
    let new = NewDevice { id: "board-9".into(), role: Role::Display, counters: vec![], offline_range: None };
    let token = devices::add(db.conn(), &cfg, &new, 0).unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut resp = loop {
        let r = client.get(format!("{}/api/v1/events", c.url)).bearer_auth(&token).send().await.unwrap();
        if r.status() == 200 {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(resp.chunk().await.unwrap().is_some(), "the stream starts");
    devices::revoke(db.conn(), &cfg, "board-9", 1).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = resp.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream of a revoked token must end");
    c.stop().await;
}
