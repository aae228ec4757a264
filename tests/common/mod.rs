//! Shared helpers for the centre integration tests: a real server on
//! 127.0.0.1 (port 0 unless a port is given), real SQLite files in temp dirs.
#![allow(dead_code)]

pub mod browser;
pub mod kiosk;
pub mod openapi;
pub mod provision;
pub mod proxy;

use chrono::{DateTime, TimeZone, Utc};
use motcua_kiosk::centre::api::IssueTicketRequest;
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{serve_centre, ApiClient, Centre, KioskLink, LinkOptions, ServerOptions};
use motcua_kiosk::config::{Config, DeviceConfig};
use motcua_kiosk::domain::clock::Clock;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// `centre.token`: the admin's token (every right).
pub const TOKEN: &str = "admin-token-for-the-tests-0001";
/// Device `display-1`, role display.
pub const DISPLAY_TOKEN: &str = "display-token-for-the-tests-01";
/// Device `kiosk-01`, role kiosk, offline range 900-949.
pub const KIOSK_TOKEN: &str = "kiosk-01-token-for-the-tests-1";
/// Device `kiosk-02`, role kiosk, offline range 950-999.
pub const KIOSK2_TOKEN: &str = "kiosk-02-token-for-the-tests-1";
/// Device `counter-1`, role counter, counters 1 and 2.
pub const COUNTER_TOKEN: &str = "counter-1-token-for-the-tests1";

fn device(id: &str, role: &str, token: &str) -> DeviceConfig {
    DeviceConfig { id: id.into(), role: role.into(), token: token.into(), ..Default::default() }
}

/// A config for tests: demo hours and sample dossiers, the admin token plus one
/// device of each role, short timeouts.
pub fn config(data_dir: &Path) -> Config {
    let mut cfg = Config::default();
    cfg.data.dir = data_dir.display().to_string();
    cfg.centre.token = TOKEN.into();
    cfg.centre.devices = vec![
        device("display-1", "display", DISPLAY_TOKEN),
        DeviceConfig { offline_range: vec![900, 949], ..device("kiosk-01", "kiosk", KIOSK_TOKEN) },
        DeviceConfig { offline_range: vec![950, 999], ..device("kiosk-02", "kiosk", KIOSK2_TOKEN) },
        DeviceConfig { counters: vec![1, 2], ..device("counter-1", "counter", COUNTER_TOKEN) },
    ];
    cfg.centre.connect_timeout_ms = 300;
    cfg.centre.request_timeout_ms = 3000;
    cfg.queue.always_open = true;
    cfg.dossier.sample_data = true;
    cfg
}

/// Lifts the centre's rate limits and caps (benchmarks drive one device far
/// beyond a hall's pace; tests of the limits set their own).
pub fn unlimited(cfg: &mut Config) {
    let l = &mut cfg.limits;
    (l.dossier_per_minute, l.rating_per_minute, l.ticket_per_minute, l.public_per_minute) = (0, 0, 0, 0);
    l.streams_per_device = 100_000;
    l.max_connections = 100_000;
    l.max_connections_per_address = 0;
    l.writer_queue = 1_000_000;
}

/// The kiosk side of `cfg`: the same services and tokens, talking to the
/// centre at `url` as kiosk `kiosk_id`.
pub fn kiosk_config(cfg: &Config, url: &str, kiosk_id: &str) -> Config {
    let mut k = cfg.clone();
    k.centre.url = url.to_string();
    k.kiosk.id = kiosk_id.into();
    k
}

/// Link timings for tests: retries within 50-200 ms instead of 0.5-5 s, so an
/// outbox drains soon after the centre comes back.
pub fn fast() -> LinkOptions {
    LinkOptions {
        retry_min: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        refresh_every: Duration::from_secs(30),
    }
}

/// A kiosk link to the centre named in `cfg.centre.url`, with [`fast`] retries.
pub fn remote_link(cfg: &Config, db: &Path, clock: Arc<dyn Clock>) -> KioskLink {
    KioskLink::Remote(RemoteLink::open(cfg, db, clock, fast()).expect("kiosk link opens"))
}

/// A plain online ticket request from `kiosk-01`: no priority, no citizen,
/// not an offline replay. Tests change fields with struct update syntax:
/// `IssueTicketRequest { priority: Some(p), ..ticket_request("HT", "k1") }`.
pub fn ticket_request(service: &str, key: impl Into<String>) -> IssueTicketRequest {
    IssueTicketRequest {
        service: service.into(),
        priority: None,
        citizen: None,
        idempotency_key: key.into(),
        kiosk_id: "kiosk-01".into(),
        issued_at: None,
        offline_number: None,
        tracking_code: None,
    }
}

/// Drops a centre off the async threads: the last handle joins the writer
/// thread, which may wait for a commit.
pub async fn close(centre: Centre) {
    tokio::task::spawn_blocking(move || drop(centre)).await.unwrap();
}

