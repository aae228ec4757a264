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

use crate::centre::api::CentreEvent;
use crate::config::Config;
use crate::domain::clock::{self, Clock};
use crate::store::{self, meta, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::broadcast;

mod console;
mod counter;
mod counter_rating;
mod devices;
mod dossiers;
mod error;
mod feed;
mod fleet;
mod help;
mod officers;
mod queue;
mod ratings;
mod reads;
mod setup;
mod stats;
mod views;
mod writer;

pub use self::counter::{ActingOfficer, Actor};
pub use self::dossiers::{record_view, sample_records, validate_records};
pub use self::error::CentreError;
pub use self::fleet::{fleet_from_store, SWEEP_EVERY};
pub use self::officers::{
    token_hash, validate_login, validate_pin, NewOfficer, SessionInfo, SignIn, SESSION_HOURS,
};
pub use self::queue::IssueOutcome;
pub use self::ratings::{summary_csv, RateOutcome};
pub use self::views::counter_message;
pub use self::writer::{WriterStats, EVENT_RETENTION_DAYS};

use self::feed::BROADCAST_CAPACITY;
use self::setup::Setup;
use self::writer::{Job, Writer};

/// The checks the centre runs on a ticket or rating body before it touches
/// the database, callable without a centre: the fuzz harnesses (tests/fuzz)
/// run them on millions of bodies, which the HTTP path (an fsync per
/// accepted body) could not.
#[derive(Debug)]
pub struct RequestChecks(Setup);

impl RequestChecks {
    pub fn new(cfg: &Config) -> Self {
        RequestChecks(Setup::new(cfg))
    }

    /// `POST /api/v1/tickets` (a birth date is checked against a fixed
    /// range, not today, so the same body gets the same answer any day).
    pub fn issue(&self, req: &crate::centre::api::IssueTicketRequest) -> Result<(), CentreError> {
        queue::validate_issue(&self.0, req)
    }

    /// `POST /api/v1/ratings`.
    pub fn rating(&self, req: &crate::centre::api::RatingRequest) -> Result<(), CentreError> {
        ratings::validate_rating(req).map(|_| ())
    }
}

/// Handle to a running centre. Cheap to clone; the centre stops (its writer
/// thread ends and the database closes) when the last handle is dropped.
#[derive(Clone)]
pub struct Centre {
    engine: Arc<Engine>,
}

impl std::fmt::Debug for Centre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Centre").field("path", &self.engine.path).finish_non_exhaustive()
    }
}

/// What the handles share: the config's setup, the clock, the writer thread and
/// its job channel, the pool of read connections and the live event channel.
struct Engine {
    setup: Arc<Setup>,
    clock: Arc<dyn Clock>,
    jobs: Mutex<Option<mpsc::SyncSender<Job>>>,
    alive: Arc<std::sync::atomic::AtomicBool>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Store>>>,
    events: broadcast::Sender<Arc<CentreEvent>>,
    path: PathBuf,
    stats: Arc<WriterStats>,
    fleet: Arc<fleet::LiveMap>,
}

impl Drop for Engine {
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
        Self::open_at(store::centre_db_path(&cfg.data_dir()), cfg, clock::system())
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
        let current_day =
            meta::meta_get(store.conn(), "current_day")?.and_then(|d| d.parse::<NaiveDate>().ok());
        let (tx, rx) = mpsc::sync_channel::<Job>(cfg.limits.writer_queue.max(1) as usize);
        let stats = Arc::new(WriterStats::default());
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let fleet = Arc::new(fleet::LiveMap::default());
        let writer = Writer {
            alive: alive.clone(),
            stats: stats.clone(),
            conn: store,
            setup: setup.clone(),
            clock: clock.clone(),
            current_day,
            pending: Vec::new(),
            events: events.clone(),
            erased_identity: false,
            fleet: fleet.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("centre-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| CentreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Centre {
            engine: Arc::new(Engine {
                setup,
                clock,
                jobs: Mutex::new(Some(tx)),
                alive,
                writer: Mutex::new(Some(handle)),
                readers: Arc::new(Mutex::new(Vec::new())),
                events,
                path,
                stats,
                fleet,
            }),
        })
    }

    /// Group-commit counters of the writer.
    pub fn writer_stats(&self) -> (u64, u64) {
        self.engine.stats.get()
    }

    pub fn db_path(&self) -> &Path {
        &self.engine.path
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.engine.clock.now()
    }

    /// `centre.name` from the config.
    pub fn centre_name(&self) -> String {
        self.engine.setup.centre_name.clone()
    }

    /// Whether any queue service is configured (a kiosk without one cannot issue).
    pub fn has_services(&self) -> bool {
        !self.engine.setup.services.is_empty()
    }

    /// The URL a ticket's QR encodes.
    pub fn tracking_url(&self, code: &str) -> String {
        self.engine.setup.tracking_url(code)
    }
}
