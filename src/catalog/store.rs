//! The installed catalog: one SQLite file in the data directory, replaced as a
//! whole on import.
//!
//! An import never modifies the installed file. It validates the new catalog in
//! memory, writes it to a new temporary database next to it, fsyncs it, and
//! renames it over the installed one (then fsyncs the directory). A rename is
//! atomic, so a reader or a crash at any point sees either the old catalog or the
//! complete new one; an interrupted import leaves only a temporary file, removed
//! by the next import. Imports are serialised by an advisory lock file.

use crate::domain::procedure::{self, CatalogFile, CatalogIssue, CatalogVersion, Procedure};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// File name of the installed catalog in the data directory.
pub const DB_FILE: &str = "catalog.sqlite3";
const LOCK_FILE: &str = "catalog.lock";
/// Temporary databases being written are named `catalog.sqlite3.new-<pid>-<nanos>`.
const TMP_PREFIX: &str = "catalog.sqlite3.new-";
/// `PRAGMA application_id` of a catalog database ("MCCA").
const APPLICATION_ID: i32 = 0x4D43_4341;
/// Schema version (`PRAGMA user_version`).
const SCHEMA_VERSION: i32 = 1;
/// Progress is reported every this many procedures.
const PROGRESS_EVERY: usize = 250;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog JSON is not valid at `{path}`: {message}")]
    Json { path: String, message: String },
    #[error("catalog has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<CatalogIssue>),
    #[error(
        "catalog version {offered} is older than the installed {installed}; force the import to downgrade"
    )]
    Older { offered: String, installed: String },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("catalog store {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("catalog database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path} is not a usable catalog database: {message}")]
    Corrupt { path: PathBuf, message: String },
}

impl CatalogError {
    /// The JSON paths this error is about (empty for I/O and version errors).
    pub fn paths(&self) -> Vec<&str> {
        match self {
            CatalogError::Json { path, .. } => vec![path.as_str()],
            CatalogError::Invalid(issues) => issues.iter().map(|i| i.path.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CatalogError + '_ {
    move |source| CatalogError::Io { path: path.to_path_buf(), source }
}

fn sql_err(path: &Path) -> impl FnOnce(rusqlite::Error) -> CatalogError + '_ {
    move |source| CatalogError::Sqlite { path: path.to_path_buf(), source }
}

/// Parses and validates catalog JSON. Errors name the JSON path of the problem.
pub fn parse_catalog(bytes: &[u8]) -> Result<CatalogFile, CatalogError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let file: CatalogFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let path = if path == "." { "(document)".to_string() } else { path };
        CatalogError::Json { path, message: inner.to_string() }
    })?;
    let issues = procedure::validate(&file);
    if issues.is_empty() {
        Ok(file)
    } else {
        Err(CatalogError::Invalid(issues))
    }
}

/// Whether a catalog offered by the centre should replace the installed one:
/// only when its version is strictly newer. An unreadable installed version is
/// replaced by any readable offer; an unreadable offer is never taken.
pub fn needs_update(current_version: &str, offered_version: &str) -> bool {
    match (CatalogVersion::parse(current_version), CatalogVersion::parse(offered_version)) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(c), Some(o)) => o > c,
    }
}

/// What is recorded about the installed catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogInfo {
    pub format: u32,
    pub version: String,
    pub sample: bool,
    pub note: String,
    /// Where it came from: `bundled`, a file path, or what the caller of
    /// [`import_bytes`] said (e.g. the centre URL and ETag).
    pub source: String,
    /// UTC, RFC 3339.
    pub imported_at: String,
    pub procedures: usize,
}

/// Stages of an import, for progress display (and for tests that interrupt it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    /// The JSON parsed and passed validation.
    Validated { procedures: usize },
    /// Procedures written to the temporary database so far.
    Writing { done: usize, total: usize },
    /// The temporary database is complete and on disk; next is the swap.
    Synced,
    /// The new catalog is installed.
    Installed,
}

#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Install even when the offered version is older than the installed one.
    pub force: bool,
    pub progress: Option<&'a dyn Fn(ImportStage)>,
}

/// The result of a successful import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub version: String,
    pub previous_version: Option<String>,
    pub procedures: usize,
}

/// Path of the installed catalog database in `data_dir`.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

/// Imports a catalog JSON file. See [`import_bytes`].
pub fn import_file(
    data_dir: &Path,
    file: &Path,
    opts: &ImportOptions,
) -> Result<ImportOutcome, CatalogError> {
    let bytes = fs::read(file).map_err(|source| CatalogError::Read { path: file.to_path_buf(), source })?;
    import_bytes(data_dir, &bytes, &file.display().to_string(), opts)
}

