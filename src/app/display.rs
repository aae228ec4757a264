//! The display board role's controller: the [`DisplayWindow`] fed by a
//! [`display_feed`](super::display_feed) task.
//!
//! The feed runs on tokio and never touches Slint objects: its observer
//! ([`UiObserver`]) copies the board into a shared model and posts at most one
//! redraw at a time to the UI thread (a burst of replayed events is drawn
//! once). The only timer is the one-second clock tick, which changes the
//! clock text when the minute changes, turns the page when the counters do
//! not fit one page (every `display.page_secs`), and redraws when the window
//! was resized;
//! otherwise nothing is redrawn.

use super::audio::Announcer;
use super::board::{closed_counters, fit_scale, page_count, show, show_clock, tiles_per_page, BoardView};
use super::display_feed::{self, FeedHandle, FeedObserver, FeedOptions, FeedView};
use super::poster::Poster;
use crate::centre::ApiClient;
use crate::config::Config;
use crate::domain::announce::Announcement;
use crate::domain::board::Call;
use crate::domain::board::{BoardFilter, BoardState, ServiceNames};
use crate::domain::clock::Clock;
use crate::domain::counter_screen::OpeningHours;
use crate::ui::{Board, DisplayWindow};
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the UI thread draws from; the feed's observer writes it.
struct Model {
    board: BoardState,
    disconnected_since: Option<DateTime<Utc>>,
    names: Arc<ServiceNames>,
    hours: Arc<OpeningHours>,
    /// The newest call drawn last; `None` before the first drawing (which
    /// never flashes: the board was switched on, nothing was called).
    drawn_latest: Option<Option<Call>>,
    /// Counters drawn as closed (the tick redraws when the hours change it).
    closed: Vec<u32>,
    page: usize,
    /// A redraw is posted and has not run yet.
    redraw_posted: bool,
    /// The clock text shown (the tick changes it only when it differs).
    clock_text: String,
    /// Window size (logical) of the last drawing.
    size: (f32, f32),
    /// The configured `display.scale` (a dense board may draw smaller).
    scale: f32,
    ticks: u64,
    /// Times the board was drawn (diagnostics and tests).
    draws: u64,
}

type SharedModel = Arc<Mutex<Model>>;

fn lock(m: &SharedModel) -> std::sync::MutexGuard<'_, Model> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn logical_size(ui: &DisplayWindow) -> (f32, f32) {
    let w = ui.window();
    let s = w.size().to_logical(w.scale_factor());
    (s.width, s.height)
}

/// Draws the model into the `Board` global.
fn draw(ui: &DisplayWindow, model: &SharedModel, now: DateTime<Utc>) {
    let mut m = lock(model);
    m.redraw_posted = false;
    m.size = logical_size(ui);
    fit_scale(ui, &m.board, m.scale);
    let pages = page_count(&m.board, tiles_per_page(ui, &m.board));
    m.page %= pages;
    show(
        ui,
        &BoardView {
            state: &m.board,
            names: &m.names,
            disconnected_since: m.disconnected_since,
            now,
            hours: &m.hours,
            page: m.page,
            size: m.size,
            scale: m.scale,
        },
    );
    m.closed = closed_counters(&m.board, &m.hours, now);
    // A new call (or a recall) flashes the banner for a few seconds.
    let latest = m.board.latest.clone();
    if m.drawn_latest.as_ref().is_some_and(|prev| *prev != latest) && latest.is_some() {
        ui.global::<crate::ui::Board>().set_flash_left(super::counter::FLASH_HALF_SECONDS);
    }
    m.drawn_latest = Some(latest);
    m.clock_text = super::board::show_clock(ui, now);
    m.draws += 1;
}

/// The one-second tick: clock, paging, resize.
fn tick(ui: &DisplayWindow, model: &SharedModel, now: DateTime<Utc>, page_every: u64) {
    let redraw = {
        let mut m = lock(model);
        m.ticks += 1;
        let local = crate::domain::localtime::format_time(now);
        let mut redraw = logical_size(ui) != m.size;
        if local != m.clock_text {
            m.clock_text = show_clock(ui, now);
            // Opening hours begin or end on the minute.
            redraw |= closed_counters(&m.board, &m.hours, now) != m.closed;
        }
        if page_count(&m.board, tiles_per_page(ui, &m.board)) > 1 && m.ticks.is_multiple_of(page_every.max(1))
        {
            m.page += 1;
            redraw = true;
        }
        redraw
    };
    if redraw {
        draw(ui, model, now);
    }
}

