//! The centre: the queue engine ([`core::Centre`]), its HTTP API
//! ([`server`]), and the kiosk's side of the link ([`client`], [`link`]).
//!
//! * A kiosk UI talks to [`link::KioskLink`]: `services()`, `issue_ticket()`,
//!   `heartbeat()`, `status()`. It is either remote (HTTP, with offline numbers
//!   and an outbox when the centre is unreachable) or local (the built-in centre
//!   in the same process).
//! * A display reads `GET /api/v1/state` once, then follows
//!   `GET /api/v1/events` ([`client::ApiClient::events`] or, in process,
//!   [`core::Centre::feed`]).

pub mod api;
pub mod client;
pub mod core;
pub mod devices;
pub mod link;
pub mod provision;
pub mod server;
pub mod sse;
pub mod tls;
pub mod tokens;

pub use self::client::{ApiClient, EventStream, LinkError};
pub use self::core::{Centre, CentreError, IssueOutcome};
pub use self::link::{
    DeviceHealth, KioskLink, LinkMode, LinkOptions, LinkStatus, RatingLookup, RatingResult, RatingSubmission,
    TicketRef, TicketRequest,
};
pub use self::server::{serve, serve_centre, ServerOptions};