/// Validates `bytes` as a catalog and installs it atomically in `data_dir`.
/// `source` is recorded with it (a file name, or the centre URL and ETag).
/// Refuses a version older than the installed one unless `opts.force`.
pub fn import_bytes(
    data_dir: &Path,
    bytes: &[u8],
    source: &str,
    opts: &ImportOptions,
) -> Result<ImportOutcome, CatalogError> {
    let file = parse_catalog(bytes)?;
    install(data_dir, &file, source, opts)
}

/// Installs an already validated catalog atomically (see the module documentation).
pub fn install(
    data_dir: &Path,
    file: &CatalogFile,
    source: &str,
    opts: &ImportOptions,
) -> Result<ImportOutcome, CatalogError> {
    let report = |s: ImportStage| {
        if let Some(p) = opts.progress {
            p(s)
        }
    };
    let issues = procedure::validate(file);
    if !issues.is_empty() {
        return Err(CatalogError::Invalid(issues));
    }
    report(ImportStage::Validated { procedures: file.procedures.len() });
    fs::create_dir_all(data_dir).map_err(io_err(data_dir))?;
    let _lock = lock(data_dir)?;
    let target = db_path(data_dir);
    let previous = match read_info(&target) {
        Ok(info) => info.map(|i| i.version),
        Err(e) => {
            tracing::warn!("installed catalog is unreadable and will be replaced: {e}");
            None
        }
    };
    if let Some(prev) = &previous {
        if !opts.force && needs_update(&file.version, prev) {
            return Err(CatalogError::Older { offered: file.version.clone(), installed: prev.clone() });
        }
    }
    remove_stale_temp_files(data_dir);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = data_dir.join(format!("{TMP_PREFIX}{}-{nanos}", std::process::id()));
    let written = write_db(&tmp, file, source, &report).and_then(|()| {
        File::open(&tmp).and_then(|f| f.sync_all()).map_err(io_err(&tmp))?;
        report(ImportStage::Synced);
        fs::rename(&tmp, &target).map_err(io_err(&target))
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable.
    File::open(data_dir).and_then(|d| d.sync_all()).map_err(io_err(data_dir))?;
    report(ImportStage::Installed);
    Ok(ImportOutcome {
        version: file.version.clone(),
        previous_version: previous,
        procedures: file.procedures.len(),
    })
}

/// Holds the import lock of `data_dir` until dropped.
fn lock(data_dir: &Path) -> Result<File, CatalogError> {
    let path = data_dir.join(LOCK_FILE);
    let f = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io_err(&path))?;
    f.lock().map_err(io_err(&path))?;
    Ok(f)
}

/// Removes temporary databases left by interrupted imports. Only call with the
/// import lock held: a running import's file would be removed otherwise.
fn remove_stale_temp_files(data_dir: &Path) {
    let Ok(entries) = fs::read_dir(data_dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_str().is_some_and(|n| n.starts_with(TMP_PREFIX)) {
            match fs::remove_file(e.path()) {
                Ok(()) => tracing::info!("removed unfinished catalog import {}", e.path().display()),
                Err(err) => tracing::warn!("cannot remove {}: {err}", e.path().display()),
            }
        }
    }
}

fn write_db(
    path: &Path,
    file: &CatalogFile,
    source: &str,
    report: &dyn Fn(ImportStage),
) -> Result<(), CatalogError> {
    let mut conn = Connection::open(path).map_err(sql_err(path))?;
    // A crash mid-write leaves a temporary file nobody reads: no journal needed.
    // Durability comes from the fsync before the rename.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA application_id = {APPLICATION_ID};
         PRAGMA user_version = {SCHEMA_VERSION};
         CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE procedures (
             ord INTEGER PRIMARY KEY,
             code TEXT NOT NULL UNIQUE,
             name TEXT NOT NULL,
             field TEXT NOT NULL,
             level TEXT NOT NULL,
             queue_service TEXT NOT NULL,
             json TEXT NOT NULL
         );"
    ))
    .map_err(sql_err(path))?;
    let tx = conn.transaction().map_err(sql_err(path))?;
    {
        let mut meta = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)").map_err(sql_err(path))?;
        let imported_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (k, v) in [
            ("format", file.format.to_string()),
            ("version", file.version.clone()),
            ("sample", file.sample.to_string()),
            ("note", file.note.clone()),
            ("source", source.to_string()),
            ("imported_at", imported_at),
            ("procedures", file.procedures.len().to_string()),
        ] {
            meta.execute(params![k, v]).map_err(sql_err(path))?;
        }
        let mut ins = tx
            .prepare(
                "INSERT INTO procedures (ord, code, name, field, level, queue_service, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sql_err(path))?;
        let total = file.procedures.len();
        for (i, p) in file.procedures.iter().enumerate() {
            let json = serde_json::to_string(p).map_err(|e| CatalogError::Json {
                path: format!("procedures[{i}]"),
                message: e.to_string(),
            })?;
            ins.execute(params![i as i64, p.code, p.name, p.field, p.level.key(), p.queue_service, json])
                .map_err(sql_err(path))?;
            if (i + 1) % PROGRESS_EVERY == 0 || i + 1 == total {
                report(ImportStage::Writing { done: i + 1, total });
            }
        }
    }
    tx.commit().map_err(sql_err(path))?;
    conn.close().map_err(|(_, e)| CatalogError::Sqlite { path: path.to_path_buf(), source: e })?;
    Ok(())
}

