//! The kiosk's link to its centre, as the kiosk UI uses it.
//!
//! [`KioskLink::Local`] runs on the built-in centre in this process (the default
//! when `centre.url` is empty). [`KioskLink::Remote`] talks HTTP to a centre
//! and keeps working when it cannot:
//!
//! * When the centre is unreachable or times out, a ticket gets the next number
//!   of this kiosk's reserved range (`offline.range_start..=range_end`, per
//!   service per day, kept in `kiosk.sqlite3` so a restart never reuses one),
//!   is marked offline, and is written to the outbox with its idempotency key
//!   in the same transaction (fsynced) before it is returned. Once the link
//!   knows it is offline, this takes well under 5 ms and no network wait.
//! * A kiosk that has never reached its centre (first boot, or the whole
//!   building back from a power cut before the server) offers the services
//!   of its own configuration, availability from their hours, with no
//!   waiting figures; the centre's list replaces them as soon as it answers.
//! * A background task sends the outbox in order when the centre is back; the
//!   centre drops replays of a key and queues offline tickets by their original
//!   issue time. Heartbeats use the same outbox (only the latest is kept).
//! * Ratings are sent at once when the centre answers, else queued in the
//!   outbox (fsynced) and sent later; their idempotency key is derived from
//!   the kiosk and the ticket, so a rating is stored once whatever happens to
//!   the answers, and a second rating of the same ticket at this kiosk is
//!   recognised even before the first has reached the centre.
//! * Dossier lookups have no offline fallback: they go to the centre or fail
//!   with a [`LinkError`] that says why (unreachable, timeout, refused).
//! * [`KioskLink::status`] / [`KioskLink::watch_status`] tell the UI whether it
//!   is online, since when, and how many items wait in the outbox.

use crate::centre::api::*;
use crate::centre::client::LinkError;
use crate::centre::core::Centre;
use crate::config::Config;
use crate::domain::clock;
use crate::store;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;

mod local;
mod offline;
mod remote;
mod requests;
mod sync;

pub use self::local::LocalLink;
pub use self::offline::{configured_services, remember_services};
pub use self::remote::RemoteLink;
pub use self::requests::{RatingLookup, RatingResult, RatingSubmission, TicketRef, TicketRequest};

/// Outbox kinds.
pub const KIND_TICKET: &str = "ticket";
pub const KIND_HEARTBEAT: &str = "heartbeat";
pub const KIND_RATING: &str = "rating";
const SERVICES_CACHE_KEY: &str = "services_cache";

/// Device health reported in heartbeats (the link adds the outbox length).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceHealth {
    pub printer_status: String,
    pub scanner_connected: bool,
    pub app_version: String,
    /// What a technician must act on, as codes (e.g. `cannot_issue`).
    pub alerts: Vec<String>,
    /// Wrong setup PINs since the last right one.
    pub pin_failures: u32,
    /// The setup PIN is locked until then.
    pub pin_locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    /// The built-in centre in this process.
    Local,
    Online,
    /// The centre is unreachable: tickets get offline numbers.
    Offline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkStatus {
    pub mode: LinkMode,
    /// When the link entered this mode.
    pub since: DateTime<Utc>,
    /// Items waiting to be sent to the centre.
    pub outbox_len: u32,
    /// The last failure, for the setup screen.
    pub last_error: Option<String>,
}

/// Timings of the background sync.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// First wait after a failed send or probe; doubles up to `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// While online and idle: how often the service list is refreshed.
    pub refresh_every: Duration,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            retry_min: Duration::from_millis(500),
            retry_max: Duration::from_secs(5),
            refresh_every: Duration::from_secs(30),
        }
    }
}

/// The kiosk's link; cheap to clone.
#[derive(Clone)]
pub enum KioskLink {
    Remote(RemoteLink),
    Local(LocalLink),
}

