//! Centre API v1: the JSON types shared by the server, the kiosk's HTTP client
//! and in-process callers. `docs/api.md` explains them; `docs/openapi.yaml` is
//! the machine-readable contract the tests check responses against.
//!
//! Compatibility: fields are only ever added. Clients ignore unknown fields
//! (serde's default), so a newer centre can serve older kiosks.

pub use crate::domain::queue_rules::Availability;
pub use crate::domain::ticket::{PriorityGroup, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Path prefix of this API version.
pub const PREFIX: &str = "/api/v1";
/// Longest idempotency key accepted.
pub const MAX_KEY_LEN: usize = 128;
/// Longest kiosk id accepted (same bound as `kiosk.id` in the config).
pub const MAX_KIOSK_ID_LEN: usize = 64;
/// Length of a tracking code.
pub const TRACKING_CODE_LEN: usize = 20;
/// Crockford base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
const TRACKING_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new unguessable tracking code: 100 random bits from the OS generator (the
/// fully random bytes of a UUID v4) in Crockford base32.
pub fn new_tracking_code() -> String {
    let u = uuid::Uuid::new_v4();
    let b = u.as_bytes();
    // Bytes 6 and 8 hold the fixed version and variant bits; the other 13 are random.
    let bits = b[0..6].iter().chain(&b[9..16]).fold(0u128, |acc, x| (acc << 8) | u128::from(*x));
    (0..TRACKING_CODE_LEN).map(|i| TRACKING_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect()
}

/// Whether `s` looks like a tracking code (cheap check before a lookup).
pub fn is_tracking_code(s: &str) -> bool {
    s.len() == TRACKING_CODE_LEN && s.bytes().all(|b| TRACKING_ALPHABET.contains(&b))
}

/// Every error response: a stable snake_case `code` for programs and a
/// `message` for people. `next_open` accompanies `service_closed` and `cap_reached`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_open: Option<DateTime<Utc>>,
}

/// `GET /api/v1/health` (public).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub server_time: DateTime<Utc>,
    pub service_day: NaiveDate,
}

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

/// `048*******23`: the first three and last two characters.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i < 3 || i >= n - 2 { *c } else { '*' }).collect()
}

impl fmt::Debug for CitizenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenInfo")
            .field("id_number", &mask_id_number(&self.id_number))
            .field("full_name", &"<hidden>")
            .field("birth_date", &"<hidden>")
            .finish()
    }
}

/// `POST /api/v1/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueTicketRequest {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<PriorityGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterView {
    pub number: u32,
    pub services: Vec<String>,
    pub state: CounterState,
    pub pause_reason: Option<String>,
    pub current: Option<CalledTicket>,
    pub served_today: u32,
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

/// The counter actions, for in-process callers and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterCommand {
    CallNext,
    Recall,
    NoShow,
    Complete,
    Pause { reason: String },
    Resume,
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

/// One entry of the event log, as sent over Server-Sent Events: the SSE `id:`
/// is `id`, the SSE `event:` is `kind`, and `data:` is this whole object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreEvent {
    pub id: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    TicketIssued(TicketIssuedData),
    TicketCalled(TicketCallData),
    TicketRecalled(TicketCallData),
    TicketCompleted(TicketDoneData),
    TicketNoShow(TicketDoneData),
    CounterState(CounterView),
    DayRollover(DayRolloverData),
}

impl EventBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::TicketIssued(_) => "ticket_issued",
            EventBody::TicketCalled(_) => "ticket_called",
            EventBody::TicketRecalled(_) => "ticket_recalled",
            EventBody::TicketCompleted(_) => "ticket_completed",
            EventBody::TicketNoShow(_) => "ticket_no_show",
            EventBody::CounterState(_) => "counter_state",
            EventBody::DayRollover(_) => "day_rollover",
        }
    }

    /// Rebuilds a body from the stored `kind` and `data` JSON.
    pub fn from_parts(kind: &str, data: &str) -> Result<EventBody, serde_json::Error> {
        let v = serde_json::json!({ "kind": kind, "data": serde_json::from_str::<serde_json::Value>(data)? });
        serde_json::from_value(v)
    }

    /// The `data` part as JSON text (what the event log stores).
    pub fn data_json(&self) -> String {
        let v = serde_json::to_value(self).expect("event bodies serialise");
        v.get("data").map(|d| d.to_string()).unwrap_or_else(|| "null".into())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketIssuedData {
    pub number: String,
    pub service: String,
    pub priority: bool,
    pub issued_at: DateTime<Utc>,
    pub offline: bool,
    /// Waiting in the service after this ticket.
    pub waiting: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketCallData {
    pub number: String,
    pub service: String,
    pub counter: u32,
    pub calls: u32,
    pub called_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDoneData {
    pub number: String,
    pub service: String,
    pub counter: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRolloverData {
    pub day: NaiveDate,
    pub previous_day: Option<NaiveDate>,
    /// Tickets of earlier days that were still waiting or at a counter.
    pub expired: u32,
}

/// Sent (without an id) when the stream cannot replay what a client missed
/// (it was away longer than the event log keeps, or the id is from another
/// database): fetch `/api/v1/state`, then keep reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResyncData {
    pub last_event_id: u64,
}

/// What an event stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedItem {
    Event(std::sync::Arc<CentreEvent>),
    Resync(ResyncData),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_are_well_formed_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let c = new_tracking_code();
            assert!(is_tracking_code(&c), "{c}");
            assert!(seen.insert(c));
        }
        assert!(!is_tracking_code("short"));
        assert!(!is_tracking_code("ILOU0000000000000000"));
    }

    #[test]
    fn citizen_debug_never_shows_identity_in_clear() {
        let c = CitizenInfo {
            id_number: "048095000123".into(),
            full_name: "Nguyễn Văn An".into(),
            birth_date: NaiveDate::from_ymd_opt(1995, 3, 15).unwrap(),
        };
        let s = format!("{c:?}");
        assert!(s.contains("048*******23"), "{s}");
        assert!(!s.contains("048095000123") && !s.contains("Nguyễn") && !s.contains("1995"), "{s}");
    }

    #[test]
    fn events_serialise_with_kind_and_data_and_round_trip_from_stored_parts() {
        let ev = CentreEvent {
            id: 7,
            at: DateTime::from_timestamp(1_772_000_000, 0).unwrap(),
            body: EventBody::TicketCalled(TicketCallData {
                number: "A-023".into(),
                service: "HT".into(),
                counter: 3,
                calls: 1,
                called_at: DateTime::from_timestamp(1_772_000_000, 0).unwrap(),
            }),
        };
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["kind"], "ticket_called");
        assert_eq!(v["data"]["counter"], 3);
        assert_eq!(v["id"], 7);
        let back: CentreEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, ev);
        let body = EventBody::from_parts(ev.body.kind(), &ev.body.data_json()).unwrap();
        assert_eq!(body, ev.body);
    }

    #[test]
    fn replay_fields_are_optional_in_a_ticket_request() {
        let r: IssueTicketRequest =
            serde_json::from_str(r#"{"service":"HT","idempotency_key":"k","kiosk_id":"kiosk-01"}"#).unwrap();
        assert_eq!(r.priority, None);
        assert!(r.offline_number.is_none() && r.issued_at.is_none() && r.citizen.is_none());
    }
}
