//! The event log as clients see it over Server-Sent Events.

use super::{CounterView, DeviceEventData, HelpRequest};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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
    TicketStarted(TicketStartData),
    TicketTransferred(TicketTransferData),
    /// A device went offline, came back, or its printer, reader or PIN changed.
    Device(DeviceEventData),
    /// A citizen at a kiosk asked for an officer.
    HelpRequested(HelpRequest),
    /// An officer acknowledged a help request.
    HelpResolved(HelpRequest),
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
            EventBody::TicketStarted(_) => "ticket_started",
            EventBody::TicketTransferred(_) => "ticket_transferred",
            EventBody::Device(_) => "device",
            EventBody::HelpRequested(_) => "help_requested",
            EventBody::HelpResolved(_) => "help_resolved",
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

/// The officer started serving the ticket at the counter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketStartData {
    pub number: String,
    pub service: String,
    pub counter: u32,
    pub started_at: DateTime<Utc>,
}

/// A ticket left a counter to wait again: in `service`, for any of its
/// counters, or only for `counter`. It keeps its number and its place (see
/// docs/queue.md, transfers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketTransferData {
    pub number: String,
    /// Where it waits now.
    pub service: String,
    /// The only counter that will call it, when transferred to a counter.
    pub counter: Option<u32>,
    pub from_service: String,
    pub from_counter: u32,
    /// Waiting in `service` after the transfer.
    pub waiting: u32,
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
