//! The centre's queue engine: issues numbers, runs the counters, keeps the event
//! log, on the SQLite store.
//!
//! Concurrency and durability: every change goes through one writer thread that
//! owns the only write connection. It drains the jobs waiting for it, runs them
//! in ONE `BEGIN IMMEDIATE` transaction (each job inside its own savepoint, so a
//! failing job does not take the others down), commits once (one fsync for the
//! whole batch: group commit), and only then answers the callers and broadcasts
//! the events. So two counters calling at the same instant are serialised (they
//! can never get the same ticket), and nothing is acknowledged before it is on
//! disk. Reads use a small pool of separate connections (WAL snapshots) on the
//! blocking thread pool and never wait for the writer.

use crate::centre::api::*;
use crate::config::{Config, ServiceConfig};
use crate::domain::clock::{self, Clock};
use crate::domain::dossier::WorkCalendar;
use crate::domain::localtime::{day_start_utc, service_day};
use crate::domain::queue_rules::{self, Class, Schedule};
use crate::domain::ticket::TicketNumber;
use crate::store::queue::{self as q, CitizenRow, CounterRow, ServiceDay, TicketRow};
use crate::store::{self, from_ms, to_ms, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::Stream;
use rusqlite::Connection;
use std::any::Any;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::{broadcast, oneshot};

mod dossiers;
mod ratings;

pub use self::dossiers::{record_view, sample_records, validate_records};
pub use self::ratings::{summary_csv, RateOutcome};

/// Most jobs committed together in one transaction.
const MAX_BATCH: usize = 512;
/// Events kept in the log for resuming clients; older ones are pruned at rollover.
pub const EVENT_RETENTION_DAYS: i64 = 7;
/// Events replayed per database read when a client resumes.
const REPLAY_PAGE: usize = 1000;
/// Live events buffered per subscriber before it must catch up from the database.
const BROADCAST_CAPACITY: usize = 1024;
/// Idle read connections kept open.
const READER_POOL: usize = 8;
/// Recent calls in the state snapshot.
const RECENT_CALLS: usize = 20;
/// A kiosk whose last heartbeat is older than this is shown offline.
const KIOSK_ONLINE_SECS: i64 = 90;

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
    #[error("the import file has {} problem(s): {}", .0.len(), .0.join("; "))]
    InvalidImport(Vec<String>),
    #[error("the centre's database failed: {0}")]
    Store(String),
    #[error("the centre is shutting down")]
    Unavailable,
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
            CentreError::IdempotencyConflict => "idempotency_conflict",
            CentreError::BadRequest(_) => "bad_request",
            CentreError::MalformedDossierCode(_) => "malformed_code",
            CentreError::DossierNotFound(_) => "dossier_not_found",
            CentreError::AlreadyRated => "already_rated",
            CentreError::TicketNotServed => "ticket_not_served",
            CentreError::AnonymousNotAllowed => "anonymous_not_allowed",
            CentreError::AmbiguousTicket => "ambiguous_ticket",
            CentreError::InvalidImport(_) => "invalid_import",
            CentreError::Store(_) => "store_error",
            CentreError::Unavailable => "unavailable",
        }
    }

    /// The HTTP status of the error response.
    pub fn status(&self) -> u16 {
        match self {
            CentreError::UnknownService(_)
            | CentreError::BadRequest(_)
            | CentreError::MalformedDossierCode(_)
            | CentreError::InvalidImport(_) => 400,
            CentreError::AnonymousNotAllowed => 403,
            CentreError::UnknownCounter(_)
            | CentreError::TicketNotFound
            | CentreError::DossierNotFound(_) => 404,
            CentreError::Closed { .. }
            | CentreError::CapReached { .. }
            | CentreError::CounterPaused(_)
            | CentreError::NoCurrentTicket(_)
            | CentreError::IdempotencyConflict
            | CentreError::AlreadyRated
            | CentreError::TicketNotServed
            | CentreError::AmbiguousTicket => 409,
            CentreError::Store(_) => 500,
            CentreError::Unavailable => 503,
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
        CentreError::Store(e.to_string())
    }
}

impl From<rusqlite::Error> for CentreError {
    fn from(e: rusqlite::Error) -> Self {
        CentreError::Store(e.to_string())
    }
}

/// Counters of the writer (group commit at work), for benchmarks and diagnostics.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed (one fsync each).
    pub batches: AtomicU64,
    /// Jobs (writes requested by callers) run in them.
    pub jobs: AtomicU64,
}

impl WriterStats {
    /// `(batches, jobs)`.
    pub fn get(&self) -> (u64, u64) {
        (self.batches.load(Ordering::Relaxed), self.jobs.load(Ordering::Relaxed))
    }
}

/// A ticket and whether this request created it (`false`: idempotent replay).
#[derive(Debug, Clone, PartialEq)]
pub struct IssueOutcome {
    pub ticket: IssuedTicket,
    pub created: bool,
}

/// What the centre knows from its config (fixed while it runs).
#[derive(Debug)]
struct Setup {
    services: Vec<ServiceConfig>,
    schedules: HashMap<String, Schedule>,
    /// Counter number -> codes of the services it serves (config order).
    counters: BTreeMap<u32, Vec<String>>,
    priority_groups: Vec<PriorityGroup>,
    priority_streak: u32,
    max_recalls: u32,
    always_open: bool,
    /// The centre's own numbers skip this range (kiosks print offline numbers from it).
    offline_range: (u32, u32),
    tracking_base_url: String,
    /// Working days for dossier deadlines.
    calendar: WorkCalendar,
    /// Counter number -> officer name.
    officers: BTreeMap<u32, String>,
    allow_anonymous: bool,
    sample_dossiers: bool,
}

