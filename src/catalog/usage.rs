//! How often each procedure is looked up and taken a number for at this
//! centre, and the popularity prior search derives from it.
//!
//! The counts live in their own small database (`catalog-usage.sqlite3`), not
//! in the catalog file: an import replaces the catalog as a whole, and the
//! counts must survive it. Losing them is harmless (search only uses them to
//! break near-ties), so they are written with `synchronous=NORMAL`.

use crate::domain::procedure::Procedure;
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File name of the usage counts in the data directory.
pub const USAGE_DB: &str = "catalog-usage.sqlite3";
/// A ticket taken for a procedure says more than a look at it.
pub const TICKET_WEIGHT: u64 = 3;

/// What happened to a procedure on a kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKind {
    /// Its detail page was opened.
    Lookup,
    /// A number was taken from its detail page.
    Ticket,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub lookups: u64,
    pub tickets: u64,
}

impl Usage {
    pub fn weight(self) -> u64 {
        self.lookups + TICKET_WEIGHT * self.tickets
    }
}

#[derive(Debug, thiserror::Error)]
#[error("procedure usage counts {path}: {source}")]
pub struct UsageError {
    path: PathBuf,
    source: rusqlite::Error,
}

fn open(data_dir: &Path) -> Result<(Connection, PathBuf), UsageError> {
    let path = data_dir.join(USAGE_DB);
    let err = |source| UsageError { path: path.clone(), source };
    let conn = Connection::open(&path).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(2)).map_err(err)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS usage (
             code TEXT PRIMARY KEY NOT NULL,
             lookups INTEGER NOT NULL DEFAULT 0,
             tickets INTEGER NOT NULL DEFAULT 0
         ) STRICT;",
    )
    .map_err(err)?;
    Ok((conn, path))
}

/// Counts one event for `code`.
pub fn record(data_dir: &Path, code: &str, kind: UsageKind) -> Result<(), UsageError> {
    let (conn, path) = open(data_dir)?;
    let (l, t) = match kind {
        UsageKind::Lookup => (1, 0),
        UsageKind::Ticket => (0, 1),
    };
    conn.execute(
        "INSERT INTO usage (code, lookups, tickets) VALUES (?1, ?2, ?3)
         ON CONFLICT(code) DO UPDATE SET lookups = lookups + ?2, tickets = tickets + ?3",
        params![code, l, t],
    )
    .map_err(|source| UsageError { path, source })?;
    Ok(())
}

/// Every count recorded in `data_dir` (empty when nothing was recorded yet).
pub fn counts(data_dir: &Path) -> Result<HashMap<String, Usage>, UsageError> {
    if !data_dir.join(USAGE_DB).exists() {
        return Ok(HashMap::new());
    }
    let (conn, path) = open(data_dir)?;
    let err = |source| UsageError { path: path.clone(), source };
    let mut stmt = conn.prepare("SELECT code, lookups, tickets FROM usage").map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Usage { lookups: r.get::<_, i64>(1)? as u64, tickets: r.get::<_, i64>(2)? as u64 },
            ))
        })
        .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

/// The popularity prior of each procedure, in catalog order, in [0, 1]:
/// the larger of its place in the configured list (first 1.0, last 0.5) and
/// its share of the counts on a log scale (the most used 1.0).
pub fn popularity(
    procedures: &[Procedure],
    counts: &HashMap<String, Usage>,
    configured: &[String],
) -> Vec<f32> {
    let n = configured.len().max(1) as f32;
    let listed: HashMap<&str, f32> = configured
        .iter()
        .enumerate()
        .rev() // the first mention of a code wins
        .map(|(i, c)| (c.as_str(), 1.0 - 0.5 * i as f32 / n))
        .collect();
    let max = procedures.iter().filter_map(|p| counts.get(&p.code)).map(|u| u.weight()).max().unwrap_or(0);
    let scale = ((1 + max) as f32).ln();
    procedures
        .iter()
        .map(|p| {
            let from_list = listed.get(p.code.as_str()).copied().unwrap_or(0.0);
            let from_counts = match counts.get(&p.code) {
                Some(u) if scale > 0.0 => ((1 + u.weight()) as f32).ln() / scale,
                _ => 0.0,
            };
            from_list.max(from_counts)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::fixtures::procedure;

    #[test]
    fn counts_survive_reopening_and_add_up() {
        let dir = tempfile::tempdir().unwrap();
        assert!(counts(dir.path()).unwrap().is_empty());
        record(dir.path(), "1.001193", UsageKind::Lookup).unwrap();
        record(dir.path(), "1.001193", UsageKind::Lookup).unwrap();
        record(dir.path(), "1.001193", UsageKind::Ticket).unwrap();
        record(dir.path(), "2.000815", UsageKind::Ticket).unwrap();
        let c = counts(dir.path()).unwrap();
        assert_eq!(c["1.001193"], Usage { lookups: 2, tickets: 1 });
        assert_eq!(c["1.001193"].weight(), 5);
        assert_eq!(c["2.000815"], Usage { lookups: 0, tickets: 1 });
    }

    #[test]
    fn prior_takes_the_list_or_the_counts() {
        let procs = vec![procedure("1.000001", "A"), procedure("1.000002", "B"), procedure("1.000003", "C")];
        let none = popularity(&procs, &HashMap::new(), &[]);
        assert_eq!(none, vec![0.0, 0.0, 0.0]);
        let listed =
            popularity(&procs, &HashMap::new(), &["1.000003".into(), "1.000001".into(), "9.999999".into()]);
        assert_eq!(listed[2], 1.0);
        assert!(listed[0] < 1.0 && listed[0] >= 0.5, "{listed:?}");
        assert_eq!(listed[1], 0.0);
        let mut c = HashMap::new();
        c.insert("1.000002".to_string(), Usage { lookups: 99, tickets: 0 });
        c.insert("1.000001".to_string(), Usage { lookups: 9, tickets: 0 });
        let counted = popularity(&procs, &c, &[]);
        assert_eq!(counted[1], 1.0);
        assert!(counted[0] > 0.0 && counted[0] < 1.0, "{counted:?}");
        let both = popularity(&procs, &c, &["1.000001".into()]);
        assert_eq!(both[0], 1.0);
    }
}
