//! Centre table: the devices allowed to use the API, each with its role and
//! the SHA-256 of its token (the token itself is shown once, when the device
//! is added, and never stored). Revoked devices stay listed with the time.
//!
//! Version 6 also makes a printed number unique per day and service, and
//! unfreezes kiosk rows a future-dated heartbeat had frozen.

use super::StoreError;
use crate::domain::access::Role;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 6: devices; one ticket per printed number; heartbeat times repaired.
pub const SCHEMA_V6: &str = r#"
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('kiosk', 'display', 'counter', 'admin')),
    counters TEXT NOT NULL DEFAULT '',
    range_start INTEGER,
    range_end INTEGER,
    token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_seen INTEGER,
    CHECK ((range_start IS NULL) = (range_end IS NULL))
) STRICT, WITHOUT ROWID;

-- Before version 6 two kiosks given overlapping offline ranges could print the
-- same number. Every copy but the first keeps its number (the citizen holds
-- it) and gets a negative sequence, so the unique index can exist.
UPDATE tickets SET seq = -id
 WHERE id NOT IN (SELECT MIN(id) FROM tickets GROUP BY day, service, number);
CREATE UNIQUE INDEX tickets_unique_number ON tickets (day, service, number) WHERE seq > 0;

-- A heartbeat dated in the future made every later report look older: repair.
UPDATE kiosks SET reported_at = last_seen WHERE reported_at > last_seen;
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: String,
    pub role: Role,
    /// Counter role: its counters.
    pub counters: Vec<u32>,
    /// Kiosk role: its offline number range (`None`: the centre's whole range).
    pub offline_range: Option<(u32, u32)>,
    /// Lower-case hex SHA-256 of the token.
    pub token_sha256: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// Last authenticated request (updated at most once a minute).
    pub last_seen: Option<i64>,
}

const COLS: &str =
    "id, role, counters, range_start, range_end, token_sha256, created_at, revoked_at, last_seen";

fn from_row(r: &Row<'_>) -> rusqlite::Result<DeviceRow> {
    let role: String = r.get(1)?;
    let counters: String = r.get(2)?;
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("invalid {what} `{v}` in the devices table").into(),
        )
    };
    let range = match (r.get::<_, Option<u32>>(3)?, r.get::<_, Option<u32>>(4)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Ok(DeviceRow {
        id: r.get(0)?,
        role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
        counters: counters
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| bad("counters", &counters)))
            .collect::<Result<_, _>>()?,
        offline_range: range,
        token_sha256: r.get(5)?,
        created_at: r.get(6)?,
        revoked_at: r.get(7)?,
        last_seen: r.get(8)?,
    })
}

fn counters_text(counters: &[u32]) -> String {
    counters.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// Adds a device. A revoked device with the same id is replaced (a new token
/// for the same kiosk); returns `false`, changing nothing, when a device with
/// this id is still active.
pub fn add(c: &Connection, d: &DeviceRow) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached(&format!(
            "INSERT INTO devices ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL)
             ON CONFLICT (id) DO UPDATE SET role = excluded.role, counters = excluded.counters,
                 range_start = excluded.range_start, range_end = excluded.range_end,
                 token_sha256 = excluded.token_sha256, created_at = excluded.created_at,
                 revoked_at = NULL, last_seen = NULL
             WHERE devices.revoked_at IS NOT NULL"
        ))?
        .execute(params![
            d.id,
            d.role.key(),
            counters_text(&d.counters),
            d.offline_range.map(|r| r.0),
            d.offline_range.map(|r| r.1),
            d.token_sha256,
            d.created_at,
        ])?;
    Ok(n == 1)
}

pub fn by_id(c: &Connection, id: &str) -> Result<Option<DeviceRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM devices WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Every device, revoked ones included, by id.
pub fn list(c: &Connection) -> Result<Vec<DeviceRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM devices ORDER BY id"))?;
    let v = st.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Devices whose token is accepted.
pub fn active(c: &Connection) -> Result<Vec<DeviceRow>, StoreError> {
    let mut st =
        c.prepare_cached(&format!("SELECT {COLS} FROM devices WHERE revoked_at IS NULL ORDER BY id"))?;
    let v = st.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Revokes a device's token; `false` when there is no active device with this id.
pub fn revoke(c: &Connection, id: &str, at: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(params![id, at])?;
    Ok(n == 1)
}

/// Records that a device was seen.
pub fn touch(c: &Connection, id: &str, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE devices SET last_seen = ?2 WHERE id = ?1")?.execute(params![id, at])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn row(id: &str, hash: char) -> DeviceRow {
        DeviceRow {
            id: id.into(),
            role: Role::Kiosk,
            counters: vec![],
            offline_range: Some((800, 899)),
            token_sha256: hash.to_string().repeat(64),
            created_at: 1,
            revoked_at: None,
            last_seen: None,
        }
    }

    #[test]
    fn add_revoke_and_replace_a_revoked_device() {
        // Must hold: an active id cannot be added twice; a revoked one can be
        // given a new token; revoked devices stay listed but not active.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        assert!(add(c, &row("kiosk-03", 'a')).unwrap());
        assert!(!add(c, &row("kiosk-03", 'b')).unwrap(), "still active");
        let counter = DeviceRow {
            role: Role::Counter,
            counters: vec![1, 2],
            offline_range: None,
            ..row("counter-1", 'c')
        };
        assert!(add(c, &counter).unwrap());
        assert_eq!(by_id(c, "counter-1").unwrap().unwrap(), counter);
        assert!(revoke(c, "kiosk-03", 5).unwrap());
        assert!(!revoke(c, "kiosk-03", 6).unwrap(), "already revoked");
        assert_eq!(active(c).unwrap().len(), 1);
        assert_eq!(list(c).unwrap()[1].revoked_at, Some(5));
        assert!(add(c, &row("kiosk-03", 'b')).unwrap(), "revoked id replaced");
        let again = by_id(c, "kiosk-03").unwrap().unwrap();
        assert_eq!((again.token_sha256.chars().next(), again.revoked_at), (Some('b'), None));
        touch(c, "kiosk-03", 9).unwrap();
        assert_eq!(by_id(c, "kiosk-03").unwrap().unwrap().last_seen, Some(9));
    }

    #[test]
    fn one_token_hash_per_device() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        add(s.conn(), &row("a", 'a')).unwrap();
        assert!(add(s.conn(), &row("b", 'a')).is_err(), "same token twice");
    }
}
