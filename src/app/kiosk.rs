//! The kiosk role: builds the shared [`KioskContext`] and the features, then
//! only loops over them. Rust never reaches into screen internals; features
//! set adapter properties and handle adapter callbacks.
//!
//! Adding a feature: a module with a type implementing [`Feature`], and one
//! line in [`Features::all`] (plus a field in [`Features`] if something
//! outside the feature needs its handle).

use super::backend::{Issuing, QueueBackend};
use super::context::{Feature, KioskContext, TICK};
use super::dossier::Dossier;
use super::help::Help;
use super::idle::Idle;
use super::poster::Poster;
use super::printing::Printer;
use super::procedures::Procedures;
use super::queue::Queue;
use super::rating::Rating;
use super::scan::Scan;
use super::setup::Setup;
use super::voice::Voice;
use crate::config::{Config, Language};
use crate::domain::clock::Clock;
use crate::domain::localtime::{format_time, service_day};
use crate::ui::{KioskWindow, Nav, Page, Session};
use slint::ComponentHandle;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// How long after a change that repaints most of the window (the search
/// keyboard opening or closing) the kiosk draws one more frame. That frame
/// repaints the same area into the other of the two buffers the renderers
/// draw into in turn, while the finger is still on its way to a key, so the
/// first key's frame repaints only what the key changed (issue 14: keystroke
/// → frame). A real next tap is hundreds of milliseconds away.
pub const SETTLE_FRAME_AFTER: Duration = Duration::from_millis(50);

/// The features, by name where something outside them needs the handle.
struct Features {
    idle: Arc<Idle>,
    scan: Arc<Scan>,
    printer: Arc<Printer>,
    queue: Arc<Queue>,
    procedures: Arc<Procedures>,
    setup: Arc<Setup>,
    voice: Arc<Voice>,
}

impl Features {
    fn new(ctx: &Arc<KioskContext>) -> Self {
        let idle = Idle::new(&ctx.cfg);
        let scan = Scan::new(ctx.clone(), idle.clone());
        let printer = Printer::new(ctx.clone());
        let voice = Arc::new(Voice::from_config(&ctx.cfg));
        let queue = Queue::new(ctx.clone(), scan.clone(), printer.clone(), voice.clone());
        let procedures = Procedures::new(ctx.clone(), printer.clone());
        let setup = Setup::new(ctx.clone(), printer.clone(), scan.clone(), procedures.clone());
        Features { idle, scan, printer, queue, procedures, setup, voice }
    }

    /// Every feature, in the order they hear the kiosk's events (the ticket
    /// countdown before the idle rule, as both may end the session; the
    /// voice last, so it hears what the others just showed).
    fn all(&self, ctx: &Arc<KioskContext>) -> Vec<Arc<dyn Feature>> {
        vec![
            self.queue.clone(),
            self.setup.clone(),
            self.scan.clone(),
            self.procedures.clone(),
            Dossier::new(ctx.clone()),
            Rating::new(ctx.clone()),
            Help::new(ctx.clone()),
            self.idle.clone(),
            self.voice.clone(),
        ]
    }
}

/// Shared by the kiosk's own handlers (UI thread only).
struct Shell {
    ctx: Arc<KioskContext>,
    features: Vec<Arc<dyn Feature>>,
}

impl Shell {
    fn set_language(&self, ui: &KioskWindow, lang: Language) {
        self.ctx.set_lang(lang);
        super::i18n::select(lang);
        ui.global::<Session>().set_language(lang.code().into());
        self.update_clock(ui);
        for f in &self.features {
            f.refresh_texts(ui);
        }
    }

    fn update_clock(&self, ui: &KioskWindow) {
        let now = self.ctx.now();
        let s = ui.global::<Session>();
        s.set_clock_time(format_time(now).into());
        s.set_clock_date(super::i18n::long_date(self.ctx.lang(), service_day(now)).into());
        s.set_online(self.ctx.backend.online());
        s.set_issuing(match self.ctx.backend.issuing() {
            Issuing::Normal => crate::ui::Issuing::Normal,
            Issuing::Offline => crate::ui::Issuing::Offline,
            Issuing::Unavailable => crate::ui::Issuing::Unavailable,
        });
    }

