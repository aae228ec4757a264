//! Centre table: citizens' satisfaction ratings. One rating per ticket (the
//! unique `ticket_id`); anonymous ratings have none. The counter, service and
//! officer are copied from the ticket and the config when the rating arrives,
//! so later changes of staff do not move old ratings.

use super::StoreError;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 5: ratings.
pub const SCHEMA_V5: &str = r#"
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER UNIQUE REFERENCES tickets (id),
    day TEXT NOT NULL,
    service TEXT,
    counter INTEGER,
    officer TEXT,
    level INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    indices TEXT CHECK (indices IS NULL OR length(indices) = 9),
    comment TEXT,
    rated_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    kiosk_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX ratings_by_day ON ratings (day);
"#;

/// Version 9: indices 8 and 9 were "convenience" and "overall satisfaction"
/// until this version, which are not indices of the official evaluation (8 is
/// receiving and answering feedback, 9 the online public service). Answers
/// given to the old questions must not be counted as answers to the new ones:
/// the whole old string is kept in `indices_before_v9` (nothing is lost), and
/// positions 8 and 9 of `indices` become unanswered (`-`); a rating that had
/// answered only those two has no indices any more. Positions 1-7 kept their
/// meaning and stay.
pub const SCHEMA_V9: &str = r#"
ALTER TABLE ratings ADD COLUMN indices_before_v9 TEXT;
UPDATE ratings SET indices_before_v9 = indices
    WHERE indices IS NOT NULL AND substr(indices, 8, 2) <> '--';
UPDATE ratings SET indices = CASE
        WHEN substr(indices, 1, 7) = '-------' THEN NULL
        ELSE substr(indices, 1, 7) || '--'
    END
    WHERE indices_before_v9 IS NOT NULL;
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub id: i64,
    pub ticket_id: Option<i64>,
    /// Local day of `rated_at`.
    pub day: NaiveDate,
    pub service: Option<String>,
    pub counter: Option<u32>,
    pub officer: Option<String>,
    pub level: u8,
    /// Nine digits 0-2, when the citizen answered the indices.
    pub indices: Option<String>,
    pub comment: Option<String>,
    pub rated_at: i64,
    pub received_at: i64,
    pub kiosk_id: String,
    pub idempotency_key: String,
}

const COLS: &str = "id, ticket_id, day, service, counter, officer, level, indices, comment, rated_at, \
     received_at, kiosk_id, idempotency_key";

fn rating_from_row(r: &Row<'_>) -> rusqlite::Result<RatingRow> {
    let day: String = r.get(2)?;
    Ok(RatingRow {
        id: r.get(0)?,
        ticket_id: r.get(1)?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?,
        service: r.get(3)?,
        counter: r.get(4)?,
        officer: r.get(5)?,
        level: r.get(6)?,
        indices: r.get(7)?,
        comment: r.get(8)?,
        rated_at: r.get(9)?,
        received_at: r.get(10)?,
        kiosk_id: r.get(11)?,
        idempotency_key: r.get(12)?,
    })
}

pub fn by_key(c: &Connection, key: &str) -> Result<Option<RatingRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM ratings WHERE idempotency_key = ?1"))?
        .query_row([key], rating_from_row)
        .optional()?)
}

pub fn by_ticket(c: &Connection, ticket_id: i64) -> Result<Option<RatingRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM ratings WHERE ticket_id = ?1"))?
        .query_row([ticket_id], rating_from_row)
        .optional()?)
}

/// Inserts a rating (the `id` field is ignored); returns its id.
pub fn insert(c: &Connection, r: &RatingRow) -> Result<i64, StoreError> {
    c.prepare_cached(
        "INSERT INTO ratings (ticket_id, day, service, counter, officer, level, indices, comment, rated_at,
            received_at, kiosk_id, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        r.ticket_id,
        r.day.format("%Y-%m-%d").to_string(),
        r.service,
        r.counter,
        r.officer,
        r.level,
        r.indices,
        r.comment,
        r.rated_at,
        r.received_at,
        r.kiosk_id,
        r.idempotency_key,
    ])?;
    Ok(c.last_insert_rowid())
}

/// Ratings whose local day is in `from..=to`, oldest first, passed to `f` one
/// by one (a year of ratings need not sit in memory).
pub fn for_each_in_days(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(RatingRow),
) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLS} FROM ratings WHERE day BETWEEN ?1 AND ?2 ORDER BY day, rated_at, id"
    ))?;
    let mut rows =
        st.query(params![from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string()])?;
    while let Some(r) = rows.next()? {
        f(rating_from_row(r)?);
    }
    Ok(())
}

/// All ratings stored (tests, diagnostics).
pub fn count(c: &Connection) -> Result<u32, StoreError> {
    Ok(c.prepare_cached("SELECT COUNT(*) FROM ratings")?.query_row([], |r| r.get(0))?)
}