impl Setup {
    fn new(cfg: &Config) -> Setup {
        let mut counters: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for s in &cfg.queue.services {
            for c in &s.counters {
                let list = counters.entry(*c).or_default();
                if !list.contains(&s.code) {
                    list.push(s.code.clone());
                }
            }
        }
        Setup {
            services: cfg.queue.services.clone(),
            schedules: cfg.queue.services.iter().map(|s| (s.code.clone(), Schedule::of(s))).collect(),
            counters,
            priority_groups: cfg
                .queue
                .priority_groups
                .iter()
                .filter_map(|g| PriorityGroup::from_key(g))
                .collect(),
            priority_streak: cfg.queue.priority_streak.max(1),
            max_recalls: cfg.queue.max_recalls,
            always_open: cfg.queue.always_open,
            offline_range: (cfg.offline.range_start, cfg.offline.range_end),
            tracking_base_url: cfg.centre.tracking_base_url.clone(),
            calendar: WorkCalendar::from_strings(&cfg.dossier.holidays),
            officers: cfg
                .queue
                .counter_officers
                .iter()
                .map(|o| (o.counter, o.name.trim().to_string()))
                .collect(),
            allow_anonymous: cfg.rating.allow_anonymous,
            sample_dossiers: cfg.dossier.sample_data,
        }
    }

    fn service(&self, code: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.code == code)
    }

    fn tracking_url(&self, code: &str) -> String {
        format!("{}{}", self.tracking_base_url, code)
    }
}

type AnyBox = Box<dyn Any + Send>;
type JobFn = Box<dyn FnOnce(&mut Writer, DateTime<Utc>) -> Result<AnyBox, CentreError> + Send>;

struct Job {
    run: JobFn,
    reply: oneshot::Sender<Result<AnyBox, CentreError>>,
}

/// Handle to a running centre. Cheap to clone; the centre stops (its writer
/// thread ends and the database closes) when the last handle is dropped.
#[derive(Clone)]
pub struct Centre {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Centre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Centre").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

struct Inner {
    setup: Arc<Setup>,
    clock: Arc<dyn Clock>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Store>>>,
    events: broadcast::Sender<Arc<CentreEvent>>,
    path: PathBuf,
    stats: Arc<WriterStats>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel ends the writer after its current batch; wait for
        // it so the database is closed when the last handle is gone.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
    }
}

impl Centre {
    /// Opens the built-in centre on `centre.sqlite3` in the config's data directory.
    pub fn open(cfg: &Config) -> Result<Centre, CentreError> {
        Self::open_at(store::centre_db_path(cfg), cfg, clock::system())
    }

    /// Opens a centre on a given database file with a given clock (tests mock midnight).
    pub fn open_at(
        path: impl AsRef<Path>,
        cfg: &Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Centre, CentreError> {
        let path = path.as_ref().to_path_buf();
        let mut store = Store::open(&path)?;
        let setup = Arc::new(Setup::new(cfg));
        dossiers::prepare_samples(store.conn_mut(), &setup, clock.now())?;
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let current_day = q::meta_get(store.conn(), "current_day")?.and_then(|d| d.parse::<NaiveDate>().ok());
        let (tx, rx) = mpsc::channel::<Job>();
        let stats = Arc::new(WriterStats::default());
        let writer = Writer {
            stats: stats.clone(),
            conn: store,
            setup: setup.clone(),
            clock: clock.clone(),
            current_day,
            pending: Vec::new(),
            events: events.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("centre-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| CentreError::Store(format!("cannot start the writer thread: {e}")))?;
        Ok(Centre {
            inner: Arc::new(Inner {
                setup,
                clock,
                jobs: Mutex::new(Some(tx)),
                writer: Mutex::new(Some(handle)),
                readers: Arc::new(Mutex::new(Vec::new())),
                events,
                path,
                stats,
            }),
        })
    }

    /// Group-commit counters of the writer.
    pub fn writer_stats(&self) -> (u64, u64) {
        self.inner.stats.get()
    }

    pub fn db_path(&self) -> &Path {
        &self.inner.path
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Whether any queue service is configured (a kiosk without one cannot issue).
    pub fn has_services(&self) -> bool {
        !self.inner.setup.services.is_empty()
    }

    /// The URL a ticket's QR encodes.
    pub fn tracking_url(&self, code: &str) -> String {
        self.inner.setup.tracking_url(code)
    }

    /// Runs `f` in the writer's next batch and returns its result once committed.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer, DateTime<Utc>) -> Result<T, CentreError> + Send + 'static,
    ) -> Result<T, CentreError> {
        let (tx, rx) = oneshot::channel();
        let job = Job { run: Box::new(move |w, now| f(w, now).map(|t| Box::new(t) as AnyBox)), reply: tx };
        {
            let guard = self.inner.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sender = guard.as_ref().ok_or(CentreError::Unavailable)?;
            sender.send(job).map_err(|_| CentreError::Unavailable)?;
        }
        let result = rx.await.map_err(|_| CentreError::Unavailable)?;
        result.map(|b| *b.downcast::<T>().expect("the writer returns the job's own type"))
    }

    /// Runs `f` on a read connection (a WAL snapshot) on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Setup, NaiveDate, DateTime<Utc>) -> Result<T, CentreError> + Send + 'static,
    ) -> Result<T, CentreError> {
        let readers = self.inner.readers.clone();
        let path = self.inner.path.clone();
        let setup = self.inner.setup.clone();
        let now = self.inner.clock.now();
        tokio::task::spawn_blocking(move || {
            let taken = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let store = match taken {
                Some(s) => s,
                None => Store::open(&path)?,
            };
            let r = f(store.conn(), &setup, service_day(now), now);
            let mut pool = readers.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < READER_POOL {
                pool.push(store);
            }
            r
        })
        .await
        .map_err(|e| CentreError::Store(format!("read task failed: {e}")))?
    }

    /// Services with live figures (waiting, issued today, availability, forecast).
    pub async fn services(&self) -> Result<ServicesResponse, CentreError> {
        self.read(|c, setup, today, now| {
            let services = setup
                .services
                .iter()
                .map(|s| service_info(c, setup, s, today, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ServicesResponse {
                services,
                always_open: setup.always_open,
                service_day: today,
                server_time: now,
                tracking_base_url: setup.tracking_base_url.clone(),
            })
        })
        .await
    }

    pub async fn health(&self) -> Health {
        let now = self.now();
        Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            server_time: now,
            service_day: service_day(now),
        }
    }

    /// Issues a ticket (idempotent on `idempotency_key`).
    pub async fn issue(&self, req: IssueTicketRequest) -> Result<IssueOutcome, CentreError> {
        self.write(move |w, now| w.issue(now, req)).await
    }

    /// The public view of a ticket.
    pub async fn ticket(&self, tracking_code: &str) -> Result<TicketView, CentreError> {
        if !is_tracking_code(tracking_code) {
            return Err(CentreError::TicketNotFound);
        }
        let code = tracking_code.to_string();
        self.read(move |c, setup, today, _| {
            let row = q::ticket_by_tracking(c, &code)?.ok_or(CentreError::TicketNotFound)?;
            ticket_view(c, setup, today, &row)
        })
        .await
    }

    pub async fn counter_action(
        &self,
        counter: u32,
        cmd: CounterCommand,
    ) -> Result<CounterActionResponse, CentreError> {
        self.write(move |w, now| w.counter_action(now, counter, cmd)).await
    }

    pub async fn call_next(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::CallNext).await
    }

    pub async fn recall(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Recall).await
    }