    /// Ends the citizen's session: every feature forgets what it held and
    /// empties its screen, then the kiosk shows home in its own language.
    fn end_session(&self, ui: &KioskWindow) {
        for f in &self.features {
            f.end_session(ui);
        }
        // "Chữ to / Tương phản cao" lasts one citizen's session.
        self.set_theme(ui, "");
        if self.ctx.cfg.kiosk.language != self.ctx.lang() {
            self.set_language(ui, self.ctx.cfg.kiosk.language);
        }
        ui.global::<Nav>().set_page(Page::Home);
    }

    /// The citizen's own theme for this session: `large-text`,
    /// `high-contrast`, or "" (the kiosk's configured one).
    fn set_theme(&self, ui: &KioskWindow, choice: &str) {
        let variant = match choice {
            "large-text" => crate::config::ThemeVariant::LargeText,
            "high-contrast" => crate::config::ThemeVariant::HighContrast,
            _ => self.ctx.cfg.kiosk.theme,
        };
        let known = matches!(choice, "large-text" | "high-contrast");
        ui.global::<Session>().set_theme_choice(if known { choice.into() } else { "".into() });
        ui.global::<crate::ui::Theme>().set_variant(theme_variant(variant));
    }

    fn navigated(&self, ui: &KioskWindow, page: Page) {
        for f in &self.features {
            f.navigated(ui, page);
        }
    }

    fn tick(&self, ui: &KioskWindow) {
        self.update_clock(ui);
        for f in &self.features {
            f.tick(ui);
        }
    }
}

