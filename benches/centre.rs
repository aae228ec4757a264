//! Centre benchmarks (loopback only, bounded loops). Prints `BENCH <name> <value> <unit>`.
//!
//! * tap-to-ticket latency through the kiosk link against the centre on
//!   127.0.0.1 (HTTP + fsynced commit), and offline (reserved number + fsynced
//!   outbox write);
//! * issue throughput with 50 concurrent kiosks (one HTTP client each);
//! * call-to-receive latency over SSE with 200 connected displays;
//! * what erasing a citizen's identity costs the officer: `complete` of a
//!   ticket that carried one (erased, WAL checkpointed before the answer)
//!   against one that did not.
//!
//! Run: `cargo bench --bench centre` (release). Real SQLite files in a temp dir.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{ticket_request as req, TestCentre, TOKEN};
use motcua_kiosk::centre::api::{CitizenInfo, CounterCommand, FeedItem};
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{ApiClient, KioskLink, LinkMode, LinkOptions, TicketRequest};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::clock;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const SERVICES: [&str; 6] = ["HT", "CT", "CU", "DD", "KD", "LD"];

/// The tests' centre config with room for 1,000 offline numbers per service.
fn config(dir: &Path) -> Config {
    let mut cfg = common::config(dir);
    common::unlimited(&mut cfg);
    cfg.offline.range_start = 1000;
    cfg.offline.range_end = 9999;
    cfg
}

async fn start(cfg: &Config, db: &Path) -> TestCentre {
    TestCentre::start(cfg, db, clock::system(), 0).await
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples_ms: Vec<f64>) {
    samples_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("BENCH {name}_p50 {:.3} ms", pct(&samples_ms, 0.50));
    println!("BENCH {name}_p99 {:.3} ms", pct(&samples_ms, 0.99));
    println!("BENCH {name}_max {:.3} ms", samples_ms[samples_ms.len() - 1]);
}

/// Tap-to-ticket through the kiosk link, online then offline.
async fn tap_to_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let server = start(&cfg, &dir.path().join("centre.sqlite3")).await;
    let mut kcfg = cfg.clone();
    kcfg.centre.url = server.url.clone();
    let opts = LinkOptions { retry_max: Duration::from_secs(60), ..LinkOptions::default() };
    let link = KioskLink::Remote(
        RemoteLink::open(&kcfg, dir.path().join("kiosk.sqlite3"), clock::system(), opts).unwrap(),
    );
    link.services().await.unwrap();
    for i in 0..20 {
        link.issue_ticket(&TicketRequest::new(SERVICES[i % 6])).await.unwrap();
    }
    let mut online = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        let ticket = link.issue_ticket(&TicketRequest::new(SERVICES[i % 6])).await.unwrap();
        online.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(!ticket.offline);
    }
    report("tap_to_ticket_online", online);

    server.stop().await;
    // The first tap after the centre died discovers it (connection refused) and falls back.
    let t = Instant::now();
    assert!(link.issue_ticket(&TicketRequest::new("HT")).await.unwrap().offline);
    println!("BENCH tap_to_ticket_first_offline {:.3} ms", t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(link.status().mode, LinkMode::Offline);
    let mut offline = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        let ticket = link.issue_ticket(&TicketRequest::new(SERVICES[i % 6])).await.unwrap();
        offline.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(ticket.offline);
    }
    report("tap_to_ticket_offline", offline);
}

/// 50 kiosks issuing as fast as they can.
async fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let server = start(&cfg, &dir.path().join("centre.sqlite3")).await;
    let kiosks = 50;
    let per_kiosk = 200;
    let clients: Vec<ApiClient> = (0..kiosks)
        .map(|_| {
            ApiClient::new(&server.url, TOKEN, Duration::from_millis(800), Duration::from_secs(10)).unwrap()
        })
        .collect();
    // Warm the connections.
    for (k, c) in clients.iter().enumerate() {
        c.issue_ticket(&req(SERVICES[k % 6], format!("warm-{k}"))).await.unwrap();
    }
    let (b0, j0) = server.centre.writer_stats();
    let started = Instant::now();
    let rate = common::issue_concurrently(clients, per_kiosk, &SERVICES).await;
    let secs = started.elapsed().as_secs_f64();
    let (b1, j1) = server.centre.writer_stats();
    println!("BENCH issue_throughput_50_kiosks {rate:.0} tickets/s");
    println!("BENCH issue_commits_per_s {:.0} commits/s", (b1 - b0) as f64 / secs);
    println!("BENCH issue_tickets_per_commit {:.1} tickets", (j1 - j0) as f64 / (b1 - b0).max(1) as f64);
    server.stop().await;
}

