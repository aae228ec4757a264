//! Personal data at rest: what is left of a citizen's identity in the
//! database files once the visit is over — read byte by byte from the real
//! SQLite files (database and WAL), as someone who copies the disk would.

mod common;

use common::{remote_link, TestCentre, KIOSK_TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{KioskLink, TicketRequest};
use motcua_kiosk::domain::clock;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// The database file and its WAL, as bytes.
fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    let wal = db.with_extension("sqlite3-wal");
    if let Ok(w) = std::fs::read(&wal) {
        all.extend(w);
    }
    all
}

fn holds(bytes: &[u8], s: &str) -> bool {
    bytes.windows(s.len()).any(|w| w == s.as_bytes())
}

fn citizen(id: &str, name: &str) -> serde_json::Value {
    json!({"id_number": id, "full_name": name, "birth_date": "1961-07-04"})
}

#[tokio::test(flavor = "multi_thread")]
async fn completed_and_no_show_tickets_leave_no_identity_in_the_database_file() {
    // What must hold: while a ticket waits, the centre keeps the identity the
    // kiosk sent (the officer needs it); once the ticket is completed or a
    // no-show, neither the database file nor its WAL holds it any more (on
    // main it stayed until the next day's rollover).
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    let people = [("079301009871", "Phạm Thị Bích Ngọc"), ("079301009872", "Lê Hoàng Phúc Khang")];
    for (i, (id, name)) in people.iter().enumerate() {
        let body = json!({
            "service": "HT", "idempotency_key": format!("p-{i}"), "kiosk_id": "kiosk-01", "citizen": citizen(id, name)
        });
        let (s, _, b) = common::raw(
            "POST",
            &format!("{}/api/v1/tickets", c.url),
            Some(KIOSK_TOKEN),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let before = file_bytes(&c.db);
    for (id, name) in people {
        assert!(holds(&before, id) && holds(&before, name), "the test can see identity in the file");
    }
    let call = c.centre.call_next(1).await.unwrap();
    assert_eq!(call.ticket.unwrap().citizen.unwrap().full_name, people[0].1, "the officer sees who comes");
    c.centre.complete(1).await.unwrap();
    c.centre.call_next(1).await.unwrap();
    let done = c.centre.no_show(1).await.unwrap();
    assert_eq!(done.ticket.unwrap().status, TicketStatus::NoShow);
    let after = file_bytes(&c.db);
    for (id, name) in people {
        assert!(!holds(&after, id), "ID number {id} still in the file");
        assert!(!holds(&after, name), "name {name} still in the file");
    }
    let wal = std::fs::metadata(c.db.with_extension("sqlite3-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the WAL was checkpointed and truncated");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_outbox_item_keeps_no_identity() {
    // What must hold: an offline ticket with a citizen's identity that the
    // centre refuses for good stays in the kiosk's outbox for diagnosis, but
    // without the identity, in the database file and in its WAL.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = dir.path().join("c.sqlite3");
    let c = TestCentre::start(&cfg, &db, clock::system(), 0).await;
    let port = c.addr.port();
    let kdb = dir.path().join("k.sqlite3");
    let link = remote_link(&common::kiosk_config(&cfg, &c.url, "kiosk-07"), &kdb, clock::system());
    link.services().await.unwrap();
    c.stop().await;
    let who = CitizenInfo {
        id_number: "079301009873".into(),
        full_name: "Trương Minh Quân".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1961, 7, 4).unwrap(),
    };
    let t = link.issue_ticket(&TicketRequest::new("KD").with_citizen(who.clone())).await.unwrap();
    assert!(t.offline);
    assert!(holds(&file_bytes(&kdb), &who.full_name), "queued with the identity while offline");
    // The restarted centre no longer offers KD: the item is refused for good.
    let mut fewer = cfg.clone();
    fewer.queue.services.retain(|s| s.code != "KD");
    let c = TestCentre::start(&fewer, &db, clock::system(), port).await;
    assert!(link.wait_synced(Duration::from_secs(10)).await);
    let KioskLink::Remote(remote) = &link else { unreachable!() };
    let dead = remote.dead_items().await.unwrap();
    assert_eq!(dead.len(), 1, "kept for diagnosis");
    assert!(dead[0].payload.contains("\"service\":\"KD\""), "{}", dead[0].payload);
    let bytes = file_bytes(&kdb);
    assert!(
        !holds(&bytes, &who.id_number) && !holds(&bytes, &who.full_name),
        "identity left in the kiosk's file"
    );
    c.stop().await;
}
