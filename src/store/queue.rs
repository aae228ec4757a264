//! Centre tables: tickets, per-day service counters and counters (desks); the
//! event log and kiosk heartbeats are in [`super::events`] and [`super::kiosks`].
//! Row-level access only; the rules live in `centre::core` and `domain::queue_rules`.
//!
//! Times are Unix milliseconds (UTC); days are local service days `YYYY-MM-DD`.

use super::StoreError;
use crate::domain::ticket::TicketStatus;
use chrono::NaiveDate;
use rusqlite::{named_params, params, Connection, OptionalExtension, Row};

/// Version 1: the queue. Frozen (see `migrations`).
pub const SCHEMA_V1: &str = r#"
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE service_days (
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 1,
    issued INTEGER NOT NULL DEFAULT 0,
    waiting_normal INTEGER NOT NULL DEFAULT 0,
    waiting_priority INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service)
) STRICT, WITHOUT ROWID;

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    priority_group TEXT,
    prio INTEGER NOT NULL CHECK (prio IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'served', 'no_show', 'expired')),
    issued_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
    kiosk_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    tracking_code TEXT NOT NULL UNIQUE,
    counter INTEGER,
    calls INTEGER NOT NULL DEFAULT 0,
    first_called_at INTEGER,
    last_called_at INTEGER,
    finished_at INTEGER,
    citizen_id_number TEXT,
    citizen_full_name TEXT,
    citizen_birth_date TEXT
) STRICT;
CREATE INDEX tickets_waiting ON tickets (day, service, prio, issued_at, id) WHERE status = 'waiting';
CREATE INDEX tickets_by_seq ON tickets (day, service, seq);
CREATE INDEX tickets_served ON tickets (service, finished_at) WHERE status = 'served';
CREATE INDEX tickets_calls ON tickets (day, last_called_at) WHERE last_called_at IS NOT NULL;

CREATE TABLE counters (
    number INTEGER PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason TEXT,
    current_ticket INTEGER REFERENCES tickets (id),
    priority_streak INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
) STRICT;
"#;

fn day_str(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn bad_value(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("invalid {what} `{v}` in the database").into(),
    )
}

/// Identity data a ticket carries when the centre asked for it (erased when
/// the ticket is completed or a no-show, and at the end of the day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenRow {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: i64,
    pub day: NaiveDate,
    pub service: String,
    pub seq: u32,
    pub number: String,
    pub priority_group: Option<String>,
    pub prio: bool,
    pub status: TicketStatus,
    pub issued_at: i64,
    pub received_at: i64,
    pub offline: bool,
    pub kiosk_id: String,
    pub idempotency_key: String,
    pub tracking_code: String,
    pub counter: Option<u32>,
    pub calls: u32,
    pub first_called_at: Option<i64>,
    pub last_called_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub citizen: Option<CitizenRow>,
}

const TICKET_COLS: &str =
    "id, day, service, seq, number, priority_group, prio, status, issued_at, received_at, \
     offline, kiosk_id, idempotency_key, tracking_code, counter, calls, first_called_at, last_called_at, \
     finished_at, citizen_id_number, citizen_full_name, citizen_birth_date";

fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<TicketRow> {
    let status: String = r.get(7)?;
    let citizen = match (
        r.get::<_, Option<String>>(19)?,
        r.get::<_, Option<String>>(20)?,
        r.get::<_, Option<String>>(21)?,
    ) {
        (Some(id_number), Some(full_name), Some(birth_date)) => {
            Some(CitizenRow { id_number, full_name, birth_date })
        }
        _ => None,
    };
    Ok(TicketRow {
        id: r.get(0)?,
        day: parse_day(&r.get::<_, String>(1)?)?,
        service: r.get(2)?,
        seq: r.get(3)?,
        number: r.get(4)?,
        priority_group: r.get(5)?,
        prio: r.get(6)?,
        status: TicketStatus::parse(&status).ok_or_else(|| bad_value("status", &status))?,
        issued_at: r.get(8)?,
        received_at: r.get(9)?,
        offline: r.get(10)?,
        kiosk_id: r.get(11)?,
        idempotency_key: r.get(12)?,
        tracking_code: r.get(13)?,
        counter: r.get(14)?,
        calls: r.get(15)?,
        first_called_at: r.get(16)?,
        last_called_at: r.get(17)?,
        finished_at: r.get(18)?,
        citizen,
    })
}

fn ticket_where(
    c: &Connection,
    clause: &str,
    p: impl rusqlite::Params,
) -> Result<Option<TicketRow>, StoreError> {
    let sql = format!("SELECT {TICKET_COLS} FROM tickets WHERE {clause}");
    Ok(c.prepare_cached(&sql)?.query_row(p, ticket_from_row).optional()?)
}

