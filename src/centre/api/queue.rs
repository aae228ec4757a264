//! Services, tickets, counters, the display snapshot and kiosk heartbeats.

use super::{Availability, PriorityGroup, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One queue service with its live figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub prefix: String,
    pub counters: Vec<u32>,
    pub hours: Vec<String>,
    pub days: Vec<u32>,
    /// Numbers per day; 0 = no cap.
    pub daily_cap: u32,
    /// Tickets waiting now (not yet called).
    pub waiting: u32,
    /// Tickets issued today, offline ones included.
    pub issued_today: u32,
    /// Forecast for a normal ticket taken now.
    pub estimated_wait_minutes: u32,
    pub availability: Availability,
}

impl ServiceInfo {
    /// A configured service with nothing known of its queue yet (open, no
    /// one waiting): the centre fills in the figures, a kiosk that never
    /// reached its centre shows it as it is.
    pub fn configured(s: &crate::config::ServiceConfig) -> ServiceInfo {
        ServiceInfo {
            code: s.code.clone(),
            name_vi: s.name_vi.clone(),
            name_en: s.name_en.clone(),
            prefix: s.prefix.clone(),
            counters: s.counters.clone(),
            hours: s.hours.clone(),
            days: s.days.clone(),
            daily_cap: s.daily_cap,
            waiting: 0,
            issued_today: 0,
            estimated_wait_minutes: 0,
            availability: Availability::Open,
        }
    }
}

/// `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicesResponse {
    pub services: Vec<ServiceInfo>,
    /// Opening hours are ignored (demo mode); kiosks working offline follow it too.
    pub always_open: bool,
    pub service_day: NaiveDate,
    pub server_time: DateTime<Utc>,
    /// Base of ticket tracking URLs (`{base}{tracking_code}`); kiosks print it on offline tickets too.
    pub tracking_base_url: String,
}

/// Identity data read from the citizen's ID card, sent only when the centre
/// needs it for the visit. `Debug` masks it: it must never reach a log in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenInfo {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
}

impl fmt::Debug for CitizenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenInfo")
            .field("id_number", &crate::domain::citizen_id::mask_number(&self.id_number))
            .field("full_name", &"<hidden>")
            .field("birth_date", &"<hidden>")
            .finish()
    }
}

/// An optional object: serde would also read a struct from an array
/// (`["048…", "name", "2000-01-01"]`), which the contract does not allow.
fn object_or_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error;
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v @ serde_json::Value::Object(_)) => {
            serde_json::from_value(v).map(Some).map_err(D::Error::custom)
        }
        Some(_) => Err(D::Error::custom("expected an object")),
    }
}

/// `POST /api/v1/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueTicketRequest {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<PriorityGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object_or_null")]
    pub citizen: Option<CitizenInfo>,
    /// Chosen by the kiosk per tap; the same key again returns the same ticket.
    pub idempotency_key: String,
    pub kiosk_id: String,
    /// Offline tickets only: when the kiosk printed it (queue order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime<Utc>>,
    /// Offline tickets only: the number printed from the kiosk's reserved range, e.g. `A-901`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_number: Option<String>,
    /// Offline tickets only: the tracking code printed in the ticket's QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
}

/// The ticket handed to the citizen (`POST /api/v1/tickets`, 201 new / 200 replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedTicket {
    pub number: String,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub priority: Option<PriorityGroup>,
    pub issued_at: DateTime<Utc>,
    pub service_day: NaiveDate,
    pub people_ahead: u32,
    pub estimated_wait_minutes: u32,
    pub tracking_code: String,
    /// Printed under the number: with it, the number names the ticket (rating
    /// by typing instead of scanning). Derived from the tracking code
    /// (`check_code`); empty from a centre older than this field.
    #[serde(default)]
    pub check_code: String,
    /// What the ticket's QR encodes (the phone page).
    pub tracking_url: String,
    /// Counters that serve the service.
    pub counters: Vec<u32>,
    /// Issued by a kiosk from its reserved range while the centre was unreachable.
    pub offline: bool,
}

/// `GET /api/v1/tickets/{tracking_code}` (public: no personal data, no priority group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub number: String,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub status: TicketStatus,
    /// The counter calling or serving the ticket.
    pub counter: Option<u32>,
    /// While waiting: 1 = next.
    pub position: Option<u32>,
    pub people_ahead: Option<u32>,
    pub estimated_wait_minutes: Option<u32>,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub service_day: NaiveDate,
    pub offline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterState {
    /// Open, no ticket at the desk.
    Idle,
    /// A called ticket is at (or on its way to) the desk.
    Serving,
    Paused,
}

