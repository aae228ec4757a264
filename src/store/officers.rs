//! Centre tables for the counter side: officer accounts, their browser
//! sessions, ticket transfers, and the idempotency record of counter actions.
//! Migration 7 also adds to `tickets` who served it, when service started,
//! and the counter a transferred ticket waits for.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 7: officers, sessions, transfers, counter-action keys.
pub const SCHEMA_V7: &str = r#"
CREATE TABLE officers (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    manager INTEGER NOT NULL DEFAULT 0 CHECK (manager IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE officer_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    officer_id INTEGER REFERENCES officers (id),
    device TEXT,
    counter INTEGER,
    manager INTEGER NOT NULL CHECK (manager IN (0, 1)),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at INTEGER
) STRICT;
CREATE INDEX officer_sessions_open ON officer_sessions (counter, created_at) WHERE ended_at IS NULL;

ALTER TABLE tickets ADD COLUMN officer_id INTEGER;
ALTER TABLE tickets ADD COLUMN officer_name TEXT;
ALTER TABLE tickets ADD COLUMN started_at INTEGER;
ALTER TABLE tickets ADD COLUMN target_counter INTEGER;
ALTER TABLE tickets ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ticket_transfers (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    at INTEGER NOT NULL,
    from_service TEXT NOT NULL,
    from_counter INTEGER NOT NULL,
    to_service TEXT NOT NULL,
    to_counter INTEGER,
    officer_name TEXT
) STRICT;

CREATE TABLE counter_requests (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    counter INTEGER NOT NULL,
    action TEXT NOT NULL,
    response TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
"#;

/// An officer account. `pin_hash` is an Argon2id PHC string.
#[derive(Clone, PartialEq, Eq)]
pub struct OfficerRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub pin_hash: String,
    pub manager: bool,
    pub active: bool,
    pub created_at: i64,
}

impl std::fmt::Debug for OfficerRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficerRow")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("manager", &self.manager)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

const OFFICER_COLS: &str = "id, login, name, pin_hash, manager, active, created_at";

fn officer_from_row(r: &Row<'_>) -> rusqlite::Result<OfficerRow> {
    Ok(OfficerRow {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        pin_hash: r.get(3)?,
        manager: r.get(4)?,
        active: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub fn officer_by_login(c: &Connection, login: &str) -> Result<Option<OfficerRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {OFFICER_COLS} FROM officers WHERE login = ?1"))?
        .query_row([login], officer_from_row)
        .optional()?)
}

pub fn officer_by_id(c: &Connection, id: i64) -> Result<Option<OfficerRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {OFFICER_COLS} FROM officers WHERE id = ?1"))?
        .query_row([id], officer_from_row)
        .optional()?)
}

pub fn list_officers(c: &Connection) -> Result<Vec<OfficerRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {OFFICER_COLS} FROM officers ORDER BY login"))?;
    let v = st.query_map([], officer_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

pub fn insert_officer(
    c: &Connection,
    login: &str,
    name: &str,
    pin_hash: &str,
    manager: bool,
    at: i64,
) -> Result<i64, StoreError> {
    c.prepare_cached(
        "INSERT INTO officers (login, name, pin_hash, manager, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
    )?
    .execute(params![login, name, pin_hash, manager, at])?;
    Ok(c.last_insert_rowid())
}

/// Enables or disables an account; disabling ends its open sessions.
pub fn set_officer_active(c: &Connection, id: i64, active: bool, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE officers SET active = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, active, at])?;
    if !active {
        c.prepare_cached(
            "UPDATE officer_sessions SET ended_at = ?2 WHERE officer_id = ?1 AND ended_at IS NULL",
        )?
        .execute(params![id, at])?;
    }
    Ok(())
}

pub fn set_officer_pin(c: &Connection, id: i64, pin_hash: &str, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE officers SET pin_hash = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, pin_hash, at])?;
    Ok(())
}

/// A browser session (officer console or manager dashboard). Only the hash
/// of its token is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub officer_id: Option<i64>,
    /// Signed in with a device token (no officer account): the token's label.
    pub device: Option<String>,
    pub counter: Option<u32>,
    pub manager: bool,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("id", &self.id)
            .field("officer_id", &self.officer_id)
            .field("counter", &self.counter)
            .field("manager", &self.manager)
            .finish_non_exhaustive()
    }
}

const SESSION_COLS: &str = "id, officer_id, device, counter, manager, csrf_token, created_at, expires_at";

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        officer_id: r.get(1)?,
        device: r.get(2)?,
        counter: r.get(3)?,
        manager: r.get(4)?,
        csrf_token: r.get(5)?,
        created_at: r.get(6)?,
        expires_at: r.get(7)?,
    })
}