/// 200 displays on SSE; time from the officer's call-next request to each display's event.
async fn call_to_receive() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let server = start(&cfg, &dir.path().join("centre.sqlite3")).await;
    let client =
        ApiClient::new(&server.url, TOKEN, Duration::from_millis(800), Duration::from_secs(10)).unwrap();
    let calls = 60;
    for i in 0..calls {
        client.issue_ticket(&req(SERVICES[i % 6], format!("t{i}"))).await.unwrap();
    }
    let displays = 200;
    let base = Instant::now();
    let sent_at = Arc::new(AtomicU64::new(0));
    let (lat_tx, mut lat_rx) = tokio::sync::mpsc::unbounded_channel::<f64>();
    let last = client.state().await.unwrap().last_event_id;
    let mut ready = Vec::new();
    for _ in 0..displays {
        let c =
            ApiClient::new(&server.url, TOKEN, Duration::from_millis(800), Duration::from_secs(10)).unwrap();
        let mut stream = c.events(Some(last)).await.unwrap();
        let (sent_at, lat_tx) = (sent_at.clone(), lat_tx.clone());
        let (rtx, rrx) = oneshot::channel::<()>();
        ready.push(rrx);
        tokio::spawn(async move {
            let _ = rtx.send(());
            let mut seen = 0;
            while seen < calls {
                match stream.next().await {
                    Some(Ok(FeedItem::Event(ev))) if ev.body.kind() == "ticket_called" => {
                        let now = base.elapsed().as_nanos() as u64;
                        let sent = sent_at.load(Ordering::Acquire);
                        let _ = lat_tx.send((now - sent) as f64 / 1e6);
                        seen += 1;
                    }
                    Some(Ok(_)) => {}
                    other => panic!("display stream ended: {other:?}"),
                }
            }
        });
    }
    for r in ready {
        r.await.unwrap();
    }
    drop(lat_tx);
    let mut samples = Vec::with_capacity(displays * calls);
    for i in 0..calls {
        let counter = [1, 3, 5, 6, 8, 9][i % 6];
        sent_at.store(base.elapsed().as_nanos() as u64, Ordering::Release);
        let r = client.counter_action(counter, &CounterCommand::CallNext).await.unwrap();
        assert!(r.ticket.is_some());
        for _ in 0..displays {
            samples
                .push(tokio::time::timeout(Duration::from_secs(10), lat_rx.recv()).await.unwrap().unwrap());
        }
    }
    report("call_to_receive_200_displays", samples);
    server.stop().await;
}

/// `complete` latency over HTTP, 100 tickets with the citizen's identity and
/// 100 without (sequential: one counter, one officer).
async fn erase_identity() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let server = start(&cfg, &dir.path().join("centre.sqlite3")).await;
    let client =
        ApiClient::new(&server.url, TOKEN, Duration::from_millis(800), Duration::from_secs(10)).unwrap();
    for with_identity in [true, false] {
        let mut samples = Vec::new();
        for i in 0..100 {
            let mut r = req("HT", format!("e{with_identity}{i}"));
            if with_identity {
                r.citizen = Some(CitizenInfo {
                    id_number: format!("079301{i:06}"),
                    full_name: "Nguyễn Thị Minh Khai".into(),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap(),
                });
            }
            client.issue_ticket(&r).await.unwrap();
            client.counter_action(1, &CounterCommand::CallNext).await.unwrap();
            let t = Instant::now();
            client.counter_action(1, &CounterCommand::Complete).await.unwrap();
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        report(
            if with_identity { "complete_erasing_identity" } else { "complete_without_identity" },
            samples,
        );
    }
    server.stop().await;
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        tap_to_ticket().await;
        throughput().await;
        call_to_receive().await;
        erase_identity().await;
    });
}
