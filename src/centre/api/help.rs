//! Help requests: a citizen asks for an officer at a kiosk
//! (`POST /api/v1/kiosks/{kiosk_id}/help`), the console and the dashboard
//! show it (`GET /api/v1/help`, events `help_requested` / `help_resolved`),
//! and an officer acknowledges it (`POST /api/v1/help/{id}/resolve`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One help request; also the data of the `help_requested` and
/// `help_resolved` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpRequest {
    pub id: u64,
    /// The kiosk where the citizen waits (its `kiosk.id`).
    pub kiosk_id: String,
    pub requested_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who acknowledged it (`officer:<login>` or a device id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
}

/// `GET /api/v1/help`: the open requests, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpList {
    pub server_time: DateTime<Utc>,
    pub open: Vec<HelpRequest>,
}
