//! Personal data at rest: what is left of a citizen's identity in the
//! database files once the visit is over — read byte by byte from the real
//! SQLite files (database and WAL), as someone who copies the disk would.
//! (The kiosk's side, a dead outbox item, is in `centre_offline.rs`.)

mod common;

use common::{file_bytes, holds, TestCentre, KIOSK_TOKEN};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::domain::clock;
use serde_json::json;

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
