//! Unit tests of `queue`.

use super::*;
use crate::store::Store;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn new_ticket<'a>(seq: u32, number: &'a str, key: &'a str, prio: Option<&'a str>, at: i64) -> NewTicket<'a> {
    NewTicket {
        day: day(),
        service: "HT",
        seq,
        number,
        priority_group: prio,
        status: TicketStatus::Waiting,
        issued_at: at,
        received_at: at,
        offline: false,
        kiosk_id: "k1",
        idempotency_key: key,
        tracking_code: key,
        citizen: None,
    }
}

#[test]
fn tickets_round_trip_and_queue_in_issue_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("q.sqlite3")).unwrap();
    let c = s.conn();
    let citizen = CitizenRow {
        id_number: "048095000123".into(),
        full_name: "Nguyễn Văn An".into(),
        birth_date: "1995-03-15".into(),
    };
    let mut t = new_ticket(1, "A-001", "k-1", None, 2_000);
    t.citizen = Some(&citizen);
    let id1 = insert_ticket(c, &t).unwrap();
    // An offline ticket issued earlier goes before it.
    let id2 = insert_ticket(c, &new_ticket(901, "A-901", "k-2", None, 1_000)).unwrap();
    let id3 = insert_ticket(c, &new_ticket(2, "A-002", "k-3", Some("elderly"), 3_000)).unwrap();
    let row = ticket_by_key(c, "k-1").unwrap().unwrap();
    assert_eq!(row.id, id1);
    assert_eq!(row.citizen.as_ref(), Some(&citizen));
    assert_eq!(ticket_by_tracking(c, "k-3").unwrap().unwrap().priority_group.as_deref(), Some("elderly"));
    assert_eq!(oldest_waiting(c, day(), "HT", false).unwrap(), Some((id2, 1_000)));
    assert_eq!(oldest_waiting(c, day(), "HT", true).unwrap(), Some((id3, 3_000)));
    assert_eq!(count_waiting_before(c, day(), "HT", false, 2_000, id1).unwrap(), 1);
    assert!(seq_taken(c, day(), "HT", 901).unwrap());
    assert!(!seq_taken(c, day(), "HT", 3).unwrap());
    mark_called(c, id2, 4, 5_000).unwrap();
    assert!(mark_called(c, id2, 4, 5_000).is_err(), "a called ticket cannot be called again");
    assert_eq!(count_waiting(c, day(), "HT", false).unwrap(), 1);
    // Duplicate idempotency key is refused by the schema.
    assert!(insert_ticket(c, &new_ticket(3, "A-003", "k-1", None, 6_000)).is_err());
}

#[test]
fn rollover_expires_and_purges_only_earlier_days() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("q.sqlite3")).unwrap();
    let c = s.conn();
    let citizen = CitizenRow {
        id_number: "048095000123".into(),
        full_name: "An".into(),
        birth_date: "1995-03-15".into(),
    };
    let mut t = new_ticket(1, "A-001", "old", None, 1);
    t.citizen = Some(&citizen);
    insert_ticket(c, &t).unwrap();
    let mut sd = ServiceDay::default();
    sd.add_waiting(false, 1);
    save_service_day(c, day(), "HT", &sd).unwrap();
    let mut today = new_ticket(1, "A-001", "new", None, 2);
    today.day = day().succ_opt().unwrap();
    today.citizen = Some(&citizen);
    insert_ticket(c, &today).unwrap();
    assert_eq!(expire_before(c, day().succ_opt().unwrap(), 9).unwrap(), 1);
    assert_eq!(purge_citizen_before(c, day().succ_opt().unwrap()).unwrap(), 1);
    let old = ticket_by_key(c, "old").unwrap().unwrap();
    assert_eq!(old.status, TicketStatus::Expired);
    assert!(old.citizen.is_none());
    let new = ticket_by_key(c, "new").unwrap().unwrap();
    assert_eq!(new.status, TicketStatus::Waiting);
    assert!(new.citizen.is_some());
    assert_eq!(service_day(c, day(), "HT").unwrap().waiting(), 0);
}