impl KioskLink {
    /// Remote when `centre.url` is set, else the built-in centre on the data
    /// directory. Call inside a Tokio runtime (the remote link starts its sync task).
    pub fn open(cfg: &Config) -> Result<KioskLink, LinkError> {
        if cfg.centre.url.is_empty() {
            let centre = Centre::open(cfg)?;
            Ok(KioskLink::Local(LocalLink::new(centre, &cfg.kiosk.id)))
        } else {
            let link = RemoteLink::open(
                cfg,
                store::kiosk_db_path(&cfg.data_dir()),
                clock::system(),
                LinkOptions::default(),
            )?;
            Ok(KioskLink::Remote(link))
        }
    }

    /// Services with live figures (from the cache, availability recomputed,
    /// while offline).
    pub async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        match self {
            KioskLink::Remote(r) => r.services().await,
            KioskLink::Local(l) => l.services().await,
        }
    }

    /// Issues a ticket; see the module comment for what happens offline.
    pub async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        match self {
            KioskLink::Remote(r) => r.issue_ticket(req).await,
            KioskLink::Local(l) => l.issue_ticket(req).await,
        }
    }

    /// Reports device health (through the outbox when remote).
    pub async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        match self {
            KioskLink::Remote(r) => r.heartbeat(health).await,
            KioskLink::Local(l) => l.heartbeat(health).await,
        }
    }

    /// A dossier's status (no offline fallback).
    pub async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        match self {
            KioskLink::Remote(r) => r.dossier(code).await,
            KioskLink::Local(l) => l.dossier(code).await,
        }
    }

    /// The ticket a citizen wants to rate.
    pub async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        match self {
            KioskLink::Remote(r) => r.rating_context(ticket).await,
            KioskLink::Local(l) => l.rating_context(ticket).await,
        }
    }

    /// Sends a rating, through the outbox when the centre is unreachable.
    pub async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        match self {
            KioskLink::Remote(r) => r.rate(sub).await,
            KioskLink::Local(l) => l.rate(sub).await,
        }
    }

    /// Asks for an officer at this kiosk; `true` when the request is new.
    /// No outbox: a call for help that arrives an hour later helps nobody, so
    /// offline this fails and the kiosk says so.
    pub async fn request_help(&self) -> Result<(HelpRequest, bool), LinkError> {
        match self {
            KioskLink::Remote(r) => r.request_help().await,
            KioskLink::Local(l) => l.request_help().await,
        }
    }

    /// Whether there is any service to issue numbers for: configured in the
    /// built-in centre, or known to a remote kiosk (the centre's last list, or
    /// its own configuration before the centre ever answered).
    pub fn has_services(&self) -> bool {
        match self {
            KioskLink::Remote(r) => r.has_services(),
            KioskLink::Local(l) => l.has_services(),
        }
    }

    pub fn status(&self) -> LinkStatus {
        match self {
            KioskLink::Remote(r) => r.status(),
            KioskLink::Local(l) => l.status(),
        }
    }

    /// Changes of [`KioskLink::status`], for the UI's connection indicator.
    pub fn watch_status(&self) -> watch::Receiver<LinkStatus> {
        match self {
            KioskLink::Remote(r) => r.watch_status(),
            KioskLink::Local(l) => l.watch_status(),
        }
    }

    pub fn outbox_len(&self) -> u32 {
        self.status().outbox_len
    }

    /// Sends a heartbeat now and then every `every`, with the health `health`
    /// reports at that moment. Stops when the returned handle is aborted or the
    /// runtime ends.
    pub fn spawn_heartbeats(
        &self,
        every: Duration,
        health: impl Fn() -> DeviceHealth + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let link = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = link.heartbeat(&health()).await {
                    tracing::warn!(error = %e, "heartbeat not recorded");
                }
            }
        })
    }

    /// Waits until the outbox is empty (or `timeout`); true when it is.
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        let mut rx = self.watch_status();
        tokio::time::timeout(timeout, rx.wait_for(|s| s.outbox_len == 0)).await.is_ok_and(|r| r.is_ok())
    }
}
