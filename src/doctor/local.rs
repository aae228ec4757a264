//! Checks on this machine's own files: the config, the data directory, the
//! SQLite databases, free disk space.

use super::{Check, Target};
use crate::config::{self, Config};
use std::path::{Path, PathBuf};

fn check_cmd(path: &Path) -> String {
    format!("run `motcua-kiosk config check --config {}`", path.display())
}

/// The config file: readable, valid, not readable by everyone. The config to
/// check the rest with comes back unless the file could not be parsed at all.
pub fn config(path: Option<&Path>) -> (Option<Config>, Vec<Check>) {
    let Some(path) = path else {
        let c = Check::warn(
            "config",
            "no config file: built-in defaults (a demo kiosk)",
            "give --config /etc/motcua-kiosk/ROLE.toml (or set MOTCUA_CONFIG)",
        );
        return (Some(Config::default()), vec![c]);
    };
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let c = Check::fail(
                "config",
                format!("cannot read {shown}: {e}"),
                "check the path; the service's group must read it (chgrp motcua, chmod 640)",
            );
            return (None, vec![c]);
        }
    };
    let mut checks = Vec::new();
    let cfg = match config::parse(&text) {
        Err(issue) => {
            checks.push(Check::fail("config", format!("{shown}: {issue}"), check_cmd(path)));
            None
        }
        Ok((cfg, issues)) if issues.is_empty() => {
            checks.push(Check::pass("config", format!("{shown} is valid")));
            Some(cfg)
        }
        Ok((cfg, issues)) => {
            let more =
                if issues.len() > 1 { format!(" (and {} more)", issues.len() - 1) } else { String::new() };
            checks.push(Check::fail("config", format!("{shown}: {}{more}", issues[0]), check_cmd(path)));
            Some(cfg)
        }
    };
    checks.push(match crate::config::security::file_warnings(path).into_iter().next() {
        Some(w) => Check::warn("config_mode", w, format!("chmod 640 {shown}; chgrp motcua {shown}")),
        None => Check::pass("config_mode", "not readable by other users"),
    });
    if let Some(cfg) = &cfg {
        for w in crate::config::security::config_warnings(cfg) {
            checks.push(Check::warn("config", format!("{}: {}", w.key, w.message), w.hint));
        }
    }
    (cfg, checks)
}

/// The data directory exists (or can be made) and a file can be written there.
pub fn data_dir(dir: &Path) -> Check {
    let shown = dir.display().to_string();
    let hint = format!("the service user must own it: chown motcua:motcua {shown} (data.dir)");
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Check::fail("data_dir", format!("cannot create {shown}: {e}"), hint);
    }
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    let written = std::fs::write(&probe, b"doctor");
    let _ = std::fs::remove_file(&probe);
    match written {
        Ok(()) => Check::pass("data_dir", format!("{shown} is writable")),
        Err(e) => Check::fail("data_dir", format!("cannot write in {shown}: {e}"), hint),
    }
}

/// The databases this role keeps, each through `PRAGMA quick_check`.
pub fn databases(cfg: &Config, dir: &Path, target: Target) -> Vec<Check> {
    let files: Vec<PathBuf> = match target {
        Target::Kiosk if cfg.centre.url.is_empty() => vec![
            crate::store::kiosk_db_path(dir),
            crate::store::centre_db_path(dir),
            crate::catalog::store::db_path(dir),
        ],
        Target::Kiosk => vec![crate::store::kiosk_db_path(dir), crate::catalog::store::db_path(dir)],
        Target::Centre => vec![crate::store::centre_db_path(dir), crate::catalog::store::db_path(dir)],
        Target::Display | Target::Counter => Vec::new(),
    };
    files.iter().map(|f| database(f)).collect()
}

