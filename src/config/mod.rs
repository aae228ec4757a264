//! Configuration: one TOML file, every key has a default (documented in
//! `docs/config.md`). `load` reports unknown keys and bad values with the key
//! path and a hint, so a technician can fix the file without reading code.

pub mod edit;
mod net;
pub mod pin;
mod secret;
mod sections;
pub mod security;
mod validate;

pub use self::net::{parse_pin, LimitsConfig, TlsConfig};

pub use self::secret::Secret;
pub use self::sections::*;
pub use self::validate::{parse, parse_size, ConfigError, ConfigIssue};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variable that points at the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "MOTCUA_CONFIG";
/// Environment variable that overrides `data.dir`.
pub const DATA_DIR_ENV: &str = "MOTCUA_DATA_DIR";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Config {
    pub kiosk: KioskConfig,
    pub centre: CentreConfig,
    pub offline: OfflineConfig,
    pub data: DataConfig,
    pub scanner: ScannerConfig,
    pub printer: PrinterConfig,
    pub display: DisplayConfig,
    pub counter: CounterScreenConfig,
    pub queue: QueueConfig,
    pub rating: RatingConfig,
    pub dossier: DossierConfig,
    pub catalog: CatalogConfig,
    pub tls: TlsConfig,
    pub limits: LimitsConfig,
    /// Demo mode (`--demo`, or no config file): sample dossiers, opening hours
    /// ignored, the default setup PIN allowed. Not read from the file.
    #[serde(skip)]
    pub demo: bool,
    /// The file this config was loaded from (where setup and `pin set`
    /// write); `None` for built-in defaults. Not read from the file.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    #[default]
    Vi,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Language::Vi),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeVariant {
    #[default]
    Normal,
    LargeText,
    HighContrast,
}

impl ThemeVariant {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "normal" => Some(Self::Normal),
            "large-text" => Some(Self::LargeText),
            "high-contrast" => Some(Self::HighContrast),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::LargeText => "large-text",
            Self::HighContrast => "high-contrast",
        }
    }
}

/// Where the config comes from: `--config`, else `$MOTCUA_CONFIG`, else none (defaults).
pub fn resolve_path(cli: Option<&Path>) -> Option<PathBuf> {
    cli.map(Path::to_path_buf).or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from))
}

/// Loads and validates the config; any problem is an error (the kiosk refuses
/// to start on a config it does not understand rather than guess).
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let Some(path) = path else { return Ok(Config::default()) };
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
    let (cfg, issues) = parse(&text).map_err(|issue| ConfigError::Parse { path: path.into(), issue })?;
    if issues.is_empty() {
        Ok(Config { source: Some(path.to_path_buf()), ..cfg })
    } else {
        Err(ConfigError::Invalid { path: path.into(), issues })
    }
}

impl Config {
    /// Demo mode: what a quick try-out needs (sample dossiers, numbers at any
    /// hour, the default PIN), asked for with `--demo` or by running without a
    /// config file. It never relaxes what the centre accepts from the LAN.
    pub fn apply_demo(&mut self) {
        self.demo = true;
        self.queue.always_open = true;
        self.dossier.sample_data = true;
    }

    /// The data directory, created if missing.
    pub fn data_dir(&self) -> PathBuf {
        if !self.data.dir.is_empty() {
            return PathBuf::from(&self.data.dir);
        }
        if let Some(d) = std::env::var_os(DATA_DIR_ENV) {
            return PathBuf::from(d);
        }
        if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
            return PathBuf::from(d).join("motcua-kiosk");
        }
        if let Some(h) = std::env::var_os("HOME") {
            return PathBuf::from(h).join(".local/share/motcua-kiosk");
        }
        PathBuf::from("motcua-data")
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default() {
        let (cfg, issues) = parse("").unwrap();
        assert_eq!(cfg, Config::default());
        assert!(issues.is_empty(), "{issues:?}");
    }

    #[test]
    fn default_round_trips_through_toml() {
        let text = Config::default().to_toml();
        let (cfg, issues) = parse(&text).unwrap();
        assert_eq!(cfg, Config::default());
        assert!(issues.is_empty(), "{issues:?}");
    }

