//! The writer: one thread owns the only write connection and runs the jobs in
//! batches (group commit, see the module comment of [`super`]); at the start of
//! every batch it starts a new service day when local midnight has passed.

use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::clock::Clock;
use crate::domain::localtime::{day_start_utc, service_day};
use crate::store::queue as q;
use crate::store::{events, meta, officers, to_ms, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use tokio::sync::{broadcast, oneshot};

/// Most jobs committed together in one transaction.
const MAX_BATCH: usize = 512;
/// Events kept in the log for resuming clients; older ones are pruned at rollover.
pub const EVENT_RETENTION_DAYS: i64 = 7;

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

type AnyBox = Box<dyn Any + Send>;
type JobFn = Box<dyn FnOnce(&mut Writer, DateTime<Utc>) -> Result<AnyBox, CentreError> + Send>;

pub(super) struct Job {
    run: JobFn,
    reply: oneshot::Sender<Result<AnyBox, CentreError>>,
}

/// The panic payload of [`Centre::crash_writer_for_tests`]: the one a job's
/// `catch_unwind` lets through.
struct CrashWriter;

impl Centre {
    /// Kills the writer thread as a bug outside a job would, so tests can see
    /// what the centre does without it (`/health` says not ok, writes get 503).
    #[doc(hidden)]
    pub async fn crash_writer_for_tests(&self) {
        let _ = self.write(|_, _| -> Result<(), CentreError> { std::panic::panic_any(CrashWriter) }).await;
        // The job's reply goes before the thread has finished unwinding.
        while self.writer_alive() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Whether the writer thread is running.
    pub fn writer_alive(&self) -> bool {
        self.engine.alive.load(Ordering::SeqCst)
    }

    /// Runs `f` in the writer's next batch and returns its result once committed.
    pub(super) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer, DateTime<Utc>) -> Result<T, CentreError> + Send + 'static,
    ) -> Result<T, CentreError> {
        let (tx, rx) = oneshot::channel();
        let job = Job { run: Box::new(move |w, now| f(w, now).map(|t| Box::new(t) as AnyBox)), reply: tx };
        {
            let guard = self.engine.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sender = guard.as_ref().ok_or(CentreError::Unavailable)?;
            // Bounded: when the writer cannot keep up, callers hear it at once
            // (503 busy) instead of queueing without end.
            sender.try_send(job).map_err(|e| match e {
                mpsc::TrySendError::Full(_) => CentreError::Busy,
                mpsc::TrySendError::Disconnected(_) => CentreError::Unavailable,
            })?;
        }
        let result = rx.await.map_err(|_| CentreError::Unavailable)?;
        result.map(|b| *b.downcast::<T>().expect("the writer returns the job's own type"))
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
}

/// The writer: owns the write connection; see the module comment.
pub(super) struct Writer {
    pub(super) conn: Store,
    pub(super) setup: Arc<Setup>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) current_day: Option<NaiveDate>,
    pub(super) pending: Vec<CentreEvent>,
    pub(super) events: broadcast::Sender<Arc<CentreEvent>>,
    pub(super) stats: Arc<WriterStats>,
    pub(super) alive: Arc<std::sync::atomic::AtomicBool>,
    /// A job of this batch erased a citizen's identity: checkpoint after the
    /// commit (before answering), so the files keep no copy of it.
    pub(super) erased_identity: bool,
    /// What the centre keeps in memory about devices (see `fleet`).
    pub(super) fleet: Arc<super::fleet::LiveMap>,
}

impl Writer {
    pub(super) fn run(mut self, rx: mpsc::Receiver<Job>) {
        // Marks the writer dead however it ends (a panic included): /health says so.
        struct Alive(Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Alive {
            fn drop(&mut self) {
                self.0.store(false, Ordering::SeqCst);
            }
        }
        let _alive = Alive(self.alive.clone());
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

    pub(super) fn c(&self) -> &Connection {
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
                        .unwrap_or_else(|payload| {
                            if payload.is::<CrashWriter>() {
                                std::panic::resume_unwind(payload);
                            }
                            tracing::error!("a write job panicked; its changes are rolled back");
                            Err(CentreError::Internal("internal error (see the centre log)".into()))
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
                // Before answering: once a counter hears "completed", the
                // identity is gone from the files too.
                if std::mem::take(&mut self.erased_identity) {
                    self.checkpoint();
                }
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
                self.erased_identity = false;
                self.current_day = day_before;
                let err = CentreError::from(e);
                for (_, reply) in results {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }

    /// See `store::checkpoint_truncate`.
    fn checkpoint(&self) {
        match crate::store::checkpoint_truncate(self.c()) {
            Ok(true) => {}
            Ok(false) => tracing::warn!("WAL checkpoint after erasing personal data was held up by a reader"),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint after erasing personal data failed"),
        }
    }

    pub(super) fn emit(&mut self, at: DateTime<Utc>, body: EventBody) -> Result<u64, CentreError> {
        let id = events::insert_event(self.c(), body.kind(), to_ms(at), &body.data_json())? as u64;
        self.pending.push(CentreEvent { id, at, body });
        Ok(id)
    }

    pub(super) fn today(&self) -> NaiveDate {
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
        if q::purge_citizen_before(self.c(), day)? > 0 {
            self.erased_identity = true;
        }
        q::reset_counters_for_new_day(self.c(), at)?;
        events::prune_events(self.c(), to_ms(now - Duration::days(EVENT_RETENTION_DAYS)))?;
        officers::end_expired_sessions(self.c(), at)?;
        officers::prune_counter_requests(self.c(), to_ms(now - Duration::days(1)))?;
        meta::meta_set(self.c(), "current_day", &day.to_string())?;
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
}
