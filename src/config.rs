//! Configuration: one TOML file, every key has a default (documented in
//! `docs/config.md`). `load` reports unknown keys and bad values with the key
//! path and a hint, so a technician can fix the file without reading code.

use serde::{Deserialize, Serialize};
use std::fmt;
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
    pub queue: QueueConfig,
    pub rating: RatingConfig,
    pub dossier: DossierConfig,
    pub catalog: CatalogConfig,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct KioskConfig {
    /// Stable id of this device, sent with every ticket and heartbeat.
    pub id: String,
    pub language: Language,
    pub theme: ThemeVariant,
    /// Seconds without a touch before a citizen's session is ended (0 = never).
    pub idle_timeout_secs: u32,
    /// The last seconds of the idle timeout show a countdown warning.
    pub idle_warning_secs: u32,
    /// Seconds the ticket screen stays before returning home.
    pub ticket_return_secs: u32,
    /// PIN (4-8 digits) for the on-screen setup page.
    pub setup_pin: String,
    /// Window size in logical pixels, `WIDTHxHEIGHT`.
    pub window_size: String,
    pub fullscreen: bool,
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            id: "kiosk-01".into(),
            language: Language::Vi,
            theme: ThemeVariant::Normal,
            idle_timeout_secs: 60,
            idle_warning_secs: 10,
            ticket_return_secs: 30,
            setup_pin: "246810".into(),
            window_size: "1080x1920".into(),
            fullscreen: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CentreConfig {
    /// Shown on the home screen, the display and the ticket.
    pub name: String,
    pub address: String,
    /// Base URL of the central backend, e.g. `http://10.0.0.5:8700`. Empty: run the
    /// built-in centre in this process on the local store.
    pub url: String,
    /// Bearer token of this device.
    pub token: String,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Where the built-in centre listens (`center` command, and the embedded
    /// default so a display or second kiosk can connect). Empty: do not listen.
    pub listen: String,
    /// Tokens the built-in centre accepts (devices). Empty: only `token` above.
    pub accepted_tokens: Vec<String>,
    /// Base of the tracking URL printed as QR on tickets.
    pub tracking_base_url: String,
}

impl Default for CentreConfig {
    fn default() -> Self {
        Self {
            name: "Trung tâm Phục vụ hành chính công".into(),
            address: "Tầng 1, 24 Trần Phú, Hải Châu, Đà Nẵng".into(),
            url: String::new(),
            token: "dev-token-change-me".into(),
            connect_timeout_ms: 800,
            request_timeout_ms: 2500,
            listen: "127.0.0.1:8700".into(),
            accepted_tokens: Vec::new(),
            tracking_base_url: "http://127.0.0.1:8700/t/".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct OfflineConfig {
    /// Reserved sequence range for numbers issued while the centre is
    /// unreachable. Give each kiosk its own range so two never collide.
    pub range_start: u32,
    pub range_end: u32,
}

impl Default for OfflineConfig {
    fn default() -> Self {
        Self { range_start: 900, range_end: 999 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct DataConfig {
    /// Directory of the SQLite databases. Empty: `$MOTCUA_DATA_DIR`, else
    /// `$XDG_DATA_HOME/motcua-kiosk`, else `~/.local/share/motcua-kiosk`.
    pub dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ScannerConfig {
    /// Serial barcode readers; prefer `/dev/serial/by-id/...` paths (stable across replug).
    pub ports: Vec<String>,
    pub baud: u32,
    /// A partial frame followed by this much silence is dropped.
    pub frame_timeout_ms: u64,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self { ports: Vec::new(), baud: 9600, frame_timeout_ms: 500 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PrinterConfig {
    /// `serial:///dev/ttyUSB0?baud=19200`, `file:///dev/usb/lp0`, `tcp://HOST:9100`; empty: no printer.
    pub uri: String,
    /// 576 for 80 mm paper, 384 for 58 mm.
    pub width_dots: u32,
    /// Optional logo image (PNG) printed above the header.
    pub logo: String,
    pub header: String,
    pub footer: String,
    pub status_timeout_ms: u64,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            uri: String::new(),
            width_dots: 576,
            logo: String::new(),
            header: String::new(),
            footer: "Vui lòng chờ đến lượt. Xin cảm ơn!".into(),
            status_timeout_ms: 500,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DisplayConfig {
    /// Only these counters (empty: all).
    pub counters: Vec<u32>,
    /// Only these services (empty: all).
    pub services: Vec<String>,
    pub notice: String,
    pub recent_calls: u32,
    pub chime: bool,
    pub voice: bool,
    /// 0-100.
    pub volume: u32,
    pub window_size: String,
    /// Text size factor (1.0 reads from about 5 m on a 55" screen).
    pub scale: f32,
    /// Seconds per page when more than 30 counters are shown.
    pub page_secs: u32,
    /// Player the call audio (a WAV file) is piped to; `none`: no sound.
    pub audio_command: String,
    /// How the voice reads numbers: `north` (một trăm linh năm, một nghìn) or
    /// `south` (một trăm lẻ năm, một ngàn).
    pub voice_region: String,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            counters: Vec::new(),
            services: Vec::new(),
            notice: String::new(),
            recent_calls: 8,
            chime: true,
            voice: true,
            volume: 80,
            window_size: "1920x1080".into(),
            scale: 1.0,
            page_secs: 10,
            audio_command: "aplay -q -".into(),
            voice_region: "north".into(),
        }
    }
}

/// One queue service of the built-in centre.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServiceConfig {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// One upper-case letter, e.g. `A`.
    pub prefix: String,
    pub counters: Vec<u32>,
    /// Opening periods per working day, `HH:MM-HH:MM`.
    pub hours: Vec<String>,
    /// ISO weekdays (1 = Monday) the service is open.
    pub days: Vec<u32>,
    /// Numbers per day (0 = no cap).
    pub daily_cap: u32,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            code: String::new(),
            name_vi: String::new(),
            name_en: String::new(),
            prefix: String::new(),
            counters: Vec::new(),
            hours: vec!["07:30-11:30".into(), "13:30-17:00".into()],
            days: vec![1, 2, 3, 4, 5],
            daily_cap: 0,
        }
    }
}

fn svc(code: &str, vi: &str, en: &str, prefix: &str, counters: &[u32]) -> ServiceConfig {
    ServiceConfig {
        code: code.into(),
        name_vi: vi.into(),
        name_en: en.into(),
        prefix: prefix.into(),
        counters: counters.to_vec(),
        ..Default::default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct QueueConfig {
    pub services: Vec<ServiceConfig>,
    /// Priority groups offered at the kiosk (keys: elderly, disabled, pregnant, revolutionary_merit).
    pub priority_groups: Vec<String>,
    /// Fair interleaving: after this many priority tickets in a row, a waiting
    /// normal ticket is served next (see docs/queue.md).
    pub priority_streak: u32,
    /// Calls without the citizen showing before a ticket is marked no-show.
    pub max_recalls: u32,
    /// Ignore opening hours (demo and tests).
    pub always_open: bool,
    /// Who works at which counter (shown when a citizen rates a ticket, kept with the rating).
    pub counter_officers: Vec<CounterOfficer>,
}

/// The officer at a counter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct CounterOfficer {
    pub counter: u32,
    /// As shown to citizens, e.g. `Trần Thị B.`.
    pub name: String,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            services: vec![
                svc("HT", "Hộ tịch", "Civil status", "A", &[1, 2]),
                svc("CT", "Chứng thực", "Certification", "B", &[3, 4]),
                svc("CU", "Cư trú", "Residence", "C", &[5]),
                svc("DD", "Đất đai – Xây dựng", "Land & construction", "D", &[6, 7]),
                svc("KD", "Hộ kinh doanh", "Household business", "E", &[8]),
                svc("LD", "Lao động – Xã hội", "Labour & social affairs", "F", &[9]),
            ],
            priority_groups: vec![
                "elderly".into(),
                "disabled".into(),
                "pregnant".into(),
                "revolutionary_merit".into(),
            ],
            priority_streak: 2,
            max_recalls: 3,
            always_open: true,
            counter_officers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RatingConfig {
    /// Allow a rating without a ticket.
    pub allow_anonymous: bool,
    /// Offer the nine official indices (Circular 01/2018/TT-VPCP) after the three levels.
    pub offer_indices: bool,
}

impl Default for RatingConfig {
    fn default() -> Self {
        Self { allow_anonymous: true, offer_indices: true }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DossierConfig {
    /// Public holidays (`YYYY-MM-DD`) that are not working days when counting
    /// how late a dossier is; weekends never are.
    pub holidays: Vec<String>,
    /// The built-in centre creates a few sample dossiers (dates relative to the
    /// day it first starts) for demonstrations; `false` removes them.
    pub sample_data: bool,
}

impl Default for DossierConfig {
    fn default() -> Self {
        Self {
            holidays: crate::domain::dossier::DEFAULT_HOLIDAYS_2026.iter().map(|d| d.to_string()).collect(),
            sample_data: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CatalogConfig {
    /// Codes of the procedures most people at this centre come for, most asked
    /// first. Search uses them, with the kiosk's own lookup and ticket counts,
    /// to decide between equally good matches.
    pub popular: Vec<String>,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        // The procedures a commune-level centre handles most (birth, certified
        // copies, residence, marriage, death, signatures, marital status).
        let popular =
            ["1.001193", "2.000815", "1.004222", "1.004194", "1.000894", "1.000656", "2.000884", "1.004873", "2.000635"];
        Self { popular: popular.iter().map(|c| c.to_string()).collect() }
    }
}

/// A problem found in a config file, with the key it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigIssue {
    pub key: String,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML or has a wrong value: {issue}")]
    Parse { path: PathBuf, issue: ConfigIssue },
    #[error("config file {path} has {} problem(s): {}", issues.len(), issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid { path: PathBuf, issues: Vec<ConfigIssue> },
}

fn issue(key: &str, message: impl Into<String>, hint: impl Into<String>) -> ConfigIssue {
    ConfigIssue { key: key.into(), message: message.into(), hint: hint.into() }
}

/// Parses config text. Returns the config and the list of problems (unknown keys
/// and bad values); a TOML syntax or type error is returned as `Err`.
pub fn parse(text: &str) -> Result<(Config, Vec<ConfigIssue>), ConfigIssue> {
    let mut unknown: Vec<String> = Vec::new();
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let msg = e.message().to_string();
        issue("(file)", msg, "check the TOML syntax near the reported line")
    })?;
    let mut record = |path: serde_ignored::Path| unknown.push(path.to_string());
    let ignored = serde_ignored::Deserializer::new(de, &mut record);
    let cfg: Config = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        issue(&key, inner.message().to_string(), "see docs/config.md for the expected type")
    })?;
    let mut issues: Vec<ConfigIssue> = unknown
        .into_iter()
        .map(|k| {
            let hint = suggest_key(&k)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "remove it; docs/config.md lists every key".to_string());
            issue(&k, "unknown key", hint)
        })
        .collect();
    issues.extend(validate(&cfg));
    Ok((cfg, issues))
}

/// All known key paths, for "did you mean" hints.
fn known_keys() -> Vec<String> {
    let v = toml::Value::try_from(Config::default()).expect("default config serialises");
    let mut out = Vec::new();
    if let toml::Value::Table(t) = v {
        for (section, inner) in t {
            if let toml::Value::Table(inner) = inner {
                for k in inner.keys() {
                    out.push(format!("{section}.{k}"));
                }
            }
        }
    }
    out
}

fn suggest_key(unknown: &str) -> Option<String> {
    let keys = known_keys();
    let leaf = unknown.rsplit('.').next().unwrap_or(unknown);
    keys.into_iter()
        .map(|k| {
            let kl = k.rsplit('.').next().unwrap_or(&k).to_string();
            (edit_distance(leaf, &kl), k)
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    ((200..=8000).contains(&w) && (200..=8000).contains(&h)).then_some((w, h))
}

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

/// Parses `HH:MM-HH:MM` into minutes since midnight.
pub fn parse_period(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_hhmm(a.trim())?, parse_hhmm(b.trim())?);
    (a < b).then_some((a, b))
}

fn validate(c: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let k = &c.kiosk;
    if k.id.trim().is_empty() || k.id.len() > 64 {
        out.push(issue("kiosk.id", "must be 1-64 characters", "e.g. \"kiosk-01\""));
    }
    if k.idle_timeout_secs != 0 && !(15..=3600).contains(&k.idle_timeout_secs) {
        out.push(issue("kiosk.idle_timeout_secs", "must be 0 (never) or 15-3600", "60 suits most halls"));
    }
    if k.idle_warning_secs >= k.idle_timeout_secs.max(1) && k.idle_timeout_secs != 0 {
        out.push(issue("kiosk.idle_warning_secs", "must be shorter than idle_timeout_secs", "10"));
    }
    if !(5..=600).contains(&k.ticket_return_secs) {
        out.push(issue("kiosk.ticket_return_secs", "must be 5-600", "30"));
    }
    if !(4..=8).contains(&k.setup_pin.len()) || !k.setup_pin.bytes().all(|b| b.is_ascii_digit()) {
        out.push(issue("kiosk.setup_pin", "must be 4-8 digits", "choose a PIN only technicians know"));
    }
    if parse_size(&k.window_size).is_none() {
        out.push(issue(
            "kiosk.window_size",
            format!("`{}` is not WIDTHxHEIGHT", k.window_size),
            "\"1080x1920\"",
        ));
    }
    let ce = &c.centre;
    if !(ce.url.is_empty() || ce.url.starts_with("http://") || ce.url.starts_with("https://")) {
        out.push(issue(
            "centre.url",
            format!("`{}` is not an http(s) URL", ce.url),
            "\"http://10.0.0.5:8700\" or empty for the built-in centre",
        ));
    }
    if !(50..=30_000).contains(&ce.connect_timeout_ms) {
        out.push(issue("centre.connect_timeout_ms", "must be 50-30000", "800"));
    }
    if !(100..=60_000).contains(&ce.request_timeout_ms) {
        out.push(issue("centre.request_timeout_ms", "must be 100-60000", "2500"));
    }
    if !ce.listen.is_empty() && ce.listen.parse::<std::net::SocketAddr>().is_err() {
        out.push(issue(
            "centre.listen",
            format!("`{}` is not IP:PORT", ce.listen),
            "\"127.0.0.1:8700\", or \"0.0.0.0:8700\" to serve other devices",
        ));
    }
    if c.offline.range_start == 0 || c.offline.range_start > c.offline.range_end || c.offline.range_end > 9999
    {
        out.push(issue(
            "offline.range_start",
            "offline range must satisfy 1 <= range_start <= range_end <= 9999",
            "e.g. 900-999 on kiosk 1, 800-899 on kiosk 2",
        ));
    }
    if !(1200..=921_600).contains(&c.scanner.baud) {
        out.push(issue("scanner.baud", "must be 1200-921600", "9600"));
    }
    for (i, p) in c.scanner.ports.iter().enumerate() {
        if !p.starts_with('/') {
            out.push(issue(
                &format!("scanner.ports[{i}]"),
                format!("`{p}` is not an absolute device path"),
                "/dev/serial/by-id/usb-...  (stable across replug)",
            ));
        }
    }
    let pr = &c.printer;
    if !pr.uri.is_empty() && !["serial://", "file://", "tcp://"].iter().any(|s| pr.uri.starts_with(s)) {
        out.push(issue(
            "printer.uri",
            format!("`{}` has an unknown scheme", pr.uri),
            "serial:///dev/ttyUSB0?baud=19200, file:///dev/usb/lp0 or tcp://HOST:9100",
        ));
    }
    if pr.width_dots != 384 && pr.width_dots != 576 {
        out.push(issue("printer.width_dots", "must be 384 (58 mm) or 576 (80 mm)", "576"));
    }
    if c.display.volume > 100 {
        out.push(issue("display.volume", "must be 0-100", "80"));
    }
    if !(1..=30).contains(&c.display.recent_calls) {
        out.push(issue("display.recent_calls", "must be 1-30", "8"));
    }
    if parse_size(&c.display.window_size).is_none() {
        out.push(issue("display.window_size", "is not WIDTHxHEIGHT", "\"1920x1080\""));
    }
    if !(0.5..=3.0).contains(&c.display.scale) {
        out.push(issue("display.scale", "must be 0.5-3.0", "1.0; 1.3 for a hall deeper than 8 m"));
    }
    if !(3..=120).contains(&c.display.page_secs) {
        out.push(issue("display.page_secs", "must be 3-120", "10"));
    }
    if c.display.audio_command.trim().is_empty() {
        out.push(issue(
            "display.audio_command",
            "must name a player, or be \"none\"",
            "\"aplay -q -\" (alsa-utils), \"paplay\", \"pw-play -\", or \"none\" for a silent board",
        ));
    }
    let q = &c.queue;
    if q.services.is_empty() {
        out.push(issue("queue.services", "at least one service is needed", "see docs/config.md"));
    }
    let mut seen_codes = std::collections::HashSet::new();
    let mut seen_prefix = std::collections::HashSet::new();
    for (i, s) in q.services.iter().enumerate() {
        let key = |f: &str| format!("queue.services[{i}].{f}");
        if s.code.is_empty() || !seen_codes.insert(s.code.clone()) {
            out.push(issue(&key("code"), "must be non-empty and unique", "e.g. \"HT\""));
        }
        if s.prefix.len() != 1
            || !s.prefix.chars().all(|c| c.is_ascii_uppercase())
            || !seen_prefix.insert(s.prefix.clone())
        {
            out.push(issue(&key("prefix"), "must be one unique upper-case letter", "e.g. \"A\""));
        }
        if s.name_vi.trim().is_empty() {
            out.push(issue(&key("name_vi"), "must not be empty", "the service name citizens see"));
        }
        for (j, h) in s.hours.iter().enumerate() {
            if parse_period(h).is_none() {
                out.push(issue(
                    &format!("queue.services[{i}].hours[{j}]"),
                    format!("`{h}` is not HH:MM-HH:MM"),
                    "\"07:30-11:30\"",
                ));
            }
        }
        if s.days.iter().any(|d| !(1..=7).contains(d)) {
            out.push(issue(&key("days"), "weekdays are 1 (Monday) to 7 (Sunday)", "[1, 2, 3, 4, 5]"));
        }
        if s.counters.is_empty() {
            out.push(issue(&key("counters"), "at least one counter must serve the service", "[1, 2]"));
        }
    }
    for (i, g) in q.priority_groups.iter().enumerate() {
        if crate::domain::ticket::PriorityGroup::from_key(g).is_none() {
            out.push(issue(
                &format!("queue.priority_groups[{i}]"),
                format!("`{g}` is not a priority group"),
                "elderly, disabled, pregnant, revolutionary_merit",
            ));
        }
    }
    if !(1..=20).contains(&q.priority_streak) {
        out.push(issue("queue.priority_streak", "must be 1-20", "2"));
    }
    let mut seen_officer_counters = std::collections::HashSet::new();
    for (i, o) in q.counter_officers.iter().enumerate() {
        let key = |f: &str| format!("queue.counter_officers[{i}].{f}");
        if o.counter == 0 || !seen_officer_counters.insert(o.counter) {
            out.push(issue(&key("counter"), "must be a counter number (1 or more), once per counter", "1"));
        }
        let name = o.name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            out.push(issue(&key("name"), "must be 1-60 printable characters", "\"Trần Thị B.\""));
        }
    }
    if crate::domain::announce::VoiceRegion::from_key(&c.display.voice_region).is_none() {
        out.push(issue(
            "display.voice_region",
            format!("`{}` is not a reading the voice knows", c.display.voice_region),
            "\"north\" (linh, nghìn) or \"south\" (lẻ, ngàn)",
        ));
    }
    for (i, code) in c.catalog.popular.iter().enumerate() {
        if !crate::domain::procedure::is_valid_code(code) {
            out.push(issue(
                &format!("catalog.popular[{i}]"),
                format!("`{code}` is not a procedure code d.dddddd"),
                "\"1.001193\"",
            ));
        }
    }
    for (i, d) in c.dossier.holidays.iter().enumerate() {
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            out.push(issue(
                &format!("dossier.holidays[{i}]"),
                format!("`{d}` is not a date YYYY-MM-DD"),
                "\"2026-09-02\"",
            ));
        }
    }
    out
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
        Ok(cfg)
    } else {
        Err(ConfigError::Invalid { path: path.into(), issues })
    }
}

impl Config {
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
    fn syntax_error_is_reported() {
        assert!(parse("[kiosk\n").is_err());
    }

    #[test]
    fn periods_parse() {
        assert_eq!(parse_period("07:30-11:30"), Some((450, 690)));
        assert_eq!(parse_period("11:30-07:30"), None);
        assert_eq!(parse_period("7:30-11:30"), None);
    }
}
