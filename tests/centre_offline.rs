//! The kiosk link when the centre goes away: offline numbers, the outbox, and
//! sync on reconnect — real HTTP server on 127.0.0.1, real SQLite files.

mod common;

use common::{remote_link as open_link, ticket_request, TestCentre};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{Centre, DeviceHealth, KioskLink, LinkError, LinkMode, TicketRequest};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::clock::{self, MockClock};
use motcua_kiosk::store::queue as q;
use motcua_kiosk::store::Store;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

fn kiosk_config(cfg: &Config, url: &str) -> Config {
    common::kiosk_config(cfg, url, "kiosk-07")
}

async fn wait_mode(link: &KioskLink, mode: LinkMode) {
    let mut rx = link.watch_status();
    tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|s| s.mode == mode))
        .await
        .unwrap_or_else(|_| panic!("link did not become {mode:?}: {:?}", link.status()))
        .unwrap();
}

fn health() -> DeviceHealth {
    DeviceHealth {
        printer_status: "ok".into(),
        scanner_connected: true,
        app_version: "0.1.0".into(),
        alerts: Vec::new(),
        pin_failures: 0,
        pin_locked_until: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_keeps_issuing_while_the_centre_is_down_and_every_ticket_arrives_once() {
    // What must hold: with the centre stopped, the kiosk keeps handing out
    // tickets from its reserved range (marked offline, queued with their
    // keys); a retried tap gets the same number; after the centre
    // restarts on the same database the outbox drains and every ticket the
    // kiosk handed out is at the centre exactly once, with its printed number
    // and tracking code, queued by its original issue time.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = dir.path().join("centre.sqlite3");
    let c = TestCentre::start(&cfg, &db, clock::system(), 0).await;
    let port = c.addr.port();
    let kcfg = kiosk_config(&cfg, &c.url);
    let link = open_link(&kcfg, &dir.path().join("kiosk.sqlite3"), clock::system());
    assert_eq!(link.services().await.unwrap().len(), 6);
    assert_eq!(link.status().mode, LinkMode::Online);
    let mut handed_out = Vec::new();
    for _ in 0..3 {
        let t = link.issue_ticket(&TicketRequest::new("HT")).await.unwrap();
        assert!(!t.offline);
        handed_out.push(t);
    }
    c.stop().await;

    // How fast an offline tap is answered is measured by `cargo bench --bench
    // centre` (tap_to_ticket_offline_*), not asserted here.
    let mut first_retap = None;
    for i in 0..10 {
        let req = TicketRequest::new(if i % 2 == 0 { "HT" } else { "CT" });
        let t = link.issue_ticket(&req).await.unwrap();
        assert!(t.offline, "{t:?}");
        if i == 0 {
            first_retap = Some((req, t.clone()));
        }
        handed_out.push(t);
    }
    let numbers: Vec<&str> = handed_out[3..].iter().map(|t| t.number.as_str()).collect();
    assert_eq!(
        numbers,
        ["A-900", "B-900", "A-901", "B-901", "A-902", "B-902", "A-903", "B-903", "A-904", "B-904"]
    );
    let (req, t) = first_retap.unwrap();
    assert_eq!(link.issue_ticket(&req).await.unwrap(), t, "a retried tap gets the same offline ticket");
    link.heartbeat(&health()).await.unwrap();
    let st = link.status();
    assert_eq!((st.mode, st.outbox_len), (LinkMode::Offline, 11));
    assert!(st.last_error.is_some());

    let c = TestCentre::start(&cfg, &db, clock::system(), port).await;
    assert!(link.wait_synced(Duration::from_secs(10)).await, "outbox drained: {:?}", link.status());
    wait_mode(&link, LinkMode::Online).await;

    let client = c.client();
    for t in &handed_out {
        let v = client.ticket(&t.tracking_code).await.unwrap();
        assert_eq!((v.number.as_str(), v.offline), (t.number.as_str(), t.offline), "{}", t.number);
    }
    // A late replay of an offline item is answered 200 and changes nothing.
    let replay = IssueTicketRequest {
        kiosk_id: "kiosk-07".into(),
        issued_at: Some(t.issued_at),
        offline_number: Some(t.number.clone()),
        tracking_code: Some(t.tracking_code.clone()),
        ..ticket_request("HT", req.idempotency_key.clone())
    };
    let (again, created) = client.issue_ticket_created(&replay).await.unwrap();
    assert!(!created);
    assert_eq!(again.number, "A-900");
    let services = client.services().await.unwrap().services;
    let count = |code: &str| services.iter().find(|s| s.code == code).unwrap().issued_today;
    assert_eq!((count("HT"), count("CT")), (8, 5));
    // Queue order is the original issue time: the online tickets, then A-900...
    let mut order = Vec::new();
    for _ in 0..8 {
        let r = client.counter_action(1, &CounterCommand::CallNext).await.unwrap();
        order.push(r.ticket.unwrap().number);
    }
    assert_eq!(order, ["A-001", "A-002", "A-003", "A-900", "A-901", "A-902", "A-903", "A-904"]);
    let kiosks = client.kiosks().await.unwrap().kiosks;
    assert_eq!(kiosks.iter().map(|k| k.kiosk_id.as_str()).collect::<Vec<_>>(), ["kiosk-07"]);
    c.centre.verify_waiting_counts().await.unwrap();
    c.stop().await;

    let store = Store::open(&db).unwrap();
    let day = motcua_kiosk::domain::localtime::service_day(chrono::Utc::now());
    let rows = q::tickets_of_day(store.conn(), day).unwrap();
    assert_eq!(rows.len(), 13, "every ticket once, nothing more");
    let keys: HashSet<&str> = rows.iter().map(|r| r.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_in_flight_leaves_one_ticket_with_the_printed_number() {
    // What must hold: the centre stored a ticket but the kiosk never saw the
    // answer and printed an offline number with the same key. The replay does
    // not create a second ticket: the waiting ticket takes the printed number
    // and tracking code. Once called, a ticket is no longer renumbered.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, clock::system()).unwrap();
    let base = IssueTicketRequest { kiosk_id: "kiosk-07".into(), ..ticket_request("HT", "lost-answer") };
    let stored = centre.issue(base.clone()).await.unwrap();
    assert_eq!((stored.ticket.number.as_str(), stored.created), ("A-001", true));
    let printed_code = new_tracking_code();
    let mut replay = base.clone();
    replay.issued_at = Some(stored.ticket.issued_at + chrono::Duration::milliseconds(900));
    replay.offline_number = Some("A-900".into());
    replay.tracking_code = Some(printed_code.clone());
    let r = centre.issue(replay).await.unwrap();
    assert!(!r.created);
    assert_eq!((r.ticket.number.as_str(), r.ticket.offline), ("A-900", true));
    assert_eq!(r.ticket.tracking_code, printed_code);
    assert_eq!(r.ticket.issued_at, stored.ticket.issued_at, "keeps its earlier place in the queue");
    assert_eq!(centre.ticket(&stored.ticket.tracking_code).await.unwrap_err().code(), "ticket_not_found");
    let s = centre.services().await.unwrap().services.into_iter().find(|s| s.code == "HT").unwrap();
    assert_eq!((s.issued_today, s.waiting), (1, 1), "one ticket, not two");

    let called = centre.call_next(1).await.unwrap();
    assert_eq!(called.ticket.unwrap().number, "A-900");
    let mut late = base.clone();
    late.offline_number = Some("A-905".into());
    late.issued_at = Some(stored.ticket.issued_at);
    late.tracking_code = Some(new_tracking_code());
    assert_eq!(centre.issue(late).await.unwrap().ticket.number, "A-900", "a called ticket keeps its number");
    common::close(centre).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_centre_never_reuses_a_number_a_kiosk_printed() {
    // What must hold: the centre's own sequence skips the reserved offline
    // range and any number an offline ticket already took that day.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.offline.range_start = 3;
    cfg.offline.range_end = 4;
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, clock::system()).unwrap();
    let mk = |key: &str, offline: Option<&str>| IssueTicketRequest {
        kiosk_id: "k".into(),
        issued_at: offline.map(|_| chrono::Utc::now()),
        offline_number: offline.map(String::from),
        ..ticket_request("HT", key)
    };
    // A kiosk with a wrongly configured range synced A-006 earlier.
    centre.issue(mk("offline", Some("A-006"))).await.unwrap();
    let mut got = Vec::new();
    for i in 0..5 {
        got.push(centre.issue(mk(&format!("k{i}"), None)).await.unwrap().ticket.number);
    }
    assert_eq!(got, ["A-001", "A-002", "A-005", "A-007", "A-008"]);
    common::close(centre).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_numbers_survive_a_kiosk_restart_and_the_range_can_run_out() {
    // What must hold: offline numbers are never handed out twice, even after
    // the kiosk restarts; when the reserved range is used up the kiosk says so
    // (and other services still have theirs); a kiosk that never reached its
    // centre issues from its configured services (issue 18), and only one
    // with no service at all reports the centre unreachable.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.offline.range_start = 900;
    cfg.offline.range_end = 902;
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let kcfg = kiosk_config(&cfg, &c.url);
    let kdb = dir.path().join("kiosk.sqlite3");
    {
        let link = open_link(&kcfg, &kdb, clock::system());
        link.services().await.unwrap();
        c.stop().await;
        assert_eq!(link.issue_ticket(&TicketRequest::new("HT")).await.unwrap().number, "A-900");
        assert_eq!(link.issue_ticket(&TicketRequest::new("HT")).await.unwrap().number, "A-901");
    }
    let link = open_link(&kcfg, &kdb, clock::system());
    assert_eq!(link.outbox_len(), 2, "the outbox survived the restart");
    assert_eq!(link.services().await.unwrap().len(), 6, "services from the cache");
    assert_eq!(link.issue_ticket(&TicketRequest::new("HT")).await.unwrap().number, "A-902");
    let e = link.issue_ticket(&TicketRequest::new("HT")).await.unwrap_err();
    assert_eq!(e, LinkError::OfflineRangeExhausted);
    assert!(e.message_vi().contains("hết số dự phòng"));
    assert_eq!(link.issue_ticket(&TicketRequest::new("CT")).await.unwrap().number, "B-900");
    assert_eq!(link.issue_ticket(&TicketRequest::new("XX")).await.unwrap_err(), LinkError::UnknownService);
    assert_eq!(link.outbox_len(), 4);

    let fresh = open_link(&kcfg, &dir.path().join("fresh-kiosk.sqlite3"), clock::system());
    assert!(fresh.has_services(), "the configured services before the centre ever answered");
    let t = fresh.issue_ticket(&TicketRequest::new("HT")).await.unwrap();
    assert_eq!((t.number.as_str(), t.offline), ("A-900", true));
    assert_eq!(t.service_name_vi, "Hộ tịch");

    let mut bare = kcfg.clone();
    bare.queue.services.clear();
    let empty = open_link(&bare, &dir.path().join("bare-kiosk.sqlite3"), clock::system());
    assert!(!empty.has_services());
    let e = empty.issue_ticket(&TicketRequest::new("HT")).await.unwrap_err();
    assert!(matches!(e, LinkError::Unreachable(_)), "{e:?}");
    assert!(e.message_vi().starts_with("Không kết nối được"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_centre_refuses_does_not_block_the_outbox_and_keeps_no_identity() {
    // What must hold: an offline ticket for a service the restarted centre no
    // longer offers is refused for good; it is kept aside (dead) and the items
    // behind it are still delivered. The dead item keeps no trace of the
    // citizen's identity it carried, in the kiosk's database file or its WAL.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = dir.path().join("c.sqlite3");
    let c = TestCentre::start(&cfg, &db, clock::system(), 0).await;
    let port = c.addr.port();
    let kdb = dir.path().join("k.sqlite3");
    let link = open_link(&kiosk_config(&cfg, &c.url), &kdb, clock::system());
    link.services().await.unwrap();
    c.stop().await;
    let who = CitizenInfo {
        id_number: "079301009873".into(),
        full_name: "Trương Minh Quân".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1961, 7, 4).unwrap(),
    };
    let kd = link.issue_ticket(&TicketRequest::new("KD").with_citizen(who.clone())).await.unwrap();
    assert!(common::holds(&common::file_bytes(&kdb), &who.full_name), "queued with the identity");
    let ht = link.issue_ticket(&TicketRequest::new("HT")).await.unwrap();
    assert_eq!((kd.number.as_str(), ht.number.as_str()), ("E-900", "A-900"));
    let mut fewer = cfg.clone();
    fewer.queue.services.retain(|s| s.code != "KD");
    let c = TestCentre::start(&fewer, &db, clock::system(), port).await;
    assert!(link.wait_synced(Duration::from_secs(10)).await);
    let KioskLink::Remote(remote) = &link else { unreachable!() };
    let dead = remote.dead_items().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].last_error.as_deref().unwrap().contains("unknown service"), "{dead:?}");
    assert!(dead[0].payload.contains("\"service\":\"KD\""), "kept for diagnosis: {}", dead[0].payload);
    let bytes = common::file_bytes(&kdb);
    assert!(
        !common::holds(&bytes, &who.id_number) && !common::holds(&bytes, &who.full_name),
        "identity left"
    );
    assert_eq!(c.client().ticket(&ht.tracking_code).await.unwrap().number, "A-900");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_kiosk_follows_the_cached_opening_hours() {
    // What must hold: an offline kiosk does not hand out numbers outside the
    // opening hours it last learned from the centre, and says when it reopens.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.always_open = false;
    let clock = MockClock::new(common::local(2026, 3, 2, 9, 0, 0)); // Monday morning
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let link = open_link(&kiosk_config(&cfg, &c.url), &dir.path().join("k.sqlite3"), Arc::new(clock.clone()));
    link.services().await.unwrap();
    c.stop().await;
    assert!(link.issue_ticket(&TicketRequest::new("HT")).await.unwrap().offline);
    clock.set(common::local(2026, 3, 2, 17, 30, 0));
    let e = link.issue_ticket(&TicketRequest::new("HT")).await.unwrap_err();
    assert_eq!(e, LinkError::Closed { next_open: Some(common::local(2026, 3, 3, 7, 30, 0)) });
    let ht = link.services().await.unwrap().into_iter().find(|s| s.code == "HT").unwrap();
    assert!(matches!(ht.availability, Availability::Closed { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_heartbeats_reach_the_built_in_centre() {
    // What must hold: a kiosk on the built-in centre (no URL) reports its health
    // periodically; the centre lists it online with the latest printer state.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let link = KioskLink::open(&cfg).unwrap();
    assert_eq!(link.status().mode, LinkMode::Local);
    let paper = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let p = paper.clone();
    let task = link.spawn_heartbeats(Duration::from_millis(20), move || DeviceHealth {
        printer_status: if p.load(std::sync::atomic::Ordering::Relaxed) { "ok" } else { "out_of_paper" }
            .into(),
        scanner_connected: true,
        app_version: "0.1.0".into(),
        alerts: Vec::new(),
        pin_failures: 0,
        pin_locked_until: None,
    });
    let KioskLink::Local(local) = &link else { unreachable!() };
    let centre = local.centre().clone();
    let latest =
        |c: Centre| async move { c.kiosks().await.unwrap().kiosks.first().map(|k| k.printer_status.clone()) };
    tokio::time::timeout(Duration::from_secs(5), async {
        while latest(centre.clone()).await.as_deref() != Some("ok") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        paper.store(false, std::sync::atomic::Ordering::Relaxed);
        while latest(centre.clone()).await.as_deref() != Some("out_of_paper") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("heartbeats arrive and the latest state wins");
    let k = &centre.kiosks().await.unwrap().kiosks[0];
    assert_eq!((k.kiosk_id.as_str(), k.online), ("kiosk-01", true));
    task.abort();
    drop(link);
    common::close(centre).await;
}
