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

impl fmt::Debug for CitizenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenInfo")
            .field("id_number", &crate::domain::citizen_id::mask_number(&self.id_number))
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
    /// What a technician must act on, as codes (e.g. `cannot_issue`: the
    /// kiosk has no service to give numbers for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
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

// ---------------------------------------------------------------------------
// Dossiers

pub use crate::domain::dossier::{Channel, DossierStatus, NextStepKind};
pub use crate::domain::rating::RatingLevel;

/// A national status code with its labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierStatusView {
    /// 1-10, see `DossierStatus`.
    pub code: u8,
    pub label_vi: String,
    pub label_en: String,
}

/// The dossier against its appointment date, in working days (weekends and
/// `dossier.holidays` do not count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineView {
    pub overdue: bool,
    /// Working days past the appointment date (0 when not overdue).
    pub working_days_late: u32,
    /// Working days until the appointment date while on time; `None` when
    /// overdue or when the dossier is closed (done, refused, withdrawn, stopped).
    pub working_days_left: Option<u32>,
    /// One line for the citizen; empty for closed dossiers.
    pub note_vi: String,
    pub note_en: String,
}

/// What the citizen must do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStepView {
    pub kind: NextStepKind,
    pub text_vi: String,
    pub text_en: String,
    /// The counter concerned (papers, fees, results), when there is one.
    pub counter: Option<u32>,
}

/// One step of the processing history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierHistoryEntry {
    pub at: DateTime<Utc>,
    /// The agency or unit that acted, e.g. `Bộ phận một cửa`.
    pub agency: String,
    pub action: String,
    /// The status after this step, when the source says.
    pub status: Option<u8>,
}

/// `GET /api/v1/dossiers/{code}`. Nothing personal beyond the masked name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// Masked, e.g. `Nguyễn V. A.`.
    pub applicant: String,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    /// Ngày hẹn trả kết quả.
    pub appointment: NaiveDate,
    pub status: DossierStatusView,
    pub deadline: DeadlineView,
    pub next_step: NextStepView,
    pub missing_documents: Vec<String>,
    pub fee_vnd: Option<u64>,
    /// Oldest first.
    pub history: Vec<DossierHistoryEntry>,
    pub updated_at: DateTime<Utc>,
}

/// The file `motcua-kiosk dossiers import` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierImportFile {
    pub dossiers: Vec<DossierRecord>,
}

/// One dossier as exported by an agency's system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierRecord {
    /// `{agency}-{yyMMdd}-{NNNN}`.
    pub code: String,
    /// National procedure code, e.g. `1.004222`.
    pub procedure_code: String,
    pub procedure_name_vi: String,
    #[serde(default)]
    pub procedure_name_en: String,
    /// The applicant's full name; the centre stores and shows it masked only.
    pub applicant: String,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub appointment: NaiveDate,
    pub status: DossierStatus,
    #[serde(default)]
    pub missing_documents: Vec<String>,
    #[serde(default)]
    pub fee_vnd: Option<u64>,
    /// Where papers, fees and the result are handled.
    #[serde(default)]
    pub counter: Option<u32>,
    #[serde(default)]
    pub history: Vec<DossierHistoryRecord>,
}

fn default_channel() -> Channel {
    Channel::InPerson
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierHistoryRecord {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub action: String,
    #[serde(default)]
    pub status: Option<DossierStatus>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub inserted: u32,
    pub updated: u32,
}

// ---------------------------------------------------------------------------
// Ratings

/// `GET /api/v1/ratings/context`: the ticket a citizen wants to rate, found by
/// the tracking code of its QR, or by its printed number on a day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RatingContextQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    /// As printed, e.g. `A-023` (`a23` is accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// With `number`: the service day; default today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingContext {
    pub ticket_number: String,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub service_day: NaiveDate,
    pub status: TicketStatus,
    /// The counter that called the ticket.
    pub counter: Option<u32>,
    /// The officer at that counter (`queue.counter_officers`).
    pub officer: Option<String>,
    /// Only tickets that reached a counter (called or served) can be rated.
    pub can_rate: bool,
    pub already_rated: bool,
}

/// `POST /api/v1/ratings`. The ticket by `tracking_code`, or by
/// `ticket_number` (+ `day`); neither: an anonymous rating (when
/// `rating.allow_anonymous`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    pub level: RatingLevel,
    /// The nine indices of Circular 01/2018/TT-VPCP, each 2, 1 or 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The same key again returns the same rating (200).
    pub idempotency_key: String,
    pub kiosk_id: String,
    /// When the citizen rated (ratings sent later from the outbox); default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_at: Option<DateTime<Utc>>,
}

/// The stored rating (201 new, 200 replay of the same key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingReceipt {
    pub id: u64,
    pub level: RatingLevel,
    pub ticket_number: Option<String>,
    pub service: Option<String>,
    pub counter: Option<u32>,
    pub officer: Option<String>,
    /// Total of the nine indices (0-18) when answered.
    pub index_score: Option<u32>,
    pub rated_at: DateTime<Utc>,
    pub anonymous: bool,
}

/// How `GET /api/v1/ratings/summary` groups ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryGroup {
    Counter,
    Service,
    Officer,
    Day,
}

impl SummaryGroup {
    pub fn key(self) -> &'static str {
        match self {
            SummaryGroup::Counter => "counter",
            SummaryGroup::Service => "service",
            SummaryGroup::Officer => "officer",
            SummaryGroup::Day => "day",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Counter, Self::Service, Self::Officer, Self::Day].into_iter().find(|g| g.key() == s)
    }
}

/// Counts and scores of one group (or of all ratings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingTallyView {
    /// Counter number, service code, officer name or `YYYY-MM-DD`; `none` for
    /// ratings without one (anonymous); `all` for the total.
    pub key: String,
    /// For people (Vietnamese).
    pub label: String,
    pub ratings: u32,
    pub very_satisfied: u32,
    pub satisfied: u32,
    pub dissatisfied: u32,
    /// Mean level, 1.00-3.00.
    pub score: f64,
    /// Satisfied or very satisfied, percent.
    pub satisfaction_rate: f64,
    /// Ratings that answered the nine indices.
    pub with_indices: u32,
    /// Mean total of the nine indices (0-18).
    pub index_score_average: Option<f64>,
    /// Mean of each index (0-2), in the circular's order; empty without answers.
    pub index_averages: Vec<f64>,
}

/// `GET /api/v1/ratings/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: SummaryGroup,
    pub total: RatingTallyView,
    pub groups: Vec<RatingTallyView>,
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
