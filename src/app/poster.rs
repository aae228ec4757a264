//! Posting work back to the UI thread. I/O runs on tokio or driver threads and
//! never touches Slint objects; it posts closures here. In production they go
//! through Slint's event loop; UI tests run without one, so they collect the
//! closures in a channel and run them with [`Poster::pump`].

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub enum Poster {
    EventLoop,
    Queue(mpsc::Sender<Job>, Arc<Mutex<mpsc::Receiver<Job>>>),
}

impl Poster {
    pub fn event_loop() -> Self {
        Poster::EventLoop
    }

    pub fn queue() -> Self {
        let (tx, rx) = mpsc::channel();
        Poster::Queue(tx, Arc::new(Mutex::new(rx)))
    }

    pub fn post(&self, job: impl FnOnce() + Send + 'static) {
        match self {
            Poster::EventLoop => {
                if let Err(e) = slint::invoke_from_event_loop(job) {
                    tracing::warn!("UI event loop gone, update dropped: {e}");
                }
            }
            Poster::Queue(tx, _) => {
                let _ = tx.send(Box::new(job));
            }
        }
    }

    /// Runs the queued jobs (tests only; a no-op with the real event loop).
    /// Returns how many ran.
    pub fn pump(&self) -> usize {
        let Poster::Queue(_, rx) = self else { return 0 };
        let jobs: Vec<Job> = rx.lock().expect("poster lock").try_iter().collect();
        let n = jobs.len();
        for j in jobs {
            j();
        }
        n
    }

    /// Waits up to `timeout` for at least one job, then runs all queued jobs.
    pub fn pump_wait(&self, timeout: std::time::Duration) -> usize {
        let Poster::Queue(_, rx) = self else { return 0 };
        let first = rx.lock().expect("poster lock").recv_timeout(timeout);
        match first {
            Ok(job) => {
                job();
                1 + self.pump()
            }
            Err(_) => 0,
        }
    }
}
