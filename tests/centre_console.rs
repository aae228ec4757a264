//! The counter side of the API over real HTTP on 127.0.0.1 with real SQLite
//! files: start and transfer (the citizen keeps the place), the console view,
//! officer sessions (PIN, lockout, cookie, CSRF, own counter only), the
//! idempotency key of counter actions, who served a ticket, and the day
//! report — each response checked against docs/openapi.yaml.

mod common;

use common::openapi::OpenApi;
use common::{error_code, ticket_request, TestCentre, TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::core::NewOfficer;
use motcua_kiosk::domain::clock;
use serde_json::json;
use std::collections::BTreeSet;

const PIN: &str = "135790";
const COUNTER_TOKEN: &str = "counter-desk-2-token-0123456789";
const BOARD_TOKEN: &str = "display-board-token-0123456789";

struct Api {
    c: TestCentre,
    doc: OpenApi,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A request's extras: the session cookie, CSRF token, idempotency key, Origin.
#[derive(Default, Clone)]
struct With<'a> {
    token: Option<&'a str>,
    cookie: Option<&'a str>,
    csrf: Option<&'a str>,
    key: Option<&'a str>,
    origin: Option<&'a str>,
}

impl Api {
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = common::config(dir.path());
        cfg.queue.counter_officers = vec![motcua_kiosk::config::CounterOfficer {
            counter: 2,
            name: "Cán bộ quầy 2 (cấu hình)".into(),
        }];
        for (id, role, token, counters) in
            [("desk-2", "counter", COUNTER_TOKEN, vec![2]), ("board", "display", BOARD_TOKEN, vec![])]
        {
            cfg.centre.devices.push(motcua_kiosk::config::DeviceConfig {
                id: id.into(),
                role: role.into(),
                token: token.into(),
                counters,
                ..Default::default()
            });
        }
        let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
        for (login, name, manager) in [("lan", "Nguyễn Thị Lan", false), ("hoa", "Lê Văn Hoà", true)] {
            c.centre
                .add_officer(NewOfficer { login: login.into(), name: name.into(), pin: PIN.into(), manager })
                .await
                .unwrap();
        }
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Api { c, doc: OpenApi::load(), http, _dir: dir }
    }

    /// A request; the answer checked against the document for `doc_path` when given.
    async fn call(
        &self,
        method: &str,
        path: &str,
        doc_path: Option<&str>,
        w: With<'_>,
        body: Option<serde_json::Value>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut rb = self.http.request(method.parse().unwrap(), format!("{}{}", self.c.url, path));
        if let Some(t) = w.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(c) = w.cookie {
            rb = rb.header("cookie", format!("motcua_session={c}"));
        }
        if let Some(x) = w.csrf {
            rb = rb.header("x-csrf-token", x);
        }
        if let Some(k) = w.key {
            rb = rb.header("idempotency-key", k);
        }
        if let Some(o) = w.origin {
            rb = rb.header("origin", o);
        }
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json").body(b.to_string());
        }
        let r = rb.send().await.unwrap();
        let (s, h) = (r.status().as_u16(), r.headers().clone());
        let b = r.text().await.unwrap();
        if let Some(d) = doc_path {
            self.doc.check(method, d, s, &b);
        }
        (s, h, b)
    }

    /// Signs in over the API: `(cookie token, session)`.
    async fn sign_in(&self, login: &str, counter: Option<u32>) -> (String, OfficerSession) {
        let mut body = json!({"login": login, "pin": PIN});
        if let Some(n) = counter {
            body["counter"] = json!(n);
        }
        let (s, h, b) = self
            .call(
                "POST",
                "/api/v1/officer/session",
                Some("/api/v1/officer/session"),
                With::default(),
                Some(body),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let cookie = h.get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let token = cookie.split(';').next().unwrap().trim_start_matches("motcua_session=").to_string();
        (token, serde_json::from_str(&b).unwrap())
    }

    async fn act(&self, n: u32, action: &str, body: Option<serde_json::Value>) -> (u16, String) {
        let doc = format!("/api/v1/counters/{{n}}/{action}");
        let (s, _, b) = self
            .call(
                "POST",
                &format!("/api/v1/counters/{n}/{action}"),
                Some(&doc),
                With { token: Some(TOKEN), ..Default::default() },
                body,
            )
            .await;
        (s, b)
    }

    async fn finish(self, ops: &[(&str, &str)]) {
        let declared: BTreeSet<(String, String)> =
            ops.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        let checked: BTreeSet<_> =
            self.doc.checked().into_iter().filter(|op| declared.contains(op)).collect();
        assert_eq!(checked, declared, "operations exercised");
        self.c.centre.verify_waiting_counts().await.unwrap();
        self.c.stop().await;
    }
}