pub fn ticket_by_key(c: &Connection, key: &str) -> Result<Option<TicketRow>, StoreError> {
    ticket_where(c, "idempotency_key = ?1", [key])
}

pub fn ticket_by_tracking(c: &Connection, code: &str) -> Result<Option<TicketRow>, StoreError> {
    ticket_where(c, "tracking_code = ?1", [code])
}

pub fn ticket_by_id(c: &Connection, id: i64) -> Result<Option<TicketRow>, StoreError> {
    ticket_where(c, "id = ?1", [id])
}

/// Tickets of a day with a printed number such as `A-023` (normally one; two
/// only if kiosks were given overlapping offline ranges).
pub fn tickets_by_number(c: &Connection, day: NaiveDate, number: &str) -> Result<Vec<TicketRow>, StoreError> {
    let sql = format!("SELECT {TICKET_COLS} FROM tickets WHERE day = ?1 AND number = ?2 ORDER BY id");
    let mut st = c.prepare_cached(&sql)?;
    let rows =
        st.query_map(params![day_str(day), number], ticket_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// All tickets of a day, in issue order (reports, tests).
pub fn tickets_of_day(c: &Connection, day: NaiveDate) -> Result<Vec<TicketRow>, StoreError> {
    let sql = format!("SELECT {TICKET_COLS} FROM tickets WHERE day = ?1 ORDER BY issued_at, id");
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map([day_str(day)], ticket_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub struct NewTicket<'a> {
    pub day: NaiveDate,
    pub service: &'a str,
    pub seq: u32,
    pub number: &'a str,
    pub priority_group: Option<&'a str>,
    pub status: TicketStatus,
    pub issued_at: i64,
    pub received_at: i64,
    pub offline: bool,
    pub kiosk_id: &'a str,
    pub idempotency_key: &'a str,
    pub tracking_code: &'a str,
    pub citizen: Option<&'a CitizenRow>,
}

pub fn insert_ticket(c: &Connection, t: &NewTicket<'_>) -> Result<i64, StoreError> {
    let mut st = c.prepare_cached(
        "INSERT INTO tickets (day, service, seq, number, priority_group, prio, status, issued_at, received_at, offline,
             kiosk_id, idempotency_key, tracking_code, citizen_id_number, citizen_full_name, citizen_birth_date)
         VALUES (:day, :service, :seq, :number, :pg, :prio, :status, :issued_at, :received_at, :offline,
             :kiosk_id, :key, :tracking, :cid, :cname, :cbirth)",
    )?;
    st.execute(named_params! {
        ":day": day_str(t.day),
        ":service": t.service,
        ":seq": t.seq,
        ":number": t.number,
        ":pg": t.priority_group,
        ":prio": t.priority_group.is_some(),
        ":status": t.status.as_str(),
        ":issued_at": t.issued_at,
        ":received_at": t.received_at,
        ":offline": t.offline,
        ":kiosk_id": t.kiosk_id,
        ":key": t.idempotency_key,
        ":tracking": t.tracking_code,
        ":cid": t.citizen.map(|x| x.id_number.as_str()),
        ":cname": t.citizen.map(|x| x.full_name.as_str()),
        ":cbirth": t.citizen.map(|x| x.birth_date.as_str()),
    })?;
    Ok(c.last_insert_rowid())
}

pub fn tracking_code_taken(c: &Connection, code: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM tickets WHERE tracking_code = ?1")?.exists([code])?)
}

/// Whether a printed number (`A-901`) already exists for a service on a day
/// (the unique index `tickets_unique_number` makes a second one impossible).
pub fn number_taken(c: &Connection, day: NaiveDate, service: &str, number: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM tickets WHERE day = ?1 AND service = ?2 AND number = ?3")?
        .exists(params![day_str(day), service, number])?)
}

/// Whether a number (sequence) already exists for a service on a day.
pub fn seq_taken(c: &Connection, day: NaiveDate, service: &str, seq: u32) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM tickets WHERE day = ?1 AND service = ?2 AND seq = ?3")?
        .exists(params![day_str(day), service, seq])?)
}

/// Per-day counters of a service. `waiting_*` mirror the number of `waiting`
/// tickets and are updated in the same transaction as the tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDay {
    pub next_seq: u32,
    pub issued: u32,
    pub waiting_normal: u32,
    pub waiting_priority: u32,
}

impl Default for ServiceDay {
    fn default() -> Self {
        Self { next_seq: 1, issued: 0, waiting_normal: 0, waiting_priority: 0 }
    }
}

