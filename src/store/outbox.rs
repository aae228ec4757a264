//! Kiosk tables: the outbox (everything the kiosk owes the centre: offline
//! tickets, heartbeats, ratings) and the offline number sequences.
//!
//! An outbox item is `kind` + unique `key` (the idempotency key the centre uses
//! to drop replays) + JSON `payload`. Items are sent oldest first; a sent item is
//! deleted; an item the centre refuses for good is kept as "dead" for diagnosis
//! and no longer blocks the queue.

use super::StoreError;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 3: outbox and offline numbers.
pub const SCHEMA_V3: &str = r#"
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
) STRICT;
CREATE INDEX outbox_live ON outbox (id) WHERE dead = 0;

CREATE TABLE offline_numbers (
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (day, service)
) STRICT, WITHOUT ROWID;
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    pub created_at: i64,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub dead: bool,
}

const COLS: &str = "id, kind, key, payload, created_at, attempts, last_error, dead";

fn item(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: r.get(0)?,
        kind: r.get(1)?,
        key: r.get(2)?,
        payload: r.get(3)?,
        created_at: r.get(4)?,
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        dead: r.get(7)?,
    })
}

/// Queues an item. Returns false (and changes nothing) when an item with the
/// same key is already queued: pushing is idempotent.
pub fn push(c: &Connection, kind: &str, key: &str, payload: &str, now: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("INSERT INTO outbox (kind, key, payload, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO NOTHING")?
        .execute(params![kind, key, payload, now])?;
    Ok(n == 1)
}

/// Queues an item that replaces any pending one with the same key (state
/// reports such as heartbeats, where only the latest matters). The item moves
/// to the back of the queue.
pub fn put_latest(c: &Connection, kind: &str, key: &str, payload: &str, now: i64) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM outbox WHERE key = ?1")?.execute([key])?;
    push(c, kind, key, payload, now)?;
    Ok(())
}

pub fn by_key(c: &Connection, key: &str) -> Result<Option<OutboxItem>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE key = ?1"))?
        .query_row([key], item)
        .optional()?)
}

/// The oldest item still to send.
pub fn oldest(c: &Connection) -> Result<Option<OutboxItem>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE dead = 0 ORDER BY id LIMIT 1"))?
        .query_row([], item)
        .optional()?)
}

/// Items still to send, oldest first.
pub fn pending(c: &Connection, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
    let mut st =
        c.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE dead = 0 ORDER BY id LIMIT ?1"))?;
    let v = st.query_map([limit as i64], item)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Items the centre refused for good.
pub fn dead(c: &Connection) -> Result<Vec<OutboxItem>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE dead = 1 ORDER BY id"))?;
    let v = st.query_map([], item)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// The centre has the item: forget it.
pub fn remove(c: &Connection, id: i64) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM outbox WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// A send failed for a passing reason; the item stays first in line.
pub fn record_failure(c: &Connection, id: i64, error: &str) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1")?
        .execute(params![id, error])?;
    Ok(())
}

/// The centre refused the item for good: keep it for diagnosis, stop sending
/// it. Its payload loses the citizen's identity (see [`scrub_identity`]): the
/// item is kept for the technician, not the person.
pub fn bury(c: &Connection, id: i64, error: &str) -> Result<(), StoreError> {
    let payload: Option<String> = c
        .prepare_cached("SELECT payload FROM outbox WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let scrubbed = payload.as_deref().and_then(scrub_identity);
    c.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, dead = 1, payload = COALESCE(?3, payload)
         WHERE id = ?1",
    )?
    .execute(params![id, error, scrubbed])?;
    Ok(())
}

/// A payload without its `citizen` (identity read from the ID card); `None`
/// when it carries none.
pub fn scrub_identity(payload: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(payload).ok()?;
    v.as_object_mut()?.remove("citizen")?;
    Some(v.to_string())
}

/// Whether a payload carries a citizen's identity.
pub fn has_identity(payload: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .is_some_and(|v| v.get("citizen").is_some_and(|c| !c.is_null()))
}

/// Items still to send.
pub fn len(c: &Connection) -> Result<u32, StoreError> {
    Ok(c.prepare_cached("SELECT COUNT(*) FROM outbox WHERE dead = 0")?.query_row([], |r| r.get(0))?)
}