    pub async fn no_show(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::NoShow).await
    }

    pub async fn complete(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Complete).await
    }

    pub async fn pause(&self, counter: u32, reason: &str) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Pause { reason: reason.to_string() }).await
    }

    pub async fn resume(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Resume).await
    }

    pub async fn counters(&self) -> Result<CountersResponse, CentreError> {
        self.read(|c, setup, today, _| {
            let counters = setup
                .counters
                .keys()
                .map(|n| counter_view(c, setup, today, *n))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CountersResponse { counters })
        })
        .await
    }

    /// A consistent snapshot for displays; resume events from its `last_event_id`.
    pub async fn state(&self) -> Result<StateSnapshot, CentreError> {
        self.read(|c, setup, today, now| {
            let tx = c.unchecked_transaction()?;
            let (_, last) = q::event_id_range(&tx)?;
            let counters = setup
                .counters
                .keys()
                .map(|n| counter_view(&tx, setup, today, *n))
                .collect::<Result<Vec<_>, _>>()?;
            let recent_calls = q::recent_calls(&tx, today, RECENT_CALLS)?
                .into_iter()
                .filter_map(|t| {
                    Some(RecentCall {
                        counter: t.counter?,
                        called_at: from_ms(t.last_called_at?),
                        number: t.number,
                        service: t.service,
                        calls: t.calls,
                        status: t.status,
                    })
                })
                .collect();
            let waiting = setup
                .services
                .iter()
                .map(|s| {
                    let sd = q::service_day(&tx, today, &s.code)?;
                    Ok(ServiceWaiting {
                        service: s.code.clone(),
                        waiting: sd.waiting(),
                        waiting_priority: sd.waiting_priority,
                        issued_today: sd.issued,
                    })
                })
                .collect::<Result<Vec<_>, CentreError>>()?;
            tx.commit()?;
            Ok(StateSnapshot {
                last_event_id: last as u64,
                service_day: today,
                server_time: now,
                counters,
                recent_calls,
                waiting,
            })
        })
        .await
    }

    pub async fn heartbeat(
        &self,
        kiosk_id: &str,
        req: HeartbeatRequest,
    ) -> Result<HeartbeatAck, CentreError> {
        validate_kiosk_id(kiosk_id)?;
        let id = kiosk_id.to_string();
        self.write(move |w, now| w.heartbeat(now, id, req)).await
    }

    pub async fn kiosks(&self) -> Result<KiosksResponse, CentreError> {
        self.read(|c, _, _, now| {
            let kiosks = q::list_kiosks(c)?
                .into_iter()
                .map(|k| KioskView {
                    online: now.timestamp_millis() - k.last_seen < KIOSK_ONLINE_SECS * 1000,
                    last_seen: from_ms(k.last_seen),
                    reported_at: k.reported_at.map(from_ms),
                    kiosk_id: k.kiosk_id,
                    printer_status: k.printer_status,
                    scanner_connected: k.scanner_connected,
                    outbox_len: k.outbox_len,
                    app_version: k.app_version,
                })
                .collect();
            Ok(KiosksResponse { kiosks })
        })
        .await
    }

    /// Applies the day rollover if local midnight has passed (every write does
    /// this too; the server calls it at midnight so displays hear about the new
    /// day without waiting for the first ticket).
    pub async fn tick(&self) -> Result<(), CentreError> {
        self.write(|_, _| Ok(())).await
    }

    /// Time until the next local midnight, by the centre's clock.
    pub fn until_midnight(&self) -> std::time::Duration {
        let now = self.now();
        let next = day_start_utc(service_day(now) + Duration::days(1));
        (next - now).to_std().unwrap_or_default()
    }

    /// Stored events with id above `after`, oldest first.
    pub async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<CentreEvent>, CentreError> {
        self.read(move |c, _, _, _| load_events(c, after, limit)).await
    }

    /// `(oldest kept id, last id)` of the event log.
    pub async fn event_range(&self) -> Result<(Option<u64>, u64), CentreError> {
        self.read(|c, _, _, _| {
            let (min, max) = q::event_id_range(c)?;
            Ok((min.map(|m| m as u64), max as u64))
        })
        .await
    }

    /// Live events only (no replay); see [`Centre::feed`] for a gap-free stream.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CentreEvent>> {
        self.inner.events.subscribe()
    }

    /// A gap-free event stream: with `last_event_id`, first every stored event
    /// after it, then live events; without, live events from now. Never skips
    /// an id: a subscriber that falls behind catches up from the database. If
    /// the log no longer holds what the client missed, a `Resync` comes first.
    pub fn feed(&self, last_event_id: Option<u64>) -> impl Stream<Item = FeedItem> + Send + 'static {
        let st = FeedState {
            centre: self.clone(),
            rx: self.subscribe(),
            last: 0,
            start: Some(last_event_id),
            backlog: VecDeque::new(),
            more_in_db: false,
        };
        futures_util::stream::unfold(st, |mut st| async move {
            let item = st.next().await?;
            Some((item, st))
        })
    }

    /// Checks that the mirrored waiting counts equal the tickets (tests, diagnostics).
    pub async fn verify_waiting_counts(&self) -> Result<(), CentreError> {
        self.read(|c, setup, today, _| {
            for s in &setup.services {
                let sd = q::service_day(c, today, &s.code)?;
                let (n, p) =
                    (q::count_waiting(c, today, &s.code, false)?, q::count_waiting(c, today, &s.code, true)?);
                if (sd.waiting_normal, sd.waiting_priority) != (n, p) {
                    return Err(CentreError::Store(format!(
                        "service {}: stored waiting {}/{} but tickets say {n}/{p}",
                        s.code, sd.waiting_normal, sd.waiting_priority
                    )));
                }
            }
            Ok(())
        })
        .await
    }
}

