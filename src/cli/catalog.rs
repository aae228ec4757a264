//! `catalog` subcommands: import a catalog file (reporting what it changes),
//! show one procedure as the kiosk does, search, export for review. Clap wiring
//! lives in the command-line module; these functions do the work.

use crate::catalog::view::{view, ViewLang};
use crate::catalog::{self, Catalog, ImportOptions, ImportStage};
use crate::config::Config;
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Validates `file`, prints what it changes against the installed catalog and
/// installs it (unless `dry_run`). An older version than the installed one is
/// refused unless `force`.
pub fn import(cfg: &Config, file: &Path, force: bool, dry_run: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    import_to(cfg, file, force, dry_run, &mut stdout.lock())
}

/// Prints procedure `code` as the kiosk shows it, in `lang` (`vi` or `en`).
pub fn show(cfg: &Config, code: &str, json: bool, lang: &str) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    show_to(cfg, code, json, lang, &mut stdout.lock())
}

/// Writes the installed catalog as CSV to `out`, or standard output.
pub fn export(cfg: &Config, out: Option<&Path>) -> anyhow::Result<()> {
    let c = Catalog::open(&cfg.data_dir()).context("cannot open the procedure catalog")?;
    match out {
        Some(path) => {
            let mut buf = Vec::new();
            catalog::export::write_csv(c.procedures(), &mut buf)?;
            std::fs::write(path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {} procedures to {}.", c.len(), path.display());
        }
        None => catalog::export::write_csv(c.procedures(), &mut std::io::stdout().lock())?,
    }
    Ok(())
}

fn show_to(cfg: &Config, code: &str, json: bool, lang: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let lang = match lang {
        "vi" => ViewLang::Vi,
        "en" => ViewLang::En,
        other => anyhow::bail!("--lang must be vi or en, not `{other}`"),
    };
    let c = Catalog::open(&cfg.data_dir()).context("cannot open the procedure catalog")?;
    let p = c.get(code).with_context(|| {
        format!("no procedure {code} in catalog {} ({} procedures)", c.version(), c.len())
    })?;
    let v = view(p, lang);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        out.write_all(v.to_text(lang).as_bytes())?;
    }
    Ok(())
}

/// Prints the best matches for `query`: `code  name  (score)` per line, or one
/// JSON object per line with `json`.
pub fn search(cfg: &Config, query: &str, json: bool, limit: usize) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    search_to(cfg, query, json, limit, &mut stdout.lock())
}

fn import_to(
    cfg: &Config,
    file: &Path,
    force: bool,
    dry_run: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let dir = cfg.data_dir();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let offered =
        catalog::parse_catalog(&bytes).with_context(|| format!("catalog {} is not valid", file.display()))?;
    // What changes, before anything is replaced.
    let db = catalog::store::db_path(&dir);
    let installed = match catalog::store::read_info(&db) {
        Ok(Some(_)) => match catalog::store::read_catalog(&db) {
            Ok((info, f)) => Some((info.version, f.procedures)),
            Err(e) => {
                writeln!(out, "The installed catalog cannot be read ({e}); it will be replaced.")?;
                None
            }
        },
        _ => None,
    };
    match &installed {
        Some((version, procs)) => {
            let d = catalog::diff::diff(procs, &offered.procedures);
            write!(out, "Catalog {version} -> {}: {}", offered.version, d.to_text())?;
        }
        None => writeln!(
            out,
            "No catalog installed yet: all {} procedures of {} are new.",
            offered.procedures.len(),
            offered.version
        )?,
    }
    if dry_run {
        writeln!(out, "Dry run: nothing installed.")?;
        return Ok(());
    }
    let progress = |s: ImportStage| {
        if let ImportStage::Writing { done, total } = s {
            tracing::debug!("catalog import: {done}/{total} procedures written");
        }
    };
    let opts = ImportOptions { force, progress: Some(&progress) };
    let outcome = catalog::store::install(&dir, &offered, &file.display().to_string(), &opts)
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
    // Rank as the kiosk does: with this centre's counts and popular list.
    let counts = catalog::usage::counts(&cfg.data_dir()).unwrap_or_default();
    c.set_popularity(&counts, &cfg.catalog.popular);
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
        let mut out = Vec::new();
        let first = dir.path().join("first.json");
        std::fs::write(&first, catalog::BUNDLED_JSON).unwrap();
        import_to(&cfg, &first, false, false, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("No catalog installed yet: all "));
        let mut file = catalog::parse_catalog(catalog::BUNDLED_JSON.as_bytes()).unwrap();
        file.version = "2100.1.1".into();
        file.procedures[0].queue_service = "ZZ".into();
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, serde_json::to_vec(&file).unwrap()).unwrap();
        let mut out = Vec::new();
        import_to(&cfg, &newer, false, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Installed catalog 2100.1.1"), "{text}");
        assert!(text.contains("not configured: 1.001193 (ZZ)"), "{text}");
        // The change was reported before the install.
        assert!(text.contains(" -> 2100.1.1: 0 added, 0 removed, 1 changed"), "{text}");
        assert!(text.contains("  ~ 1.001193  Đăng ký khai sinh: queue_service"), "{text}");

        file.version = "2099.1.1".into();
        let older = dir.path().join("older.json");
        std::fs::write(&older, serde_json::to_vec(&file).unwrap()).unwrap();
        let err = import_to(&cfg, &older, false, false, &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("older than the installed 2100.1.1"), "{err:#}");
        import_to(&cfg, &older, true, false, &mut Vec::new()).unwrap();
    }

    #[test]
    fn dry_run_reports_and_installs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = cfg(dir.path());
        Catalog::open(dir.path()).unwrap();
        let before = std::fs::read(catalog::store::db_path(dir.path())).unwrap();
        let mut file = catalog::parse_catalog(catalog::BUNDLED_JSON.as_bytes()).unwrap();
        file.version = "2100.1.1".into();
        let removed = file.procedures.remove(0);
        file.procedures[0].methods[0].fee_amount = Some(1);
        let path = dir.path().join("new.json");
        std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
        let mut out = Vec::new();
        import_to(&cfg, &path, false, true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!("  - {}  {}", removed.code, removed.name)), "{text}");
        assert!(text.contains(": fee\n"), "{text}");
        assert!(text.ends_with("Dry run: nothing installed.\n"), "{text}");
        assert_eq!(std::fs::read(catalog::store::db_path(dir.path())).unwrap(), before);
    }

    #[test]
    fn show_prints_what_the_kiosk_shows() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = cfg(dir.path());
        let mut out = Vec::new();
        show_to(&cfg, "1.001193.000.00.00.H56", false, "vi", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("1.001193  Đăng ký khai sinh\n"), "{text}");
        assert!(text.contains("Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)"), "{text}");
        let mut out = Vec::new();
        show_to(&cfg, "1.004884", true, "en", &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["code"], "1.004884");
        assert_eq!(v["methods"][0]["fee"], "Ask at the counter", "{v}");
        let err = show_to(&cfg, "9.999999", false, "vi", &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("no procedure 9.999999"), "{err:#}");
        assert!(show_to(&cfg, "1.001193", false, "fr", &mut Vec::new()).is_err());
    }
}