fn response(b: &str) -> CounterActionResponse {
    serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}: {b}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_start_transfer_and_console() {
    // What must hold: start and transfer answer as documented and are
    // announced; a transferred ticket keeps its number and goes ahead of
    // later tickets but not earlier ones; a ticket sent to one counter is
    // skipped by the others; the console lists in calling order.
    let a = Api::start().await;
    let issue = |svc: &'static str, key: &'static str| {
        let c = a.c.centre.clone();
        async move { c.issue(ticket_request(svc, key)).await.unwrap().ticket.number }
    };
    let b1 = issue("CT", "c1").await; // taken before A-001
    let a1 = issue("HT", "h1").await;
    let _a2 = issue("HT", "h2").await;
    let b2 = issue("CT", "c2").await; // taken after A-001
    assert_eq!((a1.as_str(), b1.as_str(), b2.as_str()), ("A-001", "B-001", "B-002"));

    let (s, b) = a.act(1, "start", None).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "no_current_ticket"));
    let (s, b) = a.act(1, "transfer", Some(json!({"service": "CT"}))).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "no_current_ticket"));
    assert_eq!(response(&a.act(1, "call-next", None).await.1).ticket.unwrap().number, "A-001");
    let (s, b) = a.act(1, "start", None).await;
    assert_eq!(s, 200, "{b}");
    let r = response(&b);
    assert_eq!(r.outcome, CounterOutcome::Started);
    assert!(r.ticket.as_ref().unwrap().started_at.is_some());
    assert!(r.counter.current.as_ref().unwrap().started_at.is_some());
    // Transfers that go nowhere, or nowhere known, are refused.
    for (body, code) in [
        (json!({}), "bad_request"),
        (json!({"service": "HT"}), "bad_request"),
        (json!({"counter": 1}), "bad_request"),
        (json!({"service": "XX"}), "unknown_service"),
        (json!({"service": "CT", "counter": 1}), "bad_request"),
        (json!({"counter": 99}), "bad_request"),
        (json!({"service": "CT", "extra": 1}), "bad_request"),
    ] {
        let (s, b) = a.act(1, "transfer", Some(body.clone())).await;
        // An unknown service is a missing resource (404), as for tickets.
        let status = if code == "unknown_service" { 404 } else { 400 };
        assert_eq!((s, error_code(&b).as_str()), (status, code), "{body}");
    }
    let (s, b) = a.act(1, "transfer", Some(json!({"service": "CT"}))).await;
    assert_eq!(s, 200, "{b}");
    let r = response(&b);
    assert_eq!((r.outcome, r.counter.state), (CounterOutcome::Transferred, CounterState::Idle));
    assert_eq!(r.ticket.as_ref().unwrap().transfers, 1);
    // In CT, A-001 goes after B-001 (taken earlier) and before B-002 (taken later).
    let order: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(response(&a.act(3, "call-next", None).await.1).ticket.unwrap().number);
        }
        v
    };
    assert_eq!(order, ["B-001", "A-001", "B-002"]);
    // A transfer to counter 2 only: counter 1 (same service) skips it.
    assert_eq!(response(&a.act(1, "call-next", None).await.1).ticket.unwrap().number, "A-002");
    let _a3 = issue("HT", "h3").await;
    let (s, b) = a.act(1, "transfer", Some(json!({"counter": 2}))).await;
    assert_eq!(s, 200, "{b}");
    let (s, _, b) = a
        .call(
            "GET",
            "/api/v1/counters/2/console",
            Some("/api/v1/counters/{n}/console"),
            With { token: Some(TOKEN), ..Default::default() },
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let v: ConsoleView = serde_json::from_str(&b).unwrap();
    assert_eq!(
        v.waiting.iter().map(|w| (w.number.as_str(), w.reserved)).collect::<Vec<_>>(),
        [("A-002", true), ("A-003", false)]
    );
    let (_, _, b) = a
        .call(
            "GET",
            "/api/v1/counters/1/console",
            None,
            With { token: Some(TOKEN), ..Default::default() },
            None,
        )
        .await;
    let v1: ConsoleView = serde_json::from_str(&b).unwrap();
    assert_eq!(
        v1.waiting.iter().map(|w| w.number.as_str()).collect::<Vec<_>>(),
        ["A-003"],
        "A-002 is for counter 2"
    );
    assert_eq!(response(&a.act(1, "call-next", None).await.1).ticket.unwrap().number, "A-003");
    assert_eq!(response(&a.act(2, "call-next", None).await.1).ticket.unwrap().number, "A-002");
    let (s, _, b) = a
        .call(
            "GET",
            "/api/v1/counters/42/console",
            Some("/api/v1/counters/{n}/console"),
            With { token: Some(TOKEN), ..Default::default() },
            None,
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));
    let (s, _, _) = a
        .call(
            "GET",
            "/api/v1/counters/1/console",
            Some("/api/v1/counters/{n}/console"),
            With::default(),
            None,
        )
        .await;
    assert_eq!(s, 401);
    // Events: started and transferred are in the log, in order.
    let kinds: Vec<String> =
        a.c.centre.events_after(0, 500).await.unwrap().iter().map(|e| e.body.kind().to_string()).collect();
    let pos = |k: &str| kinds.iter().position(|x| x == k).unwrap_or_else(|| panic!("no {k} in {kinds:?}"));
    assert!(pos("ticket_started") < pos("ticket_transferred"));
    a.finish(common::CONSOLE_OPS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_officer_sessions() {
    // What must hold: sign-in with login and PIN or a device token; wrong
    // PINs answer bad_credentials and five lock the login; the cookie reaches
    // only the console's routes of its own counter; POSTs need the CSRF token
    // and a same-origin Origin; sign-out and disabling end the session; the
    // PIN is stored as an Argon2id hash.
    let a = Api::start().await;
    let doc = Some("/api/v1/officer/session");
    let post = |body: serde_json::Value, w: With<'static>| {
        let a = &a;
        async move { a.call("POST", "/api/v1/officer/session", doc, w, Some(body)).await }
    };
    let (s, _, b) = post(json!({"login": "lan", "pin": "000000", "counter": 1}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "bad_credentials"));
    let (s, _, b) = post(json!({"login": "nobody", "pin": PIN, "counter": 1}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "bad_credentials"), "an unknown login looks the same");
    let (s, _, b) = post(json!({"login": "lan", "pin": PIN}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "an officer needs a counter");
    let (s, _, b) = post(json!({"login": "lan", "pin": PIN, "counter": 42}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "unknown_counter"));
    let (s, _, b) = post(json!({"pin": PIN}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (400, "bad_request"));
    let (s, _, b) = post(
        json!({"login": "lan", "pin": PIN, "counter": 1}),
        With { origin: Some("http://evil.example"), ..Default::default() },
    )
    .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "cross-site sign-in");
    let (s, _, b) =
        post(json!({"counter": 1}), With { token: Some("not-a-token"), ..Default::default() }).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _, b) = post(json!({"counter": 2}), With { token: Some(TOKEN), ..Default::default() }).await;
    assert_eq!(s, 201, "a device token opens a session: {b}");
    let dev: OfficerSession = serde_json::from_str(&b).unwrap();
    assert_eq!((dev.officer, dev.counter, dev.manager), (None, Some(2), true), "the admin token");
    // A counter terminal's token opens a console at its own counter only; a board's none.
    let (s, _, b) =
        post(json!({"counter": 2}), With { token: Some(COUNTER_TOKEN), ..Default::default() }).await;
    assert_eq!(s, 201, "{b}");
    assert!(!serde_json::from_str::<OfficerSession>(&b).unwrap().manager);
    let (s, _, b) =
        post(json!({"counter": 3}), With { token: Some(COUNTER_TOKEN), ..Default::default() }).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));
    let (s, _, b) =
        post(json!({"counter": 2}), With { token: Some(BOARD_TOKEN), ..Default::default() }).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));

    // A manager may sign in without a counter.
    let (_, m) = a.sign_in("hoa", None).await;
    assert!(m.manager && m.counter.is_none());
    let (tok, s1) = a.sign_in("lan", Some(1)).await;
    assert_eq!(s1.officer.as_ref().unwrap().name, "Nguyễn Thị Lan");
    let me = With { cookie: Some(&tok), ..Default::default() };
    let (s, _, b) = a.call("GET", "/api/v1/officer/session", doc, me.clone(), None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<OfficerSession>(&b).unwrap().counter, Some(1));
    let (s, _, _) = a.call("GET", "/api/v1/officer/session", doc, With::default(), None).await;
    assert_eq!(s, 401);

    // What the cookie may do.
    a.c.centre.issue(ticket_request("HT", "t1")).await.unwrap();
    let csrf = s1.csrf_token.clone();
    let full = With { cookie: Some(&tok), csrf: Some(&csrf), ..Default::default() };
    let (s, _, b) = a.call("POST", "/api/v1/counters/1/call-next", None, me.clone(), None).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "no CSRF token");
    let evil = With { origin: Some("http://evil.example"), ..full.clone() };
    let (s, _, _) = a.call("POST", "/api/v1/counters/1/call-next", None, evil, None).await;
    assert_eq!(s, 403, "cross-site Origin");
    let (s, _, b) = a.call("POST", "/api/v1/counters/2/call-next", None, full.clone(), None).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "another counter");
    let (s, _, b) = a
        .call(
            "POST",
            "/api/v1/tickets",
            None,
            full.clone(),
            Some(json!({"service": "HT", "idempotency_key": "x", "kiosk_id": "k"})),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "a console does not issue tickets");
    for path in ["/api/v1/reports/day", "/api/v1/kiosks", "/api/v1/ratings/summary"] {
        let (s, _, _) = a.call("GET", path, None, me.clone(), None).await;
        assert_eq!(s, 403, "{path} is for managers");
    }
    let (s, _, b) = a.call("POST", "/api/v1/counters/1/call-next", None, full.clone(), None).await;
    assert_eq!(s, 200, "{b}");
    let called = response(&b);
    assert_eq!(called.ticket.as_ref().unwrap().officer.as_deref(), Some("Nguyễn Thị Lan"), "who serves");
    assert_eq!(called.counter.officer.as_deref(), Some("Nguyễn Thị Lan"), "who sits there");
    for path in ["/api/v1/state", "/api/v1/counters", "/api/v1/services", "/api/v1/counters/1/console"] {
        let (s, _, b) = a.call("GET", path, None, me.clone(), None).await;
        assert_eq!(s, 200, "{path}: {b}");
    }
    let (s, _, _) = a.call("GET", "/api/v1/counters/2/console", None, me.clone(), None).await;
    assert_eq!(s, 403);

    // Sign out needs the CSRF token; afterwards the cookie is dead.
    let (s, _, _) = a.call("DELETE", "/api/v1/officer/session", doc, me.clone(), None).await;
    assert_eq!(s, 403);
    let (s, h, _) = a.call("DELETE", "/api/v1/officer/session", doc, full.clone(), None).await;
    assert_eq!(s, 204);
    assert!(h.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    let (s, _, _) = a.call("DELETE", "/api/v1/officer/session", doc, full.clone(), None).await;
    assert_eq!(s, 401);
    let (s, _, _) = a.call("GET", "/api/v1/state", None, me.clone(), None).await;
    assert_eq!(s, 401);

    // Disabling an account ends its sessions at once.
    let (tok2, _) = a.sign_in("lan", Some(1)).await;
    a.c.centre.set_officer_active("lan", false).await.unwrap();
    let (s, _, _) =
        a.call("GET", "/api/v1/state", None, With { cookie: Some(&tok2), ..Default::default() }, None).await;
    assert_eq!(s, 401);
    let (s, _, b) = post(json!({"login": "lan", "pin": PIN, "counter": 1}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (401, "bad_credentials"));
    a.c.centre.set_officer_active("lan", true).await.unwrap();

    // Five wrong PINs lock the login for a while (the right PIN too).
    for _ in 0..5 {
        let (s, _, _) = post(json!({"login": "hoa", "pin": "999999"}), With::default()).await;
        assert_eq!(s, 401);
    }
    let (s, h, b) = post(json!({"login": "hoa", "pin": PIN}), With::default()).await;
    assert_eq!((s, error_code(&b).as_str()), (429, "too_many_attempts"));
    assert!(h.get("retry-after").is_some());
    // Must hold: the lock is for that login from that address only — the
    // officer at another machine (here 127.0.0.2, another loopback address)
    // still signs in, so a hostile client on the hall LAN cannot lock an
    // officer out by typing wrong PINs.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let r = other
        .post(format!("{}/api/v1/officer/session", a.c.url))
        .json(&json!({"login": "hoa", "pin": PIN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "another address is not locked out");

    // Nothing of the PIN or the session token is in the database in clear.
    let db = std::fs::read(&a.c.db).unwrap();
    let wal = std::fs::read(a.c.db.with_extension("sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(PIN) && !text.contains(&tok) && !text.contains(&tok2));
    }
    assert!(
        String::from_utf8_lossy(&db).contains("$argon2id$")
            || String::from_utf8_lossy(&wal).contains("$argon2id$")
    );
    a.finish(common::OFFICER_OPS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_click_acts_once() {
    // What must hold: the same Idempotency-Key answers the first response and
    // calls nobody else; the same key for another action is a conflict.
    let a = Api::start().await;
    for k in ["a", "b", "c"] {
        a.c.centre.issue(ticket_request("HT", k)).await.unwrap();
    }
    let w = With { token: Some(TOKEN), key: Some("click-1"), ..Default::default() };
    let (s1, _, b1) = a.call("POST", "/api/v1/counters/1/call-next", None, w.clone(), None).await;
    let (s2, _, b2) = a.call("POST", "/api/v1/counters/1/call-next", None, w.clone(), None).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(b1, b2, "the same answer");
    assert_eq!(response(&b1).ticket.unwrap().number, "A-001");
    let (s, _, b) = a.call("POST", "/api/v1/counters/1/recall", None, w.clone(), None).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "idempotency_conflict"));
    let (s, _, b) = a.call("POST", "/api/v1/counters/2/call-next", None, w.clone(), None).await;
    assert_eq!((s, error_code(&b).as_str()), (409, "idempotency_conflict"));
    let (_, _, b) = a
        .call("POST", "/api/v1/counters/1/call-next", None, With { key: Some("click-2"), ..w.clone() }, None)
        .await;
    assert_eq!(response(&b).ticket.unwrap().number, "A-002", "a new click calls the next");
    let (s, _, b) = a
        .call(
            "POST",
            "/api/v1/counters/1/call-next",
            None,
            With { key: Some("bad key é"), ..w.clone() },
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let called =
        a.c.centre
            .events_after(0, 100)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.body.kind() == "ticket_called")
            .count();
    assert_eq!(called, 2);
    a.c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_day_report_and_who_served() {
    // What must hold: the day report counts per service and counter, with
    // wait and service times; ratings name the officer who served the ticket,
    // and the configured name only where nobody signed in.
    let a = Api::start().await;
    let (tok, s) = a.sign_in("lan", Some(1)).await;
    let console = With { cookie: Some(&tok), csrf: Some(&s.csrf_token), ..Default::default() };
    let mut tickets = Vec::new();
    for (svc, key) in [("HT", "r1"), ("HT", "r2"), ("CT", "r3"), ("HT", "r4")] {
        tickets.push(a.c.centre.issue(ticket_request(svc, key)).await.unwrap().ticket);
    }
    let (_, _, b) = a.call("POST", "/api/v1/counters/1/call-next", None, console.clone(), None).await;
    assert_eq!(response(&b).ticket.unwrap().number, "A-001");
    a.call("POST", "/api/v1/counters/1/start", None, console.clone(), None).await;
    a.call("POST", "/api/v1/counters/1/complete", None, console.clone(), None).await;
    // Counter 2 via the device token (nobody signed in there): the config's name.
    a.act(2, "call-next", None).await;
    a.act(2, "no-show", None).await;
    a.act(3, "call-next", None).await;
    a.act(3, "complete", None).await;
    let rate = |code: &str, key: &str| RatingRequest {
        tracking_code: Some(code.into()),
        ticket_number: None,
        check_code: None,
        day: None,
        level: RatingLevel::VerySatisfied,
        indices: None,
        comment: None,
        idempotency_key: key.into(),
        kiosk_id: "kiosk-01".into(),
        rated_at: None,
    };
    let r = a.c.centre.rate(rate(&tickets[0].tracking_code, "rt-1")).await.unwrap();
    assert_eq!(r.receipt.officer.as_deref(), Some("Nguyễn Thị Lan"));
    let summary = a.c.centre.rating_summary(None, None, SummaryGroup::Officer).await.unwrap();
    assert_eq!(summary.groups[0].key, "Nguyễn Thị Lan");

    let (s, _, b) = a
        .call(
            "GET",
            "/api/v1/reports/day",
            Some("/api/v1/reports/day"),
            With { token: Some(TOKEN), ..Default::default() },
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let rep: DayReport = serde_json::from_str(&b).unwrap();
    assert_eq!((rep.total.issued, rep.total.served, rep.total.no_show, rep.total.waiting), (4, 2, 1, 1));
    let ht = rep.services.iter().find(|r| r.key == "HT").unwrap();
    assert_eq!((ht.issued, ht.served, ht.no_show, ht.waiting, ht.called), (3, 1, 1, 1, 2));
    assert!(
        ht.wait_avg_seconds.is_some()
            && ht.service_p90_seconds.is_some()
            && ht.longest_wait_seconds.is_some()
    );
    let c1 = rep.counters.iter().find(|r| r.key == "1").unwrap();
    assert_eq!((c1.served, c1.officers.clone()), (1, vec!["Nguyễn Thị Lan".to_string()]));
    assert_eq!(rep.hours.iter().map(|h| h.issued).sum::<u32>(), 4);
    // A manager's session reads it too; a future day is refused.
    let (mt, _) = a.sign_in("hoa", None).await;
    let (s, _, _) = a
        .call(
            "GET",
            "/api/v1/reports/day",
            Some("/api/v1/reports/day"),
            With { cookie: Some(&mt), ..Default::default() },
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _, b) = a
        .call(
            "GET",
            "/api/v1/reports/day?day=2999-01-01",
            Some("/api/v1/reports/day"),
            With { token: Some(TOKEN), ..Default::default() },
            None,
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "day_not_started"));
    let (s, _, _) = a
        .call(
            "GET",
            "/api/v1/reports/day",
            Some("/api/v1/reports/day"),
            With { cookie: Some(&tok), ..Default::default() },
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _, _) =
        a.call("GET", "/api/v1/reports/day", Some("/api/v1/reports/day"), With::default(), None).await;
    assert_eq!(s, 401);
    a.finish(common::REPORT_OPS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consoles_event_stream_lives_as_long_as_its_session() {
    // What must hold: a browser console (session cookie, no token) gets the
    // event stream, keeps it past the 5 s credential re-check, is not capped
    // as one anonymous device with every other console, and loses it within
    // that re-check once it signs out.
    let a = Api::start().await;
    let mut open = Vec::new();
    let mut first = None;
    // More consoles than `limits.streams_per_device` (4): each is its own session.
    for _ in 0..6 {
        let (tok, s) = a.sign_in("lan", Some(1)).await;
        let r = a
            .http
            .get(format!("{}/api/v1/events", a.c.url))
            .header("cookie", format!("motcua_session={tok}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        first.get_or_insert((tok, s.csrf_token));
        open.push(r);
    }
    let mut resp = open.remove(0);
    assert!(resp.chunk().await.unwrap().is_some(), "the stream starts");
    // Past the re-check, the stream still delivers a new event.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    a.c.centre.issue(ticket_request("HT", "after-recheck")).await.unwrap();
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut seen = String::new();
        while let Ok(Some(c)) = resp.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&c));
            if seen.contains("ticket_issued") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(got, Ok(true), "the console's stream outlived the re-check");
    let (tok, csrf) = first.unwrap();
    let w = With { cookie: Some(&tok), csrf: Some(&csrf), ..Default::default() };
    let (s, _, _) = a.call("DELETE", "/api/v1/officer/session", None, w, None).await;
    assert_eq!(s, 204);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = resp.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream of a signed-out session must end");
    drop(open);
    a.c.stop().await;
}
