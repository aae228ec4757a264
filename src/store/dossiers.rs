//! Centre tables: dossiers and their processing history, as imported from the
//! agencies' systems (`motcua-kiosk dossiers import`) or seeded as samples.
//! Row-level access only; the rules live in `domain::dossier`.
//!
//! The applicant's name is stored masked (`Nguyễn V. A.`): the kiosk never
//! shows more, so the centre never keeps more.

use super::StoreError;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Version 4: dossiers and their history.
pub const SCHEMA_V4: &str = r#"
CREATE TABLE dossiers (
    code TEXT PRIMARY KEY NOT NULL,
    procedure_code TEXT NOT NULL,
    procedure_name_vi TEXT NOT NULL,
    procedure_name_en TEXT NOT NULL,
    applicant_masked TEXT NOT NULL,
    channel INTEGER NOT NULL CHECK (channel IN (1, 2, 3)),
    received_at INTEGER NOT NULL,
    appointment TEXT NOT NULL,
    status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
    missing_documents TEXT NOT NULL DEFAULT '[]',
    fee_vnd INTEGER,
    counter INTEGER,
    sample INTEGER NOT NULL DEFAULT 0 CHECK (sample IN (0, 1)),
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE dossier_history (
    id INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossiers (code) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    agency TEXT NOT NULL,
    action TEXT NOT NULL,
    status INTEGER CHECK (status BETWEEN 1 AND 10)
) STRICT;
CREATE INDEX dossier_history_by_code ON dossier_history (dossier_code, at, id);
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRow {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub applicant_masked: String,
    pub channel: u8,
    pub received_at: i64,
    pub appointment: NaiveDate,
    pub status: u8,
    /// JSON array of strings.
    pub missing_documents: String,
    pub fee_vnd: Option<i64>,
    pub counter: Option<u32>,
    pub sample: bool,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub at: i64,
    pub agency: String,
    pub action: String,
    pub status: Option<u8>,
}

const COLS: &str = "code, procedure_code, procedure_name_vi, procedure_name_en, applicant_masked, channel, \
     received_at, appointment, status, missing_documents, fee_vnd, counter, sample, updated_at";

fn dossier_from_row(r: &Row<'_>) -> rusqlite::Result<DossierRow> {
    let appointment: String = r.get(7)?;
    Ok(DossierRow {
        code: r.get(0)?,
        procedure_code: r.get(1)?,
        procedure_name_vi: r.get(2)?,
        procedure_name_en: r.get(3)?,
        applicant_masked: r.get(4)?,
        channel: r.get(5)?,
        received_at: r.get(6)?,
        appointment: NaiveDate::parse_from_str(&appointment, "%Y-%m-%d").map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        status: r.get(8)?,
        missing_documents: r.get(9)?,
        fee_vnd: r.get(10)?,
        counter: r.get(11)?,
        sample: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub fn dossier(c: &Connection, code: &str) -> Result<Option<DossierRow>, StoreError> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM dossiers WHERE code = ?1"))?
        .query_row([code], dossier_from_row)
        .optional()?)
}

/// Every dossier, by code (the `dossiers list` command).
pub fn all(c: &Connection) -> Result<Vec<DossierRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM dossiers ORDER BY code"))?;
    let v = st.query_map([], dossier_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// History of a dossier, oldest first.
pub fn history(c: &Connection, code: &str) -> Result<Vec<HistoryRow>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT at, agency, action, status FROM dossier_history WHERE dossier_code = ?1 ORDER BY at, id",
    )?;
    let v = st
        .query_map([code], |r| {
            Ok(HistoryRow { at: r.get(0)?, agency: r.get(1)?, action: r.get(2)?, status: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Inserts or replaces a dossier with its whole history. Returns true when it is new.
pub fn upsert(c: &Connection, d: &DossierRow, history: &[HistoryRow]) -> Result<bool, StoreError> {
    let existed = c
        .prepare_cached("SELECT 1 FROM dossiers WHERE code = ?1")?
        .query_row([&d.code], |_| Ok(()))
        .optional()?
        .is_some();
    c.prepare_cached(&format!(
        "INSERT INTO dossiers ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (code) DO UPDATE SET procedure_code = excluded.procedure_code,
           procedure_name_vi = excluded.procedure_name_vi, procedure_name_en = excluded.procedure_name_en,
           applicant_masked = excluded.applicant_masked, channel = excluded.channel,
           received_at = excluded.received_at, appointment = excluded.appointment, status = excluded.status,
           missing_documents = excluded.missing_documents, fee_vnd = excluded.fee_vnd,
           counter = excluded.counter, sample = excluded.sample, updated_at = excluded.updated_at"
    ))?
    .execute(params![
        d.code,
        d.procedure_code,
        d.procedure_name_vi,
        d.procedure_name_en,
        d.applicant_masked,
        d.channel,
        d.received_at,
        d.appointment.format("%Y-%m-%d").to_string(),
        d.status,
        d.missing_documents,
        d.fee_vnd,
        d.counter,
        d.sample,
        d.updated_at,
    ])?;
    c.prepare_cached("DELETE FROM dossier_history WHERE dossier_code = ?1")?.execute([&d.code])?;
    let mut ins = c.prepare_cached(
        "INSERT INTO dossier_history (dossier_code, at, agency, action, status) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for h in history {
        ins.execute(params![d.code, h.at, h.agency, h.action, h.status])?;
    }
    Ok(!existed)
}

pub fn count_samples(c: &Connection) -> Result<u32, StoreError> {
    Ok(c.prepare_cached("SELECT COUNT(*) FROM dossiers WHERE sample = 1")?.query_row([], |r| r.get(0))?)
}

/// Removes the sample dossiers (their history goes with them).
pub fn delete_samples(c: &Connection) -> Result<usize, StoreError> {
    Ok(c.prepare_cached("DELETE FROM dossiers WHERE sample = 1")?.execute([])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn row(code: &str, sample: bool) -> DossierRow {
        DossierRow {
            code: code.into(),
            procedure_code: "1.004222".into(),
            procedure_name_vi: "Đăng ký thường trú".into(),
            procedure_name_en: "Permanent residence registration".into(),
            applicant_masked: "Nguyễn V. A.".into(),
            channel: 1,
            received_at: 1,
            appointment: NaiveDate::from_ymd_opt(2026, 3, 11).unwrap(),
            status: 4,
            missing_documents: "[]".into(),
            fee_vnd: None,
            counter: Some(5),
            sample,
            updated_at: 1,
        }
    }

    #[test]
    fn upsert_replaces_the_dossier_and_its_history_and_samples_can_be_removed() {
        // Must hold: a second import of a code replaces fields and history (no duplicate
        // rows); deleting samples takes their history and leaves real dossiers.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        let h = |at: i64, a: &str| HistoryRow {
            at,
            agency: "Bộ phận một cửa".into(),
            action: a.into(),
            status: Some(2),
        };
        assert!(upsert(c, &row("X.Y-260302-0001", false), &[h(2, "b"), h(1, "a")]).unwrap());
        let mut changed = row("X.Y-260302-0001", false);
        changed.status = 9;
        assert!(!upsert(c, &changed, &[h(1, "a"), h(2, "b"), h(3, "c")]).unwrap());
        assert_eq!(dossier(c, "X.Y-260302-0001").unwrap().unwrap().status, 9);
        let actions: Vec<String> =
            history(c, "X.Y-260302-0001").unwrap().into_iter().map(|h| h.action).collect();
        assert_eq!(actions, ["a", "b", "c"]);
        upsert(c, &row("S.Y-260302-0002", true), &[h(1, "s")]).unwrap();
        assert_eq!(count_samples(c).unwrap(), 1);
        assert_eq!(delete_samples(c).unwrap(), 1);
        assert!(history(c, "S.Y-260302-0002").unwrap().is_empty());
        assert_eq!(all(c).unwrap().len(), 1);
    }
}