    #[test]
    fn unknown_key_is_named_with_a_suggestion() {
        let (_, issues) = parse("[kiosk]\nidle_timeout_sec = 60\n").unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key, "kiosk.idle_timeout_sec");
        assert!(issues[0].hint.contains("kiosk.idle_timeout_secs"), "{}", issues[0].hint);
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = parse("[kiosk]\nidle_timeout_secs = \"soon\"\n").unwrap_err();
        assert_eq!(err.key, "kiosk.idle_timeout_secs");
    }

    #[test]
    fn bad_values_name_the_key() {
        let (_, issues) = parse(
            "[kiosk]\nsetup_pin = \"12a\"\n[centre]\nurl = \"ftp://x\"\n[printer]\nwidth_dots = 500\n[queue]\n[[queue.services]]\ncode = \"X\"\nname_vi = \"X\"\nprefix = \"ab\"\ncounters = [1]\nhours = [\"7:30-11\"]\n",
        )
        .unwrap();
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for k in [
            "kiosk.setup_pin",
            "centre.url",
            "printer.width_dots",
            "queue.services[0].prefix",
            "queue.services[0].hours[0]",
        ] {
            assert!(keys.contains(&k), "missing {k} in {keys:?}");
        }
    }

    #[test]
    fn display_keys_are_checked() {
        let (cfg, issues) =
            parse("[display]\nscale = 1.4\npage_secs = 15\naudio_command = \"paplay\"\n").unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            (cfg.display.scale, cfg.display.page_secs, cfg.display.audio_command.as_str()),
            (1.4, 15, "paplay")
        );
        let (_, issues) = parse("[display]\nscale = 5.0\npage_secs = 1\naudio_command = \" \"\n").unwrap();
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["display.scale", "display.page_secs", "display.audio_command"]);
        let (_, issues) = parse("[display]\naudio_comand = \"aplay\"\n").unwrap();
        assert!(issues[0].hint.contains("display.audio_command"), "{}", issues[0].hint);
    }

    #[test]
    fn officers_and_holidays_are_checked() {
        // Must hold: a counter named twice, an empty officer name and a bad holiday
        // date are reported with their key paths; good values pass.
        let (cfg, issues) = parse(
            "[queue]\n[[queue.counter_officers]]\ncounter = 2\nname = \"Trần Thị B.\"\n[dossier]\nholidays = [\"2026-09-02\"]\n",
        )
        .unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            cfg.queue.counter_officers,
            vec![CounterOfficer { counter: 2, name: "Trần Thị B.".into() }]
        );
        let (_, issues) = parse(
            "[queue]\n[[queue.counter_officers]]\ncounter = 2\nname = \"A\"\n[[queue.counter_officers]]\ncounter = 2\nname = \" \"\n[dossier]\nholidays = [\"2/9/2026\"]\n",
        )
        .unwrap();
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            ["queue.counter_officers[1].counter", "queue.counter_officers[1].name", "dossier.holidays[0]"]
        );
    }

    #[test]
    fn voice_region_is_north_or_south() {
        let (cfg, issues) = parse("[display]\nvoice_region = \"south\"\n").unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(cfg.display.voice_region, "south");
        assert_eq!(Config::default().display.voice_region, "north");
        let (_, issues) = parse("[display]\nvoice_region = \"mien nam\"\n").unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key, "display.voice_region");
        assert!(issues[0].hint.contains("south"), "{}", issues[0].hint);
    }

    #[test]
    fn popular_procedures_must_be_codes() {
        let (cfg, issues) = parse("[catalog]\npopular = [\"1.001193\", \"2.000815\"]\n").unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(cfg.catalog.popular, ["1.001193", "2.000815"]);
        let (_, issues) = parse("[catalog]\npopular = [\"1.001193\", \"khai sinh\"]\n").unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key, "catalog.popular[1]");
        assert!(Config::default().catalog.popular.iter().all(|c| crate::domain::procedure::is_valid_code(c)));
    }

    #[test]
    fn debug_of_the_config_shows_no_token_or_pin() {
        let (cfg, issues) = parse(
            "[kiosk]\nsetup_pin = \"902614\"\n[centre]\ntoken = \"the-admin-token-value-0001\"\n\
             [[centre.devices]]\nid = \"board\"\nrole = \"display\"\ntoken = \"the-board-token-value-0001\"\n",
        )
        .unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        let s = format!("{cfg:?} {cfg:#?}");
        for secret in ["902614", "the-admin-token-value-0001", "the-board-token-value-0001"] {
            assert!(!s.contains(secret), "{secret} in Debug output");
        }
        assert!(s.contains("board"), "the rest is still shown");
    }

    #[test]
    fn syntax_error_is_reported() {
        assert!(parse("[kiosk\n").is_err());
    }
}
