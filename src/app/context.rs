//! What the kiosk's features share, and the one trait each of them implements.
//!
//! The shape follows Slint's own demos (energy-monitor, printerdemo): every
//! feature is set up with the window, keeps its own state, and posts back to
//! the UI thread. [`KioskApp`](super::kiosk::KioskApp) only loops over the
//! features; a feature that ends the citizen's session does it through the
//! UI's own `Session.end-session` callback ([`end_session`]), never by
//! calling the kiosk.

use super::backend::QueueBackend;
use super::poster::Poster;
use crate::config::{Config, Language};
use crate::domain::clock::Clock;
use crate::ui::{KioskWindow, Page, Session};
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the clock, the idle rule and the ticket countdown advance.
pub const TICK: Duration = Duration::from_secs(1);

/// Set up once and shared by every feature (on the UI thread and in the
/// background work they start).
pub struct KioskContext {
    pub cfg: Config,
    pub rt: tokio::runtime::Handle,
    pub poster: Poster,
    pub backend: Arc<dyn QueueBackend>,
    pub clock: Arc<dyn Clock>,
    /// The language the citizen chose (the configured one between sessions).
    language: Mutex<Language>,
    /// Numbers background requests, so an answer that arrives after the
    /// citizen moved on (or left) is recognised and dropped.
    requests: AtomicU64,
    /// The setup pages saved new settings: the kiosk must start again.
    restart: std::sync::atomic::AtomicBool,
}

impl KioskContext {
    pub fn new(
        cfg: Config,
        rt: tokio::runtime::Handle,
        poster: Poster,
        backend: Arc<dyn QueueBackend>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(KioskContext {
            language: Mutex::new(cfg.kiosk.language),
            cfg,
            rt,
            poster,
            backend,
            clock,
            requests: AtomicU64::new(0),
            restart: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn lang(&self) -> Language {
        *self.language.lock().expect("language lock")
    }

    pub(super) fn set_lang(&self, lang: Language) {
        *self.language.lock().expect("language lock") = lang;
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Asks for a clean restart with the config file as it now is: the
    /// event loop ends and `run` starts the program again.
    pub fn request_restart(&self) {
        self.restart.store(true, Ordering::SeqCst);
        let _ = slint::quit_event_loop();
    }

    pub fn restart_requested(&self) -> bool {
        self.restart.load(Ordering::SeqCst)
    }

    /// A fresh request number (never 0, the "nothing awaited" value).
    pub fn next_request(&self) -> u64 {
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Runs `work` on the runtime; `apply` gets its result on the UI thread,
    /// with the window if it still exists.
    pub fn spawn<T: Send + 'static>(
        &self,
        ui: &KioskWindow,
        work: impl Future<Output = T> + Send + 'static,
        apply: impl FnOnce(&KioskWindow, T) + Send + 'static,
    ) {
        self.poster.spawn(&self.rt, &ui.as_weak(), work, apply);
    }

    /// [`spawn`](Self::spawn) for blocking work (files, a printer).
    pub fn spawn_blocking<T: Send + 'static>(
        &self,
        ui: &KioskWindow,
        work: impl FnOnce() -> T + Send + 'static,
        apply: impl FnOnce(&KioskWindow, T) + Send + 'static,
    ) {
        self.poster.spawn_blocking(&self.rt, &ui.as_weak(), work, apply);
    }
}

/// One feature of the kiosk: the adapter global it feeds and handles, and
/// its share of the citizen's session.
pub trait Feature: Send + Sync {
    /// Connects the feature's adapter callbacks (once, at start).
    fn wire(self: Arc<Self>, ui: &KioskWindow);

    /// Re-renders the texts Rust built, in the current language.
    fn refresh_texts(&self, _ui: &KioskWindow) {}

    /// The citizen's session ended: forget what the feature holds of it and
    /// empty its screen.
    fn end_session(&self, ui: &KioskWindow);

    /// The kiosk went to `page`.
    fn navigated(&self, _ui: &KioskWindow, _page: Page) {}

    /// One [`TICK`] passed.
    fn tick(&self, _ui: &KioskWindow) {}

    /// What the feature still holds of the session (tests check that a
    /// session's end leaves nothing).
    fn session_data(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// Ends the citizen's session the way the screens do: through the UI's
/// `Session.end-session` callback, which every feature hears.
pub fn end_session(ui: &KioskWindow) {
    ui.global::<Session>().invoke_end_session();
}

/// A handler for an adapter callback: `$body` runs with the window (when it
/// still exists) and the feature, e.g.
/// `q.on_take(handler!(ui, &self, |ui, this, code| this.take(&ui, &code)))`.
macro_rules! handler {
    ($ui:expr, $this:expr, |$w:ident, $t:ident $(, $arg:pat_param)*| $body:expr) => {{
        let weak = slint::ComponentHandle::as_weak($ui);
        let this = ::std::sync::Arc::clone($this);
        move |$($arg),*| {
            if let Some($w) = weak.upgrade() {
                let $t = &this;
                $body
            }
        }
    }};
}
pub(crate) use handler;
