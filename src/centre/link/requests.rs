//! What the kiosk UI asks of the link (a ticket, a rating) and what it gets
//! back about a rating; the API requests are built from them here.

use crate::centre::api::*;
use crate::domain::rating::{IndexScores, RatingLevel};
use crate::domain::ticket::TicketNumber;
use chrono::{DateTime, NaiveDate, Utc};

/// What the citizen chose. Build it once per tap and reuse it if the UI retries:
/// the idempotency key makes the retry return the same ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRequest {
    pub service: String,
    pub priority: Option<PriorityGroup>,
    pub citizen: Option<CitizenInfo>,
    pub idempotency_key: String,
}

impl TicketRequest {
    pub fn new(service: impl Into<String>) -> Self {
        TicketRequest {
            service: service.into(),
            priority: None,
            citizen: None,
            idempotency_key: uuid::Uuid::new_v4().to_string(),
        }
    }

    pub fn with_priority(mut self, p: PriorityGroup) -> Self {
        self.priority = Some(p);
        self
    }

    pub fn with_citizen(mut self, c: CitizenInfo) -> Self {
        self.citizen = Some(c);
        self
    }

    pub(super) fn to_api(&self, kiosk_id: &str) -> IssueTicketRequest {
        IssueTicketRequest {
            service: self.service.clone(),
            priority: self.priority,
            citizen: self.citizen.clone(),
            idempotency_key: self.idempotency_key.clone(),
            kiosk_id: kiosk_id.to_string(),
            issued_at: None,
            offline_number: None,
            tracking_code: None,
        }
    }
}

/// The ticket a rating is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    /// The tracking code in the ticket's QR.
    Tracking(String),
    /// The number printed on the ticket (`A-023`), the check code printed
    /// under it, and its service day.
    Number { number: String, check_code: String, day: NaiveDate },
}

impl TicketRef {
    pub(super) fn query(&self) -> RatingContextQuery {
        match self {
            TicketRef::Tracking(c) => {
                RatingContextQuery { tracking_code: Some(c.clone()), ..Default::default() }
            }
            TicketRef::Number { number, check_code, day } => RatingContextQuery {
                number: Some(number.clone()),
                check_code: Some(check_code.clone()),
                day: Some(*day),
                ..Default::default()
            },
        }
    }

    /// Stable part of the idempotency key: one rating per ticket per kiosk.
    pub(super) fn key_part(&self) -> String {
        match self {
            TicketRef::Tracking(c) => format!("t:{c}"),
            TicketRef::Number { number, day, .. } => {
                let n = TicketNumber::parse(number)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| number.trim().to_ascii_uppercase());
                format!("n:{day}:{n}")
            }
        }
    }
}

/// A citizen's rating. Build it once per choice and reuse it on retries.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingSubmission {
    /// `None`: anonymous (when the centre allows it).
    pub ticket: Option<TicketRef>,
    pub level: RatingLevel,
    pub indices: Option<IndexScores>,
    pub comment: Option<String>,
    key_part: String,
}

impl RatingSubmission {
    pub fn new(ticket: Option<TicketRef>, level: RatingLevel) -> Self {
        let key_part = match &ticket {
            Some(t) => t.key_part(),
            None => format!("a:{}", uuid::Uuid::new_v4()),
        };
        RatingSubmission { ticket, level, indices: None, comment: None, key_part }
    }

    pub fn with_indices(mut self, indices: IndexScores) -> Self {
        self.indices = Some(indices);
        self
    }

    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// The idempotency key this kiosk sends for the rating.
    pub fn idempotency_key(&self, kiosk_id: &str) -> String {
        format!("rating:{kiosk_id}:{}", self.key_part)
    }

    pub(super) fn to_api(&self, kiosk_id: &str, rated_at: DateTime<Utc>) -> RatingRequest {
        let (tracking_code, ticket_number, check_code, day) = match &self.ticket {
            Some(TicketRef::Tracking(c)) => (Some(c.clone()), None, None, None),
            Some(TicketRef::Number { number, check_code, day }) => {
                (None, Some(number.clone()), Some(check_code.clone()), Some(*day))
            }
            None => (None, None, None, None),
        };
        RatingRequest {
            tracking_code,
            ticket_number,
            check_code,
            day,
            level: self.level,
            indices: self.indices.map(|i| i.scores().to_vec()),
            comment: self.comment.clone(),
            idempotency_key: self.idempotency_key(kiosk_id),
            kiosk_id: kiosk_id.to_string(),
            rated_at: Some(rated_at),
        }
    }
}

/// What the link knows about a ticket to rate.
#[derive(Debug, Clone, PartialEq)]
pub enum RatingLookup {
    /// The centre answered (`already_rated` also counts this kiosk's ratings
    /// still waiting in the outbox).
    Found(RatingContext),
    /// The centre is unreachable: the rating can still be given and is queued.
    Offline { already_queued: bool },
}

/// What became of a rating.
#[derive(Debug, Clone, PartialEq)]
pub enum RatingResult {
    /// Stored by the centre (`receipt`), or queued to be sent (`queued`).
    Recorded { receipt: Option<RatingReceipt>, queued: bool },
    /// The ticket had been rated before; nothing was stored.
    AlreadyRated,
}
