//! `dossiers import FILE` and `dossiers list`: the built-in centre's dossier
//! store, on the machine that runs the centre (same data directory).

use crate::centre::api::{DossierImportFile, ImportReport};
use crate::centre::core::{validate_records, Centre};
use crate::config::Config;
use anyhow::Context;
use std::path::Path;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")
}

/// Reads and checks an import file: JSON syntax and types first (the error
/// names the JSON path), then every value (all problems at once).
pub fn read_import_file(path: &Path) -> anyhow::Result<DossierImportFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_import(&text, &path.display().to_string())
}

/// [`read_import_file`] on text already read; `name` (the file) starts every error.
pub fn parse_import(text: &str, name: &str) -> anyhow::Result<DossierImportFile> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file: DossierImportFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        // serde_json's message ends with "at line L column C".
        anyhow::anyhow!("{name}: {}: {inner}", if at == "." { "(file)".to_string() } else { at })
    })?;
    let problems = validate_records(&file.dossiers);
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("{name}: {p}")).collect();
        anyhow::bail!("{} problem(s), nothing imported:\n{}", problems.len(), lines.join("\n"));
    }
    Ok(file)
}

/// Imports the file into the centre's database (all or nothing).
pub fn import(cfg: &Config, path: &Path) -> anyhow::Result<ImportReport> {
    let file = read_import_file(path)?;
    let centre = Centre::open(cfg)?;
    let report = runtime()?.block_on(centre.import_dossiers(file.dossiers))?;
    println!(
        "Đã nhập {} hồ sơ vào {}: {} mới, {} cập nhật.",
        report.inserted + report.updated,
        centre.db_path().display(),
        report.inserted,
        report.updated
    );
    Ok(report)
}

/// Prints one line per dossier: code, status, appointment, lateness.
pub fn list(cfg: &Config) -> anyhow::Result<()> {
    let centre = Centre::open(cfg)?;
    let all = runtime()?.block_on(centre.dossiers())?;
    for d in &all {
        let late = if d.deadline.overdue {
            format!("  trễ hạn {} ngày làm việc", d.deadline.working_days_late)
        } else if d.deadline.paused {
            "  tạm dừng tính thời hạn (chờ công dân)".to_string()
        } else {
            String::new()
        };
        println!(
            "{}  {:>2} {}  hẹn trả {}{}  · {}",
            d.code,
            d.status.code,
            d.status.label_vi,
            crate::domain::localtime::format_date(d.appointment),
            late,
            d.procedure_name_vi
        );
    }
    println!("{} hồ sơ", all.len());
    Ok(())
}
