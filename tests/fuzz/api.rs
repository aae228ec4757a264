//! Harnesses for every API request body: typed JSON built from the case's
//! bytes with `arbitrary` (right keys, values right, wrong or missing), then
//! byte-mutated now and then; deserialised into the request type, checked
//! as the centre checks it, round-tripped; and, for a bounded number of
//! cases, POSTed to a real centre on 127.0.0.1.

use crate::common;
use crate::driver::{case_count, mutate, run};
use arbitrary::Unstructured;
use chrono::NaiveDate;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::core::{validate_login, validate_pin, RequestChecks};
use motcua_kiosk::centre::CentreError;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};

/// What a field of a request body holds.
#[derive(Clone, Copy)]
enum F {
    Str,
    Key,
    Kiosk,
    Service,
    U32,
    Bool,
    Time,
    Date,
    Level,
    Priority,
    Citizen,
    Indices,
    Strs,
    Tracking,
    Number,
}

const ISSUE: &[(&str, F)] = &[
    ("service", F::Service),
    ("priority", F::Priority),
    ("citizen", F::Citizen),
    ("idempotency_key", F::Key),
    ("kiosk_id", F::Kiosk),
    ("issued_at", F::Time),
    ("offline_number", F::Number),
    ("tracking_code", F::Tracking),
];
const RATING: &[(&str, F)] = &[
    ("tracking_code", F::Tracking),
    ("ticket_number", F::Number),
    ("check_code", F::Str),
    ("day", F::Date),
    ("level", F::Level),
    ("indices", F::Indices),
    ("comment", F::Str),
    ("idempotency_key", F::Key),
    ("kiosk_id", F::Kiosk),
    ("rated_at", F::Time),
];
const COUNTER_RATING: &[(&str, F)] =
    &[("ticket_number", F::Number), ("level", F::Level), ("idempotency_key", F::Key)];
const HEARTBEAT: &[(&str, F)] = &[
    ("printer_status", F::Str),
    ("scanner_connected", F::Bool),
    ("outbox_len", F::U32),
    ("app_version", F::Str),
    ("sent_at", F::Time),
    ("alerts", F::Strs),
    ("clock", F::Time),
    ("pin_failures", F::U32),
    ("pin_locked_until", F::Time),
];
const PAUSE: &[(&str, F)] = &[("reason", F::Str)];
const TRANSFER: &[(&str, F)] = &[("service", F::Service), ("counter", F::U32)];
const SIGN_IN: &[(&str, F)] = &[("login", F::Str), ("pin", F::Str), ("counter", F::U32)];

fn pick<'a>(u: &mut Unstructured, list: &[&'a str]) -> &'a str {
    u.choose(list).copied().unwrap_or("")
}

fn any_str(u: &mut Unstructured) -> String {
    u.arbitrary::<String>().unwrap_or_default()
}

/// A value of kind `f`: usually plausible, sometimes arbitrary of the right
/// JSON type, sometimes of the wrong type.
fn value(u: &mut Unstructured, f: F, depth: u8) -> Value {
    let mode = u.int_in_range(0..=15u8).unwrap_or(0);
    if mode == 15 {
        return wrong(u, depth);
    }
    let plausible = mode < 10;
    match f {
        F::Str if plausible => json!(pick(u, &["ok", "Nguyễn Văn An", "", " ", "a\nb", "x\u{7}", "2.1.0"])),
        F::Key if plausible => json!(format!("k-{}", u.arbitrary::<u32>().unwrap_or(0))),
        F::Kiosk if plausible => json!(pick(u, &["kiosk-01", "kiosk-02", "", "k\u{0}", &"x".repeat(65)])),
        F::Service if plausible => json!(pick(u, &["HT", "CT", "CU", "DD", "XX", ""])),
        F::U32 => json!(u.arbitrary::<u32>().unwrap_or(0) % if plausible { 12 } else { u32::MAX }),
        F::Bool => json!(u.arbitrary::<bool>().unwrap_or(false)),
        F::Time if plausible => {
            json!(pick(u, &["2026-12-02T02:30:00Z", "2026-12-02T09:30:00+07:00", "1900-01-01T00:00:00Z"]))
        }
        F::Date if plausible => json!(pick(u, &["2026-12-02", "2026-02-30", "1899-12-31", "9999-12-31"])),
        F::Level => json!(u.int_in_range(if plausible { 1..=3 } else { -5..=300i32 }).unwrap_or(1)),
        F::Priority if plausible => {
            json!(pick(u, &["elderly", "disabled", "pregnant", "revolutionary_merit", "vip"]))
        }
        F::Citizen if depth < 2 => {
            let mut m = Map::new();
            if u.ratio(7, 8u8).unwrap_or(true) {
                m.insert(
                    "id_number".into(),
                    json!(pick(u, &["048095000123", "201234567", "04809500012x", "1"])),
                );
            }
            if u.ratio(7, 8u8).unwrap_or(true) {
                m.insert("full_name".into(), value(u, F::Str, depth + 1));
            }
            if u.ratio(7, 8u8).unwrap_or(true) {
                m.insert("birth_date".into(), value(u, F::Date, depth + 1));
            }
            Value::Object(m)
        }
        F::Indices if depth < 2 => {
            let n = u.int_in_range(0..=11usize).unwrap_or(9);
            Value::Array(
                (0..n)
                    .map(|_| match u.int_in_range(0..=5u8).unwrap_or(0) {
                        0 => Value::Null,
                        1 => json!(u.arbitrary::<u8>().unwrap_or(0)),
                        n => json!(n % 3),
                    })
                    .collect(),
            )
        }
        F::Strs if depth < 2 => {
            let n = u.int_in_range(0..=18usize).unwrap_or(0);
            Value::Array((0..n).map(|_| value(u, F::Str, depth + 1)).collect())
        }
        F::Tracking if plausible => {
            json!(pick(u, &["7K3M9Q2XRT5VW8YZ0ABC", "7K3M9Q2XRT5VW8YZ0AB", "ILOU0000000000000000"]))
        }
        F::Number if plausible => {
            json!(pick(u, &["A-901", "A-001", "B-950", "A901", "A-0", "Z-99999999999"]))
        }
        _ => json!(any_str(u)),
    }
}