fn open_read_only(path: &Path) -> Result<Connection, CatalogError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(sql_err(path))?;
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(sql_err(path))?;
    let schema: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql_err(path))?;
    if app != APPLICATION_ID || schema != SCHEMA_VERSION {
        return Err(CatalogError::Corrupt {
            path: path.to_path_buf(),
            message: format!(
                "application_id {app:#x} / schema {schema}, expected {APPLICATION_ID:#x} / {SCHEMA_VERSION}"
            ),
        });
    }
    Ok(conn)
}

fn read_meta(conn: &Connection, path: &Path) -> Result<CatalogInfo, CatalogError> {
    let get = |k: &str| -> Result<String, CatalogError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get::<_, String>(0))
            .optional()
            .map_err(sql_err(path))?
            .ok_or_else(|| CatalogError::Corrupt {
                path: path.to_path_buf(),
                message: format!("meta `{k}` missing"),
            })
    };
    let corrupt = |m: String| CatalogError::Corrupt { path: path.to_path_buf(), message: m };
    Ok(CatalogInfo {
        format: get("format")?.parse().map_err(|e| corrupt(format!("meta format: {e}")))?,
        version: get("version")?,
        sample: get("sample")? == "true",
        note: get("note")?,
        source: get("source")?,
        imported_at: get("imported_at")?,
        procedures: get("procedures")?.parse().map_err(|e| corrupt(format!("meta procedures: {e}")))?,
    })
}

/// What is installed at `path`, or `None` when there is no catalog yet.
pub fn read_info(path: &Path) -> Result<Option<CatalogInfo>, CatalogError> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = open_read_only(path)?;
    read_meta(&conn, path).map(Some)
}

/// Reads and re-validates the whole installed catalog.
pub fn read_catalog(path: &Path) -> Result<(CatalogInfo, CatalogFile), CatalogError> {
    let conn = open_read_only(path)?;
    let info = read_meta(&conn, path)?;
    let mut stmt = conn.prepare("SELECT code, json FROM procedures ORDER BY ord").map_err(sql_err(path))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(sql_err(path))?;
    let mut procedures: Vec<Procedure> = Vec::with_capacity(info.procedures);
    for row in rows {
        let (code, json) = row.map_err(sql_err(path))?;
        let p: Procedure = serde_json::from_str(&json).map_err(|e| CatalogError::Corrupt {
            path: path.to_path_buf(),
            message: format!("procedure {code}: {e}"),
        })?;
        procedures.push(p);
    }
    if procedures.len() != info.procedures {
        return Err(CatalogError::Corrupt {
            path: path.to_path_buf(),
            message: format!("{} procedures stored, meta says {}", procedures.len(), info.procedures),
        });
    }
    let file = CatalogFile {
        format: info.format,
        version: info.version.clone(),
        sample: info.sample,
        note: info.note.clone(),
        procedures,
    };
    let issues = procedure::validate(&file);
    if !issues.is_empty() {
        return Err(CatalogError::Invalid(issues));
    }
    Ok((info, file))
}