/// Feeds the UI from the feed task (see the module comment).
pub struct UiObserver {
    model: SharedModel,
    poster: Poster,
    ui: slint::Weak<DisplayWindow>,
    clock: Arc<dyn Clock>,
    announcer: Option<Arc<Announcer>>,
}

impl FeedObserver for UiObserver {
    fn update(&self, v: &FeedView<'_>) {
        let mut m = lock(&self.model);
        m.board = v.board.clone();
        m.disconnected_since = v.disconnected_since;
        if !Arc::ptr_eq(&m.names, v.names) {
            m.names = v.names.clone();
        }
        if !Arc::ptr_eq(&m.hours, v.hours) {
            m.hours = v.hours.clone();
        }
        if m.redraw_posted {
            return;
        }
        m.redraw_posted = true;
        drop(m);
        let (model, clock) = (self.model.clone(), self.clock.clone());
        self.poster.post_to(&self.ui, move |ui| draw(ui, &model, clock.now()));
    }

    fn announce(&self, call: Announcement) {
        if let Some(a) = &self.announcer {
            a.announce(call);
        }
    }
}

/// Where the call audio comes from.
#[derive(Clone)]
enum Sound {
    /// Given by the caller (tests, a recording sink): kept as it is.
    Fixed(Option<Arc<Announcer>>),
    /// Made from `display.audio_command` and the sound settings (remade when they change).
    FromConfig(Option<Arc<Announcer>>),
}

impl Sound {
    fn announcer(&self) -> Option<Arc<Announcer>> {
        match self {
            Sound::Fixed(a) | Sound::FromConfig(a) => a.clone(),
        }
    }
}

/// What the board follows, kept so the setup can change the filter and the
/// sound while the board runs (no restart).
struct Link {
    rt: tokio::runtime::Handle,
    client: ApiClient,
    opts: FeedOptions,
    poster: Poster,
    sound: Sound,
    feed: Option<FeedHandle>,
}

/// The running board's link, shared with its setup.
#[derive(Clone)]
pub struct BoardHandle {
    model: SharedModel,
    clock: Arc<dyn Clock>,
    ui: slint::Weak<DisplayWindow>,
    link: Arc<Mutex<Option<Link>>>,
}

impl BoardHandle {
    /// The centre the board follows (the setup reads its counters and services).
    pub fn client(&self) -> Option<(tokio::runtime::Handle, ApiClient)> {
        let link = self.link.lock().unwrap_or_else(|p| p.into_inner());
        link.as_ref().map(|l| (l.rt.clone(), l.client.clone()))
    }

    /// Applies new `[display]` settings now: the feed starts again with the
    /// new filter (a full resync: the board then shows only those counters
    /// and services) and the call audio is remade from the new settings.
    pub fn reconfigure(&self, cfg: &Config) {
        let mut guard = self.link.lock().unwrap_or_else(|p| p.into_inner());
        let Some(link) = guard.as_mut() else { return };
        let new = FeedOptions::from_config(cfg);
        link.opts.filter = new.filter;
        link.opts.max_recent = new.max_recent;
        if let Sound::FromConfig(_) = link.sound {
            link.sound = Sound::FromConfig(super::audio::announcer_for(&cfg.display));
        }
        // The old feed stops first: two feeds never draw the same window.
        link.feed = None;
        let observer = Arc::new(UiObserver {
            model: self.model.clone(),
            poster: link.poster.clone(),
            ui: self.ui.clone(),
            clock: self.clock.clone(),
            announcer: link.sound.announcer(),
        });
        link.feed = Some(display_feed::spawn(
            &link.rt,
            link.client.clone(),
            link.opts.clone(),
            self.clock.clone(),
            observer,
        ));
        tracing::info!(
            counters = ?link.opts.filter.counters,
            services = ?link.opts.filter.services,
            "display settings applied"
        );
    }
}

/// The board window with its clock timer and, once connected, its feed.
pub struct DisplayApp {
    pub ui: DisplayWindow,
    model: SharedModel,
    clock: Arc<dyn Clock>,
    page_every: u64,
    timer: slint::Timer,
    link: Arc<Mutex<Option<Link>>>,
}

