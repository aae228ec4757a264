//! The fleet view: `GET /api/v1/devices` (admin) and the `device` event.

pub use crate::domain::fleet::DeviceChange;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One device as the centre knows it: declared (config file or devices
/// table), heard from (any authenticated request), and for a kiosk its last
/// heartbeat. Fields a device does not report are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceStatus {
    pub id: String,
    /// `kiosk`, `display`, `counter` or `admin`.
    pub role: String,
    /// `config` (the centre's config file), `database` (`devices add`) or
    /// `heartbeat` (a kiosk of the built-in centre, known only by its reports).
    pub source: String,
    pub revoked: bool,
    /// Last heartbeat or authenticated request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Heard from within the last two minutes.
    pub online: bool,
    /// Program version, from the heartbeat (kiosks) or the client's User-Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_connected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_len: Option<u32>,
    /// The device's clock minus the centre's, measured when its last
    /// heartbeat left the device (positive: the device is ahead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_skew_ms: Option<i64>,
    /// Wrong setup PINs since the last right one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_failures: Option<u32>,
    /// The setup PIN is locked until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_locked_until: Option<DateTime<Utc>>,
    /// Codes the device reports for a technician (e.g. `cannot_issue`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
}

/// `GET /api/v1/devices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub server_time: DateTime<Utc>,
    /// A device silent for longer than this is offline.
    pub offline_after_secs: u32,
    /// By id.
    pub devices: Vec<DeviceStatus>,
}

/// The `device` event: something a dashboard shows changed about a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEventData {
    pub device: String,
    pub role: String,
    pub change: DeviceChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_connected: Option<bool>,
}
