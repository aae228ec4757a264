//! The sections of the config file, one struct each, with their defaults.

use super::{Language, Secret, ThemeVariant};
use crate::domain::queue_rules::{Schedule, ServiceRules};
use serde::{Deserialize, Serialize};

/// The setup PIN of a fresh install; a kiosk refuses to start with it outside demo mode.
pub const DEFAULT_SETUP_PIN: &str = "246810";
/// The device token of a fresh install; never accepted from the LAN.
pub const DEFAULT_TOKEN: &str = "dev-token-change-me";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct KioskConfig {
    /// Stable id of this device, sent with every ticket and heartbeat.
    pub id: String,
    pub language: Language,
    pub theme: ThemeVariant,
    /// Seconds without a touch before a citizen's session is ended (0 = never).
    pub idle_timeout_secs: u32,
    /// The same on the reading pages (procedure search and detail, dossier
    /// status), where a slow reader touches nothing for minutes (0 = never).
    pub reading_idle_timeout_secs: u32,
    /// The last seconds of the idle timeout show a countdown warning (at
    /// least 20: time to read it and reach the button).
    pub idle_warning_secs: u32,
    /// Seconds the ticket screen stays before returning home.
    pub ticket_return_secs: u32,
    /// PIN (4-8 digits) for the on-screen setup page.
    pub setup_pin: Secret,
    /// Window size in logical pixels, `WIDTHxHEIGHT`.
    pub window_size: String,
    /// Fullscreen, and window close requests (Alt+F4) refused: the kiosk and
    /// display roles as appliances. `false` (or `run --windowed`): a normal
    /// window that can be closed, for development.
    pub fullscreen: bool,
    /// Spoken guidance: the ticket number and counter read aloud (the
    /// board's offline voice).
    pub voice: bool,
    /// 0-100; the default suits a headphone jack or a small speaker.
    pub voice_volume: u32,
    /// Player the voice (a WAV file) is piped to; `none`: silent.
    pub audio_command: String,
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            id: "kiosk-01".into(),
            language: Language::Vi,
            theme: ThemeVariant::Normal,
            idle_timeout_secs: 60,
            reading_idle_timeout_secs: 180,
            idle_warning_secs: 20,
            ticket_return_secs: 30,
            setup_pin: DEFAULT_SETUP_PIN.into(),
            window_size: "1080x1920".into(),
            fullscreen: true,
            voice: false,
            voice_volume: 40,
            audio_command: "aplay -q -".into(),
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
    /// Bearer token of this device. At the centre it is also accepted, with the
    /// admin role (the administrator's own token on the centre machine).
    pub token: Secret,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Where the built-in centre listens (`centre` command, and the embedded
    /// default so a display or second kiosk can connect). Empty: do not listen.
    pub listen: String,
    /// Old form of device tokens, without a role: each is accepted as an admin
    /// token, and only while the centre serves loopback. Use `devices`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted_tokens: Vec<Secret>,
    /// Base of the tracking URL printed as QR on tickets.
    pub tracking_base_url: String,
    /// Devices the built-in centre accepts, each with its role (`[[centre.devices]]`);
    /// more are added at run time with `motcua-kiosk devices add`.
    pub devices: Vec<DeviceConfig>,
}

/// A device the built-in centre accepts, declared in the config.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct DeviceConfig {
    /// Device id; for a kiosk, its `kiosk.id`.
    pub id: String,
    /// `kiosk`, `display`, `counter` or `admin`.
    pub role: String,
    /// The device's token; or, instead, its SHA-256 in `token_sha256`.
    #[serde(skip_serializing_if = "secret_is_empty")]
    pub token: Secret,
    /// Hex SHA-256 of the token (`printf %s TOKEN | sha256sum`), so this file
    /// holds no usable secret.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token_sha256: String,
    /// Counter role: the counters it acts at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<u32>,
    /// Kiosk role: `[first, last]` of its offline numbers; empty: the centre's
    /// whole `offline` range.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offline_range: Vec<u32>,
}

fn secret_is_empty(s: &Secret) -> bool {
    s.is_empty()
}