/// The ticket at a counter, as shown on displays (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalledTicket {
    pub number: String,
    pub service: String,
    pub priority: bool,
    pub issued_at: DateTime<Utc>,
    pub called_at: DateTime<Utc>,
    /// Times called, the first call included.
    pub calls: u32,
    pub offline: bool,
    /// When the officer started serving it (`start`); none while the citizen is on the way.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterView {
    pub number: u32,
    pub services: Vec<String>,
    pub state: CounterState,
    pub pause_reason: Option<String>,
    pub current: Option<CalledTicket>,
    pub served_today: u32,
    /// The officer signed in at this counter now (console), if any.
    #[serde(default)]
    pub officer: Option<String>,
}

/// `GET /api/v1/counters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountersResponse {
    pub counters: Vec<CounterView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterOutcome {
    Called,
    Recalled,
    /// Marked by the officer, or automatically when a recall would exceed `queue.max_recalls`.
    NoShow,
    Completed,
    Paused,
    Resumed,
    /// `call-next` with nobody waiting for the counter's services.
    QueueEmpty,
    /// `start`: service of the current ticket began.
    Started,
    /// `transfer`: the current ticket waits again, in another service or for another counter.
    Transferred,
}

/// The ticket an officer works on (counter responses only; may carry the
/// citizen's identity when the kiosk collected it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterTicket {
    pub number: String,
    pub service: String,
    pub service_name_vi: String,
    pub tracking_code: String,
    pub priority: Option<PriorityGroup>,
    pub status: TicketStatus,
    pub calls: u32,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub offline: bool,
    pub citizen: Option<CitizenInfo>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// The officer who called it (who serves it).
    #[serde(default)]
    pub officer: Option<String>,
    /// Times it was transferred.
    #[serde(default)]
    pub transfers: u32,
}

/// Response of every counter action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterActionResponse {
    pub outcome: CounterOutcome,
    pub counter: CounterView,
    /// The ticket the action concerned (`None` for pause, resume, queue empty).
    pub ticket: Option<CounterTicket>,
    /// One line for the officer, e.g. `Quầy 3 gọi số A-023`.
    pub message_vi: String,
}

/// `POST /api/v1/counters/{n}/pause`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PauseRequest {
    pub reason: String,
}

/// `POST /api/v1/counters/{n}/transfer`: where the current ticket goes. At
/// least one of the two: a service (any of its counters calls it), a counter
/// (only that counter calls it; in `service`, or else in the ticket's own
/// service when that counter serves it, else in that counter's first service).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u32>,
}

/// The counter actions, for in-process callers and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterCommand {
    CallNext,
    Recall,
    NoShow,
    Complete,
    Pause { reason: String },
    Resume,
    Start,
    Transfer(TransferRequest),
}

impl CounterCommand {
    /// The last path segment of the HTTP endpoint.
    pub fn path(&self) -> &'static str {
        match self {
            CounterCommand::CallNext => "call-next",
            CounterCommand::Recall => "recall",
            CounterCommand::NoShow => "no-show",
            CounterCommand::Complete => "complete",
            CounterCommand::Pause { .. } => "pause",
            CounterCommand::Resume => "resume",
            CounterCommand::Start => "start",
            CounterCommand::Transfer(_) => "transfer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentCall {
    pub number: String,
    pub service: String,
    pub counter: u32,
    pub called_at: DateTime<Utc>,
    pub calls: u32,
    pub status: TicketStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceWaiting {
    pub service: String,
    pub waiting: u32,
    pub waiting_priority: u32,
    pub issued_today: u32,
}

/// `GET /api/v1/state`: everything a display needs to redraw, consistent with
/// `last_event_id` (resume the event stream from it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    pub last_event_id: u64,
    pub service_day: NaiveDate,
    pub server_time: DateTime<Utc>,
    pub counters: Vec<CounterView>,
    /// Newest first.
    pub recent_calls: Vec<RecentCall>,
    pub waiting: Vec<ServiceWaiting>,
}

/// `POST /api/v1/kiosks/{id}/heartbeat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// Printer state as the driver names it, e.g. `ok`, `out_of_paper`, `cover_open`, `offline`.
    pub printer_status: String,
    pub scanner_connected: bool,
    pub outbox_len: u32,
    pub app_version: String,
    /// When the kiosk measured this (a heartbeat can arrive late through the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// What a technician must act on, as codes (e.g. `cannot_issue`: the
    /// kiosk has no service to give numbers for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
    /// The kiosk's clock when the request left it (set again on every
    /// delivery attempt, unlike `sent_at`): the centre reads the clock skew from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<DateTime<Utc>>,
    /// Wrong setup PINs since the last right one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pin_failures: u32,
    /// The setup PIN is locked until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_locked_until: Option<DateTime<Utc>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatAck {
    pub kiosk_id: String,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskView {
    pub kiosk_id: String,
    pub last_seen: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
    pub printer_status: String,
    pub scanner_connected: bool,
    pub outbox_len: u32,
    pub app_version: String,
    /// A heartbeat arrived within the last 90 seconds.
    pub online: bool,
}

/// `GET /api/v1/kiosks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KiosksResponse {
    pub kiosks: Vec<KioskView>,
}