impl DisplayApp {
    /// Sets up the window from the config (centre name, notice, scale) and
    /// starts the clock tick. Call [`connect`](Self::connect) to follow a centre.
    pub fn new(ui: DisplayWindow, cfg: &Config, clock: Arc<dyn Clock>) -> DisplayApp {
        let b = ui.global::<Board>();
        b.set_centre_name(cfg.centre.name.as_str().into());
        b.set_notice(cfg.display.notice.as_str().into());
        b.set_scale(cfg.display.scale);
        let filter =
            BoardFilter { counters: cfg.display.counters.clone(), services: cfg.display.services.clone() };
        let model = Arc::new(Mutex::new(Model {
            board: BoardState::new(filter, cfg.display.recent_calls as usize),
            disconnected_since: None,
            names: Arc::default(),
            hours: Arc::default(),
            drawn_latest: None,
            closed: Vec::new(),
            page: 0,
            redraw_posted: false,
            clock_text: String::new(),
            size: (0.0, 0.0),
            scale: cfg.display.scale,
            ticks: 0,
            draws: 0,
        }));
        let app = DisplayApp {
            ui,
            model,
            clock,
            page_every: u64::from(cfg.display.page_secs.max(1)),
            timer: slint::Timer::default(),
            link: Arc::default(),
        };
        app.redraw();
        let (weak, model, clock, every) =
            (app.ui.as_weak(), app.model.clone(), app.clock.clone(), app.page_every);
        app.timer.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(ui) = weak.upgrade() {
                tick(&ui, &model, clock.now(), every);
            }
        });
        app
    }

    /// The observer that feeds this window (posting through `poster`) and
    /// reads calls out through `announcer`.
    pub fn observer(&self, poster: Poster, announcer: Option<Arc<Announcer>>) -> Arc<UiObserver> {
        Arc::new(UiObserver {
            model: self.model.clone(),
            poster,
            ui: self.ui.as_weak(),
            clock: self.clock.clone(),
            announcer,
        })
    }

    /// Follows the centre behind `client` on `rt` (replaces a previous feed),
    /// reading calls out through `announcer` (kept when the settings change).
    pub fn connect(
        &mut self,
        rt: &tokio::runtime::Handle,
        client: ApiClient,
        opts: FeedOptions,
        poster: Poster,
        announcer: Option<Arc<Announcer>>,
    ) {
        self.start(rt, client, opts, poster, Sound::Fixed(announcer));
    }

    /// [`connect`](Self::connect) with the call audio made from the config
    /// (`display.audio_command`, chime, voice, volume), remade when the setup
    /// changes them.
    pub fn connect_with_sound(
        &mut self,
        rt: &tokio::runtime::Handle,
        client: ApiClient,
        opts: FeedOptions,
        poster: Poster,
        cfg: &Config,
    ) {
        self.start(rt, client, opts, poster, Sound::FromConfig(super::audio::announcer_for(&cfg.display)));
    }

    fn start(
        &mut self,
        rt: &tokio::runtime::Handle,
        client: ApiClient,
        opts: FeedOptions,
        poster: Poster,
        sound: Sound,
    ) {
        let mut guard = self.link.lock().unwrap_or_else(|p| p.into_inner());
        *guard = None;
        let observer = self.observer(poster.clone(), sound.announcer());
        let feed = display_feed::spawn(rt, client.clone(), opts.clone(), self.clock.clone(), observer);
        *guard = Some(Link { rt: rt.clone(), client, opts, poster, sound, feed: Some(feed) });
    }

    /// Stops following the centre (the board keeps what it shows).
    pub fn disconnect(&mut self) {
        *self.link.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The handle the board's setup changes the running board through.
    pub fn handle(&self) -> BoardHandle {
        BoardHandle {
            model: self.model.clone(),
            clock: self.clock.clone(),
            ui: self.ui.as_weak(),
            link: self.link.clone(),
        }
    }

    /// Draws the board now.
    pub fn redraw(&self) {
        draw(&self.ui, &self.model, self.clock.now());
    }

    /// What the clock timer does each second (tests call it directly).
    pub fn tick(&self) {
        tick(&self.ui, &self.model, self.clock.now(), self.page_every);
    }

    /// Stops the clock timer (snapshots, tests that tick by hand).
    pub fn stop_timer(&self) {
        self.timer.stop();
    }

    /// Times the board was drawn so far.
    pub fn draws(&self) -> u64 {
        lock(&self.model).draws
    }

    /// A copy of the board as last received from the feed.
    pub fn board(&self) -> BoardState {
        lock(&self.model).board.clone()
    }
}
