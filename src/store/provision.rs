//! Centre table: one-time provisioning codes (`motcua-kiosk provision`).
//! Only the SHA-256 of a code is stored; a code is used once (`used_at`, and
//! the device it made) and refused after `expires_at`.

use super::StoreError;
use crate::domain::access::Role;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 10: provisioning codes.
pub const SCHEMA_V10: &str = r#"
CREATE TABLE provision_codes (
    code_sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(code_sha256) = 64),
    device_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('kiosk', 'display', 'counter')),
    counters TEXT NOT NULL DEFAULT '',
    range_start INTEGER,
    range_end INTEGER,
    range_size INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    CHECK ((range_start IS NULL) = (range_end IS NULL))
) STRICT, WITHOUT ROWID;
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    /// Lower-case hex SHA-256 of the normalised code.
    pub code_sha256: String,
    pub device_id: String,
    pub role: Role,
    /// Counter role: its counters.
    pub counters: Vec<u32>,
    /// Kiosk role: the range asked for at creation; `None`: the centre
    /// allocates `range_size` numbers when the code is used.
    pub offline_range: Option<(u32, u32)>,
    pub range_size: Option<u32>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const COLS: &str =
    "code_sha256, device_id, role, counters, range_start, range_end, range_size, created_at, expires_at, used_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<CodeRow> {
    let role: String = r.get(2)?;
    let counters: String = r.get(3)?;
    let bad = |v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("invalid value `{v}` in the provision_codes table").into(),
        )
    };
    let range = match (r.get::<_, Option<u32>>(4)?, r.get::<_, Option<u32>>(5)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Ok(CodeRow {
        code_sha256: r.get(0)?,
        device_id: r.get(1)?,
        role: Role::parse(&role).ok_or_else(|| bad(&role))?,
        counters: counters
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| bad(&counters)))
            .collect::<Result<_, _>>()?,
        offline_range: range,
        range_size: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        used_at: r.get(9)?,
    })
}

pub fn insert(c: &Connection, row: &CodeRow) -> Result<(), StoreError> {
    let counters = row.counters.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    c.prepare_cached(&format!(
        "INSERT INTO provision_codes ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)"
    ))?
    .execute(params![
        row.code_sha256,
        row.device_id,
        row.role.key(),
        counters,
        row.offline_range.map(|r| r.0),
        row.offline_range.map(|r| r.1),
        row.range_size,
        row.created_at,
        row.expires_at,
    ])?;
    Ok(())
}

pub fn by_hash(c: &Connection, hash: &str) -> Result<Option<CodeRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM provision_codes WHERE code_sha256 = ?1"))?
        .query_row([hash], from_row)
        .optional()?)
}

/// Marks a code used; `false` when it already was (nothing changed).
pub fn mark_used(c: &Connection, hash: &str, at: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("UPDATE provision_codes SET used_at = ?2 WHERE code_sha256 = ?1 AND used_at IS NULL")?
        .execute(params![hash, at])?;
    Ok(n == 1)
}

/// Codes not used and not expired at `now`.
pub fn pending(c: &Connection, now: i64) -> Result<Vec<CodeRow>, StoreError> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLS} FROM provision_codes WHERE used_at IS NULL AND expires_at > ?1 ORDER BY created_at"
    ))?;
    let v = st.query_map([now], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}