pub fn insert_session(c: &Connection, token_hash: &str, s: &SessionRow) -> Result<i64, StoreError> {
    c.prepare_cached(
        "INSERT INTO officer_sessions (token_hash, officer_id, device, counter, manager, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        token_hash,
        s.officer_id,
        s.device,
        s.counter,
        s.manager,
        s.csrf_token,
        s.created_at,
        s.expires_at
    ])?;
    Ok(c.last_insert_rowid())
}

/// The open, unexpired session with this token hash whose officer (if any)
/// is still active.
pub fn live_session(c: &Connection, token_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
    let sql = format!(
        "SELECT {cols} FROM officer_sessions s
         WHERE token_hash = ?1 AND ended_at IS NULL AND expires_at > ?2
           AND (officer_id IS NULL OR EXISTS (SELECT 1 FROM officers o WHERE o.id = s.officer_id AND o.active = 1))",
        cols = SESSION_COLS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
    );
    Ok(c.prepare_cached(&sql)?.query_row(params![token_hash, now], session_from_row).optional()?)
}

pub fn end_session(c: &Connection, id: i64, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE officer_sessions SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL")?
        .execute(params![id, at])?;
    Ok(())
}

/// The officer most recently signed in at a counter (open, unexpired
/// session of an active account): who serves there when the counter is
/// driven by a device (the CLI, a keypad) rather than the console.
pub fn officer_at_counter(c: &Connection, counter: u32, now: i64) -> Result<Option<OfficerRow>, StoreError> {
    let sql = format!(
        "SELECT {cols} FROM officers o JOIN officer_sessions s ON s.officer_id = o.id
         WHERE s.counter = ?1 AND s.ended_at IS NULL AND s.expires_at > ?2 AND o.active = 1
         ORDER BY s.created_at DESC LIMIT 1",
        cols = OFFICER_COLS.split(", ").map(|c| format!("o.{c}")).collect::<Vec<_>>().join(", ")
    );
    Ok(c.prepare_cached(&sql)?.query_row(params![counter, now], officer_from_row).optional()?)
}

/// Counters with an officer signed in now: `(counter, officer name)`.
pub fn signed_in_officers(c: &Connection, now: i64) -> Result<Vec<(u32, String)>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT s.counter, o.name FROM officer_sessions s JOIN officers o ON o.id = s.officer_id
         WHERE s.counter IS NOT NULL AND s.ended_at IS NULL AND s.expires_at > ?1 AND o.active = 1
         ORDER BY s.counter, s.created_at DESC",
    )?;
    let v = st.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Ends sessions that expired (kept for the record) — run at the day rollover.
pub fn end_expired_sessions(c: &Connection, now: i64) -> Result<usize, StoreError> {
    Ok(c.prepare_cached(
        "UPDATE officer_sessions SET ended_at = expires_at WHERE ended_at IS NULL AND expires_at <= ?1",
    )?
    .execute([now])?)
}

pub struct TransferRow<'a> {
    pub ticket_id: i64,
    pub at: i64,
    pub from_service: &'a str,
    pub from_counter: u32,
    pub to_service: &'a str,
    pub to_counter: Option<u32>,
    pub officer_name: Option<&'a str>,
}

pub fn insert_transfer(c: &Connection, t: &TransferRow<'_>) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO ticket_transfers (ticket_id, at, from_service, from_counter, to_service, to_counter, officer_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        t.ticket_id,
        t.at,
        t.from_service,
        t.from_counter,
        t.to_service,
        t.to_counter,
        t.officer_name
    ])?;
    Ok(())
}

/// A counter action already answered under this idempotency key:
/// `(counter, action, response JSON)`.
pub fn counter_request(c: &Connection, key: &str) -> Result<Option<(u32, String, String)>, StoreError> {
    Ok(c.prepare_cached("SELECT counter, action, response FROM counter_requests WHERE idempotency_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

pub fn save_counter_request(
    c: &Connection,
    key: &str,
    counter: u32,
    action: &str,
    response: &str,
    at: i64,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO counter_requests (idempotency_key, counter, action, response, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![key, counter, action, response, at])?;
    Ok(())
}

/// Keys older than `before` (ms) are forgotten (a retry comes within seconds).
pub fn prune_counter_requests(c: &Connection, before: i64) -> Result<usize, StoreError> {
    Ok(c.prepare_cached("DELETE FROM counter_requests WHERE at < ?1")?.execute([before])?)
}

/// Transfers out of tickets of a day: `(from service, from counter)` each.
pub fn transfers_of_day(c: &Connection, day: chrono::NaiveDate) -> Result<Vec<(String, u32)>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT x.from_service, x.from_counter FROM ticket_transfers x JOIN tickets t ON t.id = x.ticket_id
         WHERE t.day = ?1",
    )?;
    let v = st
        .query_map([day.format("%Y-%m-%d").to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}
