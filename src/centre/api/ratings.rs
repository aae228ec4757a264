//! Satisfaction ratings: finding the ticket, the rating, the summary.

use super::{RatingLevel, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// `GET /api/v1/ratings/context`: the ticket a citizen wants to rate, found by
/// the tracking code of its QR, or by its printed number on a day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RatingContextQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    /// As printed, e.g. `A-023` (`a23` is accepted); needs `check_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// With `number`: the 4-digit check code printed under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_code: Option<String>,
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
    /// Who served it: the officer signed in at the console that called it,
    /// else the name `queue.counter_officers` gives the counter.
    pub officer: Option<String>,
    /// Only tickets that reached a counter (called or served) can be rated.
    pub can_rate: bool,
    pub already_rated: bool,
}

/// `POST /api/v1/ratings`. The ticket by `tracking_code`, or by
/// `ticket_number` + `check_code` (+ `day`); neither: an anonymous rating
/// (when `rating.allow_anonymous`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// With `ticket_number`: the 4-digit check code printed under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    pub level: RatingLevel,
    /// The nine indices of Circular 01/2018/TT-VPCP, each 2, 1 or 0, or
    /// `null` for one the citizen did not answer (at least one answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<Vec<Option<u8>>>,
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

/// `POST /api/v1/counters/{n}/rating`: the citizen rates, on the counter's own
/// screen, the ticket just served at that counter (a `counter` device of that
/// counter only; no check code: the screen saw the ticket served).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterRatingRequest {
    pub ticket_number: String,
    pub level: RatingLevel,
    /// The same key again returns the same rating (200).
    pub idempotency_key: String,
}