/// Takes the next number of the kiosk's reserved offline range for a service
/// on a day, or `None` when the range is used up. Call inside the transaction
/// that also queues the ticket, so a number is never given twice, even across
/// restarts.
pub fn next_offline_seq(
    c: &Connection,
    day: NaiveDate,
    service: &str,
    range_start: u32,
    range_end: u32,
) -> Result<Option<u32>, StoreError> {
    let d = day.format("%Y-%m-%d").to_string();
    let last: Option<u32> = c
        .prepare_cached("SELECT last_seq FROM offline_numbers WHERE day = ?1 AND service = ?2")?
        .query_row(params![d, service], |r| r.get(0))
        .optional()?;
    let next = match last {
        None => range_start,
        Some(l) if l < range_start => range_start,
        Some(l) => l + 1,
    };
    if next > range_end {
        return Ok(None);
    }
    c.prepare_cached(
        "INSERT INTO offline_numbers (day, service, last_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (day, service) DO UPDATE SET last_seq = excluded.last_seq",
    )?
    .execute(params![d, service, next])?;
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn items_go_out_in_order_and_push_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("k.sqlite3")).unwrap();
        let c = s.conn();
        assert!(push(c, "ticket", "a", "{\"n\":1}", 1).unwrap());
        assert!(push(c, "ticket", "b", "{\"n\":2}", 2).unwrap());
        assert!(!push(c, "ticket", "a", "{\"n\":99}", 3).unwrap(), "same key twice");
        assert_eq!(len(c).unwrap(), 2);
        let first = oldest(c).unwrap().unwrap();
        assert_eq!((first.key.as_str(), first.payload.as_str()), ("a", "{\"n\":1}"));
        record_failure(c, first.id, "timeout").unwrap();
        assert_eq!(oldest(c).unwrap().unwrap().attempts, 1);
        remove(c, first.id).unwrap();
        assert_eq!(oldest(c).unwrap().unwrap().key, "b");
        bury(c, oldest(c).unwrap().unwrap().id, "unknown_service").unwrap();
        assert_eq!(len(c).unwrap(), 0);
        assert!(oldest(c).unwrap().is_none());
        assert_eq!(dead(c).unwrap()[0].last_error.as_deref(), Some("unknown_service"));
    }

    #[test]
    fn a_dead_item_keeps_no_identity() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("k.sqlite3")).unwrap();
        let c = s.conn();
        let with = r#"{"service":"HT","citizen":{"id_number":"048095000123","full_name":"Nguyễn Văn An"}}"#;
        assert!(has_identity(with) && !has_identity(r#"{"service":"HT","citizen":null}"#));
        push(c, "ticket", "a", with, 1).unwrap();
        bury(c, oldest(c).unwrap().unwrap().id, "refused").unwrap();
        let kept = &dead(c).unwrap()[0].payload;
        assert!(!kept.contains("048095000123") && !kept.contains("Nguyễn"), "{kept}");
        assert!(kept.contains("\"service\":\"HT\""), "the rest is kept for diagnosis: {kept}");
        assert_eq!(scrub_identity("not json"), None);
    }

    #[test]
    fn latest_state_report_replaces_the_pending_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("k.sqlite3")).unwrap();
        let c = s.conn();
        put_latest(c, "heartbeat", "hb", "1", 1).unwrap();
        push(c, "ticket", "t", "x", 2).unwrap();
        put_latest(c, "heartbeat", "hb", "2", 3).unwrap();
        let all = pending(c, 10).unwrap();
        assert_eq!(
            all.iter().map(|i| (i.key.as_str(), i.payload.as_str())).collect::<Vec<_>>(),
            vec![("t", "x"), ("hb", "2")]
        );
    }

    #[test]
    fn offline_numbers_stay_in_range_per_service_and_day_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite3");
        let d1 = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let d2 = d1.succ_opt().unwrap();
        {
            let s = Store::open(&path).unwrap();
            let c = s.conn();
            assert_eq!(next_offline_seq(c, d1, "HT", 901, 903).unwrap(), Some(901));
            assert_eq!(next_offline_seq(c, d1, "HT", 901, 903).unwrap(), Some(902));
            assert_eq!(next_offline_seq(c, d1, "CT", 901, 903).unwrap(), Some(901));
        }
        let s = Store::open(&path).unwrap();
        let c = s.conn();
        assert_eq!(next_offline_seq(c, d1, "HT", 901, 903).unwrap(), Some(903));
        assert_eq!(next_offline_seq(c, d1, "HT", 901, 903).unwrap(), None, "range used up");
        assert_eq!(next_offline_seq(c, d2, "HT", 901, 903).unwrap(), Some(901), "new day, new range");
    }
}
