//! Changing the config file from the program (the setup pages, `pin set`):
//! the technician's comments, key order and layout are kept (`toml_edit`
//! edits the document, not a re-serialised struct); the new text is
//! validated exactly as `config check` does before anything is written; the
//! file is replaced atomically (temporary file in the same directory, fsync,
//! rename, fsync of the directory), so a power cut leaves the old or the new
//! file, never half of one. Owner, group and mode are carried over.

use super::{parse, Config, ConfigIssue};
use std::io::Write;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, Value};

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("the change was not written: {}", .0.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ConfigIssue>),
    #[error("cannot write config file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// One key to set: `section.key` (e.g. `kiosk.setup_pin`) and its new value.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: String,
    pub value: Value,
}

impl Change {
    pub fn new(key: &str, value: impl Into<Value>) -> Change {
        Change { key: key.into(), value: value.into() }
    }
}

/// Sets `key` (dotted, tables created when missing) in the document; an
/// existing value keeps its comments and spacing around it.
pub fn set(doc: &mut DocumentMut, key: &str, mut value: Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().unwrap_or(key);
    let mut table: &mut Table = doc.as_table_mut();
    for p in parts {
        if !table.contains_key(p) {
            table.insert(p, Item::Table(Table::new()));
        }
        table = match table.get_mut(p).and_then(Item::as_table_mut) {
            Some(t) => t,
            None => return,
        };
    }
    match table.get_mut(leaf).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *value.decor_mut() = decor;
            *old = value;
        }
        None => {
            table.insert(leaf, Item::Value(value));
        }
    }
}

/// The config text with `changes` applied, and the config it makes (which
/// must pass `config check`).
pub fn apply(text: &str, changes: &[Change]) -> Result<(String, Config), Result<String, Vec<ConfigIssue>>> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| Ok(e.to_string()))?;
    for c in changes {
        set(&mut doc, &c.key, c.value.clone());
    }
    let out = doc.to_string();
    match parse(&out) {
        Err(issue) => Err(Err(vec![issue])),
        Ok((cfg, issues)) if issues.is_empty() => Ok((out, cfg)),
        Ok((_, issues)) => Err(Err(issues)),
    }
}

/// Applies `changes` to the file at `path`, validated, atomically. Returns
/// the new config (with `source` set).
pub fn edit_file(path: &Path, changes: &[Change]) -> Result<Config, EditError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| EditError::Read { path: path.into(), source })?;
    let (out, cfg) = apply(&text, changes).map_err(|e| match e {
        Ok(message) => EditError::Syntax { path: path.into(), message },
        Err(issues) => EditError::Invalid(issues),
    })?;
    write_atomically(path, out.as_bytes())
        .map_err(|source| EditError::Write { path: path.into(), source })?;
    Ok(Config { source: Some(path.to_path_buf()), ..cfg })
}

/// Replaces `path` with `bytes`: a temporary file beside it, synced, renamed
/// over it, then the directory synced so the rename itself is durable.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = std::fs::metadata(path).ok();
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        #[cfg(unix)]
        if let Some(m) = &old {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            f.set_permissions(std::fs::Permissions::from_mode(m.mode() & 0o7777))?;
            // Keep owner and group (root:motcua 0640 stays readable by the
            // service); a non-root writer can at least keep the group.
            if std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid())).is_err() {
                let _ = std::os::unix::fs::fchown(&f, None, Some(m.gid()));
            }
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Kiosk at the main entrance\n[kiosk]\nid = \"kiosk-01\"   # shown in the fleet view\n\
                        # the technicians' language\nlanguage = \"vi\"\n\n[printer]\n# the thermal printer\nuri = \"\"\n";

    #[test]
    fn comments_order_and_layout_are_kept() {
        // What must hold: changing two keys and adding a third rewrites only
        // those values; every comment, the key order and blank lines stay.
        let (out, cfg) = apply(
            FILE,
            &[
                Change::new("kiosk.id", "kiosk-07"),
                Change::new("printer.uri", "tcp://10.0.0.9:9100"),
                Change::new("kiosk.idle_timeout_secs", 90i64),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "# Kiosk at the main entrance\n[kiosk]\nid = \"kiosk-07\"   # shown in the fleet view\n\
             # the technicians' language\nlanguage = \"vi\"\nidle_timeout_secs = 90\n\n[printer]\n# the thermal printer\n\
             uri = \"tcp://10.0.0.9:9100\"\n"
        );
        assert_eq!((cfg.kiosk.id.as_str(), cfg.kiosk.idle_timeout_secs), ("kiosk-07", 90));
        let (out, _) = apply("", &[Change::new("offline.range_start", 800i64)]).unwrap();
        assert_eq!(out, "[offline]\nrange_start = 800\n");
    }

    #[test]
    fn an_invalid_change_is_refused_as_config_check_would() {
        let err = apply(FILE, &[Change::new("kiosk.idle_timeout_secs", 5i64)]).unwrap_err();
        let issues = err.unwrap_err();
        assert_eq!(issues[0].key, "kiosk.idle_timeout_secs");
        let err = apply(FILE, &[Change::new("kiosk.language", 3i64)]).unwrap_err();
        assert_eq!(err.unwrap_err()[0].key, "kiosk.language");
        assert!(apply("[kiosk\n", &[]).unwrap_err().is_ok(), "a syntax error is reported as such");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_replaced_with_its_mode_and_nothing_left_behind() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kiosk.toml");
        std::fs::write(&p, FILE).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let cfg = edit_file(&p, &[Change::new("kiosk.language", "en")]).unwrap();
        assert_eq!(cfg.kiosk.language, crate::config::Language::En);
        assert_eq!(cfg.source.as_deref(), Some(p.as_path()));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("language = \"en\"") && text.contains("# the technicians' language"), "{text}");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o640);
        let err = edit_file(&p, &[Change::new("kiosk.id", "")]).unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text, "a refused change writes nothing");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("kiosk.toml")], "no temporary file left");
    }
}
