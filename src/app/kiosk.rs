//! The kiosk role: wires the adapter globals to the controllers. Rust never
//! reaches into screen internals; it sets adapter properties and handles
//! adapter callbacks.

use super::backend::QueueBackend;
use super::idle::{IdleState, IdleTracker};
use super::poster::Poster;
use super::{queue, setup};
use crate::config::{Config, Language};
use crate::domain::clock::Clock;
use crate::domain::localtime;
use crate::ui::{KioskWindow, Nav, Page, Session};
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the idle rule and countdowns are advanced.
pub const TICK: Duration = Duration::from_secs(1);

/// Rust-side state of the current citizen's session. Everything here is
/// cleared when the session ends.
#[derive(Default)]
pub struct SessionState {
    pub citizen: Option<super::backend::CitizenRef>,
    pub ticket: Option<super::backend::IssuedTicket>,
    pub ticket_seconds_left: u32,
    pub pin: String,
    pub pin_failures: u32,
    pub pin_locked_until: Option<DateTime<Utc>>,
    pub dossier: super::dossier::DossierSession,
    pub rating: super::rating::RatingSession,
}

/// Shared between the UI thread and background tasks (hence `Arc` + `Mutex`).
pub struct Inner {
    pub cfg: Config,
    pub rt: tokio::runtime::Handle,
    pub poster: Poster,
    pub backend: Arc<dyn QueueBackend>,
    pub clock: Arc<dyn Clock>,
    pub lang: Mutex<Language>,
    pub services: Mutex<Vec<super::backend::ServiceView>>,
    pub session: Mutex<SessionState>,
    pub idle: Mutex<IdleTracker>,
    /// Barcode readers by port: connected or not (diagnostics, heartbeat).
    pub scanners: Mutex<std::collections::BTreeMap<String, bool>>,
    /// Last printer outcome: "ok", a problem in English, or "" before the first print.
    pub printer_state: Mutex<String>,
    /// Numbers background requests, so an answer that arrives after the
    /// citizen moved on (or left) is recognised and dropped.
    pub requests: AtomicU64,
    /// The procedure catalog once loaded (swapped whole after an import).
    pub catalog: Mutex<Option<Arc<crate::catalog::Catalog>>>,
}

impl Inner {
    pub fn lang(&self) -> Language {
        *self.lang.lock().expect("lang lock")
    }

    /// A fresh request number (never 0, the "nothing awaited" value).
    pub fn next_request(&self) -> u64 {
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }
}

pub struct KioskApp {
    pub ui: KioskWindow,
    pub inner: Arc<Inner>,
    timers: Vec<slint::Timer>,
    readers: Vec<motcua_drivers::serial::SerialReader>,
}

impl KioskApp {
    pub fn new(
        ui: KioskWindow,
        cfg: Config,
        backend: Arc<dyn QueueBackend>,
        rt: tokio::runtime::Handle,
        poster: Poster,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let idle = IdleTracker::new(
            Duration::from_secs(cfg.kiosk.idle_timeout_secs.into()),
            Duration::from_secs(cfg.kiosk.idle_warning_secs.into()),
        );
        let inner = Arc::new(Inner {
            lang: Mutex::new(cfg.kiosk.language),
            cfg,
            rt,
            poster,
            backend,
            clock,
            services: Mutex::new(Vec::new()),
            session: Mutex::new(SessionState::default()),
            idle: Mutex::new(idle),
            scanners: Mutex::new(Default::default()),
            printer_state: Mutex::new(String::new()),
            requests: AtomicU64::new(0),
            catalog: Mutex::new(None),
        });
        let mut app = KioskApp { ui, inner, timers: Vec::new(), readers: Vec::new() };
        app.wire();
        app
    }

    fn wire(&mut self) {
        let ui = &self.ui;
        let inner = &self.inner;
        let session = ui.global::<Session>();
        session.set_centre_name(inner.cfg.centre.name.as_str().into());
        session.set_centre_address(inner.cfg.centre.address.as_str().into());
        ui.global::<crate::ui::Theme>().set_variant(theme_variant(inner.cfg.kiosk.theme));
        set_language(ui, inner, inner.cfg.kiosk.language);

        session.on_set_language({
            let (weak, inner) = (ui.as_weak(), inner.clone());
            move |code| {
                if let (Some(ui), Some(lang)) = (weak.upgrade(), Language::parse(&code)) {
                    set_language(&ui, &inner, lang);
                }
            }
        });
        session.on_activity({
            let inner = inner.clone();
            let weak = ui.as_weak();
            move || {
                inner.idle.lock().expect("idle lock").activity();
                if let Some(ui) = weak.upgrade() {
                    ui.global::<Session>().set_idle_warning(false);
                }
            }
        });
        session.on_end_session({
            let (weak, inner) = (ui.as_weak(), inner.clone());
            move || {
                if let Some(ui) = weak.upgrade() {
                    end_session(&ui, &inner);
                }
            }
        });
        ui.global::<Nav>().on_navigated({
            let (weak, inner) = (ui.as_weak(), inner.clone());
            move |page| {
                if let Some(ui) = weak.upgrade() {
                    on_page(&ui, &inner, page);
                }
            }
        });
        queue::wire(ui, inner);
        setup::wire(ui, inner);
        super::scan::wire_wedge(ui, inner);
        super::procedures::wire(ui, inner);
        super::dossier::wire(ui, inner);
        super::rating::wire(ui, inner);
        update_clock(ui, inner);

        // One 1 s tick drives the clock, the idle rule and the ticket countdown.
        let tick = slint::Timer::default();
        tick.start(slint::TimerMode::Repeated, TICK, {
            let (weak, inner) = (ui.as_weak(), inner.clone());
            move || {
                if let Some(ui) = weak.upgrade() {
                    on_tick(&ui, &inner);
                }
            }
        });
        self.timers.push(tick);
    }

