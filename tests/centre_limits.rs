//! The centre under attack from the hall's LAN, over real HTTP on loopback
//! (127.0.0.x addresses stand for different machines), with real SQLite files:
//! half-open and idle connections, connection floods, walking dossier codes,
//! a writer that cannot keep up, a dead writer and an unwritable data
//! directory. Each test fails on a centre without the defence.

mod common;

use common::{error_code, raw, raw_from, ticket_request, TestCentre, KIOSK2_TOKEN, KIOSK_TOKEN, TOKEN};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::clock;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn config(dir: &std::path::Path) -> Config {
    common::config(dir)
}

async fn start(cfg: &Config, dir: &std::path::Path) -> TestCentre {
    TestCentre::start(cfg, &dir.join("centre.sqlite3"), clock::system(), 0).await
}

/// A TCP connection from a given loopback address (another "machine").
async fn connect_from(ip: &str, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(ip.parse().unwrap(), 0)).unwrap();
    s.connect(to).await.expect("connect")
}

/// Reads until the server closes the connection; what it sent, or `None`
/// when it is still open after `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn retry_after(h: &reqwest::header::HeaderMap) -> u64 {
    h.get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds")
}

fn issue(key: &str) -> String {
    serde_json::to_string(&ticket_request("HT", key)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_request_is_closed_within_the_header_timeout_while_others_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.header_timeout_ms = 1000;
    cfg.limits.idle_timeout_ms = 10_000;
    let c = start(&cfg, dir.path()).await;
    let opened = Instant::now();
    // Part of the headers, then nothing (slowloris); and a socket that never speaks.
    let mut half = TcpStream::connect(c.addr).await.unwrap();
    half.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: centre\r\nX-Slow: ").await.unwrap();
    let mut silent = TcpStream::connect(c.addr).await.unwrap();
    for _ in 0..5 {
        let (status, _, _) = raw("GET", &format!("{}/api/v1/health", c.url), None, None).await;
        assert_eq!(status, 200, "normal requests are answered meanwhile");
    }
    assert!(closed_within(&mut half, Duration::from_secs(4)).await.is_some(), "half-open request still open");
    let waited = opened.elapsed();
    assert!(waited >= Duration::from_millis(900), "closed before the header timeout: {waited:?}");
    assert!(
        closed_within(&mut silent, Duration::from_secs(1)).await.is_some(),
        "silent connection still open"
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_but_an_event_stream_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.header_timeout_ms = 500;
    cfg.limits.idle_timeout_ms = 1500;
    let c = TestCentre::start_with(
        &cfg,
        &dir.path().join("c.sqlite3"),
        clock::system(),
        0,
        Duration::from_millis(300),
    )
    .await;
    let mut s = TcpStream::connect(c.addr).await.unwrap();
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: centre\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    let answered = Instant::now();
    // Longer than the header timeout: a kept-alive connection may wait for its next request...
    tokio::time::sleep(Duration::from_millis(800)).await;
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: centre\r\n\r\n").await.unwrap();
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "the kept-alive connection still serves");
    let answered_again = Instant::now();
    // ...but not longer than the idle timeout.
    assert!(closed_within(&mut s, Duration::from_secs(4)).await.is_some(), "idle connection still open");
    let idle = answered_again.elapsed();
    assert!(idle >= Duration::from_millis(1400), "closed before the idle timeout: {idle:?}");
    assert!(answered.elapsed() > Duration::from_millis(2000));
    // An event stream is a request in progress: neither timeout cuts it.
    let mut events = c.display_client().events(None).await.unwrap();
    let item = tokio::time::timeout(Duration::from_millis(2500), events.next()).await;
    assert!(item.is_err(), "the event stream ended or failed: {item:?}");
    assert!(events.keep_alives() >= 5, "keep-alives flowed: {}", events.keep_alives());
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_caps_are_refused_at_once_while_the_centre_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.max_connections = 16;
    cfg.limits.max_connections_per_address = 8;
    // Long enough that the first idle connections are still held when the
    // global cap is checked, even on a loaded machine (3 s flaked there).
    cfg.limits.header_timeout_ms = 6000;
    let c = start(&cfg, dir.path()).await;
    let health = format!("{}/api/v1/health", c.url);
    // A kiosk on 127.0.0.4 with a connection open before the flood.
    let kiosk = reqwest::Client::builder()
        .no_proxy()
        .local_address("127.0.0.4".parse::<IpAddr>().ok())
        .build()
        .unwrap();
    assert_eq!(kiosk.get(&health).send().await.unwrap().status(), 200);

    // One machine opens idle connections up to its cap; more are refused at once.
    let mut hogs = Vec::new();
    for _ in 0..8 {
        hogs.push(connect_from("127.0.0.1", c.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..4 {
        let mut s = connect_from("127.0.0.1", c.addr).await;
        let t = Instant::now();
        let got = closed_within(&mut s, Duration::from_secs(1)).await.expect("refused within a second");
        assert!(t.elapsed() < Duration::from_millis(500), "refused at once, not after {:?}", t.elapsed());
        assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 503"), "{}", String::from_utf8_lossy(&got));
    }
    // Another machine is served.
    let (status, _, body) =
        raw_from("127.0.0.2", "POST", &format!("{}/api/v1/tickets", c.url), Some(TOKEN), Some(&issue("k1")))
            .await;
    assert_eq!(status, 201, "{body}");

    // A second machine fills the global cap (8 + 7 + the kiosk's one): a third
    // is refused, the kiosk's open connection still serves.
    for _ in 0..7 {
        hogs.push(connect_from("127.0.0.2", c.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut s = connect_from("127.0.0.3", c.addr).await;
    assert!(
        closed_within(&mut s, Duration::from_millis(500)).await.is_some(),
        "over the global cap: refused"
    );
    assert_eq!(kiosk.get(&health).send().await.unwrap().status(), 200, "an open connection keeps serving");

    // The idle connections time out and the third machine gets in.
    let flood_over = Instant::now();
    loop {
        let mut s = connect_from("127.0.0.3", c.addr).await;
        s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: centre\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let got = closed_within(&mut s, Duration::from_secs(2)).await.unwrap_or_default();
        if got.starts_with(b"HTTP/1.1 200") {
            break;
        }
        assert!(flood_over.elapsed() < Duration::from_secs(12), "the centre did not recover from the flood");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(hogs);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dossier_walking_is_throttled_while_a_normal_kiosk_pace_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path()); // the default limits: 30 a minute, 20 at once
    let c = start(&cfg, dir.path()).await;
    let url = |n: u32| format!("{}/api/v1/dossiers/000.00.06.H56-231027-{n:04}", c.url);
    let mut limited = None;
    for n in 1..=25 {
        let (status, headers, body) = raw("GET", &url(n), Some(KIOSK_TOKEN), None).await;
        if status == 429 {
            assert_eq!(error_code(&body), "rate_limited");
            assert!(retry_after(&headers) >= 1);
            limited = Some(n);
            break;
        }
        assert_ne!(status, 500, "{body}");
    }
    assert_eq!(limited, Some(21), "walking stopped after the burst of 20");
    // Another kiosk (its own token, its own address) looking up 10 dossiers at once is not limited.
    for n in 100..110 {
        let (status, _, body) = raw_from("127.0.0.2", "GET", &url(n), Some(KIOSK2_TOKEN), None).await;
        assert_ne!(status, 429, "a normal kiosk burst was limited: {body}");
    }
    // The walker's token is limited from another address too (per device)...
    let (status, _, _) = raw_from("127.0.0.3", "GET", &url(200), Some(KIOSK_TOKEN), None).await;
    assert_eq!(status, 429, "per device");
    // ...and another token from the walker's address (per address).
    let (status, _, _) = raw("GET", &url(201), Some(KIOSK2_TOKEN), None).await;
    assert_eq!(status, 429, "per address");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_issue_ratings_and_public_status_are_limited_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    (cfg.limits.ticket_per_minute, cfg.limits.ticket_burst) = (60, 3);
    (cfg.limits.rating_per_minute, cfg.limits.rating_burst) = (60, 2);
    (cfg.limits.public_per_minute, cfg.limits.public_burst) = (60, 4);
    let c = start(&cfg, dir.path()).await;
    let tickets = format!("{}/api/v1/tickets", c.url);
    let mut codes = Vec::new();
    for i in 0..3 {
        let (status, _, body) = raw("POST", &tickets, Some(TOKEN), Some(&issue(&format!("t{i}")))).await;
        assert_eq!(status, 201, "{body}");
        codes.push(
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["tracking_code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (status, h, body) = raw("POST", &tickets, Some(TOKEN), Some(&issue("t4"))).await;
    assert_eq!((status, error_code(&body).as_str()), (429, "rate_limited"));
    assert!(retry_after(&h) >= 1);

    let ratings = format!("{}/api/v1/ratings", c.url);
    for _ in 0..2 {
        let (status, _, _) = raw("POST", &ratings, Some(TOKEN), Some("{}")).await;
        assert_eq!(status, 400);
    }
    let (status, _, _) = raw("POST", &ratings, Some(TOKEN), Some("{}")).await;
    assert_eq!(status, 429, "ratings limited");

    for i in 0..4 {
        let path =
            if i % 2 == 0 { format!("/t/{}", codes[0]) } else { format!("/api/v1/tickets/{}", codes[0]) };
        let (status, _, _) = raw("GET", &format!("{}{path}", c.url), None, None).await;
        assert_eq!(status, 200);
    }
    let (status, _, body) = raw("GET", &format!("{}/t/{}", c.url, codes[0]), None, None).await;
    assert_eq!((status, error_code(&body).as_str()), (429, "rate_limited"), "the phone page, per address");
    let (status, _, _) = raw_from("127.0.0.2", "GET", &format!("{}/t/{}", c.url, codes[0]), None, None).await;
    assert_eq!(status, 200, "another phone is not limited");
    c.stop().await;
}

/// Holds the database's write lock (as a long checkpoint or a stuck disk would).
fn hold_write_lock(db: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_writer_queue_answers_503_busy_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.writer_queue = 2;
    cfg.limits.ticket_burst = 100;
    let c = start(&cfg, dir.path()).await;
    let lock = hold_write_lock(&c.db);
    let tickets = format!("{}/api/v1/tickets", c.url);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (url, body) = (tickets.clone(), issue(&format!("b{i}")));
        tasks.push(tokio::spawn(async move { raw("POST", &url, Some(TOKEN), Some(&body)).await }));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(lock);
    let (mut busy, mut created) = (0, 0);
    for t in tasks {
        let (status, h, body) = t.await.unwrap();
        match status {
            503 => {
                assert_eq!(error_code(&body), "busy");
                assert_eq!(retry_after(&h), 1);
                busy += 1;
            }
            201 => created += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(busy >= 5, "{busy} busy, {created} created");
    assert!(created >= 1, "the queued writes went through once the lock was released");
    assert!(started.elapsed() < Duration::from_secs(4));
    let (status, _, _) = raw("POST", &tickets, Some(TOKEN), Some(&issue("after"))).await;
    assert_eq!(status, 201);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_not_answered_in_time_gets_json_503_and_its_retry_finds_the_same_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.request_timeout_ms = 300;
    let c = start(&cfg, dir.path()).await;
    let lock = hold_write_lock(&c.db);
    let tickets = format!("{}/api/v1/tickets", c.url);
    let t = Instant::now();
    let (status, h, body) = raw("POST", &tickets, Some(TOKEN), Some(&issue("slow"))).await;
    assert_eq!((status, error_code(&body).as_str()), (503, "timeout"), "{body}");
    assert!(retry_after(&h) >= 1);
    assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
    drop(lock);
    // The write was queued; the kiosk's retry with the same key finds it, once.
    let mut status = 0;
    for _ in 0..20 {
        status = raw("POST", &tickets, Some(TOKEN), Some(&issue("slow"))).await.0;
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(status == 200 || status == 201, "{status}");
    let (_, _, body) = raw("GET", &format!("{}/api/v1/services", c.url), Some(TOKEN), None).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ht = v["services"].as_array().unwrap().iter().find(|s| s["code"] == "HT").unwrap();
    assert_eq!(ht["issued_today"], 1, "one ticket, not two");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_not_ok_when_the_data_directory_is_not_writable_or_the_writer_died() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let cfg = config(&data);
    let c = start(&cfg, &data).await;
    let health = format!("{}/api/v1/health", c.url);
    assert_eq!(raw("GET", &health, None, None).await.0, 200);

    // Make the directory unwritable: chmod, unless root ignores it; then a
    // file takes the directory's place (the open database keeps working).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let chmod_works = std::fs::write(data.join("probe"), b"x").is_err();
    let moved = dir.path().join("data.moved");
    if !chmod_works {
        eprintln!("running as root: chmod does not stop writes; a file replaces the data directory instead");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::remove_file(data.join("probe")).unwrap();
        std::fs::rename(&data, &moved).unwrap();
        std::fs::write(&data, b"not a directory").unwrap();
    }
    let (status, _, body) = raw("GET", &health, None, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), "unhealthy");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["problems"], serde_json::json!(["data_dir_not_writable"]), "{body}");
    common::openapi::OpenApi::load().check_schema("HealthProblem", &v);
    if chmod_works {
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    } else {
        std::fs::remove_file(&data).unwrap();
        std::fs::rename(&moved, &data).unwrap();
    }
    assert_eq!(raw("GET", &health, None, None).await.0, 200, "healthy again");

    c.centre.crash_writer_for_tests().await;
    let (status, _, body) = raw("GET", &health, None, None).await;
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["problems"], serde_json::json!(["writer_dead"]), "{body}");
    let (status, _, body) =
        raw("POST", &format!("{}/api/v1/tickets", c.url), Some(TOKEN), Some(&issue("x"))).await;
    assert_eq!((status, error_code(&body).as_str()), (503, "unavailable"));
    c.stop().await;
}
