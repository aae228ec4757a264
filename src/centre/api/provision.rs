//! Provisioning: a new device redeems its one-time code
//! (`POST /api/v1/provision`, no token: the code is the credential) and gets
//! its id, its role token, its offline range (kiosk) or counters (counter
//! screen), and the centre's certificate pin.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/provision` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    /// The code as printed (`ABCD-EFGH-JKLM`; case, dashes and spaces are ignored).
    pub code: String,
    /// The role of the device redeeming it: a code for another role is
    /// refused (409 `provision_role_mismatch`) and stays usable.
    pub role: String,
}

/// The code is a secret: never in Debug output.
impl std::fmt::Debug for ProvisionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisionRequest").field("role", &self.role).finish_non_exhaustive()
    }
}

/// A kiosk's offline number range (`offline.range_start` / `range_end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineRange {
    pub start: u32,
    pub end: u32,
}

/// `POST /api/v1/provision` 200: the device's settings. The token is in no
/// other answer, ever.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Provisioned {
    pub device_id: String,
    pub role: String,
    /// The device's bearer token (64 hex digits).
    pub token: String,
    /// Kiosk: its offline numbers, apart from every other kiosk's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_range: Option<OfflineRange>,
    /// Counter screen: its counters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<u32>,
    /// `sha256:` pin of the centre's certificate (HTTPS only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_pin: Option<String>,
}

impl std::fmt::Debug for Provisioned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioned")
            .field("device_id", &self.device_id)
            .field("role", &self.role)
            .field("offline_range", &self.offline_range)
            .finish_non_exhaustive()
    }
}
