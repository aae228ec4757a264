//! `motcua-kiosk doctor`: the one command a technician runs first. Every part
//! a role needs is checked (config, data directory, databases, disk, centre,
//! readers, printer, audio, screen access) and reported as pass, warn or fail
//! with one short fix hint naming the config key; `--json` for tools; the exit
//! status is non-zero when anything fails. Hints are short English: technicians
//! read it fine for commands and keys, and it matches `config check`.

pub mod centre;
mod devices;
mod local;

use crate::config::Config;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Which device this is, so only its parts are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Kiosk,
    Display,
    Counter,
    Centre,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Kiosk => "kiosk",
            Target::Display => "display",
            Target::Counter => "counter",
            Target::Centre => "centre",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// Not configured or not applicable here.
    Skip,
    Warn,
    Fail,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pass => "[ OK ]",
            Status::Skip => "[SKIP]",
            Status::Warn => "[WARN]",
            Status::Fail => "[FAIL]",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable id: `config`, `config_mode`, `start`, `data_dir`, `database`, `disk`, `centre_reachable`,
    /// `centre_token`, `counter_number`, `centre_tls`, `clock_skew`, `centre_listen`, `reader`,
    /// `printer`, `audio`, `screen`, `touch`.
    pub check: &'static str,
    /// What was checked when there are several (a port, a database file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub status: Status,
    pub detail: String,
    /// How to fix it (warn and fail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    pub fn pass(check: &'static str, detail: impl Into<String>) -> Check {
        Check { check, target: None, status: Status::Pass, detail: detail.into(), hint: None }
    }
    pub fn skip(check: &'static str, detail: impl Into<String>) -> Check {
        Check { check, target: None, status: Status::Skip, detail: detail.into(), hint: None }
    }
    pub fn warn(check: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check { check, target: None, status: Status::Warn, detail: detail.into(), hint: Some(hint.into()) }
    }
    pub fn fail(check: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check { check, target: None, status: Status::Fail, detail: detail.into(), hint: Some(hint.into()) }
    }
    pub fn on(mut self, target: impl Into<String>) -> Check {
        self.target = Some(target.into());
        self
    }
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: Target,
    pub config: Option<PathBuf>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }

    pub fn count(&self, s: Status) -> usize {
        self.checks.iter().filter(|c| c.status == s).count()
    }

    /// The table a technician reads: one line per check, its fix under it.
    pub fn to_table(&self) -> String {
        let name = |c: &Check| match &c.target {
            Some(t) => format!("{} {t}", c.check),
            None => c.check.to_string(),
        };
        let width = self.checks.iter().map(|c| name(c).chars().count()).max().unwrap_or(0).min(40);
        let mut out = format!(
            "motcua-kiosk doctor: {} ({})\n",
            self.target.name(),
            self.config
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "no config file".into())
        );
        for c in &self.checks {
            out += &format!("{} {:width$}  {}\n", c.status.label(), name(c), c.detail);
            if let Some(h) = &c.hint {
                out += &format!("{:>6} {:width$}  fix: {h}\n", "", "");
            }
        }
        out += &format!(
            "{} passed, {} warnings, {} failed, {} skipped\n",
            self.count(Status::Pass),
            self.count(Status::Warn),
            self.count(Status::Fail),
            self.count(Status::Skip)
        );
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serialises")
    }
}

/// Runs every check for `target` with the config file at `path` (none:
/// built-in defaults). Blocking; makes its own runtime for the network checks.
pub fn run(path: Option<&Path>, target: Target) -> Report {
    let mut checks = Vec::new();
    let (cfg, config_check) = local::config(path);
    checks.extend(config_check);
    let Some(cfg) = cfg else {
        return Report { target, config: path.map(Path::to_path_buf), checks };
    };
    checks.extend(for_config(&cfg, target));
    Report { target, config: path.map(Path::to_path_buf), checks }
}

/// The checks after the config itself.
fn for_config(cfg: &Config, target: Target) -> Vec<Check> {
    let mut checks = vec![local::start(cfg, target)];
    let data_dir = cfg.data_dir();
    checks.push(local::data_dir(&data_dir));
    checks.extend(local::databases(cfg, &data_dir, target));
    checks.push(local::disk(&data_dir));
    checks.extend(centre::checks(cfg, target));
    if matches!(target, Target::Kiosk | Target::Counter) {
        checks.extend(devices::readers(cfg));
    }
    if target == Target::Kiosk {
        checks.push(devices::printer(cfg));
    }
    if target == Target::Display {
        checks.push(devices::audio(&cfg.display.audio_command));
    }
    if target != Target::Centre {
        checks.push(devices::screen());
        if target != Target::Display {
            checks.push(devices::touch(Path::new("/dev/input")));
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(checks: Vec<Check>) -> Report {
        Report { target: Target::Kiosk, config: None, checks }
    }

    #[test]
    fn a_fail_fails_the_report_and_every_hint_is_shown() {
        let r = report(vec![
            Check::pass("config", "ok"),
            Check::warn("disk", "3% free", "free some space").on("/var/lib/x"),
            Check::skip("printer", "not configured"),
        ]);
        assert!(!r.failed());
        let mut r2 = r.clone();
        r2.checks.push(Check::fail("reader", "not found", "plug it in (scanner.ports)").on("/dev/ttyACM0"));
        assert!(r2.failed());
        let t = r2.to_table();
        assert!(t.contains("[FAIL] reader /dev/ttyACM0"), "{t}");
        assert!(t.contains("fix: plug it in (scanner.ports)"), "{t}");
        assert!(t.contains("fix: free some space"), "{t}");
        assert!(t.ends_with("1 passed, 1 warnings, 1 failed, 1 skipped\n"), "{t}");
        let v: serde_json::Value = serde_json::from_str(&r2.to_json()).unwrap();
        assert_eq!(v["checks"][3]["status"], "fail");
        assert_eq!(v["checks"][3]["target"], "/dev/ttyACM0");
        assert!(v["checks"][0].get("hint").is_none());
    }
}