struct FeedState {
    centre: Centre,
    rx: broadcast::Receiver<Arc<CentreEvent>>,
    /// Id of the last event handed out.
    last: u64,
    /// `Some(resume point)` until the stream has started.
    start: Option<Option<u64>>,
    backlog: VecDeque<FeedItem>,
    more_in_db: bool,
}

impl FeedState {
    async fn fill_from_db(&mut self) -> Option<()> {
        match self.centre.events_after(self.last, REPLAY_PAGE).await {
            Ok(evs) => {
                self.more_in_db = evs.len() == REPLAY_PAGE;
                self.backlog.extend(evs.into_iter().map(|e| FeedItem::Event(Arc::new(e))));
                Some(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed; closing the stream");
                None
            }
        }
    }

    async fn next(&mut self) -> Option<FeedItem> {
        if let Some(start) = self.start.take() {
            let (min, max) = self.centre.event_range().await.ok()?;
            match start {
                None => self.last = max,
                Some(id) => {
                    let pruned = match min {
                        Some(m) => id + 1 < m,
                        None => id < max,
                    };
                    if id > max || pruned {
                        self.last = max;
                        self.backlog.push_back(FeedItem::Resync(ResyncData { last_event_id: max }));
                    } else {
                        self.last = id;
                        self.fill_from_db().await?;
                    }
                }
            }
        }
        loop {
            if let Some(item) = self.backlog.pop_front() {
                if let FeedItem::Event(ev) = &item {
                    if ev.id <= self.last {
                        continue;
                    }
                    self.last = ev.id;
                }
                return Some(item);
            }
            if self.more_in_db {
                self.fill_from_db().await?;
                continue;
            }
            match self.rx.recv().await {
                Ok(ev) if ev.id <= self.last => continue,
                Ok(ev) if ev.id == self.last + 1 => {
                    self.last = ev.id;
                    return Some(FeedItem::Event(ev));
                }
                Ok(ev) => {
                    // A gap: events committed before we subscribed, or missed. The
                    // database has them (it is written before the broadcast).
                    self.fill_from_db().await?;
                    if self.backlog.is_empty() {
                        self.last = ev.id;
                        return Some(FeedItem::Event(ev));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.fill_from_db().await?;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn load_events(c: &Connection, after: u64, limit: usize) -> Result<Vec<CentreEvent>, CentreError> {
    let rows = q::events_after(c, after as i64, limit)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match EventBody::from_parts(&r.kind, &r.data) {
            Ok(body) => out.push(CentreEvent { id: r.id as u64, at: from_ms(r.at), body }),
            Err(e) => {
                tracing::warn!(id = r.id, kind = %r.kind, error = %e, "skipping an unreadable stored event")
            }
        }
    }
    Ok(out)
}

/// The writer: owns the write connection; see the module comment.
struct Writer {
    conn: Store,
    setup: Arc<Setup>,
    clock: Arc<dyn Clock>,
    current_day: Option<NaiveDate>,
    pending: Vec<CentreEvent>,
    events: broadcast::Sender<Arc<CentreEvent>>,
    stats: Arc<WriterStats>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            self.run_batch(batch);
        }
    }

    fn c(&self) -> &Connection {
        self.conn.conn()
    }

    fn run_batch(&mut self, batch: Vec<Job>) {
        let now = self.clock.now();
        if let Err(e) = self.c().execute_batch("BEGIN IMMEDIATE") {
            let err = CentreError::from(e);
            for job in batch {
                let _ = job.reply.send(Err(err.clone()));
            }
            return;
        }
        let day_before = self.current_day;
        if let Err(e) = self.check_rollover(now) {
            tracing::error!(error = %e, "day rollover failed");
            let _ = self.c().execute_batch("ROLLBACK");
            self.pending.clear();
            self.current_day = day_before;
            for job in batch {
                let _ = job.reply.send(Err(e.clone()));
            }
            return;
        }
        let mut results = Vec::with_capacity(batch.len());
        for job in batch {
            let mark = self.pending.len();
            let r = match self.c().execute_batch("SAVEPOINT job") {
                Err(e) => Err(CentreError::from(e)),
                Ok(()) => {
                    // A bug in one job must not take the writer (and the centre) down.
                    let run = job.run;
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(self, now)))
                        .unwrap_or_else(|_| {
                            tracing::error!("a write job panicked; its changes are rolled back");
                            Err(CentreError::Store("internal error (see the centre log)".into()))
                        });
                    let end = if r.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
                    match self.c().execute_batch(end) {
                        Ok(()) => r,
                        Err(e) => Err(CentreError::from(e)),
                    }
                }
            };
            if r.is_err() {
                self.pending.truncate(mark);
            }
            results.push((r, job.reply));
        }
        match self.c().execute_batch("COMMIT") {
            Ok(()) => {
                self.stats.batches.fetch_add(1, Ordering::Relaxed);
                self.stats.jobs.fetch_add(results.len() as u64, Ordering::Relaxed);
                for ev in self.pending.drain(..) {
                    // No subscriber is fine: the event is in the log.
                    let _ = self.events.send(Arc::new(ev));
                }
                for (r, reply) in results {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed; the batch is rolled back");
                let _ = self.c().execute_batch("ROLLBACK");
                self.pending.clear();
                self.current_day = day_before;
                let err = CentreError::from(e);
                for (_, reply) in results {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }

    fn emit(&mut self, at: DateTime<Utc>, body: EventBody) -> Result<u64, CentreError> {
        let id = q::insert_event(self.c(), body.kind(), to_ms(at), &body.data_json())? as u64;
        self.pending.push(CentreEvent { id, at, body });
        Ok(id)
    }

    fn today(&self) -> NaiveDate {
        self.current_day.expect("set by check_rollover at the start of every batch")
    }

    /// Starts a new service day when local midnight has passed: earlier days'
    /// open tickets expire (rows kept), their personal data is purged, counters
    /// start idle, old events are pruned, and `day_rollover` is announced.
    fn check_rollover(&mut self, now: DateTime<Utc>) -> Result<(), CentreError> {
        let day = service_day(now);
        let previous = self.current_day;
        if previous.is_some_and(|p| day <= p) {
            return Ok(());
        }
        let at = to_ms(now);
        let expired = q::expire_before(self.c(), day, at)?;
        q::purge_citizen_before(self.c(), day)?;
        q::reset_counters_for_new_day(self.c(), at)?;
        q::prune_events(self.c(), to_ms(now - Duration::days(EVENT_RETENTION_DAYS)))?;
        q::meta_set(self.c(), "current_day", &day.to_string())?;
        self.current_day = Some(day);
        if previous.is_some() {
            tracing::info!(%day, expired, "new service day");
            self.emit(
                now,
                EventBody::DayRollover(DayRolloverData {
                    day,
                    previous_day: previous,
                    expired: expired as u32,
                }),
            )?;
        }
        Ok(())
    }

    fn issue(&mut self, now: DateTime<Utc>, req: IssueTicketRequest) -> Result<IssueOutcome, CentreError> {
        let setup = self.setup.clone();
        let today = self.today();
        validate_issue(&setup, &req, today)?;
        let svc =
            setup.service(&req.service).ok_or_else(|| CentreError::UnknownService(req.service.clone()))?;
        if let Some(existing) = q::ticket_by_key(self.c(), &req.idempotency_key)? {
            if existing.service != req.service {
                return Err(CentreError::IdempotencyConflict);
            }
            let row = self.adopt_offline_number(existing, &req)?;
            let ticket = issued_view(self.c(), &setup, today, &row, None)?;
            return Ok(IssueOutcome { ticket, created: false });
        }
        let prefix = svc.prefix.chars().next().unwrap_or('X');
        let at = to_ms(now);
        let (day, seq, issued_at, offline) = match &req.offline_number {
            Some(printed) => {
                let n = parse_offline_number(printed, prefix)?;
                let issued_at = req.issued_at.map(|t| t.min(now)).unwrap_or(now);
                (service_day(issued_at).min(today), n.seq, issued_at, true)
            }
            None => {
                let sd = q::service_day(self.c(), today, &svc.code)?;
                match queue_rules::availability(
                    now,
                    &setup.schedules[&svc.code],
                    svc.daily_cap,
                    sd.issued,
                    setup.always_open,
                ) {
                    Availability::Open => {}
                    Availability::Closed { next_open } => return Err(CentreError::Closed { next_open }),
                    Availability::CapReached { next_open } => {
                        return Err(CentreError::CapReached { next_open })
                    }
                }
                (today, self.allocate_seq(today, &svc.code, sd.next_seq)?, now, false)
            }
        };
        let status = if day < today { TicketStatus::Expired } else { TicketStatus::Waiting };
        let number = TicketNumber::new(prefix, seq).to_string();
        let tracking = match &req.tracking_code {
            Some(code) if !q::tracking_code_taken(self.c(), code)? => code.clone(),
            _ => self.fresh_tracking_code()?,
        };
        let citizen = req.citizen.as_ref().map(|c| CitizenRow {
            id_number: c.id_number.clone(),
            full_name: c.full_name.trim().to_string(),
            birth_date: c.birth_date.to_string(),
        });
        let mut sd = q::service_day(self.c(), day, &svc.code)?;
        let prio = req.priority.is_some();
        let (same_before, other) = if prio {
            (sd.waiting_priority, sd.waiting_normal)
        } else {
            (sd.waiting_normal, sd.waiting_priority)
        };
        let id = q::insert_ticket(
            self.c(),
            &q::NewTicket {
                day,
                service: &svc.code,
                seq,
                number: &number,
                priority_group: req.priority.map(|p| p.key()),
                status,
                issued_at: to_ms(issued_at),
                received_at: at,
                offline,
                kiosk_id: &req.kiosk_id,
                idempotency_key: &req.idempotency_key,
                tracking_code: &tracking,
                citizen: citizen.as_ref(),
            },
        )?;
        sd.issued += 1;
        if !offline {
            sd.next_seq = seq + 1;
        }
        if status == TicketStatus::Waiting {
            sd.add_waiting(prio, 1);
        }
        q::save_service_day(self.c(), day, &svc.code, &sd)?;
        let row = q::ticket_by_id(self.c(), id)?
            .ok_or_else(|| CentreError::Store("inserted ticket vanished".into()))?;
        // A live ticket is the newest: everyone waiting in its class is ahead.
        let ahead = (!offline && status == TicketStatus::Waiting)
            .then(|| queue_rules::people_ahead(prio, same_before, other, setup.priority_streak));
        let ticket = issued_view(self.c(), &setup, today, &row, ahead)?;
        self.emit(
            now,
            EventBody::TicketIssued(TicketIssuedData {
                number: row.number.clone(),
                service: row.service.clone(),
                priority: prio,
                issued_at,
                offline,
                waiting: sd.waiting(),
            }),
        )?;
        Ok(IssueOutcome { ticket, created: true })
    }

    /// The next free number of the centre's own sequence: skips the offline range
    /// and numbers already taken (offline tickets synced earlier).
    fn allocate_seq(&self, day: NaiveDate, service: &str, from: u32) -> Result<u32, CentreError> {
        let (lo, hi) = self.setup.offline_range;
        let mut seq = from.max(1);
        loop {
            if (lo..=hi).contains(&seq) {
                seq = hi + 1;
                continue;
            }
            if q::seq_taken(self.c(), day, service, seq)? {
                seq += 1;
                continue;
            }
            return Ok(seq);
        }
    }

    fn fresh_tracking_code(&self) -> Result<String, CentreError> {
        loop {
            let code = new_tracking_code();
            if !q::tracking_code_taken(self.c(), &code)? {
                return Ok(code);
            }
        }
    }

    /// A replay carrying an offline number for a ticket the centre stored under
    /// another number: the kiosk never saw the centre's answer and printed the
    /// offline number, so the citizen holds that one. While the ticket still
    /// waits, it takes the printed number and tracking code (one ticket, not
    /// two). Once called it is left alone.
    fn adopt_offline_number(
        &mut self,
        row: TicketRow,
        req: &IssueTicketRequest,
    ) -> Result<TicketRow, CentreError> {
        let Some(printed) = &req.offline_number else { return Ok(row) };
        if &row.number == printed && row.offline {
            return Ok(row);
        }
        if row.status != TicketStatus::Waiting {
            tracing::warn!(ticket = %row.number, printed = %printed, "offline replay for a ticket already called; kept as is");
            return Ok(row);
        }
        let prefix = row.number.chars().next().unwrap_or('X');
        let n = parse_offline_number(printed, prefix)?;
        let issued_at = req.issued_at.map(to_ms).unwrap_or(row.issued_at).min(row.issued_at);
        q::renumber(self.c(), row.id, n.seq, &n.to_string(), issued_at)?;
        if let Some(code) = &req.tracking_code {
            if !q::tracking_code_taken(self.c(), code)? {
                self.c().execute(
                    "UPDATE tickets SET tracking_code = ?2 WHERE id = ?1",
                    rusqlite::params![row.id, code],
                )?;
            }
        }
        tracing::info!(from = %row.number, to = %n, "ticket renumbered to its printed offline number");
        q::ticket_by_id(self.c(), row.id)?
            .ok_or_else(|| CentreError::Store("renumbered ticket vanished".into()))
    }

    fn counter_action(
        &mut self,
        now: DateTime<Utc>,
        n: u32,
        cmd: CounterCommand,
    ) -> Result<CounterActionResponse, CentreError> {
        let setup = self.setup.clone();
        let services = setup.counters.get(&n).ok_or(CentreError::UnknownCounter(n))?.clone();
        let today = self.today();
        let at = to_ms(now);
        let mut row = q::counter(self.c(), n)?;
        let current = match row.current_ticket {
            Some(id) => q::ticket_by_id(self.c(), id)?.filter(|t| t.status == TicketStatus::Called),
            None => None,
        };
        let (outcome, ticket_id) = match cmd {
            CounterCommand::CallNext => {
                if row.paused {
                    return Err(CentreError::CounterPaused(n));
                }
                if let Some(t) = &current {
                    self.finish(now, n, t, TicketStatus::Served)?;
                }
                match self.pick_next(today, &services, row.priority_streak)? {
                    None => {
                        row.current_ticket = None;
                        (CounterOutcome::QueueEmpty, None)
                    }
                    Some((t, class)) => {
                        q::mark_called(self.c(), t.id, n, at)?;
                        let mut sd = q::service_day(self.c(), t.day, &t.service)?;
                        sd.add_waiting(t.prio, -1);
                        q::save_service_day(self.c(), t.day, &t.service, &sd)?;
                        row.current_ticket = Some(t.id);
                        row.priority_streak = queue_rules::next_streak(row.priority_streak, class);
                        self.emit(
                            now,
                            EventBody::TicketCalled(TicketCallData {
                                number: t.number.clone(),
                                service: t.service.clone(),
                                counter: n,
                                calls: 1,
                                called_at: now,
                            }),
                        )?;
                        (CounterOutcome::Called, Some(t.id))
                    }
                }
            }
            CounterCommand::Recall => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                if setup.max_recalls > 0 && t.calls >= setup.max_recalls {
                    self.finish(now, n, &t, TicketStatus::NoShow)?;
                    row.current_ticket = None;
                    (CounterOutcome::NoShow, Some(t.id))
                } else {
                    q::mark_recalled(self.c(), t.id, at)?;
                    self.emit(
                        now,
                        EventBody::TicketRecalled(TicketCallData {
                            number: t.number.clone(),
                            service: t.service.clone(),
                            counter: n,
                            calls: t.calls + 1,
                            called_at: now,
                        }),
                    )?;
                    (CounterOutcome::Recalled, Some(t.id))
                }
            }
            CounterCommand::NoShow | CounterCommand::Complete => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                let (status, outcome) = if cmd == CounterCommand::NoShow {
                    (TicketStatus::NoShow, CounterOutcome::NoShow)
                } else {
                    (TicketStatus::Served, CounterOutcome::Completed)
                };
                self.finish(now, n, &t, status)?;
                row.current_ticket = None;
                (outcome, Some(t.id))
            }
            CounterCommand::Pause { reason } => {
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > 200 {
                    return Err(CentreError::BadRequest("a pause needs a reason of 1-200 characters".into()));
                }
                row.paused = true;
                row.pause_reason = Some(reason.to_string());
                (CounterOutcome::Paused, None)
            }
            CounterCommand::Resume => {
                row.paused = false;
                row.pause_reason = None;
                (CounterOutcome::Resumed, None)
            }
        };
        row.number = n;
        row.updated_at = at;
        q::save_counter(self.c(), &row)?;
        let view = counter_view(self.c(), &setup, today, n)?;
        self.emit(now, EventBody::CounterState(view.clone()))?;
        let ticket = match ticket_id {
            Some(id) => q::ticket_by_id(self.c(), id)?.map(|t| counter_ticket(&setup, &t)),
            None => None,
        };
        let message_vi = counter_message(n, outcome, ticket.as_ref(), view.pause_reason.as_deref());
        Ok(CounterActionResponse { outcome, counter: view, ticket, message_vi })
    }

    /// Ends the ticket at a counter as served or no-show and announces it.
    fn finish(
        &mut self,
        now: DateTime<Utc>,
        counter: u32,
        t: &TicketRow,
        status: TicketStatus,
    ) -> Result<(), CentreError> {
        q::finish_ticket(self.c(), t.id, status, to_ms(now))?;
        let data = TicketDoneData { number: t.number.clone(), service: t.service.clone(), counter };
        let body = if status == TicketStatus::NoShow {
            EventBody::TicketNoShow(data)
        } else {
            EventBody::TicketCompleted(data)
        };
        self.emit(now, body)?;
        Ok(())
    }

    /// The ticket a counter calls next: the oldest of the class chosen by the
    /// fair interleaving rule, across the services the counter serves.
    fn pick_next(
        &self,
        today: NaiveDate,
        services: &[String],
        streak: u32,
    ) -> Result<Option<(TicketRow, Class)>, CentreError> {
        let oldest = |prio: bool| -> Result<Option<i64>, CentreError> {
            let mut best: Option<(i64, i64)> = None;
            for s in services {
                if let Some((id, issued)) = q::oldest_waiting(self.c(), today, s, prio)? {
                    if best.is_none_or(|(bid, bissued)| (issued, id) < (bissued, bid)) {
                        best = Some((id, issued));
                    }
                }
            }
            Ok(best.map(|(id, _)| id))
        };
        let (p, n) = (oldest(true)?, oldest(false)?);
        let Some(class) =
            queue_rules::pick_class(p.is_some(), n.is_some(), streak, self.setup.priority_streak)
        else {
            return Ok(None);
        };
        let id = match class {
            Class::Priority => p,
            Class::Normal => n,
        }
        .expect("pick_class only picks a class that has a ticket");
        let row = q::ticket_by_id(self.c(), id)?
            .ok_or_else(|| CentreError::Store("picked ticket vanished".into()))?;
        Ok(Some((row, class)))
    }

    fn heartbeat(
        &mut self,
        now: DateTime<Utc>,
        kiosk_id: String,
        req: HeartbeatRequest,
    ) -> Result<HeartbeatAck, CentreError> {
        if req.printer_status.chars().count() > 64 || req.app_version.chars().count() > 64 {
            return Err(CentreError::BadRequest(
                "printer_status and app_version are at most 64 characters".into(),
            ));
        }
        if req.alerts.len() > 16 || req.alerts.iter().any(|a| a.chars().count() > 64) {
            return Err(CentreError::BadRequest("at most 16 alerts of at most 64 characters".into()));
        }
        if !req.alerts.is_empty() {
            // The technician's signal (e.g. a kiosk that cannot issue numbers).
            tracing::warn!(kiosk = %kiosk_id, alerts = ?req.alerts, "kiosk reports alerts");
        }
        q::upsert_kiosk(
            self.c(),
            &q::KioskRow {
                kiosk_id: kiosk_id.clone(),
                last_seen: to_ms(now),
                reported_at: req.sent_at.map(to_ms),
                printer_status: req.printer_status,
                scanner_connected: req.scanner_connected,
                outbox_len: req.outbox_len,
                app_version: req.app_version,
            },
        )?;
        Ok(HeartbeatAck { kiosk_id, server_time: now })
    }
}

fn parse_offline_number(printed: &str, prefix: char) -> Result<TicketNumber, CentreError> {
    TicketNumber::parse(printed).filter(|n| n.prefix == prefix && n.seq > 0).ok_or_else(|| {
        CentreError::BadRequest(format!(
            "offline_number `{printed}` must look like {prefix}-901 (the service's prefix)"
        ))
    })
}

fn validate_kiosk_id(id: &str) -> Result<(), CentreError> {
    if id.is_empty() || id.chars().count() > MAX_KIOSK_ID_LEN || id.chars().any(char::is_control) {
        return Err(CentreError::BadRequest(format!(
            "kiosk_id must be 1-{MAX_KIOSK_ID_LEN} printable characters"
        )));
    }
    Ok(())
}

fn validate_issue(setup: &Setup, req: &IssueTicketRequest, today: NaiveDate) -> Result<(), CentreError> {
    let bad = |m: &str| Err(CentreError::BadRequest(m.to_string()));
    let k = &req.idempotency_key;
    if k.is_empty() || k.len() > MAX_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return bad("idempotency_key must be 1-128 visible ASCII characters");
    }
    validate_kiosk_id(&req.kiosk_id)?;
    if let Some(p) = req.priority {
        if !setup.priority_groups.contains(&p) {
            return Err(CentreError::BadRequest(format!("priority group `{}` is not offered here", p.key())));
        }
    }
    if req.offline_number.is_none() && (req.issued_at.is_some() || req.tracking_code.is_some()) {
        return bad("issued_at and tracking_code are only accepted with offline_number");
    }
    if let Some(code) = &req.tracking_code {
        if !is_tracking_code(code) {
            return bad("tracking_code must be 20 Crockford base32 characters");
        }
    }
    if let Some(c) = &req.citizen {
        if !(c.id_number.len() == 9 || c.id_number.len() == 12)
            || !c.id_number.bytes().all(|b| b.is_ascii_digit())
        {
            return bad("citizen.id_number must be 9 or 12 digits");
        }
        let name = c.full_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return bad("citizen.full_name must be 1-100 characters");
        }
        if c.birth_date > today || c.birth_date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
            return bad("citizen.birth_date is not a plausible birth date");
        }
    }
    Ok(())
}

/// Open (not paused) counters among those serving a service.
fn open_counters(c: &Connection, svc: &ServiceConfig) -> Result<u32, CentreError> {
    let mut open = 0;
    for n in &svc.counters {
        if !q::counter(c, *n)?.paused {
            open += 1;
        }
    }
    Ok(open)
}

fn estimate(c: &Connection, svc: &ServiceConfig, people_ahead: u32) -> Result<u32, CentreError> {
    if people_ahead == 0 {
        return Ok(0);
    }
    let samples = q::recent_service_secs(c, &svc.code, queue_rules::SERVICE_TIME_WINDOW)?;
    let avg = queue_rules::average_service_secs(&samples);
    Ok(queue_rules::estimate_wait_minutes(avg, people_ahead, open_counters(c, svc)?))
}

/// People ahead of a waiting ticket of today (counted from the queue).
fn people_ahead_of(c: &Connection, setup: &Setup, t: &TicketRow) -> Result<u32, CentreError> {
    let same = q::count_waiting_before(c, t.day, &t.service, t.prio, t.issued_at, t.id)?;
    let other = q::count_waiting(c, t.day, &t.service, !t.prio)?;
    Ok(queue_rules::people_ahead(t.prio, same, other, setup.priority_streak))
}

fn service_info(
    c: &Connection,
    setup: &Setup,
    s: &ServiceConfig,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ServiceInfo, CentreError> {
    let sd: ServiceDay = q::service_day(c, today, &s.code)?;
    let availability =
        queue_rules::availability(now, &setup.schedules[&s.code], s.daily_cap, sd.issued, setup.always_open);
    let ahead =
        queue_rules::people_ahead(false, sd.waiting_normal, sd.waiting_priority, setup.priority_streak);
    Ok(ServiceInfo {
        code: s.code.clone(),
        name_vi: s.name_vi.clone(),
        name_en: s.name_en.clone(),
        prefix: s.prefix.clone(),
        counters: s.counters.clone(),
        hours: s.hours.clone(),
        days: s.days.clone(),
        daily_cap: s.daily_cap,
        waiting: sd.waiting(),
        issued_today: sd.issued,
        estimated_wait_minutes: estimate(c, s, ahead)?,
        availability,
    })
}

fn issued_view(
    c: &Connection,
    setup: &Setup,
    today: NaiveDate,
    t: &TicketRow,
    ahead: Option<u32>,
) -> Result<IssuedTicket, CentreError> {
    let svc = setup.service(&t.service);
    let waiting_today = t.status == TicketStatus::Waiting && t.day == today;
    let people_ahead = match ahead {
        Some(a) => a,
        None if waiting_today => people_ahead_of(c, setup, t)?,
        None => 0,
    };
    let estimated_wait_minutes = match svc {
        Some(s) if waiting_today => estimate(c, s, people_ahead)?,
        _ => 0,
    };
    Ok(IssuedTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        issued_at: from_ms(t.issued_at),
        service_day: t.day,
        people_ahead,
        estimated_wait_minutes,
        tracking_url: setup.tracking_url(&t.tracking_code),
        tracking_code: t.tracking_code.clone(),
        counters: svc.map(|s| s.counters.clone()).unwrap_or_default(),
        offline: t.offline,
    })
}

fn ticket_view(
    c: &Connection,
    setup: &Setup,
    today: NaiveDate,
    t: &TicketRow,
) -> Result<TicketView, CentreError> {
    let svc = setup.service(&t.service);
    // A ticket of an earlier day is over even before the rollover job marked it.
    let status = match t.status {
        TicketStatus::Waiting | TicketStatus::Called if t.day < today => TicketStatus::Expired,
        s => s,
    };
    let (people_ahead, estimated) = if status == TicketStatus::Waiting {
        let a = people_ahead_of(c, setup, t)?;
        let e = match svc {
            Some(s) => estimate(c, s, a)?,
            None => 0,
        };
        (Some(a), Some(e))
    } else {
        (None, None)
    };
    Ok(TicketView {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: svc.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
        status,
        counter: if status == TicketStatus::Waiting { None } else { t.counter },
        position: people_ahead.map(|a| a + 1),
        people_ahead,
        estimated_wait_minutes: estimated,
        issued_at: from_ms(t.issued_at),
        called_at: t.last_called_at.map(from_ms),
        service_day: t.day,
        offline: t.offline,
    })
}

fn counter_view(c: &Connection, setup: &Setup, today: NaiveDate, n: u32) -> Result<CounterView, CentreError> {
    let row: CounterRow = q::counter(c, n)?;
    let current = match row.current_ticket {
        Some(id) => q::ticket_by_id(c, id)?.filter(|t| t.status == TicketStatus::Called && t.day == today),
        None => None,
    };
    let state = if row.paused {
        CounterState::Paused
    } else if current.is_some() {
        CounterState::Serving
    } else {
        CounterState::Idle
    };
    Ok(CounterView {
        number: n,
        services: setup.counters.get(&n).cloned().unwrap_or_default(),
        state,
        pause_reason: row.pause_reason.clone().filter(|_| row.paused),
        current: current.map(|t| CalledTicket {
            number: t.number,
            service: t.service,
            priority: t.prio,
            issued_at: from_ms(t.issued_at),
            called_at: from_ms(t.last_called_at.unwrap_or(t.issued_at)),
            calls: t.calls,
            offline: t.offline,
        }),
        served_today: q::served_count(c, today, n)?,
    })
}

fn counter_ticket(setup: &Setup, t: &TicketRow) -> CounterTicket {
    CounterTicket {
        number: t.number.clone(),
        service: t.service.clone(),
        service_name_vi: setup.service(&t.service).map(|s| s.name_vi.clone()).unwrap_or_default(),
        tracking_code: t.tracking_code.clone(),
        priority: t.priority_group.as_deref().and_then(PriorityGroup::from_key),
        status: t.status,
        calls: t.calls,
        issued_at: from_ms(t.issued_at),
        called_at: t.last_called_at.map(from_ms),
        offline: t.offline,
        citizen: t.citizen.as_ref().and_then(|c| {
            Some(CitizenInfo {
                id_number: c.id_number.clone(),
                full_name: c.full_name.clone(),
                birth_date: c.birth_date.parse().ok()?,
            })
        }),
    }
}

/// The officer's one-line summary of a counter action.
pub fn counter_message(
    n: u32,
    outcome: CounterOutcome,
    t: Option<&CounterTicket>,
    reason: Option<&str>,
) -> String {
    let num = t.map(|t| t.number.as_str()).unwrap_or("?");
    match outcome {
        CounterOutcome::Called => format!("Quầy {n} gọi số {num}"),
        CounterOutcome::Recalled => {
            format!("Quầy {n} gọi lại số {num} (lần {})", t.map(|t| t.calls).unwrap_or(0))
        }
        CounterOutcome::NoShow => format!("Quầy {n}: số {num} vắng mặt"),
        CounterOutcome::Completed => format!("Quầy {n}: đã phục vụ xong số {num}"),
        CounterOutcome::Paused => format!("Quầy {n} tạm dừng: {}", reason.unwrap_or("")),
        CounterOutcome::Resumed => format!("Quầy {n} tiếp tục phục vụ"),
        CounterOutcome::QueueEmpty => format!("Quầy {n}: không còn ai đang chờ"),
    }
}
