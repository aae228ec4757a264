//! The centre's event log (the feed of Server-Sent Events): append, replay
//! after an id, prune. Ids are never reused.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub at: i64,
    pub data: String,
}

pub fn insert_event(c: &Connection, kind: &str, at: i64, data: &str) -> Result<i64, StoreError> {
    c.prepare_cached("INSERT INTO events (kind, at, data) VALUES (?1, ?2, ?3)")?
        .execute(params![kind, at, data])?;
    Ok(c.last_insert_rowid())
}

/// Events with id above `after`, oldest first, at most `limit`.
pub fn events_after(c: &Connection, after: i64, limit: usize) -> Result<Vec<EventRow>, StoreError> {
    let mut st =
        c.prepare_cached("SELECT id, kind, at, data FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let v = st
        .query_map(params![after, limit as i64], |r| {
            Ok(EventRow { id: r.get(0)?, kind: r.get(1)?, at: r.get(2)?, data: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// `(oldest kept id, last id ever issued)`; ids are never reused, so the last id
/// stays even when old events are pruned. `(None, 0)` for an empty log.
pub fn event_id_range(c: &Connection) -> Result<(Option<i64>, i64), StoreError> {
    let min: Option<i64> = c.prepare_cached("SELECT MIN(id) FROM events")?.query_row([], |r| r.get(0))?;
    let last: Option<i64> = c
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'events'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok((min, last.unwrap_or(0)))
}

/// Drops events older than `before` (ms); clients that were away longer resync.
pub fn prune_events(c: &Connection, before: i64) -> Result<usize, StoreError> {
    Ok(c.prepare_cached("DELETE FROM events WHERE at < ?1")?.execute([before])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn event_ids_are_never_reused_after_pruning() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("q.sqlite3")).unwrap();
        let c = s.conn();
        assert_eq!(event_id_range(c).unwrap(), (None, 0));
        for i in 0..3 {
            insert_event(c, "x", i, "{}").unwrap();
        }
        assert_eq!(prune_events(c, 10).unwrap(), 3);
        assert_eq!(event_id_range(c).unwrap(), (None, 3));
        assert_eq!(insert_event(c, "x", 11, "{}").unwrap(), 4);
        assert_eq!(events_after(c, 0, 10).unwrap().len(), 1);
    }
}