fn wrong(u: &mut Unstructured, depth: u8) -> Value {
    match u.int_in_range(0..=5u8).unwrap_or(0) {
        0 => Value::Null,
        1 => json!(u.arbitrary::<i64>().unwrap_or(0)),
        2 => json!(u.arbitrary::<f64>().ok().filter(|f| f.is_finite()).unwrap_or(0.5)),
        3 if depth < 2 => json!([wrong(u, depth + 1)]),
        4 if depth < 2 => json!({ "x": wrong(u, depth + 1) }),
        _ => json!(any_str(u)),
    }
}

/// A body for `fields` from the case's bytes, sometimes with an unknown
/// field, sometimes byte-mutated after serialisation.
fn body(input: &[u8], fields: &[(&str, F)], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut u = Unstructured::new(input);
    let mut m = Map::new();
    for (name, f) in fields {
        // Omitted now and then (required fields too).
        if u.ratio(1, 8u8).unwrap_or(false) {
            continue;
        }
        let v = value(&mut u, *f, 0);
        m.insert((*name).into(), v);
    }
    if u.ratio(1, 16u8).unwrap_or(false) {
        m.insert(any_str(&mut u), json!(1));
    }
    let text = serde_json::to_vec(&Value::Object(m)).unwrap();
    if rng.u8(..4) == 0 {
        mutate(rng, &[text])
    } else {
        text
    }
}

/// Parses `bytes` as `T`: either a value that serialises and parses back to
/// itself, or an error with a message.
fn parse<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> Option<T> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => {
            let again = serde_json::to_vec(&v).unwrap();
            let back: T = serde_json::from_slice(&again)
                .unwrap_or_else(|e| panic!("{} does not read back: {e}", String::from_utf8_lossy(&again)));
            assert_eq!(back, v);
            Some(v)
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            None
        }
    }
}

