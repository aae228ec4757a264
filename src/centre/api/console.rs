//! What the officer console and the manager dashboard read: the console view
//! of one counter, officer sign-in, and the day report.

use super::{CounterView, PriorityGroup, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The citizen at the desk, as the officer sees it: the ID number masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleCitizen {
    /// e.g. `048*******23`.
    pub id_number_masked: String,
    pub full_name: String,
}

/// The ticket at the officer's desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleTicket {
    pub number: String,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub priority: Option<PriorityGroup>,
    pub status: TicketStatus,
    pub calls: u32,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    /// Minutes from taking the number to the first call.
    pub waited_minutes: u32,
    pub transfers: u32,
    pub offline: bool,
    /// Only when the kiosk collected the identity (and only here).
    pub citizen: Option<ConsoleCitizen>,
}

/// A ticket waiting for this counter, in the order the counter will call them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingTicket {
    pub number: String,
    pub service: String,
    pub priority: Option<PriorityGroup>,
    pub issued_at: DateTime<Utc>,
    pub waited_minutes: u32,
    /// Transferred here from another counter or service.
    pub transferred: bool,
    /// Transferred to this counter only.
    pub reserved: bool,
}

/// A service a ticket can be transferred to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferTarget {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub counters: Vec<u32>,
}

/// `GET /api/v1/counters/{n}/console`: everything the officer's screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleView {
    pub counter: CounterView,
    pub current: Option<ConsoleTicket>,
    /// In calling order (the fair interleaving rule), at most 50.
    pub waiting: Vec<WaitingTicket>,
    /// All tickets this counter could call now.
    pub waiting_total: u32,
    pub served_today: u32,
    pub no_show_today: u32,
    /// Mean service time at this counter today, seconds.
    pub average_service_seconds: Option<u32>,
    pub services: Vec<TransferTarget>,
    pub counters: Vec<u32>,
    pub server_time: DateTime<Utc>,
}

/// `POST /api/v1/officer/session`: an officer account and PIN, and the
/// counter to serve (a manager may leave it out to open the dashboard). With
/// `Authorization: Bearer <device token>` instead of login and PIN: a session
/// for that device (a counter PC without personal accounts).
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u32>,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("login", &self.login)
            .field("pin", &self.pin.as_ref().map(|_| "<hidden>"))
            .field("counter", &self.counter)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerInfo {
    pub login: String,
    pub name: String,
    pub manager: bool,
}

/// A browser session (the cookie carries its token; the token is never shown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerSession {
    /// None when signed in with a device token.
    pub officer: Option<OfficerInfo>,
    pub counter: Option<u32>,
    /// May open the manager dashboard and reports.
    pub manager: bool,
    /// Send it back as `X-CSRF-Token` on every POST and DELETE.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// One officer account (`motcua-kiosk officers list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerAccount {
    pub login: String,
    pub name: String,
    pub manager: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Figures of one service, one counter, or the whole day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportRow {
    /// Service code, counter number, or `all`.
    pub key: String,
    pub label: String,
    /// Tickets taken (services and the total; by the service that issued them).
    pub issued: u32,
    /// Tickets called (first calls).
    pub called: u32,
    /// Waiting now (today only).
    pub waiting: u32,
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    /// From taking the number to the first call, of the tickets called.
    pub wait_avg_seconds: Option<u32>,
    pub wait_p90_seconds: Option<u32>,
    /// From the start of service (else the last call) to completion.
    pub service_avg_seconds: Option<u32>,
    pub service_p90_seconds: Option<u32>,
    /// The ticket waiting longest now (today only), seconds.
    pub longest_wait_seconds: Option<u32>,
    /// Officers who served here that day (counters only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officers: Vec<String>,
}

/// Tickets issued and served in one local hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourCount {
    /// 0-23, local time.
    pub hour: u32,
    pub issued: u32,
    pub served: u32,
}

/// `GET /api/v1/reports/day`: a day's figures for the manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayReport {
    pub day: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub total: ReportRow,
    pub services: Vec<ReportRow>,
    pub counters: Vec<ReportRow>,
    /// Every hour from the first to the last with a ticket (empty: no tickets).
    pub hours: Vec<HourCount>,
}
