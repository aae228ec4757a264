//! Dossier lookup latency and rating sync throughput, on loopback with real
//! SQLite files (synchronous=FULL). Prints `BENCH <name> <value> <unit>` lines.
//!
//! * Lookup: 5,000 dossiers (4 history steps each) in the centre; 3,000
//!   sequential `GET /api/v1/dossiers/{code}` from the kiosk's HTTP client,
//!   after 300 warm-up requests.
//! * Sync: 10,000 served tickets; a kiosk whose centre is down queues one
//!   rating per ticket (each an fsynced outbox transaction); the centre comes
//!   back and the outbox drains (one HTTP request and one group commit per
//!   rating); every rating is then in the centre exactly once.
//!
//! Run: `cargo bench --bench dossier` (release profile).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{Duration as Days, NaiveDate, TimeZone, Utc};
use common::{close, ticket_request, TestCentre, TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{
    ApiClient, Centre, KioskLink, LinkOptions, RatingResult, RatingSubmission, TicketRef,
};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::clock;
use motcua_kiosk::domain::localtime::vn_offset;
use motcua_kiosk::domain::rating::{IndexScores, RatingLevel};
use std::time::{Duration, Instant};

const DOSSIERS: usize = 5_000;
const WARMUP: usize = 300;
const LOOKUPS: usize = 3_000;
const RATINGS: usize = 10_000;

fn bench(name: &str, value: f64, unit: &str) {
    println!("BENCH {name} {value:.1} {unit}");
}

fn config(dir: &std::path::Path) -> Config {
    let mut cfg = common::config(dir);
    common::unlimited(&mut cfg);
    cfg.dossier.sample_data = false;
    cfg
}

fn dossier(i: usize) -> DossierRecord {
    let received = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Days::days((i % 300) as i64);
    let at = |h: u32| {
        vn_offset().from_local_datetime(&received.and_hms_opt(h, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
    };
    let status = DossierStatus::from_code((i % 10) as u8 + 1).unwrap();
    DossierRecord {
        code: format!("000.{:02}.06.H56-{}-{:04}", i % 50, received.format("%y%m%d"), i),
        procedure_code: "1.004222".into(),
        procedure_name_vi: "Đăng ký thường trú".into(),
        procedure_name_en: "Permanent residence registration".into(),
        applicant: "Nguyễn Văn An".into(),
        channel: Channel::InPerson,
        received_at: at(8),
        appointment: received + Days::days(9),
        status,
        missing_documents: vec!["Giấy tờ chứng minh chỗ ở hợp pháp (bản sao)".into()],
        fee_vnd: Some(400_000),
        counter: Some(5),
        history: (0..4)
            .map(|k| DossierHistoryRecord {
                at: at(9 + k),
                agency: "Công an phường Hải Châu".into(),
                action: format!("Bước xử lý {k}"),
                status: Some(status),
            })
            .collect(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

async fn lookup_latency() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    let records: Vec<DossierRecord> = (0..DOSSIERS).map(dossier).collect();
    let codes: Vec<String> = records.iter().map(|r| r.code.clone()).collect();
    let started = Instant::now();
    c.centre.import_dossiers(records).await.unwrap();
    bench("dossier_import_5000", started.elapsed().as_secs_f64() * 1e3, "ms");
    let client =
        ApiClient::new(&c.url, TOKEN, Duration::from_millis(800), Duration::from_millis(2500)).unwrap();
    // A deterministic spread over the dossiers (coprime stride).
    let pick = |n: usize| &codes[(n * 7919) % codes.len()];
    for n in 0..WARMUP {
        client.dossier(pick(n)).await.unwrap();
    }
    let mut took = Vec::with_capacity(LOOKUPS);
    for n in 0..LOOKUPS {
        let t = Instant::now();
        let v = client.dossier(pick(WARMUP + n)).await.unwrap();
        took.push(t.elapsed());
        assert_eq!(v.history.len(), 4);
    }
    took.sort();
    bench("dossier_lookup_p50", percentile(&took, 0.50), "us");
    bench("dossier_lookup_p99", percentile(&took, 0.99), "us");
    bench("dossier_lookup_max", took.last().unwrap().as_secs_f64() * 1e6, "us");
    c.stop().await;
}

async fn rating_sync() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let centre = Centre::open_at(dir.path().join("centre.sqlite3"), &cfg, clock::system()).unwrap();

    // 10,000 served tickets over the six services, every counter working in parallel.
    let started = Instant::now();
    let services: Vec<String> = cfg.queue.services.iter().map(|s| s.code.clone()).collect();
    let issued = futures_util::future::join_all((0..RATINGS).map(|i| {
        let (c, svc) = (centre.clone(), services[i % services.len()].clone());
        async move { c.issue(ticket_request(&svc, format!("bench-{i}"))).await.unwrap().ticket }
    }))
    .await;
    let counters: Vec<u32> = {
        let mut v: Vec<u32> = cfg.queue.services.iter().flat_map(|s| s.counters.clone()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    futures_util::future::join_all(counters.iter().map(|n| {
        let c = centre.clone();
        let n = *n;
        async move { while c.call_next(n).await.unwrap().outcome == CounterOutcome::Called {} }
    }))
    .await;
    bench("rating_setup_10000_served_tickets", started.elapsed().as_secs_f64(), "s");

    // The kiosk, while its centre is down: every rating goes to the outbox.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut kcfg = cfg.clone();
    kcfg.centre.url = format!("http://127.0.0.1:{port}");
    kcfg.kiosk.id = "kiosk-bench".into();
    let opts = LinkOptions {
        retry_min: Duration::from_millis(20),
        retry_max: Duration::from_millis(50),
        refresh_every: Duration::from_secs(600),
    };
    let link = KioskLink::Remote(
        RemoteLink::open(&kcfg, dir.path().join("kiosk.sqlite3"), clock::system(), opts).unwrap(),
    );
    let mut enqueue = Vec::with_capacity(RATINGS);
    let full = IndexScores::new(&[2, 2, 1, 2, 2, 2, 2, 1, 2]).unwrap();
    for (i, t) in issued.iter().enumerate() {
        let level = RatingLevel::from_value((i % 3) as u8 + 1).unwrap();
        let mut sub = RatingSubmission::new(Some(TicketRef::Tracking(t.tracking_code.clone())), level);
        if i % 4 == 0 {
            sub = sub.with_indices(full);
        }
        let s = Instant::now();
        let r = link.rate(&sub).await.unwrap();
        enqueue.push(s.elapsed());
        assert_eq!(r, RatingResult::Recorded { receipt: None, queued: true });
    }
    assert_eq!(link.outbox_len() as usize, RATINGS);
    enqueue.sort();
    bench("rating_offline_enqueue_p50", percentile(&enqueue, 0.50), "us");
    bench("rating_offline_enqueue_p99", percentile(&enqueue, 0.99), "us");

    // The centre is back (on the port the kiosk knows): time until the outbox is empty.
    let started = Instant::now();
    let server = TestCentre::serve(centre.clone(), &cfg, port, Duration::from_secs(15)).await;
    assert!(link.wait_synced(Duration::from_secs(600)).await, "outbox drained: {:?}", link.status());
    let secs = started.elapsed().as_secs_f64();
    bench("rating_sync_10000", secs, "s");
    bench("rating_sync_rate", RATINGS as f64 / secs, "ratings/s");
    assert_eq!(centre.rating_count().await.unwrap() as usize, RATINGS, "every rating exactly once");
    server.stop().await;
    drop(link);
    close(centre).await;
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        lookup_latency().await;
        rating_sync().await;
    });
}
