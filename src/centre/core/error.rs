//! The centre's error type: what went wrong, its stable API code and HTTP status.

use crate::centre::api::ApiError;
use crate::store::{SharedStoreError, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CentreError {
    #[error("unknown service `{0}`")]
    UnknownService(String),
    #[error("the service is closed now")]
    Closed { next_open: Option<DateTime<Utc>> },
    #[error("no numbers left today for this service")]
    CapReached { next_open: Option<DateTime<Utc>> },
    #[error("unknown counter {0}")]
    UnknownCounter(u32),
    #[error("no ticket has this tracking code")]
    TicketNotFound,
    #[error("counter {0} is paused; resume it first")]
    CounterPaused(u32),
    #[error("counter {0} has no ticket at the desk")]
    NoCurrentTicket(u32),
    #[error("this idempotency key was already used for a ticket of another service")]
    IdempotencyConflict,
    #[error("this idempotency key was already used for another counter action")]
    KeyReused,
    #[error("wrong login or PIN")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("`{0}` is not a dossier code (expected {{agency}}-{{yyMMdd}}-{{NNNN}}, e.g. 000.00.06.H56-231027-0361)")]
    MalformedDossierCode(String),
    #[error("no dossier has the code {0}")]
    DossierNotFound(String),
    #[error("this ticket has already been rated")]
    AlreadyRated,
    #[error("only a ticket that was called to a counter can be rated")]
    TicketNotServed,
    #[error("ratings without a ticket are not accepted here")]
    AnonymousNotAllowed,
    #[error("several tickets have this number that day; use the ticket's QR code")]
    AmbiguousTicket,
    #[error("offline number {0} was already used that day (kiosks with overlapping offline ranges?)")]
    OfflineNumberTaken(String),
    #[error("offline number {0} does not have the service's prefix (changed while the kiosk was offline?)")]
    OfflineNumberMismatch(String),
    #[error("{0} has not started yet")]
    DayNotStarted(chrono::NaiveDate),
    #[error("no help request has this id")]
    HelpNotFound,
    #[error("the import file has {} problem(s): {}", .0.len(), .0.join("; "))]
    InvalidImport(Vec<String>),
    /// The database failed; the store's error is kept as the source, for the log.
    #[error("the centre's database failed: {0}")]
    Store(#[source] SharedStoreError),
    /// A step around the database failed (the writer thread, a read task, a
    /// job that panicked, a row that vanished inside its transaction). Callers
    /// see the same `store_error` as for [`CentreError::Store`].
    #[error("the centre's database failed: {0}")]
    Internal(String),
    #[error("the centre is shutting down")]
    Unavailable,
    /// The writer's queue is full (limits.writer_queue): try again shortly.
    #[error("the centre is busy; try again in a second")]
    Busy,
}

impl CentreError {
    /// The stable snake_case code of the API error body.
    pub fn code(&self) -> &'static str {
        match self {
            CentreError::UnknownService(_) => "unknown_service",
            CentreError::Closed { .. } => "service_closed",
            CentreError::CapReached { .. } => "cap_reached",
            CentreError::UnknownCounter(_) => "unknown_counter",
            CentreError::TicketNotFound => "ticket_not_found",
            CentreError::CounterPaused(_) => "counter_paused",
            CentreError::NoCurrentTicket(_) => "no_current_ticket",
            CentreError::IdempotencyConflict | CentreError::KeyReused => "idempotency_conflict",
            CentreError::BadCredentials => "bad_credentials",
            CentreError::Forbidden(_) => "forbidden",
            CentreError::BadRequest(_) => "bad_request",
            CentreError::MalformedDossierCode(_) => "malformed_code",
            CentreError::DossierNotFound(_) => "dossier_not_found",
            CentreError::AlreadyRated => "already_rated",
            CentreError::TicketNotServed => "ticket_not_served",
            CentreError::AnonymousNotAllowed => "anonymous_not_allowed",
            CentreError::AmbiguousTicket => "ambiguous_ticket",
            CentreError::OfflineNumberTaken(_) => "offline_number_taken",
            CentreError::OfflineNumberMismatch(_) => "offline_number_mismatch",
            CentreError::DayNotStarted(_) => "day_not_started",
            CentreError::InvalidImport(_) => "invalid_import",
            CentreError::HelpNotFound => "help_not_found",
            CentreError::Store(_) | CentreError::Internal(_) => "store_error",
            CentreError::Unavailable => "unavailable",
            CentreError::Busy => "busy",
        }
    }

    /// The HTTP status of the error response.
    pub fn status(&self) -> u16 {
        match self {
            CentreError::BadRequest(_)
            | CentreError::MalformedDossierCode(_)
            | CentreError::InvalidImport(_) => 400,
            CentreError::BadCredentials => 401,
            CentreError::AnonymousNotAllowed | CentreError::Forbidden(_) => 403,
            // An unknown service is a resource the centre does not have, like
            // an unknown counter (and a rule the contract cannot state).
            CentreError::UnknownService(_)
            | CentreError::UnknownCounter(_)
            | CentreError::TicketNotFound
            | CentreError::DossierNotFound(_)
            | CentreError::DayNotStarted(_)
            | CentreError::HelpNotFound => 404,
            CentreError::Closed { .. }
            | CentreError::CapReached { .. }
            | CentreError::CounterPaused(_)
            | CentreError::NoCurrentTicket(_)
            | CentreError::IdempotencyConflict
            | CentreError::KeyReused
            | CentreError::AlreadyRated
            | CentreError::TicketNotServed
            | CentreError::AmbiguousTicket
            | CentreError::OfflineNumberTaken(_)
            | CentreError::OfflineNumberMismatch(_) => 409,
            CentreError::Store(_) | CentreError::Internal(_) => 500,
            CentreError::Unavailable | CentreError::Busy => 503,
        }
    }

    pub fn next_open(&self) -> Option<DateTime<Utc>> {
        match self {
            CentreError::Closed { next_open } | CentreError::CapReached { next_open } => *next_open,
            _ => None,
        }
    }

    pub fn to_api(&self) -> ApiError {
        ApiError { code: self.code().into(), message: self.to_string(), next_open: self.next_open() }
    }
}

impl From<StoreError> for CentreError {
    fn from(e: StoreError) -> Self {
        CentreError::Store(e.into())
    }
}

impl From<rusqlite::Error> for CentreError {
    fn from(e: rusqlite::Error) -> Self {
        CentreError::Store(StoreError::from(e).into())
    }
}