impl ServiceDay {
    pub fn waiting(&self) -> u32 {
        self.waiting_normal + self.waiting_priority
    }

    /// Adds `delta` (±1) to the waiting count of a class.
    pub fn add_waiting(&mut self, prio: bool, delta: i32) {
        let w = if prio { &mut self.waiting_priority } else { &mut self.waiting_normal };
        *w = w.saturating_add_signed(delta);
    }
}

pub fn service_day(c: &Connection, day: NaiveDate, service: &str) -> Result<ServiceDay, StoreError> {
    let row = c
        .prepare_cached(
            "SELECT next_seq, issued, waiting_normal, waiting_priority FROM service_days WHERE day = ?1 AND service = ?2",
        )?
        .query_row(params![day_str(day), service], |r| {
            Ok(ServiceDay { next_seq: r.get(0)?, issued: r.get(1)?, waiting_normal: r.get(2)?, waiting_priority: r.get(3)? })
        })
        .optional()?;
    Ok(row.unwrap_or_default())
}

pub fn save_service_day(
    c: &Connection,
    day: NaiveDate,
    service: &str,
    s: &ServiceDay,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO service_days (day, service, next_seq, issued, waiting_normal, waiting_priority)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (day, service) DO UPDATE SET next_seq = excluded.next_seq, issued = excluded.issued,
             waiting_normal = excluded.waiting_normal, waiting_priority = excluded.waiting_priority",
    )?
    .execute(params![
        day_str(day),
        service,
        s.next_seq,
        s.issued,
        s.waiting_normal,
        s.waiting_priority
    ])?;
    Ok(())
}

/// The oldest waiting ticket of a class in a service: `(id, issued_at)`.
/// Queue order is the original issue time (offline tickets keep theirs), then id.
pub fn oldest_waiting(
    c: &Connection,
    day: NaiveDate,
    service: &str,
    prio: bool,
) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT id, issued_at FROM tickets WHERE status = 'waiting' AND day = ?1 AND service = ?2 AND prio = ?3
         ORDER BY issued_at, id LIMIT 1",
    )?
    .query_row(params![day_str(day), service, prio], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?)
}

/// Waiting tickets of a class in a service queued before `(issued_at, id)`.
pub fn count_waiting_before(
    c: &Connection,
    day: NaiveDate,
    service: &str,
    prio: bool,
    issued_at: i64,
    id: i64,
) -> Result<u32, StoreError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND day = ?1 AND service = ?2 AND prio = ?3
         AND (issued_at < ?4 OR (issued_at = ?4 AND id < ?5))",
    )?
    .query_row(params![day_str(day), service, prio, issued_at, id], |r| r.get(0))?)
}

/// Waiting tickets of a class in a service (by counting rows; the check for the
/// mirrored counts in [`ServiceDay`]).
pub fn count_waiting(c: &Connection, day: NaiveDate, service: &str, prio: bool) -> Result<u32, StoreError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND day = ?1 AND service = ?2 AND prio = ?3",
    )?
    .query_row(params![day_str(day), service, prio], |r| r.get(0))?)
}

/// Service times (seconds from the last call to completion) of the most recently
/// served tickets of a service, newest first.
pub fn recent_service_secs(c: &Connection, service: &str, limit: usize) -> Result<Vec<i64>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT (finished_at - last_called_at) / 1000 FROM tickets
         WHERE status = 'served' AND service = ?1 AND last_called_at IS NOT NULL
         ORDER BY finished_at DESC LIMIT ?2",
    )?;
    let v = st.query_map(params![service, limit as i64], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(v)
}

/// A counter (desk) as stored. Counters that never acted have no row and read
/// as the default (open, idle).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CounterRow {
    pub number: u32,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub current_ticket: Option<i64>,
    pub priority_streak: u32,
    pub updated_at: i64,
}

pub fn counter(c: &Connection, number: u32) -> Result<CounterRow, StoreError> {
    let row = c
        .prepare_cached(
            "SELECT number, paused, pause_reason, current_ticket, priority_streak, updated_at FROM counters WHERE number = ?1",
        )?
        .query_row([number], |r| {
            Ok(CounterRow {
                number: r.get(0)?,
                paused: r.get(1)?,
                pause_reason: r.get(2)?,
                current_ticket: r.get(3)?,
                priority_streak: r.get(4)?,
                updated_at: r.get(5)?,
            })
        })
        .optional()?;
    Ok(row.unwrap_or(CounterRow { number, ..Default::default() }))
}

