//! What the centre's defences cost and hold (loopback, release). Prints
//! `BENCH <name> <value> <unit>`.
//!
//! * ticket issue latency (one kiosk, sequential) and throughput (50 kiosks at
//!   once), plain HTTP vs HTTPS (pinned CA, kept-alive connections);
//! * memory per idle kept-alive connection (this process's RSS; the clients'
//!   sockets are kernel memory);
//! * idle connections held before refusing (the cap), and the time to serve a
//!   kiosk again after a flood of idle connections stops: closed by the
//!   attacker, and abandoned (left open; the header timeout frees them).
//!
//! Run: `cargo bench --bench security`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{ticket_request as req, TestCentre, TOKEN};
use motcua_kiosk::centre::tls::init::{init, InitOptions, SERVER_CERT, SERVER_KEY};
use motcua_kiosk::centre::tls::{self, ClientTrust};
use motcua_kiosk::centre::{ApiClient, Centre, ServerOptions};
use motcua_kiosk::config::{Config, TlsConfig};
use motcua_kiosk::domain::clock;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SERVICES: [&str; 6] = ["HT", "CT", "CU", "DD", "KD", "LD"];

fn config(dir: &Path) -> Config {
    let mut cfg = common::config(dir);
    common::unlimited(&mut cfg);
    cfg
}

async fn serve(cfg: &Config, dir: &Path, tls_dir: Option<&Path>) -> TestCentre {
    let centre = Centre::open_at(dir.join("centre.sqlite3"), cfg, clock::system()).unwrap();
    let mut opts = ServerOptions::from_config(cfg);
    if let Some(t) = tls_dir {
        opts.tls = Some(tls::server_config(&t.join(SERVER_CERT), &t.join(SERVER_KEY)).unwrap());
    }
    TestCentre::serve_opts(centre, opts, 0).await
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// (p50 ms, p99 ms, tickets/s with 50 kiosks).
async fn issue(label: &str, tls_on: bool) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let trust = if tls_on {
        let made = init(&InitOptions {
            dir: tls_dir.clone(),
            names: vec![],
            ips: vec!["127.0.0.1".parse().unwrap()],
            days: 30,
        })
        .unwrap();
        ClientTrust::from_config(&TlsConfig { pin: made.ca_pin, ..TlsConfig::default() }).unwrap()
    } else {
        ClientTrust::default()
    };
    let cfg = config(dir.path());
    let server = serve(&cfg, dir.path(), tls_on.then_some(tls_dir.as_path())).await;
    let client = |_| {
        ApiClient::with_trust(&server.url, TOKEN, Duration::from_millis(800), Duration::from_secs(10), &trust)
            .unwrap()
    };
    let one = client(0);
    for i in 0..50 {
        one.issue_ticket(&req(SERVICES[i % 6], format!("warm-{i}"))).await.unwrap();
    }
    let mut lat = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        one.issue_ticket(&req(SERVICES[i % 6], format!("seq-{i}"))).await.unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (p50, p99) = (pct(&lat, 0.5), pct(&lat, 0.99));
    println!("BENCH issue_{label}_p50 {p50:.3} ms");
    println!("BENCH issue_{label}_p99 {p99:.3} ms");

    let kiosks: Vec<ApiClient> = (0..50).map(client).collect();
    for (k, c) in kiosks.iter().enumerate() {
        c.issue_ticket(&req(SERVICES[k % 6], format!("w{k}"))).await.unwrap();
    }
    let rate = common::issue_concurrently(kiosks, 100, &SERVICES).await;
    println!("BENCH issue_{label}_throughput_50_kiosks {rate:.0} tickets/s");
    server.stop().await;
    (p50, p99, rate)
}

async fn connect_from(ip: &str, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(ip.parse().unwrap(), 0)).unwrap();
    s.connect(to).await.unwrap()
}

/// Whether the server closed (refused) the connection within `d`.
async fn refused(s: &mut TcpStream, d: Duration) -> bool {
    let mut buf = [0u8; 512];
    matches!(tokio::time::timeout(d, s.read(&mut buf)).await, Ok(Ok(_)) | Ok(Err(_)))
}

async fn served(addr: SocketAddr, from: &str) -> bool {
    let mut s = connect_from(from, addr).await;
    if s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n").await.is_err() {
        return false;
    }
    let mut buf = vec![0u8; 512];
    matches!(tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await, Ok(Ok(n)) if buf[..n].starts_with(b"HTTP/1.1 200"))
}

/// Memory per idle kept-alive connection.
async fn idle_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.idle_timeout_ms = 120_000;
    let server = serve(&cfg, dir.path(), None).await;
    assert!(served(server.addr, "127.0.0.1").await);
    let n = 2000;
    let before = rss_kib();
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = connect_from(&format!("127.0.1.{}", i % 200 + 1), server.addr).await;
        s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: c\r\n\r\n").await.unwrap();
        let mut buf = vec![0u8; 1024];
        let _ = s.read(&mut buf).await.unwrap();
        conns.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_kib();
    println!("BENCH idle_connection_memory {:.1} KiB", (after.saturating_sub(before)) as f64 / n as f64);
    drop(conns);
    server.stop().await;
}

/// The default caps against a flood of idle connections from many addresses.
async fn flood() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path()); // the default [limits]
    cfg.limits.header_timeout_ms = 5_000;
    let cap = cfg.limits.max_connections as usize;
    let server = serve(&cfg, dir.path(), None).await;
    let mut held = Vec::new();
    let mut i = 0usize;
    let refused_at = loop {
        let mut s = connect_from(&format!("127.0.2.{}", i % 50 + 1), server.addr).await;
        if i % 64 == 63 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if i >= cap - 8 && refused(&mut s, Duration::from_millis(100)).await {
            break i;
        }
        held.push(s);
        i += 1;
        assert!(i < cap * 2, "never refused");
    };
    println!("BENCH idle_connections_held_before_refusing {refused_at} connections");
    // The attacker closes its sockets: the slots come back at once.
    drop(held);
    let t = Instant::now();
    while !served(server.addr, "127.0.3.1").await {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("BENCH recover_after_flood_closed {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    // The attacker abandons its sockets (left open): the header timeout frees them.
    let mut held = Vec::new();
    for i in 0..cap + 20 {
        held.push(connect_from(&format!("127.0.4.{}", i % 50 + 1), server.addr).await);
    }
    let t = Instant::now();
    while !served(server.addr, "127.0.3.2").await {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("BENCH recover_after_flood_abandoned {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    drop(held);
    server.stop().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let (_, plain_p99, plain_rate) = issue("http", false).await;
        let (_, tls_p99, tls_rate) = issue("https", true).await;
        println!("BENCH tls_throughput_cost {:.1} %", (1.0 - tls_rate / plain_rate) * 100.0);
        println!("BENCH tls_p99_cost {:.3} ms", tls_p99 - plain_p99);
        idle_memory().await;
        flood().await;
    });
}