pub struct KioskApp {
    pub ui: KioskWindow,
    ctx: Arc<KioskContext>,
    features: Features,
    shell: Rc<Shell>,
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
        let ctx = KioskContext::new(cfg, rt, poster, backend, clock);
        let features = Features::new(&ctx);
        let shell = Rc::new(Shell { features: features.all(&ctx), ctx: ctx.clone() });
        let mut app = KioskApp { ui, ctx, features, shell, timers: Vec::new(), readers: Vec::new() };
        app.wire();
        app
    }

    fn wire(&mut self) {
        let ui = &self.ui;
        let cfg = &self.ctx.cfg;
        let session = ui.global::<Session>();
        session.set_centre_name(cfg.centre.name.as_str().into());
        session.set_centre_address(cfg.centre.address.as_str().into());
        ui.global::<crate::ui::Theme>().set_variant(theme_variant(cfg.kiosk.theme));

        let on_ui = |f: fn(&Shell, &KioskWindow)| {
            let (weak, shell) = (ui.as_weak(), self.shell.clone());
            move || {
                if let Some(ui) = weak.upgrade() {
                    f(&shell, &ui);
                }
            }
        };
        session.on_set_language({
            let (weak, shell) = (ui.as_weak(), self.shell.clone());
            move |code| {
                if let (Some(ui), Some(lang)) = (weak.upgrade(), Language::parse(&code)) {
                    shell.set_language(&ui, lang);
                }
            }
        });
        session.on_end_session(on_ui(Shell::end_session));
        session.on_settle_frame({
            let weak = ui.as_weak();
            move || {
                let weak = weak.clone();
                slint::Timer::single_shot(SETTLE_FRAME_AFTER, move || {
                    if let Some(ui) = weak.upgrade() {
                        ui.window().request_redraw();
                    }
                });
            }
        });
        session.on_set_theme({
            let (weak, shell) = (ui.as_weak(), self.shell.clone());
            move |choice| {
                if let Some(ui) = weak.upgrade() {
                    // A second tap on the chosen one goes back to the kiosk's own.
                    let current = ui.global::<Session>().get_theme_choice();
                    shell.set_theme(&ui, if current == choice { "" } else { choice.as_str() });
                }
            }
        });
        ui.global::<Nav>().on_navigated({
            let (weak, shell) = (ui.as_weak(), self.shell.clone());
            move |page| {
                if let Some(ui) = weak.upgrade() {
                    shell.navigated(&ui, page);
                }
            }
        });
        for f in &self.shell.features {
            f.clone().wire(ui);
        }
        self.shell.set_language(ui, cfg.kiosk.language);

        // One tick drives the clock, the idle rule and the ticket countdown.
        let tick = slint::Timer::default();
        tick.start(slint::TimerMode::Repeated, TICK, on_ui(Shell::tick));
        self.timers.push(tick);
    }

    /// Loads the procedure catalog from the data directory in the background
    /// (installing the bundled one on first run).
    pub fn load_catalog(&self) {
        self.features.procedures.load(&self.ui);
    }

    /// Uses an already loaded catalog (snapshots, tests).
    pub fn set_catalog(&self, catalog: Arc<crate::catalog::Catalog>) {
        self.features.procedures.set_catalog(&self.ui, catalog);
    }

    /// Forgets the procedure catalog (snapshots and tests of a kiosk without one).
    pub fn clear_catalog(&self) {
        self.features.procedures.clear_catalog(&self.ui);
    }

    /// The procedure look-up (its catalog follows the centre's, see
    /// [`procedures::sync_catalog`](super::procedures::sync_catalog)).
    pub fn procedures(&self) -> &Arc<Procedures> {
        &self.features.procedures
    }

    /// Starts the barcode reader threads of `scanner.ports`.
    pub fn start_hardware(&mut self) {
        self.readers = self.features.scan.start_readers(&self.ui);
    }

    /// Stops the clock/idle tick (headless snapshots must not depend on how
    /// long rendering takes).
    pub fn stop_timers(&self) {
        for t in &self.timers {
            t.stop();
        }
    }

    /// Switches the language as the language button does.
    pub fn set_language(&self, lang: Language) {
        self.ui.global::<Session>().invoke_set_language(lang.code().into());
    }

    /// Ends the citizen's session as the screens do.
    pub fn end_session(&self) {
        super::context::end_session(&self.ui);
    }

    /// Shows `ticket` as if it had just been issued (snapshots).
    pub fn show_ticket(&self, ticket: super::backend::IssuedTicket) {
        self.features.queue.present(&self.ui, ticket);
        self.ui.global::<Nav>().invoke_go(Page::Ticket);
    }

    /// The device health reported in heartbeats, read from the features on
    /// the heartbeat's own task.
    pub fn health_source(&self) -> impl Fn() -> crate::centre::link::DeviceHealth + Send + Sync + 'static {
        let setup = self.features.setup.clone();
        move || setup.health()
    }

    /// Whether the setup pages saved new settings and the kiosk must start
    /// again to apply them (the event loop has been asked to end).
    pub fn restart_requested(&self) -> bool {
        self.ctx.restart_requested()
    }

    /// Opens the setup page as the right PIN would (snapshots).
    pub fn unlock_setup(&self) {
        self.features.setup.unlock(&self.ui);
    }

    /// Speaks into `sink` instead of the configured player (tests: a
    /// recording sink); with `kiosk.voice` off the kiosk stays silent.
    pub fn use_voice_sink(&self, sink: Box<dyn super::audio::AudioSink>) {
        self.features.voice.use_sink(sink);
    }

    /// Waits until the voice has read everything it was given (tests); false on timeout.
    pub fn wait_voice_idle(&self, timeout: Duration) -> bool {
        self.features.voice.wait_idle(timeout)
    }

    /// Shows how a print ended on the ticket screen (snapshots of printer failures).
    pub fn show_print_result(&self, result: Result<(), super::printing::PrintFailure>) {
        self.features.printer.show_result(&self.ui, result);
    }

    /// Runs one tick now (the clock, the status line, the reader check).
    pub fn tick_now(&self) {
        self.shell.tick(&self.ui);
    }

    /// What the features still hold of the citizen's session, by name
    /// ("citizen", "ticket", "dossier", …); empty after a session ends.
    pub fn session_data(&self) -> Vec<&'static str> {
        self.shell.features.iter().flat_map(|f| f.session_data()).collect()
    }

    /// Runs queued background results (tests; no-op with the event loop).
    pub fn pump(&self) -> usize {
        self.ctx.poster.pump()
    }

    /// Waits up to `timeout` for a posted result, then runs all queued ones (tests).
    pub fn pump_wait(&self, timeout: Duration) -> usize {
        self.ctx.poster.pump_wait(timeout)
    }

    /// Runs background results until no background work is in flight
    /// (tests, snapshots). False when `timeout` passed first.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        self.ctx.poster.wait_idle(timeout)
    }
}

pub fn theme_variant(v: crate::config::ThemeVariant) -> crate::ui::ThemeVariant {
    match v {
        crate::config::ThemeVariant::Normal => crate::ui::ThemeVariant::Normal,
        crate::config::ThemeVariant::LargeText => crate::ui::ThemeVariant::LargeText,
        crate::config::ThemeVariant::HighContrast => crate::ui::ThemeVariant::HighContrast,
    }
}