/// Local wall time (UTC+7) to UTC.
pub fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    motcua_kiosk::domain::localtime::vn_offset()
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct TestCentre {
    pub centre: Centre,
    pub addr: SocketAddr,
    pub url: String,
    pub db: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestCentre {
    /// Opens a centre on `db` and serves it on 127.0.0.1:`port` (0 = any).
    pub async fn start(cfg: &Config, db: &Path, clock: Arc<dyn Clock>, port: u16) -> TestCentre {
        Self::start_with(cfg, db, clock, port, Duration::from_secs(15)).await
    }

    pub async fn start_with(
        cfg: &Config,
        db: &Path,
        clock: Arc<dyn Clock>,
        port: u16,
        keep_alive: Duration,
    ) -> TestCentre {
        let centre = Centre::open_at(db, cfg, clock).expect("centre opens");
        Self::serve(centre, cfg, port, keep_alive).await
    }

    /// Serves an already open centre on 127.0.0.1:`port` (0 = any).
    pub async fn serve(centre: Centre, cfg: &Config, port: u16, keep_alive: Duration) -> TestCentre {
        let mut opts = ServerOptions::from_config(cfg);
        opts.keep_alive = keep_alive;
        Self::serve_opts(centre, opts, port).await
    }

    /// Serves an already open centre with given options (TLS, limits); `url`
    /// is `https://` when `opts.tls` is set.
    pub async fn serve_opts(centre: Centre, opts: ServerOptions, port: u16) -> TestCentre {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        let task = tokio::spawn(serve_centre(centre.clone(), opts, listener, async {
            let _ = rx.await;
        }));
        TestCentre {
            db: centre.db_path().to_path_buf(),
            centre,
            addr,
            url: format!("{scheme}://{addr}"),
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has let go of the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .expect("server stops within 10 s")
                .expect("server task")
                .expect("server ran cleanly");
        }
        // Dropping the last handle joins the writer thread (closes the database).
        let centre = self.centre.clone();
        drop(self);
        close(centre).await;
    }

    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.url, TOKEN, Duration::from_millis(500), Duration::from_secs(10)).unwrap()
    }

    pub fn display_client(&self) -> ApiClient {
        ApiClient::new(&self.url, DISPLAY_TOKEN, Duration::from_millis(500), Duration::from_secs(10)).unwrap()
    }
}

/// A raw HTTP request (for status codes, headers and error bodies).
pub async fn raw(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    raw_from("127.0.0.1", method, url, token, body).await
}

/// A raw HTTP request from a given loopback address (127.0.0.x stand for
/// different machines on the LAN).
pub async fn raw_from(
    ip: &str,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let local = ip.parse::<std::net::IpAddr>().expect("a loopback address");
    let c = reqwest::Client::builder().no_proxy().local_address(local).build().unwrap();
    let mut rb = c.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.header("content-type", "application/json").body(b.to_string());
    }
    let r = rb.send().await.expect("request reaches the test server");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

/// `kiosks` issuing `per_kiosk` tickets each, all at once; tickets per second.
pub async fn issue_concurrently(kiosks: Vec<ApiClient>, per_kiosk: usize, services: &[&str]) -> f64 {
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = kiosks
        .into_iter()
        .enumerate()
        .map(|(k, c)| {
            let services = services.clone();
            tokio::spawn(async move {
                for i in 0..per_kiosk {
                    let s = &services[(k + i) % services.len()];
                    c.issue_ticket(&ticket_request(s, format!("k{k}-{i}"))).await.unwrap();
                }
            })
        })
        .collect();
    let n = tasks.len() * per_kiosk;
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Parses a JSON error body and checks its shape.
pub fn error_code(body: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("error body is not JSON ({e}): {body}"));
    let code = v["code"].as_str().unwrap_or_else(|| panic!("error without code: {body}")).to_string();
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "error without message: {body}");
    assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "code not snake_case: {code}");
    code
}

/// Operations of docs/openapi.yaml exercised by `tests/centre_console.rs`
/// (listed here so `centre_api.rs` can check that every documented
/// operation has a contract test).
pub const CONSOLE_OPS: &[(&str, &str)] = &[
    ("POST", "/api/v1/counters/{n}/start"),
    ("POST", "/api/v1/counters/{n}/transfer"),
    ("GET", "/api/v1/counters/{n}/console"),
];
pub const OFFICER_OPS: &[(&str, &str)] = &[
    ("POST", "/api/v1/officer/session"),
    ("GET", "/api/v1/officer/session"),
    ("DELETE", "/api/v1/officer/session"),
];
pub const REPORT_OPS: &[(&str, &str)] = &[("GET", "/api/v1/reports/day")];

/// A database file and its WAL, as bytes (what someone copying the disk gets).
pub fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    if let Ok(w) = std::fs::read(db.with_extension("sqlite3-wal")) {
        all.extend(w);
    }
    all
}

/// Whether `bytes` contain `s` (UTF-8).
pub fn holds(bytes: &[u8], s: &str) -> bool {
    bytes.windows(s.len()).any(|w| w == s.as_bytes())
}