fn bad_request(r: Result<(), CentreError>) {
    match r {
        Ok(()) => {}
        Err(CentreError::BadRequest(m)) => assert!(!m.trim().is_empty()),
        Err(e) => panic!("a body check answers BadRequest only, not {e:?}"),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

#[test]
fn request_bodies() {
    // Must hold: every request body type either parses (and then serialises
    // and parses back to itself) or is refused with a message; the centre's
    // checks of ticket, rating and sign-in bodies answer Ok or a bad-request
    // message, never panic or another error.
    let dir = tempfile::tempdir().unwrap();
    let checks = RequestChecks::new(&common::config(dir.path()));
    let short = 4_000;
    run("api_issue_ticket", short, &[], |input, rng| {
        if let Some(req) = parse::<IssueTicketRequest>(&body(input, ISSUE, rng)) {
            bad_request(checks.issue(&req));
        }
    });
    run("api_rating", short, &[], |input, rng| {
        if let Some(req) = parse::<RatingRequest>(&body(input, RATING, rng)) {
            bad_request(checks.rating(&req));
        }
    });
    run("api_counter_rating", short, &[], |input, rng| {
        parse::<CounterRatingRequest>(&body(input, COUNTER_RATING, rng));
    });
    run("api_heartbeat", short, &[], |input, rng| {
        parse::<HeartbeatRequest>(&body(input, HEARTBEAT, rng));
    });
    run("api_pause", short, &[], |input, rng| {
        parse::<PauseRequest>(&body(input, PAUSE, rng));
    });
    run("api_transfer", short, &[], |input, rng| {
        parse::<TransferRequest>(&body(input, TRANSFER, rng));
    });
    run("api_sign_in", short, &[], |input, rng| {
        // SignInRequest has no PartialEq (its Debug hides the PIN): no round trip.
        if let Ok(req) = serde_json::from_slice::<SignInRequest>(&body(input, SIGN_IN, rng)) {
            if let Some(l) = &req.login {
                bad_request(validate_login(l).map(|_| ()));
            }
            if let Some(p) = &req.pin {
                bad_request(validate_pin(p));
            }
        }
    });
}

#[test]
fn display_feed_events() {
    // Must hold: any `data:` of an event-stream message the board receives
    // is either a centre event (which the board maps to a change or ignores)
    // or refused; an event that parses serialises back to itself.
    let seeds: Vec<Vec<u8>> = [
        r#"{"id":7,"at":"2026-12-02T02:30:00Z","kind":"ticket_called","data":{"number":"A-023","service":"HT","counter":3,"calls":1,"called_at":"2026-12-02T02:30:00Z"}}"#,
        r#"{"id":8,"at":"2026-12-02T02:31:00Z","kind":"day_rollover","data":{"day":"2026-12-03"}}"#,
        r#"{"id":9,"at":"2026-12-02T02:31:00Z","kind":"resync","data":{}}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run("display_feed_events", 20_000, &seeds, |input, _| {
        if let Some(ev) = parse::<CentreEvent>(input) {
            let _ = motcua_kiosk::app::display_feed::board_event(&ev, Some(today()));
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_over_http() {
    // Must hold: a real centre on 127.0.0.1 answers any body POSTed to any
    // endpoint that takes one with 2xx, or 4xx and a JSON error with a code
    // and a message; never 5xx, never a dropped connection; and it is still
    // healthy afterwards. Each case writes to SQLite (fsync), so this one
    // runs FUZZ_HTTP_CASES (default 300), not FUZZ_CASES.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    common::unlimited(&mut cfg);
    let server = common::TestCentre::start(
        &cfg,
        &dir.path().join("centre.sqlite3"),
        motcua_kiosk::domain::clock::system(),
        0,
    )
    .await;
    let endpoints: [(&str, &[(&str, F)]); 7] = [
        ("/api/v1/tickets", ISSUE),
        ("/api/v1/ratings", RATING),
        ("/api/v1/counters/1/rating", COUNTER_RATING),
        ("/api/v1/kiosks/kiosk-01/heartbeat", HEARTBEAT),
        ("/api/v1/counters/1/pause", PAUSE),
        ("/api/v1/counters/2/transfer", TRANSFER),
        ("/api/v1/officer/session", SIGN_IN),
    ];
    let cases = std::env::var("FUZZ_HTTP_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300u64);
    let mut rng = fastrand::Rng::with_seed(case_count(0) ^ 0x4854_5450);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let started = std::time::Instant::now();
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..cases {
        let (path, fields) = endpoints[i as usize % endpoints.len()];
        let input: Vec<u8> = (0..rng.usize(16..512)).map(|_| rng.u8(..)).collect();
        let b = body(&input, fields, &mut rng);
        let r = client
            .post(format!("{}{path}", server.url))
            .bearer_auth(common::TOKEN)
            .header("content-type", "application/json")
            .body(b.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path} {}: {e}", String::from_utf8_lossy(&b)));
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        *statuses.entry(status).or_insert(0u32) += 1;
        assert!(status < 500, "{path} {} -> {status} {text}", String::from_utf8_lossy(&b));
        if status >= 400 {
            let e: ApiError = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path} {status}: not a JSON error ({e}): {text}"));
            assert!(!e.code.is_empty() && !e.message.is_empty(), "{text}");
        }
    }
    println!(
        "FUZZ api_over_http {cases} cases in {:.2} s; statuses {statuses:?}",
        started.elapsed().as_secs_f64()
    );
    let (status, _, _) = common::raw("GET", &format!("{}/api/v1/health", server.url), None, None).await;
    assert_eq!(status, 200);
    server.stop().await;
}
