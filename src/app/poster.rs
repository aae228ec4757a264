//! Posting work back to the UI thread. I/O runs on tokio or driver threads and
//! never touches Slint objects; it posts closures here. In production they go
//! through Slint's event loop; UI tests run without one, so they collect the
//! closures in a channel and run them with [`Poster::pump`].
//!
//! Background work that ends in a UI update goes through [`Poster::spawn`]
//! (or [`Poster::spawn_blocking`]): the work runs off the UI thread, its
//! result is posted back, and the window is upgraded there. Such a job counts
//! as in flight until its result has been applied, so a test can wait for
//! exactly the work it started ([`Poster::wait_idle`]) instead of sleeping.

use slint::ComponentHandle;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Poster {
    sink: Sink,
    /// Background jobs started here whose result has not been applied yet.
    in_flight: Arc<AtomicUsize>,
}

#[derive(Clone)]
enum Sink {
    EventLoop,
    Queue(mpsc::Sender<Job>, Arc<Mutex<mpsc::Receiver<Job>>>),
}

/// One background job in flight; dropping it (result applied, window gone,
/// task cancelled or panicked) counts it done.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Poster {
    pub fn event_loop() -> Self {
        Poster { sink: Sink::EventLoop, in_flight: Arc::default() }
    }

    pub fn queue() -> Self {
        let (tx, rx) = mpsc::channel();
        Poster { sink: Sink::Queue(tx, Arc::new(Mutex::new(rx))), in_flight: Arc::default() }
    }

    pub fn post(&self, job: impl FnOnce() + Send + 'static) {
        match &self.sink {
            Sink::EventLoop => {
                if let Err(e) = slint::invoke_from_event_loop(job) {
                    tracing::warn!("UI event loop gone, update dropped: {e}");
                }
            }
            Sink::Queue(tx, _) => {
                let _ = tx.send(Box::new(job));
            }
        }
    }

    /// Posts `apply`, run on the UI thread with the window if it still exists.
    pub fn post_to<C: ComponentHandle + 'static>(
        &self,
        ui: &slint::Weak<C>,
        apply: impl FnOnce(&C) + Send + 'static,
    ) {
        let ui = ui.clone();
        self.post(move || {
            if let Some(ui) = ui.upgrade() {
                apply(&ui);
            }
        });
    }

    fn start(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.in_flight.clone())
    }

    /// Runs `work` on `rt`, then `apply(window, result)` on the UI thread if
    /// the window still exists.
    pub fn spawn<C, T>(
        &self,
        rt: &tokio::runtime::Handle,
        ui: &slint::Weak<C>,
        work: impl Future<Output = T> + Send + 'static,
        apply: impl FnOnce(&C, T) + Send + 'static,
    ) where
        C: ComponentHandle + 'static,
        T: Send + 'static,
    {
        let (job, poster, ui) = (self.start(), self.clone(), ui.clone());
        rt.spawn(async move {
            let result = work.await;
            poster.post_to(&ui, move |ui| {
                apply(ui, result);
                drop(job);
            });
        });
    }

    /// [`spawn`](Self::spawn) for blocking work (files, SQLite, a printer):
    /// it runs on the runtime's blocking threads.
    pub fn spawn_blocking<C, T>(
        &self,
        rt: &tokio::runtime::Handle,
        ui: &slint::Weak<C>,
        work: impl FnOnce() -> T + Send + 'static,
        apply: impl FnOnce(&C, T) + Send + 'static,
    ) where
        C: ComponentHandle + 'static,
        T: Send + 'static,
    {
        let (job, poster, ui) = (self.start(), self.clone(), ui.clone());
        rt.spawn_blocking(move || {
            let result = work();
            poster.post_to(&ui, move |ui| {
                apply(ui, result);
                drop(job);
            });
        });
    }

    /// Runs `work` on `rt` with nothing to show when it ends (still counted
    /// in flight until it has).
    pub fn spawn_detached(
        &self,
        rt: &tokio::runtime::Handle,
        work: impl Future<Output = ()> + Send + 'static,
    ) {
        let job = self.start();
        rt.spawn(async move {
            work.await;
            drop(job);
        });
    }

    /// Background jobs whose result has not been applied yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Runs the queued jobs (tests only; a no-op with the real event loop).
    /// Returns how many ran.
    pub fn pump(&self) -> usize {
        let Sink::Queue(_, rx) = &self.sink else { return 0 };
        let jobs: Vec<Job> = rx.lock().expect("poster lock").try_iter().collect();
        let n = jobs.len();
        for j in jobs {
            j();
        }
        n
    }

    /// Waits up to `timeout` for at least one job, then runs all queued jobs.
    pub fn pump_wait(&self, timeout: Duration) -> usize {
        let Sink::Queue(_, rx) = &self.sink else { return 0 };
        let first = rx.lock().expect("poster lock").recv_timeout(timeout);
        match first {
            Ok(job) => {
                job();
                1 + self.pump()
            }
            Err(_) => 0,
        }
    }

    /// Runs posted jobs until no background job is in flight, including the
    /// ones those results start (tests only). False when `timeout` passed first.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if self.in_flight() == 0 {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // A detached job posts nothing: look at the count again soon.
            self.pump_wait(left.min(Duration::from_millis(5)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_idle_waits_for_work_in_flight_and_gives_up_on_work_that_never_ends() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let poster = Poster::queue();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        poster.spawn_detached(rt.handle(), async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            done_tx.send(()).unwrap();
        });
        assert_eq!(poster.in_flight(), 1);
        assert!(poster.wait_idle(Duration::from_secs(5)));
        assert!(done_rx.try_recv().is_ok(), "returned only once the work had ended");
        assert_eq!(poster.in_flight(), 0);

        poster.spawn_detached(rt.handle(), std::future::pending());
        assert!(!poster.wait_idle(Duration::from_millis(50)));
        assert_eq!(poster.in_flight(), 1);
        rt.shutdown_timeout(Duration::from_secs(1));
        assert_eq!(poster.in_flight(), 0, "a cancelled job is no longer in flight");
    }
}
