//! The seam between the kiosk screens and whatever issues tickets: the
//! built-in centre in this process, or the central backend over HTTP (with the
//! offline fallback). Screens only see these view types.

use crate::domain::ticket::PriorityGroup;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

/// A queue service as the kiosk shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceView {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub prefix: String,
    pub counters: Vec<u32>,
    pub waiting: u32,
    pub wait_minutes: u32,
    pub available: bool,
    /// Why it is not available ("Đã hết số hôm nay, mở lại 07:30 thứ Hai").
    pub note_vi: String,
    pub note_en: String,
}

/// What the centre needs from an ID-card scan (only this leaves the kiosk).
#[derive(Clone, PartialEq)]
pub struct CitizenRef {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: String,
}

impl std::fmt::Debug for CitizenRef {
    // Personal data never reaches logs in clear.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CitizenRef(<masked>)")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueRequest {
    pub service: String,
    pub priority: Option<PriorityGroup>,
    pub citizen: Option<CitizenRef>,
}

/// An issued ticket as the kiosk shows and prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub number: String,
    pub service_code: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub counters: Vec<u32>,
    pub issued_at: DateTime<Utc>,
    pub people_ahead: u32,
    pub wait_minutes: u32,
    pub tracking_url: String,
    pub offline: bool,
    pub priority: Option<PriorityGroup>,
}

/// A failure the citizen is told about in plain words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{en}")]
pub struct BackendError {
    pub vi: String,
    pub en: String,
}

impl BackendError {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { vi: vi.into(), en: en.into() }
    }
}

pub trait QueueBackend: Send + Sync + 'static {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>>;
    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<TicketView, BackendError>>;
    /// Whether the central backend answered recently (drives the home footer).
    fn online(&self) -> bool {
        true
    }
}
