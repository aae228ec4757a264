//! SQLite storage. One database file per role: `centre.sqlite3` (queue, events,
//! devices) and `kiosk.sqlite3` (outbox, offline numbers). Both files carry the
//! same versioned schema (see [`migrations`]); each role only uses its tables.
//!
//! Durability: every file is opened in WAL mode with `synchronous=FULL`, so a
//! transaction that returned from COMMIT is on disk (the WAL is fsynced at every
//! commit). A ticket the kiosk printed, or an outbox item it promised to send,
//! must survive a power cut; `NORMAL` would only keep the database consistent
//! and could lose the last commits.

pub mod devices;
pub mod dossiers;
pub mod events;
pub mod help;
pub mod kiosks;
pub mod meta;
pub mod migrations;
pub mod officers;
pub mod outbox;
pub mod pin_lockout;
pub mod provision;
pub mod queue;
pub mod ratings;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a connection waits for another writer before `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// File name of the built-in centre's database in the data directory.
pub const CENTRE_DB: &str = "centre.sqlite3";
/// File name of a kiosk's database (outbox, offline numbers) in the data directory.
pub const KIOSK_DB: &str = "kiosk.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "database {path} has schema version {found}, newer than this program understands (up to {supported}); \
         it was left untouched: run the newer program version or restore a backup"
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("database {path}: migration to schema version {version} ({name}) failed: {source}")]
    Migration { path: PathBuf, version: i64, name: &'static str, source: rusqlite::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// A [`StoreError`] that can be cloned and compared, for the errors that carry
/// one as their source (the centre's, the kiosk link's) and must stay cheap to
/// clone. It reads and chains like the error it holds; two are equal when they
/// say the same thing.
#[derive(Debug, Clone)]
pub struct SharedStoreError(Arc<StoreError>);

impl SharedStoreError {
    pub fn get(&self) -> &StoreError {
        &self.0
    }
}

impl From<StoreError> for SharedStoreError {
    fn from(e: StoreError) -> Self {
        SharedStoreError(Arc::new(e))
    }
}

impl std::fmt::Display for SharedStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SharedStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for SharedStoreError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

/// An open, migrated database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema to
    /// [`migrations::LATEST`]. A database written by a newer program version is
    /// refused before anything in it is changed.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::CreateDir { path: dir.to_path_buf(), source })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(&path, flags)
            .map_err(|source| StoreError::Open { path: path.clone(), source })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Check the version before touching anything: switching to WAL would
        // already rewrite the header of a database we must not alter.
        let found = migrations::user_version(&conn)?;
        if found > migrations::LATEST {
            return Err(StoreError::TooNew { path, found, supported: migrations::LATEST });
        }
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "{}: cannot switch to WAL (journal_mode={mode})",
                path.display()
            )));
        }
        // FULL: fsync the WAL at every commit (see the module comment).
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Deleted or overwritten content (a citizen's identity once the visit
        // is over) is zeroed in the file, not left in free space.
        conn.pragma_update(None, "secure_delete", true)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::migrate(&mut conn, &path)?;
        Ok(Store { conn, path })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::user_version(&self.conn)
    }
}

/// Copies the WAL into the database file and empties it (`TRUNCATE`), so
/// personal data just erased survives neither in old WAL frames nor in old
/// page images. Returns `false` when a reader kept it from finishing (the next
/// checkpoint will).
pub fn checkpoint_truncate(c: &Connection) -> Result<bool, StoreError> {
    let busy: i64 = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// Path of the built-in centre's database in the data directory.
pub fn centre_db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CENTRE_DB)
}

/// Path of the kiosk's database (outbox) in the data directory.
pub fn kiosk_db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KIOSK_DB)
}

/// Milliseconds since the Unix epoch, the time unit stored in every table.
pub fn to_ms(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_ms`]; out-of-range values (never written by us) clamp to the epoch.
pub fn from_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sets_wal_full_sync_and_latest_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("sub/x.sqlite3")).unwrap();
        let c = store.conn();
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "synchronous must be FULL (2)");
        let secure: i64 = c.query_row("PRAGMA secure_delete", [], |r| r.get(0)).unwrap();
        assert_eq!(secure, 1, "erased personal data must be zeroed in the file");
        assert_eq!(store.schema_version().unwrap(), migrations::LATEST);
        // Reopening is a no-op.
        drop(store);
        let again = Store::open(dir.path().join("sub/x.sqlite3")).unwrap();
        assert_eq!(again.schema_version().unwrap(), migrations::LATEST);
    }

    #[test]
    fn ms_round_trip() {
        let t = chrono::DateTime::from_timestamp_millis(1_772_000_000_123).unwrap();
        assert_eq!(from_ms(to_ms(t)), t);
    }
}