/// Moves an unusable catalog database aside (kept for diagnosis) so a good one
/// can be installed. Returns where it went.
pub fn quarantine(data_dir: &Path) -> Result<PathBuf, CatalogError> {
    let from = db_path(data_dir);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let to = data_dir.join(format!("{DB_FILE}.corrupt-{stamp}"));
    fs::rename(&from, &to).map_err(io_err(&from))?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"{"format":1,"version":"2026.1.0","sample":true,"note":"t","procedures":[
      {"code":"1.001193","name":"Đăng ký khai sinh","field":"Hộ tịch","level":"xa","agency":"UBND cấp xã",
       "methods":[{"channel":"truc_tiep","processing_time":"Ngay trong ngày","working_days":0,"fee":"","fee_amount":0}],
       "queue_service":"HT"}]}"#;

    fn with_version(v: &str) -> String {
        MINI.replace("2026.1.0", v)
    }

    #[test]
    fn update_only_for_a_newer_version() {
        assert!(needs_update("2026.11.1", "2026.11.2"));
        assert!(needs_update("2026.11.9", "2026.11.10"));
        assert!(!needs_update("2026.11.1", "2026.11.1"));
        assert!(!needs_update("2026.11.2", "2026.11.1"));
        assert!(!needs_update("2026.11.1", "garbage"));
        assert!(needs_update("", "2026.1"));
    }

    #[test]
    fn json_errors_name_the_path() {
        let bad = MINI.replace("\"working_days\":0", "\"working_days\":\"zero\"");
        let e = parse_catalog(bad.as_bytes()).unwrap_err();
        assert_eq!(e.paths(), vec!["procedures[0].methods[0].working_days"], "{e}");
        let e = parse_catalog(b"{\"format\":1,").unwrap_err();
        assert!(matches!(e, CatalogError::Json { .. }), "{e}");
    }

    #[test]
    fn install_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = import_bytes(dir.path(), MINI.as_bytes(), "test", &ImportOptions::default()).unwrap();
        assert_eq!(out.version, "2026.1.0");
        assert_eq!(out.previous_version, None);
        let (info, file) = read_catalog(&db_path(dir.path())).unwrap();
        assert_eq!(info.version, "2026.1.0");
        assert_eq!(info.source, "test");
        assert!(info.sample);
        assert_eq!(file.procedures.len(), 1);
        assert_eq!(file.procedures[0].name, "Đăng ký khai sinh");
        // No temporary file is left behind.
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(!names.iter().any(|n| n.starts_with(TMP_PREFIX)), "{names:?}");
    }

    #[test]
    fn older_version_is_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ImportOptions::default();
        import_bytes(dir.path(), with_version("2026.2.0").as_bytes(), "a", &opts).unwrap();
        let e = import_bytes(dir.path(), with_version("2026.1.9").as_bytes(), "b", &opts).unwrap_err();
        assert!(matches!(e, CatalogError::Older { .. }), "{e}");
        assert_eq!(read_info(&db_path(dir.path())).unwrap().unwrap().version, "2026.2.0");
        // The same version again is fine (re-import).
        import_bytes(dir.path(), with_version("2026.2.0").as_bytes(), "c", &opts).unwrap();
        let forced = ImportOptions { force: true, progress: None };
        let out = import_bytes(dir.path(), with_version("2026.1.9").as_bytes(), "d", &forced).unwrap();
        assert_eq!(out.previous_version.as_deref(), Some("2026.2.0"));
        assert_eq!(read_info(&db_path(dir.path())).unwrap().unwrap().version, "2026.1.9");
    }

    #[test]
    fn stale_temp_files_are_removed_by_the_next_import() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!("{TMP_PREFIX}1-2"));
        fs::write(&stale, b"half a database").unwrap();
        import_bytes(dir.path(), MINI.as_bytes(), "t", &ImportOptions::default()).unwrap();
        assert!(!stale.exists());
    }

    #[test]
    fn progress_reports_every_stage_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let cb = |s: ImportStage| seen.borrow_mut().push(s);
        let opts = ImportOptions { force: false, progress: Some(&cb) };
        import_bytes(dir.path(), MINI.as_bytes(), "t", &opts).unwrap();
        assert_eq!(
            seen.into_inner(),
            vec![
                ImportStage::Validated { procedures: 1 },
                ImportStage::Writing { done: 1, total: 1 },
                ImportStage::Synced,
                ImportStage::Installed
            ]
        );
    }

    #[test]
    fn foreign_sqlite_file_is_not_a_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let p = db_path(dir.path());
        Connection::open(&p).unwrap().execute_batch("CREATE TABLE x (a);").unwrap();
        assert!(matches!(read_info(&p), Err(CatalogError::Corrupt { .. })));
        fs::write(&p, b"not sqlite at all, not even close............................................")
            .unwrap();
        assert!(read_catalog(&p).is_err());
        // An unreadable installed catalog does not block installing a good one.
        import_bytes(dir.path(), MINI.as_bytes(), "t", &ImportOptions::default()).unwrap();
        assert_eq!(read_info(&p).unwrap().unwrap().version, "2026.1.0");
    }
}
