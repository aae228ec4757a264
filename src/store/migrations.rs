//! Schema versions. The version lives in `PRAGMA user_version`; each migration
//! runs in its own IMMEDIATE transaction together with the version bump, so a
//! crash leaves the database at the old or the new version, never in between.
//!
//! Never edit a migration that has shipped: add a new one. The test
//! `v1_database_made_by_hand_migrates_to_the_fresh_schema` keeps a frozen copy of
//! version 1 and fails if the shipped SQL drifts.

use super::{devices, dossiers, help, kiosks, officers, outbox, provision, queue, ratings, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "queue: tickets, counters, events", sql: queue::SCHEMA_V1 },
    Migration { version: 2, name: "centre: kiosk heartbeats", sql: kiosks::SCHEMA_V2 },
    Migration { version: 3, name: "kiosk: outbox and offline numbers", sql: outbox::SCHEMA_V3 },
    Migration { version: 4, name: "centre: dossiers and their history", sql: dossiers::SCHEMA_V4 },
    Migration { version: 5, name: "centre: satisfaction ratings", sql: ratings::SCHEMA_V5 },
    Migration { version: 6, name: "centre: devices, unique printed numbers", sql: devices::SCHEMA_V6 },
    Migration { version: 7, name: "centre: officers, sessions, transfers", sql: officers::SCHEMA_V7 },
    Migration { version: 8, name: "centre: help requests from kiosks", sql: help::SCHEMA_V8 },
    Migration {
        version: 9,
        name: "centre: rating indices 8 and 9 corrected (old answers kept aside)",
        sql: ratings::SCHEMA_V9,
    },
    Migration { version: 10, name: "centre: one-time provisioning codes", sql: provision::SCHEMA_V10 },
];

/// The schema version this program writes.
pub const LATEST: i64 = 10;

pub fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies every migration above the database's version. Returns the version
/// found before migrating.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<i64, StoreError> {
    debug_assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(LATEST));
    let before = user_version(conn)?;
    if before == LATEST {
        // The common case (every open after the first): no write lock needed.
        return Ok(before);
    }
    for m in MIGRATIONS {
        let fail = |source| StoreError::Migration {
            path: path.to_path_buf(),
            version: m.version,
            name: m.name,
            source,
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        // Re-read inside the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
        if current > LATEST {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: current, supported: LATEST });
        }
        if current >= m.version {
            continue;
        }
        tx.execute_batch(m.sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", m.version).map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(path = %path.display(), version = m.version, name = m.name, "database migrated");
    }
    Ok(before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Version 1 exactly as it shipped. Do not edit: it stands for databases in the field.
    const FROZEN_V1: &str = r#"
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

    fn schema(conn: &Connection) -> Vec<(String, String, String)> {
        let mut st = conn
            .prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))
            .unwrap()
            .map(|r| {
                let (t, n, s) = r.unwrap();
                (t, n, s.split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .collect()
    }

    #[test]
    fn v1_database_made_by_hand_migrates_to_the_fresh_schema() {
        // What must hold: a version-1 database from the field (made here by hand,
        // with a ticket in it) opens, is migrated to the latest version with its
        // rows intact, and ends with exactly the schema of a fresh database.
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.sqlite3");
        {
            let c = Connection::open(&old).unwrap();
            c.execute_batch(FROZEN_V1).unwrap();
            c.execute(
                "INSERT INTO tickets (day, service, seq, number, prio, status, issued_at, received_at, kiosk_id, idempotency_key, tracking_code)
                 VALUES ('2026-03-02', 'HT', 23, 'A-023', 0, 'waiting', 1, 1, 'kiosk-01', 'k-1', 'TRACK1')",
                [],
            )
            .unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
        }
        let store = Store::open(&old).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST);
        let number: String = store
            .conn()
            .query_row("SELECT number FROM tickets WHERE tracking_code = 'TRACK1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(number, "A-023");
        let fresh = Store::open(dir.path().join("fresh.sqlite3")).unwrap();
        assert_eq!(schema(store.conn()), schema(fresh.conn()));
    }

    #[test]
    fn newer_database_is_refused_and_left_untouched() {
        // What must hold: a database with a version above LATEST is refused with a
        // clear error and not altered in any way (same bytes, no WAL file).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.sqlite3");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE future_things (x INTEGER); INSERT INTO future_things VALUES (42);")
                .unwrap();
            c.pragma_update(None, "user_version", LATEST + 7).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path).unwrap_err();
        match &err {
            StoreError::TooNew { found, supported, .. } => {
                assert_eq!(*found, LATEST + 7);
                assert_eq!(*supported, LATEST);
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("newer than this program"), "{msg}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "file bytes changed");
        assert!(!dir.path().join("future.sqlite3-wal").exists(), "a WAL file was created");
    }

    #[test]
    fn a_failing_migration_leaves_the_old_version() {
        // What must hold: the version bump and the schema change commit together.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clash.sqlite3");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(FROZEN_V1).unwrap();
            // A stray table that makes migration 2 fail halfway.
            c.execute_batch("CREATE TABLE kiosks (x INTEGER);").unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Migration { version: 2, .. }), "{err:?}");
        let c = Connection::open(&path).unwrap();
        assert_eq!(user_version(&c).unwrap(), 1);
    }

    #[test]
    fn ratings_of_version_8_keep_indices_1_to_7_and_set_the_old_8_and_9_aside() {
        // What must hold: after migration 9, answers to the retired questions 8
        // ("convenience") and 9 ("overall") are no longer counted as answers to the
        // new indices 8 and 9; they are kept whole in indices_before_v9; indices
        // 1-7 are untouched; a rating that answered only 8-9 has no indices; a
        // rating without 8-9 answers or without indices is not touched.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v8.sqlite3");
        {
            let mut c = Connection::open(&path).unwrap();
            let tx = c.transaction().unwrap();
            for m in MIGRATIONS.iter().filter(|m| m.version <= 8) {
                tx.execute_batch(m.sql).unwrap();
            }
            tx.pragma_update(None, "user_version", 8).unwrap();
            tx.commit().unwrap();
            for (i, ix) in [Some("221102210"), Some("2-0----21"), Some("-------12"), Some("1111111--"), None]
                .into_iter()
                .enumerate()
            {
                c.execute(
                    "INSERT INTO ratings (day, level, indices, rated_at, received_at, kiosk_id, idempotency_key)
                     VALUES ('2026-11-30', 3, ?1, 1, 1, 'kiosk-01', ?2)",
                    rusqlite::params![ix, format!("k-{i}")],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST);
        let mut st =
            store.conn().prepare("SELECT indices, indices_before_v9 FROM ratings ORDER BY id").unwrap();
        let rows: Vec<(Option<String>, Option<String>)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            rows,
            vec![
                (s("2211022--"), s("221102210")),
                (s("2-0------"), s("2-0----21")),
                (None, s("-------12")),
                (s("1111111--"), None),
                (None, None),
            ]
        );
        // Every migrated value is still a valid stored form.
        for (ix, _) in &rows {
            if let Some(ix) = ix {
                assert!(crate::domain::rating::IndexScores::from_digits(ix).is_some(), "{ix}");
            }
        }
    }
}