pub fn save_counter(c: &Connection, row: &CounterRow) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO counters (number, paused, pause_reason, current_ticket, priority_streak, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (number) DO UPDATE SET paused = excluded.paused, pause_reason = excluded.pause_reason,
             current_ticket = excluded.current_ticket, priority_streak = excluded.priority_streak,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        row.number,
        row.paused,
        row.pause_reason,
        row.current_ticket,
        row.priority_streak,
        row.updated_at
    ])?;
    Ok(())
}

/// A waiting ticket goes to a counter (first call).
pub fn mark_called(c: &Connection, id: i64, counter: u32, at: i64) -> Result<(), StoreError> {
    let n = c
        .prepare_cached(
            "UPDATE tickets SET status = 'called', counter = ?2, calls = 1, first_called_at = ?3, last_called_at = ?3
             WHERE id = ?1 AND status = 'waiting'",
        )?
        .execute(params![id, counter, at])?;
    if n != 1 {
        return Err(StoreError::Corrupt(format!("ticket {id} was not waiting when called")));
    }
    Ok(())
}

pub fn mark_recalled(c: &Connection, id: i64, at: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE tickets SET calls = calls + 1, last_called_at = ?2 WHERE id = ?1 AND status = 'called'",
    )?
    .execute(params![id, at])?;
    Ok(())
}

/// Ends a called ticket as served or no-show, and erases the citizen's
/// identity: the visit is over, nobody needs it any more.
pub fn finish_ticket(c: &Connection, id: i64, status: TicketStatus, at: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE tickets SET status = ?2, finished_at = ?3,
             citizen_id_number = NULL, citizen_full_name = NULL, citizen_birth_date = NULL
         WHERE id = ?1 AND status = 'called'",
    )?
    .execute(params![id, status.as_str(), at])?;
    Ok(())
}

/// Gives a still-waiting ticket the number printed on the citizen's offline
/// ticket (see `docs/api.md`, idempotency).
pub fn renumber(c: &Connection, id: i64, seq: u32, number: &str, issued_at: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE tickets SET seq = ?2, number = ?3, offline = 1, issued_at = MIN(issued_at, ?4)
         WHERE id = ?1 AND status = 'waiting'",
    )?
    .execute(params![id, seq, number, issued_at])?;
    Ok(())
}

/// Day rollover: tickets of earlier days still waiting or at a counter become
/// `expired`; their waiting counts drop to zero. Returns how many expired.
pub fn expire_before(c: &Connection, day: NaiveDate, at: i64) -> Result<usize, StoreError> {
    let d = day_str(day);
    let n = c
        .prepare_cached(
            "UPDATE tickets SET status = 'expired', finished_at = ?2 WHERE day < ?1 AND status IN ('waiting', 'called')",
        )?
        .execute(params![d, at])?;
    c.prepare_cached(
        "UPDATE service_days SET waiting_normal = 0, waiting_priority = 0
         WHERE day < ?1 AND (waiting_normal > 0 OR waiting_priority > 0)",
    )?
    .execute([&d])?;
    Ok(n)
}

/// Day rollover: personal data on tickets of earlier days is no longer needed.
pub fn purge_citizen_before(c: &Connection, day: NaiveDate) -> Result<usize, StoreError> {
    Ok(c.prepare_cached(
        "UPDATE tickets SET citizen_id_number = NULL, citizen_full_name = NULL, citizen_birth_date = NULL
         WHERE day < ?1 AND citizen_id_number IS NOT NULL",
    )?
    .execute([day_str(day)])?)
}

/// Day rollover: counters start the day without a ticket and with a fresh streak
/// (a pause stays until the officer resumes).
pub fn reset_counters_for_new_day(c: &Connection, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE counters SET current_ticket = NULL, priority_streak = 0, updated_at = ?1")?
        .execute([at])?;
    Ok(())
}

/// Tickets served at a counter on a day.
pub fn served_count(c: &Connection, day: NaiveDate, counter: u32) -> Result<u32, StoreError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM tickets WHERE day = ?1 AND counter = ?2 AND status = 'served'",
    )?
    .query_row(params![day_str(day), counter], |r| r.get(0))?)
}

/// The most recent calls of a day (tickets with their latest call), newest first.
pub fn recent_calls(c: &Connection, day: NaiveDate, limit: usize) -> Result<Vec<TicketRow>, StoreError> {
    let sql = format!(
        "SELECT {TICKET_COLS} FROM tickets WHERE day = ?1 AND last_called_at IS NOT NULL
         ORDER BY last_called_at DESC, id DESC LIMIT ?2"
    );
    let mut st = c.prepare_cached(&sql)?;
    let v =
        st.query_map(params![day_str(day), limit as i64], ticket_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

#[cfg(test)]
mod tests;
