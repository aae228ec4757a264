//! Help requests on the centre: a citizen pressed "Trợ giúp / Gọi nhân viên"
//! on a kiosk; an officer or manager acknowledges it. At most one open
//! request per kiosk (a unique partial index), so repeated presses never
//! pile up.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 8: help requests from kiosks.
pub const SCHEMA_V8: &str = r#"
CREATE TABLE help_requests (
    id INTEGER PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT
) STRICT;
CREATE UNIQUE INDEX help_requests_open ON help_requests (kiosk_id) WHERE resolved_at IS NULL;
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub id: i64,
    pub kiosk_id: String,
    pub requested_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
}

const COLUMNS: &str = "id, kiosk_id, requested_at, resolved_at, resolved_by";

fn row(r: &Row<'_>) -> rusqlite::Result<HelpRow> {
    Ok(HelpRow {
        id: r.get(0)?,
        kiosk_id: r.get(1)?,
        requested_at: r.get(2)?,
        resolved_at: r.get(3)?,
        resolved_by: r.get(4)?,
    })
}

/// The open request of `kiosk_id`, if any.
pub fn open_of(c: &Connection, kiosk_id: &str) -> Result<Option<HelpRow>, StoreError> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM help_requests WHERE kiosk_id = ?1 AND resolved_at IS NULL"
    ))?
    .query_row([kiosk_id], row)
    .optional()?)
}

/// Records a new open request (the caller checked there is none).
pub fn insert(c: &Connection, kiosk_id: &str, at: i64) -> Result<HelpRow, StoreError> {
    c.prepare_cached("INSERT INTO help_requests (kiosk_id, requested_at) VALUES (?1, ?2)")?
        .execute(params![kiosk_id, at])?;
    Ok(HelpRow {
        id: c.last_insert_rowid(),
        kiosk_id: kiosk_id.into(),
        requested_at: at,
        resolved_at: None,
        resolved_by: None,
    })
}

pub fn get(c: &Connection, id: i64) -> Result<Option<HelpRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLUMNS} FROM help_requests WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

/// Marks request `id` resolved (only if it is still open); true when it was.
pub fn resolve(c: &Connection, id: i64, at: i64, by: &str) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached(
            "UPDATE help_requests SET resolved_at = ?2, resolved_by = ?3 WHERE id = ?1 AND resolved_at IS NULL",
        )?
        .execute(params![id, at, by])?;
    Ok(n == 1)
}

/// Every open request, oldest first.
pub fn open(c: &Connection) -> Result<Vec<HelpRow>, StoreError> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM help_requests WHERE resolved_at IS NULL ORDER BY requested_at, id"
    ))?;
    let v = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn one_open_request_per_kiosk_and_a_resolved_one_makes_room() {
        // Must hold: the database itself refuses a second open request of a
        // kiosk; once resolved, the kiosk may ask again.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        let a = insert(c, "kiosk-01", 10).unwrap();
        assert!(insert(c, "kiosk-01", 11).is_err(), "a second open request");
        insert(c, "kiosk-02", 12).unwrap();
        assert_eq!(open(c).unwrap().len(), 2);
        assert!(resolve(c, a.id, 20, "officer:lan").unwrap());
        assert!(!resolve(c, a.id, 21, "officer:hoa").unwrap(), "resolved once");
        assert_eq!(get(c, a.id).unwrap().unwrap().resolved_by.as_deref(), Some("officer:lan"));
        assert_eq!(open_of(c, "kiosk-01").unwrap(), None);
        insert(c, "kiosk-01", 30).unwrap();
    }
}
