//! `catalog` subcommands: import a catalog file, search the installed catalog.
//! Clap wiring lives in the command-line module; these functions do the work.

use crate::catalog::{self, Catalog, ImportOptions, ImportStage};
use crate::config::Config;
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Validates `file` and installs it as the catalog of this device. An older
/// version than the installed one is refused unless `force`.
pub fn import(cfg: &Config, file: &Path, force: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    import_to(cfg, file, force, &mut stdout.lock())
}

/// Prints the best matches for `query`: `code  name  (score)` per line, or one
/// JSON object per line with `json`.
pub fn search(cfg: &Config, query: &str, json: bool, limit: usize) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    search_to(cfg, query, json, limit, &mut stdout.lock())
}

fn import_to(cfg: &Config, file: &Path, force: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let dir = cfg.data_dir();
    let progress = |s: ImportStage| {
        if let ImportStage::Writing { done, total } = s {
            tracing::debug!("catalog import: {done}/{total} procedures written");
        }
    };
    let opts = ImportOptions { force, progress: Some(&progress) };
    let outcome = catalog::import_file(&dir, file, &opts)
        .with_context(|| format!("catalog {} was not installed", file.display()))?;
    match &outcome.previous_version {
        Some(prev) => writeln!(
            out,
            "Installed catalog {} ({} procedures), replacing {prev}.",
            outcome.version, outcome.procedures
        )?,
        None => writeln!(out, "Installed catalog {} ({} procedures).", outcome.version, outcome.procedures)?,
    }
    // Tell the technician about procedures no configured counter would receive.
    let c =
        Catalog::load(&catalog::store::db_path(&dir)).context("the installed catalog cannot be read back")?;
    let known: Vec<&str> = cfg.queue.services.iter().map(|s| s.code.as_str()).collect();
    let orphans = c.unknown_queue_services(&known);
    if !orphans.is_empty() {
        let list: Vec<String> =
            orphans.iter().take(10).map(|p| format!("{} ({})", p.code, p.queue_service)).collect();
        writeln!(
            out,
            "Warning: {} procedure(s) name a queue service that is not configured: {}{}",
            orphans.len(),
            list.join(", "),
            if orphans.len() > 10 { ", …" } else { "" }
        )?;
    }
    if c.info().sample {
        writeln!(out, "Note: this catalog is marked as a sample dataset.")?;
    }
    Ok(())
}

fn search_to(cfg: &Config, query: &str, json: bool, limit: usize, out: &mut dyn Write) -> anyhow::Result<()> {
    let c = Catalog::open(&cfg.data_dir()).context("cannot open the procedure catalog")?;
    let hits = c.search(query, limit);
    if json {
        for h in &hits {
            writeln!(out, "{}", serde_json::to_string(h)?)?;
        }
    } else if hits.is_empty() {
        writeln!(out, "No procedure matches \"{query}\".")?;
    } else {
        for h in &hits {
            writeln!(out, "{}  {}  ({:.2}, {})", h.code, h.name, h.score, h.matched_in.key())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(dir: &Path) -> Config {
        let mut c = Config::default();
        c.data.dir = dir.display().to_string();
        c
    }

    #[test]
    fn search_prints_ranked_lines_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = cfg(dir.path());
        let mut out = Vec::new();
        search_to(&cfg, "dang ky khai sinh", false, 3, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().next().unwrap().starts_with("1.001193  Đăng ký khai sinh  ("), "{text}");
        assert_eq!(text.lines().count(), 3);

        let mut out = Vec::new();
        search_to(&cfg, "1.000894", true, 5, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["code"], "1.000894");
        assert_eq!(first["matched_in"], "code");

        let mut out = Vec::new();
        search_to(&cfg, "qqqqzzzz", false, 5, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("No procedure matches"));
    }

    #[test]
    fn import_reports_version_and_refuses_older() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = cfg(dir.path());
        let mut file = catalog::parse_catalog(catalog::BUNDLED_JSON.as_bytes()).unwrap();
        file.version = "2100.1.1".into();
        file.procedures[0].queue_service = "ZZ".into();
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, serde_json::to_vec(&file).unwrap()).unwrap();
        let mut out = Vec::new();
        import_to(&cfg, &newer, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Installed catalog 2100.1.1"), "{text}");
        assert!(text.contains("not configured: 1.001193 (ZZ)"), "{text}");

        file.version = "2099.1.1".into();
        let older = dir.path().join("older.json");
        std::fs::write(&older, serde_json::to_vec(&file).unwrap()).unwrap();
        let err = import_to(&cfg, &older, false, &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("older than the installed 2100.1.1"), "{err:#}");
        import_to(&cfg, &older, true, &mut Vec::new()).unwrap();
    }
}
