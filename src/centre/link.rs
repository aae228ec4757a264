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
use crate::centre::client::{ApiClient, LinkError};
use crate::centre::core::Centre;
use crate::config::Config;
use crate::domain::clock::{self, Clock};
use crate::domain::localtime::service_day;
use crate::domain::queue_rules::{self, Schedule};
use crate::domain::rating::{IndexScores, RatingLevel};
use crate::domain::ticket::TicketNumber;
use crate::store::{self, outbox, queue as meta, to_ms, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// Outbox kinds.
pub const KIND_TICKET: &str = "ticket";
pub const KIND_HEARTBEAT: &str = "heartbeat";
pub const KIND_RATING: &str = "rating";
const SERVICES_CACHE_KEY: &str = "services_cache";

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

    fn to_api(&self, kiosk_id: &str) -> IssueTicketRequest {
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
    /// The number printed on the ticket (`A-023`) and its service day.
    Number { number: String, day: NaiveDate },
}

impl TicketRef {
    fn query(&self) -> RatingContextQuery {
        match self {
            TicketRef::Tracking(c) => {
                RatingContextQuery { tracking_code: Some(c.clone()), ..Default::default() }
            }
            TicketRef::Number { number, day } => {
                RatingContextQuery { number: Some(number.clone()), day: Some(*day), ..Default::default() }
            }
        }
    }

    /// Stable part of the idempotency key: one rating per ticket per kiosk.
    fn key_part(&self) -> String {
        match self {
            TicketRef::Tracking(c) => format!("t:{c}"),
            TicketRef::Number { number, day } => {
                let n = crate::domain::ticket::TicketNumber::parse(number)
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

    fn to_api(&self, kiosk_id: &str, rated_at: DateTime<Utc>) -> RatingRequest {
        let (tracking_code, ticket_number, day) = match &self.ticket {
            Some(TicketRef::Tracking(c)) => (Some(c.clone()), None, None),
            Some(TicketRef::Number { number, day }) => (None, Some(number.clone()), Some(*day)),
            None => (None, None, None),
        };
        RatingRequest {
            tracking_code,
            ticket_number,
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

/// Device health reported in heartbeats (the link adds the outbox length).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceHealth {
    pub printer_status: String,
    pub scanner_connected: bool,
    pub app_version: String,
    /// What a technician must act on, as codes (e.g. `cannot_issue`).
    pub alerts: Vec<String>,
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
            let link =
                RemoteLink::open(cfg, store::kiosk_db_path(cfg), clock::system(), LinkOptions::default())?;
            Ok(KioskLink::Remote(link))
        }
    }

    /// Services with live figures (from the cache, availability recomputed,
    /// while offline).
    pub async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        match self {
            KioskLink::Remote(r) => r.services().await,
            KioskLink::Local(l) => Ok(l.centre.services().await?.services),
        }
    }

    /// Issues a ticket; see the module comment for what happens offline.
    pub async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        match self {
            KioskLink::Remote(r) => r.issue_ticket(req).await,
            KioskLink::Local(l) => Ok(l.centre.issue(req.to_api(&l.kiosk_id)).await?.ticket),
        }
    }

    /// Reports device health (through the outbox when remote).
    pub async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        match self {
            KioskLink::Remote(r) => r.heartbeat(health).await,
            KioskLink::Local(l) => {
                let req = HeartbeatRequest {
                    printer_status: health.printer_status.clone(),
                    scanner_connected: health.scanner_connected,
                    outbox_len: 0,
                    app_version: health.app_version.clone(),
                    sent_at: Some(l.centre.now()),
                    alerts: health.alerts.clone(),
                };
                l.centre.heartbeat(&l.kiosk_id, req).await?;
                Ok(())
            }
        }
    }

    /// A dossier's status (no offline fallback).
    pub async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        match self {
            KioskLink::Remote(r) => r.dossier(code).await,
            KioskLink::Local(l) => Ok(l.centre.dossier(code).await?),
        }
    }

    /// The ticket a citizen wants to rate.
    pub async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        match self {
            KioskLink::Remote(r) => r.rating_context(ticket).await,
            KioskLink::Local(l) => Ok(RatingLookup::Found(l.centre.rating_context(ticket.query()).await?)),
        }
    }

    /// Sends a rating, through the outbox when the centre is unreachable.
    pub async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        match self {
            KioskLink::Remote(r) => r.rate(sub).await,
            KioskLink::Local(l) => match l.centre.rate(sub.to_api(&l.kiosk_id, l.centre.now())).await {
                Ok(out) => Ok(RatingResult::Recorded { receipt: Some(out.receipt), queued: false }),
                Err(crate::centre::core::CentreError::AlreadyRated) => Ok(RatingResult::AlreadyRated),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Whether there is any service to issue numbers for: configured in the
    /// built-in centre, or known to a remote kiosk (the centre's last list, or
    /// its own configuration before the centre ever answered).
    pub fn has_services(&self) -> bool {
        match self {
            KioskLink::Remote(r) => r.inner.cache().is_some_and(|c| !c.services.is_empty()),
            KioskLink::Local(l) => l.has_services,
        }
    }

    pub fn status(&self) -> LinkStatus {
        match self {
            KioskLink::Remote(r) => r.status(),
            KioskLink::Local(l) => l.status.borrow().clone(),
        }
    }

    /// Changes of [`KioskLink::status`], for the UI's connection indicator.
    pub fn watch_status(&self) -> watch::Receiver<LinkStatus> {
        match self {
            KioskLink::Remote(r) => r.inner.status.subscribe(),
            KioskLink::Local(l) => l.status.subscribe(),
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

/// The built-in centre used in process.
#[derive(Clone)]
pub struct LocalLink {
    centre: Centre,
    kiosk_id: Arc<str>,
    status: Arc<watch::Sender<LinkStatus>>,
    has_services: bool,
}

impl LocalLink {
    pub fn new(centre: Centre, kiosk_id: &str) -> Self {
        let status =
            LinkStatus { mode: LinkMode::Local, since: centre.now(), outbox_len: 0, last_error: None };
        let has_services = centre.has_services();
        LocalLink {
            centre,
            kiosk_id: kiosk_id.into(),
            status: Arc::new(watch::channel(status).0),
            has_services,
        }
    }

    pub fn centre(&self) -> &Centre {
        &self.centre
    }
}

/// The HTTP link with offline numbers and an outbox.
#[derive(Clone)]
pub struct RemoteLink {
    inner: Arc<RemoteInner>,
}

struct RemoteInner {
    client: ApiClient,
    kiosk_id: String,
    range: (u32, u32),
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    status: watch::Sender<LinkStatus>,
    wake: Arc<Notify>,
    cache: Mutex<Option<ServicesResponse>>,
    last_refresh: Mutex<Option<Instant>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for RemoteInner {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }
}

fn local_err(e: StoreError) -> LinkError {
    LinkError::Local(e.to_string())
}

/// What one round of the sync task achieved.
enum Step {
    /// Sent something: go on at once.
    Progress,
    /// Nothing to do.
    Idle,
    /// The centre is unreachable (or refused the device): back off.
    Failed,
}

impl RemoteLink {
    /// Opens the kiosk database at `db` and starts the sync task (inside a Tokio runtime).
    pub fn open(
        cfg: &Config,
        db: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        opts: LinkOptions,
    ) -> Result<RemoteLink, LinkError> {
        let client = ApiClient::from_config(cfg)?;
        let store = Store::open(db.as_ref()).map_err(local_err)?;
        let outbox_len = outbox::len(store.conn()).map_err(local_err)?;
        let cache = meta::meta_get(store.conn(), SERVICES_CACHE_KEY)
            .map_err(local_err)?
            .and_then(|s| serde_json::from_str::<ServicesResponse>(&s).ok())
            .or_else(|| configured_services(cfg, clock.now()));
        let status = LinkStatus { mode: LinkMode::Online, since: clock.now(), outbox_len, last_error: None };
        let inner = Arc::new(RemoteInner {
            client,
            kiosk_id: cfg.kiosk.id.clone(),
            range: (cfg.offline.range_start, cfg.offline.range_end),
            store: Arc::new(Mutex::new(store)),
            clock,
            status: watch::channel(status).0,
            wake: Arc::new(Notify::new()),
            cache: Mutex::new(cache),
            last_refresh: Mutex::new(None),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(sync_loop(Arc::downgrade(&inner), inner.wake.clone(), opts));
        *inner.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(RemoteLink { inner })
    }

    pub fn client(&self) -> &ApiClient {
        &self.inner.client
    }

    pub fn status(&self) -> LinkStatus {
        self.inner.status.borrow().clone()
    }

    /// Items the centre refused for good (kept for diagnosis).
    pub async fn dead_items(&self) -> Result<Vec<outbox::OutboxItem>, LinkError> {
        self.inner.db(|c| outbox::dead(c)).await
    }

    async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        let inner = &self.inner;
        if inner.mode() != LinkMode::Offline {
            match inner.refresh_services().await {
                Ok(r) => return Ok(r.services),
                Err(e) if e.is_connectivity() => inner.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        let now = inner.clock.now();
        let cache =
            inner.cache().ok_or_else(|| LinkError::Unreachable("no service list cached yet".into()))?;
        Ok(cache.services.iter().map(|s| offline_view(s, &cache, now)).collect())
    }

    async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        let inner = &self.inner;
        if inner.mode() != LinkMode::Offline {
            // A retry of a tap that already got an offline number must not get a
            // second (online) ticket. (Offline, issue_offline checks this itself.)
            let key = req.idempotency_key.clone();
            if let Some(item) = inner.db(move |c| outbox::by_key(c, &key)).await? {
                if item.kind == KIND_TICKET {
                    return inner.offline_ticket_view(&parse_ticket_item(&item).map_err(local_err)?);
                }
            }
            match inner.client.issue_ticket(&req.to_api(&inner.kiosk_id)).await {
                Ok(t) => {
                    inner.set_online();
                    return Ok(t);
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; issuing an offline number");
                    inner.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        inner.issue_offline(req).await
    }

    async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        let inner = &self.inner;
        match inner.client.dossier(code).await {
            Ok(d) => {
                inner.set_online();
                Ok(d)
            }
            Err(e) => {
                if e.is_connectivity() {
                    inner.set_offline(&e);
                }
                Err(e)
            }
        }
    }

    /// This kiosk's queued rating under `key`, if any.
    async fn queued_rating(&self, key: String) -> Result<Option<RatingRequest>, LinkError> {
        let item = self.inner.db(move |c| outbox::by_key(c, &key)).await?;
        Ok(item
            .filter(|i| i.kind == KIND_RATING && !i.dead)
            .and_then(|i| serde_json::from_str::<RatingRequest>(&i.payload).ok()))
    }

    async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        let inner = &self.inner;
        let key = RatingSubmission::new(Some(ticket.clone()), RatingLevel::Satisfied)
            .idempotency_key(&inner.kiosk_id);
        let queued = self.queued_rating(key).await?.is_some();
        if inner.mode() != LinkMode::Offline {
            match inner.client.rating_context(&ticket.query()).await {
                Ok(mut ctx) => {
                    inner.set_online();
                    ctx.already_rated |= queued;
                    return Ok(RatingLookup::Found(ctx));
                }
                Err(e) if e.is_connectivity() => inner.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        Ok(RatingLookup::Offline { already_queued: queued })
    }

    async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        let inner = &self.inner;
        let key = sub.idempotency_key(&inner.kiosk_id);
        if let Some(earlier) = self.queued_rating(key.clone()).await? {
            // Queued before: a retry of the same choice is fine, a new choice is a second rating.
            let same =
                earlier.level == sub.level && earlier.indices == sub.indices.map(|i| i.scores().to_vec());
            return Ok(if same {
                RatingResult::Recorded { receipt: None, queued: true }
            } else {
                RatingResult::AlreadyRated
            });
        }
        let api = sub.to_api(&inner.kiosk_id, inner.clock.now());
        if inner.mode() != LinkMode::Offline {
            match inner.client.rate(&api).await {
                Ok(r) => {
                    inner.set_online();
                    return Ok(RatingResult::Recorded { receipt: Some(r), queued: false });
                }
                Err(LinkError::Rejected { code, .. }) if code == "already_rated" => {
                    return Ok(RatingResult::AlreadyRated)
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; the rating is queued");
                    inner.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        let payload = serde_json::to_string(&api).expect("rating serialises");
        let now = to_ms(inner.clock.now());
        let len = inner
            .db(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                outbox::push(&tx, KIND_RATING, &key, &payload, now)?;
                let len = outbox::len(&tx)?;
                tx.commit()?;
                Ok(len)
            })
            .await?;
        inner.set_outbox_len(len);
        inner.wake.notify_one();
        Ok(RatingResult::Recorded { receipt: None, queued: true })
    }

    async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        let inner = &self.inner;
        let req = HeartbeatRequest {
            printer_status: health.printer_status.clone(),
            scanner_connected: health.scanner_connected,
            outbox_len: inner.status.borrow().outbox_len,
            app_version: health.app_version.clone(),
            sent_at: Some(inner.clock.now()),
            alerts: health.alerts.clone(),
        };
        let payload = serde_json::to_string(&req).expect("heartbeat serialises");
        let now = to_ms(inner.clock.now());
        let len = inner
            .db(move |c| {
                outbox::put_latest(c, KIND_HEARTBEAT, KIND_HEARTBEAT, &payload, now)?;
                outbox::len(c)
            })
            .await?;
        inner.set_outbox_len(len);
        inner.wake.notify_one();
        Ok(())
    }
}

impl RemoteInner {
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, LinkError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(guard.conn_mut()).map_err(local_err)
        })
        .await
        .map_err(|e| LinkError::Local(format!("storage task failed: {e}")))?
    }

    fn mode(&self) -> LinkMode {
        self.status.borrow().mode
    }

    fn cache(&self) -> Option<ServicesResponse> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_online(&self) {
        let now = self.clock.now();
        self.status.send_if_modified(|s| {
            if s.mode == LinkMode::Online {
                return false;
            }
            tracing::info!("centre reachable again");
            s.mode = LinkMode::Online;
            s.since = now;
            s.last_error = None;
            true
        });
    }

    fn set_offline(&self, e: &LinkError) {
        let now = self.clock.now();
        let msg = e.to_string();
        let became = self.status.send_if_modified(|s| {
            let changed = s.mode != LinkMode::Offline;
            if changed {
                s.mode = LinkMode::Offline;
                s.since = now;
            }
            let err_changed = s.last_error.as_deref() != Some(msg.as_str());
            s.last_error = Some(msg.clone());
            changed || err_changed
        });
        if became {
            // Let the sync task start probing.
            self.wake.notify_one();
        }
    }

    fn set_error(&self, e: &LinkError) {
        let msg = e.to_string();
        self.status.send_if_modified(|s| {
            let changed = s.last_error.as_deref() != Some(msg.as_str());
            s.last_error = Some(msg.clone());
            changed
        });
    }

    fn set_outbox_len(&self, len: u32) {
        self.status.send_if_modified(|s| {
            let changed = s.outbox_len != len;
            s.outbox_len = len;
            changed
        });
    }

    async fn refresh_services(&self) -> Result<ServicesResponse, LinkError> {
        let r = self.client.services().await?;
        self.set_online();
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(r.clone());
        *self.last_refresh.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let json = serde_json::to_string(&r).expect("services serialise");
        self.db(move |c| meta::meta_set(c, SERVICES_CACHE_KEY, &json)).await?;
        Ok(r)
    }

    /// Takes the next reserved number and queues the ticket, in one fsynced transaction.
    async fn issue_offline(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        let cache = self.cache().ok_or_else(|| {
            LinkError::Unreachable("the centre is unreachable and no service list is cached".into())
        })?;
        let svc = cache.services.iter().find(|s| s.code == req.service).ok_or(LinkError::UnknownService)?;
        let now = self.clock.now();
        match offline_view(svc, &cache, now).availability {
            Availability::Open => {}
            Availability::Closed { next_open } => return Err(LinkError::Closed { next_open }),
            Availability::CapReached { next_open } => return Err(LinkError::CapReached { next_open }),
        }
        let prefix = svc.prefix.chars().next().ok_or(LinkError::UnknownService)?;
        let day = service_day(now);
        let (lo, hi) = self.range;
        let mut api = req.to_api(&self.kiosk_id);
        api.issued_at = Some(now);
        api.tracking_code = Some(new_tracking_code());
        let service = req.service.clone();
        let ms = to_ms(now);
        let (api, len) = self
            .db(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // A retried tap that already has an offline number gets it again.
                if let Some(item) = outbox::by_key(&tx, &api.idempotency_key)? {
                    if item.kind == KIND_TICKET {
                        let len = outbox::len(&tx)?;
                        return Ok(Some((parse_ticket_item(&item)?, len)));
                    }
                }
                let Some(seq) = outbox::next_offline_seq(&tx, day, &service, lo, hi)? else {
                    return Ok(None);
                };
                api.offline_number = Some(TicketNumber::new(prefix, seq).to_string());
                let payload = serde_json::to_string(&api).expect("ticket request serialises");
                outbox::push(&tx, KIND_TICKET, &api.idempotency_key, &payload, ms)?;
                let len = outbox::len(&tx)?;
                tx.commit()?;
                Ok(Some((api, len)))
            })
            .await?
            .ok_or(LinkError::OfflineRangeExhausted)?;
        self.set_outbox_len(len);
        self.wake.notify_one();
        tracing::info!(number = ?api.offline_number, "offline ticket queued");
        self.offline_ticket_view(&api)
    }

    /// The ticket as the citizen sees it, from an offline request and the cached
    /// service figures (people ahead: waiting at the last refresh plus this
    /// kiosk's earlier offline tickets of the day for the service).
    fn offline_ticket_view(&self, api: &IssueTicketRequest) -> Result<IssuedTicket, LinkError> {
        let cache = self.cache();
        let svc = cache.as_ref().and_then(|c| c.services.iter().find(|s| s.code == api.service));
        let number = api.offline_number.clone().unwrap_or_default();
        let seq = TicketNumber::parse(&number).map(|n| n.seq).unwrap_or(self.range.0);
        let earlier_offline = seq.saturating_sub(self.range.0);
        let waiting = svc.map(|s| s.waiting).unwrap_or(0);
        let people_ahead = waiting + earlier_offline;
        let estimated_wait_minutes = match svc {
            Some(s) if s.waiting > 0 => (u64::from(s.estimated_wait_minutes) * u64::from(people_ahead))
                .div_ceil(u64::from(s.waiting)) as u32,
            Some(s) => queue_rules::estimate_wait_minutes(
                queue_rules::DEFAULT_SERVICE_SECS,
                people_ahead,
                s.counters.len() as u32,
            ),
            None => 0,
        };
        let issued_at = api.issued_at.unwrap_or_else(|| self.clock.now());
        let tracking_code = api.tracking_code.clone().unwrap_or_default();
        Ok(IssuedTicket {
            number,
            service: api.service.clone(),
            service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
            service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
            priority: api.priority,
            issued_at,
            service_day: service_day(issued_at),
            people_ahead,
            estimated_wait_minutes,
            tracking_url: match &cache {
                Some(c) if !c.tracking_base_url.is_empty() => {
                    format!("{}{}", c.tracking_base_url, tracking_code)
                }
                _ => format!("{}/t/{}", self.client.base_url(), tracking_code),
            },
            tracking_code,
            counters: svc.map(|s| s.counters.clone()).unwrap_or_default(),
            offline: true,
        })
    }

    /// One round of the sync task.
    async fn sync_step(&self, refresh_every: Duration) -> Step {
        let item = match self.db(|c| outbox::oldest(c)).await {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return Step::Failed;
            }
        };
        let Some(item) = item else {
            let stale = self
                .last_refresh
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none_or(|t| t.elapsed() >= refresh_every);
            if self.mode() == LinkMode::Offline || stale {
                return match self.refresh_services().await {
                    Ok(_) => Step::Idle,
                    Err(e) => {
                        if e.is_connectivity() {
                            self.set_offline(&e);
                        } else {
                            self.set_error(&e);
                        }
                        Step::Failed
                    }
                };
            }
            return Step::Idle;
        };
        let sent = match item.kind.as_str() {
            KIND_TICKET => match serde_json::from_str::<IssueTicketRequest>(&item.payload) {
                Ok(req) => self.client.issue_ticket(&req).await.map(|_| ()),
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            KIND_HEARTBEAT => match serde_json::from_str::<HeartbeatRequest>(&item.payload) {
                Ok(req) => self.client.heartbeat(&self.kiosk_id, &req).await.map(|_| ()),
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            KIND_RATING => match serde_json::from_str::<RatingRequest>(&item.payload) {
                Ok(req) => match self.client.rate(&req).await {
                    Ok(_) => Ok(()),
                    // Rated meanwhile (at another kiosk): there is nothing left to deliver.
                    Err(LinkError::Rejected { code, .. }) if code == "already_rated" => {
                        tracing::info!(key = %item.key, "queued rating dropped: the ticket was rated meanwhile");
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            other => Err(LinkError::Local(format!("unknown outbox kind `{other}`"))),
        };
        let id = item.id;
        match sent {
            Ok(()) => {
                self.set_online();
                match self
                    .db(move |c| {
                        outbox::remove(c, id)?;
                        outbox::len(c)
                    })
                    .await
                {
                    Ok(len) => {
                        self.set_outbox_len(len);
                        Step::Progress
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot update the outbox");
                        Step::Failed
                    }
                }
            }
            Err(e) if e.is_connectivity() || e == LinkError::Unauthorized => {
                if e.is_connectivity() {
                    self.set_offline(&e);
                } else {
                    self.set_error(&e);
                }
                let msg = e.to_string();
                let _ = self.db(move |c| outbox::record_failure(c, id, &msg)).await;
                Step::Failed
            }
            Err(e) => {
                // Refused for good (unknown service, malformed item): keep it for
                // diagnosis and let the rest of the queue through.
                tracing::error!(error = %e, key = %item.key, kind = %item.kind, "centre refused an outbox item; kept as dead");
                self.set_error(&e);
                let msg = e.to_string();
                match self
                    .db(move |c| {
                        outbox::bury(c, id, &msg)?;
                        outbox::len(c)
                    })
                    .await
                {
                    Ok(len) => {
                        self.set_outbox_len(len);
                        Step::Progress
                    }
                    Err(_) => Step::Failed,
                }
            }
        }
    }
}

/// The services of the kiosk's own configuration, as a centre would list them
/// with nothing known of its queue: used until the centre first answers (not
/// stored, so the centre's list always wins). `None` when none are configured.
pub fn configured_services(cfg: &Config, now: DateTime<Utc>) -> Option<ServicesResponse> {
    if cfg.queue.services.is_empty() {
        return None;
    }
    let services = cfg
        .queue
        .services
        .iter()
        .map(|s| ServiceInfo {
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
        })
        .collect();
    Some(ServicesResponse {
        services,
        always_open: cfg.queue.always_open,
        service_day: service_day(now),
        server_time: now,
        tracking_base_url: String::new(),
    })
}

/// Stores `services` as the centre's last answer in the kiosk database at
/// `db` (snapshots and tests of a kiosk that lost its centre mid-day).
pub fn remember_services(db: impl AsRef<Path>, services: &ServicesResponse) -> Result<(), LinkError> {
    let store = Store::open(db.as_ref()).map_err(local_err)?;
    let json = serde_json::to_string(services).expect("services serialise");
    meta::meta_set(store.conn(), SERVICES_CACHE_KEY, &json).map_err(local_err)
}

fn parse_ticket_item(item: &outbox::OutboxItem) -> Result<IssueTicketRequest, StoreError> {
    serde_json::from_str(&item.payload)
        .map_err(|e| StoreError::Corrupt(format!("outbox item {}: {e}", item.id)))
}

/// A cached service as seen offline: availability from its hours (the cap is
/// kept only when the cache already said so today).
fn offline_view(s: &ServiceInfo, cache: &ServicesResponse, now: DateTime<Utc>) -> ServiceInfo {
    let mut v = s.clone();
    let schedule = Schedule::new(&s.hours, &s.days);
    let cap_today =
        matches!(s.availability, Availability::CapReached { .. }) && cache.service_day == service_day(now);
    v.availability = if cap_today {
        s.availability
    } else if cache.always_open || schedule.is_open_at(now) {
        Availability::Open
    } else {
        Availability::Closed { next_open: schedule.next_opening(now, false) }
    };
    v
}

async fn sync_loop(weak: Weak<RemoteInner>, wake: Arc<Notify>, opts: LinkOptions) {
    let mut backoff = opts.retry_min;
    loop {
        let step = {
            let Some(inner) = weak.upgrade() else { return };
            inner.sync_step(opts.refresh_every).await
        };
        let wait = match step {
            Step::Progress => {
                backoff = opts.retry_min;
                continue;
            }
            Step::Idle => {
                backoff = opts.retry_min;
                opts.refresh_every
            }
            Step::Failed => {
                let w = backoff;
                backoff = (backoff * 2).min(opts.retry_max);
                w
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn info(avail: Availability) -> ServiceInfo {
        ServiceInfo {
            code: "HT".into(),
            name_vi: "Hộ tịch".into(),
            name_en: "Civil status".into(),
            prefix: "A".into(),
            counters: vec![1, 2],
            hours: vec!["07:30-11:30".into()],
            days: vec![1, 2, 3, 4, 5],
            daily_cap: 0,
            waiting: 0,
            issued_today: 0,
            estimated_wait_minutes: 0,
            availability: avail,
        }
    }

    #[test]
    fn offline_availability_follows_cached_hours() {
        // 2026-03-02 is a Monday; 09:00 local = 02:00 UTC.
        let open = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let evening = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let mut cache = ServicesResponse {
            services: vec![],
            always_open: false,
            service_day: service_day(open),
            server_time: open,
            tracking_base_url: String::new(),
        };
        assert_eq!(offline_view(&info(Availability::Open), &cache, open).availability, Availability::Open);
        assert!(matches!(
            offline_view(&info(Availability::Open), &cache, evening).availability,
            Availability::Closed { next_open: Some(_) }
        ));
        cache.always_open = true;
        assert_eq!(offline_view(&info(Availability::Open), &cache, evening).availability, Availability::Open);
        let capped = info(Availability::CapReached { next_open: None });
        assert_eq!(
            offline_view(&capped, &cache, open).availability,
            capped.availability,
            "cap reached today stays"
        );
    }
}