impl Default for CentreConfig {
    fn default() -> Self {
        Self {
            name: "Trung tâm Phục vụ hành chính công".into(),
            address: "Tầng 1, 24 Trần Phú, Hải Châu, Đà Nẵng".into(),
            url: String::new(),
            token: DEFAULT_TOKEN.into(),
            connect_timeout_ms: 800,
            request_timeout_ms: 2500,
            listen: "127.0.0.1:8700".into(),
            accepted_tokens: Vec::new(),
            tracking_base_url: "http://127.0.0.1:8700/t/".into(),
            devices: Vec::new(),
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

/// The screen at one counter (`run --role counter`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CounterScreenConfig {
    /// The counter this screen belongs to (required for the role; 0 = not set).
    pub number: u32,
    pub language: Language,
    /// `WIDTHxHEIGHT`: 800x480, 1024x600, 1280x800, or the same turned (portrait).
    pub window_size: String,
    /// After "Hoàn thành", ask the citizen to rate that ticket (the device's
    /// token must be a `counter` device of this counter).
    pub rating: bool,
    /// Seconds the rating question waits for a tap.
    pub rating_secs: u32,
    /// Seconds the thanks stay.
    pub thanks_secs: u32,
}

impl Default for CounterScreenConfig {
    fn default() -> Self {
        Self {
            number: 0,
            language: Language::Vi,
            window_size: "1024x600".into(),
            rating: false,
            rating_secs: 30,
            thanks_secs: 5,
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

impl From<&ServiceConfig> for ServiceRules {
    /// Periods that do not parse are left out (validation reports them).
    fn from(s: &ServiceConfig) -> Self {
        ServiceRules { schedule: Schedule::new(&s.hours, &s.days), daily_cap: s.daily_cap }
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
    /// Ignore opening hours (demos: on in demo mode, off by default).
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
                svc("CT", "Chứng thực", "Certified copies", "B", &[3, 4]),
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
            always_open: false,
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
    /// deadlines and how late a dossier is; weekends never are, except the
    /// make-up working days below. Defaults: the 2026 notices.
    pub holidays: Vec<String>,
    /// Make-up working days (ngày làm bù, `YYYY-MM-DD`): a Saturday or Sunday
    /// worked in exchange for a weekday off, which counts as a working day
    /// (2026: Sat 10 Jan for Fri 2 Jan, Sat 22 Aug for Mon 31 Aug).
    pub make_up_working_days: Vec<String>,
    /// The built-in centre creates a few sample dossiers (dates relative to the
    /// day it first starts) for demonstrations (on in demo mode, off by
    /// default); `false` removes them.
    pub sample_data: bool,
}

impl DossierConfig {
    /// The working-day calendar of these lists (entries the config check
    /// refuses are left out).
    pub fn calendar(&self) -> crate::domain::calendar::WorkCalendar {
        crate::domain::calendar::WorkCalendar::from_config(&self.holidays, &self.make_up_working_days)
    }
}

impl Default for DossierConfig {
    fn default() -> Self {
        Self {
            holidays: crate::domain::calendar::DEFAULT_HOLIDAYS_2026.iter().map(|d| d.to_string()).collect(),
            make_up_working_days: crate::domain::calendar::DEFAULT_MAKE_UP_DAYS_2026
                .iter()
                .map(|d| d.to_string())
                .collect(),
            sample_data: false,
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
    /// Days after the catalog's facts were last checked (or it was imported)
    /// when the kiosk adds a caution to the procedure pages and raises the
    /// `catalog_outdated` alert; 0: never.
    pub max_age_days: u32,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        // The procedures a commune-level centre handles most (birth, certified
        // copies, residence, marriage, death, signatures, marital status).
        let popular = [
            "1.001193", "2.000815", "1.004222", "1.004194", "1.000894", "1.000656", "2.000884", "1.004873",
            "2.000635",
        ];
        Self {
            popular: popular.iter().map(|c| c.to_string()).collect(),
            max_age_days: crate::domain::catalog_age::DEFAULT_MAX_AGE_DAYS,
        }
    }
}