/// `PRAGMA quick_check` on one file, opened read-only (safe while the service
/// runs: SQLite readers do not block its writer).
pub fn database(file: &Path) -> Check {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !file.exists() {
        return Check::skip("database", "not created yet").on(name);
    }
    let hint = format!(
        "stop the service, move {} aside and restore a backup (a kiosk recreates its own)",
        file.display()
    );
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let result = rusqlite::Connection::open_with_flags(file, flags).and_then(|c| {
        let mut st = c.prepare("PRAGMA quick_check")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()
    });
    match result {
        Ok(rows) if rows == ["ok"] => Check::pass("database", "integrity ok").on(name),
        Ok(rows) => Check::fail(
            "database",
            format!("damaged: {}", rows.first().map(String::as_str).unwrap_or("no answer")),
            hint,
        )
        .on(name),
        Err(e) => Check::fail("database", format!("cannot be read: {e}"), hint).on(name),
    }
}

/// Below this much free space the kiosk may fail to write tickets.
const FAIL_BELOW_BYTES: u64 = 100 * 1024 * 1024;
const WARN_BELOW_BYTES: u64 = 1024 * 1024 * 1024;

/// Whether the role would refuse to start with this config (the default
/// setup PIN, a weak token while serving the LAN): it would exit at once.
pub fn start(cfg: &Config, target: Target) -> Check {
    let refusal = match target {
        Target::Kiosk => crate::cli::run::start_checks(cfg).err().map(|e| e.0),
        Target::Centre => {
            cfg.centre.listen.parse().ok().and_then(|a| crate::config::security::serving_refusal(cfg, a))
        }
        // `run --role counter` refuses to start without its counter.
        Target::Counter if cfg.counter.number == 0 => {
            Some("counter.number is 0: the counter screen does not know its counter".to_string())
        }
        Target::Display | Target::Counter => None,
    };
    match refusal {
        Some(why) => Check::fail("start", why, "fix the key named, then restart the service"),
        None => Check::pass("start", format!("the {} starts with this config", target.name())),
    }
}

/// Free space where the data directory lives.
pub fn disk(dir: &Path) -> Check {
    match free_space(dir) {
        Ok((free, total)) => disk_verdict(free, total, dir),
        Err(e) => Check::warn("disk", format!("cannot measure free space: {e}"), "check the data.dir path"),
    }
}

pub fn disk_verdict(free: u64, total: u64, dir: &Path) -> Check {
    let mib = |b: u64| b / (1024 * 1024);
    let pct = if total == 0 { 0.0 } else { free as f64 * 100.0 / total as f64 };
    let detail = format!("{} MiB free of {} MiB ({pct:.0}%) at {}", mib(free), mib(total), dir.display());
    let hint = "free space: `journalctl --vacuum-size=200M`, remove old files";
    if free < FAIL_BELOW_BYTES {
        Check::fail("disk", detail, hint)
    } else if free < WARN_BELOW_BYTES || (pct < 5.0 && free < WARN_BELOW_BYTES * 4) {
        // Under 5 % matters on a kiosk's small flash disk; 9 GiB free on a
        // 250 GiB disk is months of a kiosk's writes, not a warning.
        Check::warn("disk", detail, hint)
    } else {
        Check::pass("disk", detail)
    }
}

fn free_space(dir: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "path with a NUL byte"))?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let frsize = st.f_frsize as u64;
    Ok((st.f_bavail as u64 * frsize, st.f_blocks as u64 * frsize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn disk_thresholds() {
        let p = Path::new("/d");
        let gib = 1024 * 1024 * 1024;
        assert_eq!(disk_verdict(50 << 20, 100 * gib, p).status, Status::Fail);
        assert_eq!(disk_verdict(500 << 20, 100 * gib, p).status, Status::Warn);
        assert_eq!(disk_verdict(3 * gib, 100 * gib, p).status, Status::Warn, "3% free");
        assert_eq!(disk_verdict(20 * gib, 100 * gib, p).status, Status::Pass);
        assert_eq!(disk_verdict(9 * gib, 250 * gib, p).status, Status::Pass, "4% of a big disk, 9 GiB");
        let real = disk(&std::env::temp_dir());
        assert!(real.detail.contains("MiB free"), "{}", real.detail);
    }
}