    /// Loads the procedure catalog from the data directory in the background
    /// (installing the bundled one on first run).
    pub fn load_catalog(&self) {
        super::procedures::load(&self.ui, &self.inner);
    }

    /// Uses an already loaded catalog (snapshots, tests).
    pub fn set_catalog(&self, catalog: Arc<crate::catalog::Catalog>) {
        *self.inner.catalog.lock().expect("catalog lock") = Some(catalog);
        super::procedures::refresh(&self.ui, &self.inner);
    }

    /// Starts the barcode reader threads of `scanner.ports`.
    pub fn start_hardware(&mut self) {
        self.readers = super::scan::start_readers(&self.ui, &self.inner);
    }

    /// Stops the clock/idle tick (headless snapshots must not depend on how
    /// long rendering takes).
    pub fn stop_timers(&self) {
        for t in &self.timers {
            t.stop();
        }
    }

    /// Runs queued background results (tests; no-op with the event loop).
    pub fn pump(&self) -> usize {
        self.inner.poster.pump()
    }
}

pub fn theme_variant(v: crate::config::ThemeVariant) -> crate::ui::ThemeVariant {
    match v {
        crate::config::ThemeVariant::Normal => crate::ui::ThemeVariant::Normal,
        crate::config::ThemeVariant::LargeText => crate::ui::ThemeVariant::LargeText,
        crate::config::ThemeVariant::HighContrast => crate::ui::ThemeVariant::HighContrast,
    }
}

pub fn set_language(ui: &KioskWindow, inner: &Inner, lang: Language) {
    *inner.lang.lock().expect("lang lock") = lang;
    super::i18n::select(lang);
    ui.global::<Session>().set_language(lang.code().into());
    update_clock(ui, inner);
    queue::refresh_texts(ui, inner);
    super::dossier::refresh_texts(ui, inner);
    super::rating::render(ui, inner);
}

fn update_clock(ui: &KioskWindow, inner: &Inner) {
    let now = inner.clock.now();
    let s = ui.global::<Session>();
    s.set_clock_time(localtime::format_time(now).into());
    s.set_clock_date(super::i18n::long_date(inner.lang(), localtime::service_day(now)).into());
    s.set_online(inner.backend.online());
}

fn on_page(ui: &KioskWindow, inner: &Arc<Inner>, page: Page) {
    let citizen = inner.session.lock().expect("session lock").citizen.is_some();
    inner.idle.lock().expect("idle lock").set_armed(page != Page::Home || citizen);
    ui.global::<Session>().set_idle_warning(false);
    match page {
        Page::TakeNumber => queue::load_services(ui, inner),
        Page::Setup => setup::reset(ui, inner),
        // Home: the lookup and the rating are over (the next citizen must not see them).
        Page::Home => {
            super::dossier::clear(ui, inner);
            super::rating::leave(ui, inner);
        }
        // A fresh rating each time the page opens (a scan opens it too).
        Page::Rating => super::rating::leave(ui, inner),
        _ => {}
    }
}

fn on_tick(ui: &KioskWindow, inner: &Arc<Inner>) {
    update_clock(ui, inner);
    queue::tick(ui, inner);
    let state = inner.idle.lock().expect("idle lock").advance(TICK);
    let session = ui.global::<Session>();
    match state {
        IdleState::Active => session.set_idle_warning(false),
        IdleState::Warning(left) => {
            session.set_idle_seconds_left(left as i32);
            session.set_idle_warning(true);
        }
        IdleState::Expired => end_session(ui, inner),
    }
}

/// Ends the citizen's session: every personal or session value is cleared
/// from the UI and from Rust state, then the kiosk shows home.
pub fn end_session(ui: &KioskWindow, inner: &Inner) {
    // A level chosen but not sent yet still counts (sent before the state goes).
    super::rating::leave(ui, inner);
    *inner.session.lock().expect("session lock") = SessionState::default();
    inner.idle.lock().expect("idle lock").set_armed(false);
    let s = ui.global::<Session>();
    s.set_idle_warning(false);
    s.set_citizen_present(false);
    s.set_citizen_name("".into());
    s.set_citizen_id("".into());
    s.set_scan_message("".into());
    queue::clear(ui);
    setup::clear(ui);
    super::procedures::clear(ui, inner);
    super::dossier::reset_screen(ui);
    super::rating::reset_screen(ui);
    if inner.cfg.kiosk.language != inner.lang() {
        set_language(ui, inner, inner.cfg.kiosk.language);
    }
    ui.global::<Nav>().set_page(Page::Home);
}
