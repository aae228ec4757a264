//! The counter screen role's controller: a [`CounterWindow`] for one counter,
//! fed by the display's event feed ([`display_feed`](super::display_feed))
//! filtered to that counter, so it reconnects and resyncs exactly like a board.
//!
//! What it shows is decided by [`CounterFlow`] (plain rules): the state, the
//! flash on a new call, and, when `counter.rating` is on, the rating of the
//! ticket just served, sent to `POST /api/v1/counters/{n}/rating` with the
//! device's counter token. The one-second timer ends the question and the
//! thanks on time and changes the clock; otherwise nothing is redrawn.

use super::display_feed::{self, FeedHandle, FeedObserver, FeedOptions, FeedView};
use super::poster::Poster;
use crate::centre::api::CounterRatingRequest;
use crate::centre::ApiClient;
use crate::config::{Config, Language};
use crate::domain::announce::Announcement;
use crate::domain::board::{BoardFilter, BoardState, ServiceNames};
use crate::domain::clock::Clock;
use crate::domain::counter_screen::{CounterFlow, CounterShows, OpeningHours, RatingTimes};
use crate::domain::rating::RatingLevel;
use crate::ui::{CounterScreen, CounterTexts, CounterWindow};
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Half-seconds a new call flashes (six seconds: a deaf citizen who looked
/// away notices).
pub const FLASH_HALF_SECONDS: i32 = 12;

/// The texts of the screen in `lang`.
pub fn texts(lang: Language) -> CounterTexts {
    let t = |vi: &str, en: &str| slint::SharedString::from(super::i18n::pick(lang, vi, en));
    CounterTexts {
        counter: t("Quầy", "Counter"),
        calling: t("Mời số", "Now calling"),
        serving: t("Đang phục vụ", "Now serving"),
        paused: t("Tạm dừng", "Paused"),
        paused_hint: t(
            "Quầy tạm dừng, xin quý khách chờ trong giây lát",
            "This counter is paused; please wait a moment",
        ),
        idle: t("Sẵn sàng", "Open"),
        idle_hint: t("Xin quý khách chờ gọi số", "Please wait for your number"),
        closed: t("Quầy đã đóng", "Counter closed"),
        closed_hint: t("Ngoài giờ làm việc", "Outside opening hours"),
        connecting: t("Đang kết nối…", "Connecting…"),
        question: t("Quý khách có hài lòng với sự phục vụ?", "Were you satisfied with the service?"),
        very_satisfied: t("Rất hài lòng", "Very satisfied"),
        satisfied: t("Hài lòng", "Satisfied"),
        dissatisfied: t("Không hài lòng", "Not satisfied"),
        thanks: t("Cảm ơn quý khách!", "Thank you!"),
        offline: t("Mất kết nối từ", "Offline since"),
    }
}

/// A rating sent (or given up): the ticket, and the centre's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRating {
    pub ticket: String,
    pub level: u8,
    /// `Ok(true)` stored now, `Ok(false)` the centre had it already, `Err` why not.
    pub result: Result<bool, String>,
}

struct Model {
    board: BoardState,
    hours: Arc<OpeningHours>,
    names: Arc<ServiceNames>,
    names_en: Arc<BTreeMap<String, String>>,
    skew: chrono::Duration,
    disconnected_since: Option<DateTime<Utc>>,
    flow: CounterFlow,
    /// A new call arrived: the next drawing starts the flash.
    flash_pending: bool,
    redraw_posted: bool,
    clock_text: String,
    draws: u64,
    sent: Vec<SentRating>,
    sender: Option<Sender>,
}

type SharedModel = Arc<Mutex<Model>>;

fn lock(m: &SharedModel) -> std::sync::MutexGuard<'_, Model> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What drawing needs besides the model.
#[derive(Clone)]
struct Env {
    lang: Language,
    clock: Arc<dyn Clock>,
}

fn draw(ui: &CounterWindow, model: &SharedModel, env: &Env) {
    let mut m = lock(model);
    m.redraw_posted = false;
    let now = env.clock.now();
    let centre_now = now + m.skew;
    let shows = m.flow.shows(&m.board, &m.hours, centre_now);
    let s = ui.global::<CounterScreen>();
    s.set_state(shows.key().into());
    let (ticket, service) = match &shows {
        CounterShows::Called { ticket, service }
        | CounterShows::Serving { ticket, service }
        | CounterShows::Rating { ticket, service } => (ticket.as_str(), service.as_str()),
        _ => ("", ""),
    };
    s.set_ticket(ticket.into());
    let name = match env.lang {
        Language::Vi => m.names.get(service).map(|n| n.0.clone()),
        Language::En => m.names_en.get(service).cloned().filter(|n| !n.is_empty()),
    };
    s.set_service(name.unwrap_or_else(|| service.to_string()).into());
    s.set_connected(m.disconnected_since.is_none());
    if let Some(since) = m.disconnected_since {
        s.set_disconnected_since(crate::domain::localtime::format_time(since).into());
    }
    if std::mem::take(&mut m.flash_pending) && matches!(shows, CounterShows::Called { .. }) {
        s.set_flash_left(FLASH_HALF_SECONDS);
    }
    m.clock_text = crate::domain::localtime::format_time(now);
    s.set_clock_time(m.clock_text.as_str().into());
    m.draws += 1;
}

/// The one-second tick: the rating question and thanks end on time; the
/// clock (and closed/idle, which follows the hours) changes once a minute.
fn tick(ui: &CounterWindow, model: &SharedModel, env: &Env) {
    let redraw = {
        let mut m = lock(model);
        let now = env.clock.now();
        let skew = m.skew;
        let ended = m.flow.tick(now + skew);
        ended || crate::domain::localtime::format_time(now) != m.clock_text
    };
    if redraw {
        draw(ui, model, env);
    }
}

/// The citizen tapped a level: thanks at once, the rating goes to the centre
/// in the background (once: a second tap finds nothing asked).
fn rate(ui: &CounterWindow, model: &SharedModel, env: &Env, n: u32, level: i32) {
    let (answered, sender) = {
        let mut m = lock(model);
        let now = env.clock.now() + m.skew;
        (m.flow.answered(now), m.sender.clone())
    };
    draw(ui, model, env);
    let (Some(finished), Some(sender)) = (answered, sender) else { return };
    let level = match level {
        3 => RatingLevel::VerySatisfied,
        2 => RatingLevel::Satisfied,
        _ => RatingLevel::Dissatisfied,
    };
    let req = CounterRatingRequest {
        ticket_number: finished.ticket.clone(),
        level,
        idempotency_key: format!("counter-{n}-{}", uuid::Uuid::new_v4()),
    };
    let model = model.clone();
    sender.poster.spawn(&sender.rt, &ui.as_weak(), send_rating(sender.client, n, req), move |_, sent| {
        lock(&model).sent.push(sent);
    });
}

/// Where ratings go once the screen follows a centre.
#[derive(Clone)]
struct Sender {
    client: ApiClient,
    rt: tokio::runtime::Handle,
    poster: Poster,
}

/// Feeds the window from the feed task.
pub struct UiObserver {
    model: SharedModel,
    poster: Poster,
    ui: slint::Weak<CounterWindow>,
    env: Env,
}

impl FeedObserver for UiObserver {
    fn update(&self, v: &FeedView<'_>) {
        let mut m = lock(&self.model);
        m.board = v.board.clone();
        m.disconnected_since = v.disconnected_since;
        m.skew = v.skew;
        if !Arc::ptr_eq(&m.names, v.names) {
            m.names = v.names.clone();
        }
        if !Arc::ptr_eq(&m.names_en, v.names_en) {
            m.names_en = v.names_en.clone();
        }
        if !Arc::ptr_eq(&m.hours, v.hours) {
            m.hours = v.hours.clone();
        }
        let now = self.env.clock.now() + v.skew;
        let board = m.board.clone();
        if m.flow.update(&board, now) {
            m.flash_pending = true;
        }
        if m.redraw_posted {
            return;
        }
        m.redraw_posted = true;
        drop(m);
        let (model, env) = (self.model.clone(), self.env.clone());
        self.poster.post_to(&self.ui, move |ui| draw(ui, &model, &env));
    }

    /// The counter screen is silent: the board reads calls out.
    fn announce(&self, _: Announcement) {}
}

/// The counter screen window with its clock timer and, once connected, its feed.
pub struct CounterApp {
    pub ui: CounterWindow,
    model: SharedModel,
    env: Env,
    counter: u32,
    timer: slint::Timer,
    feed: Option<FeedHandle>,
}

impl CounterApp {
    /// Sets up the window for `cfg.counter.number` and starts the clock tick.
    pub fn new(ui: CounterWindow, cfg: &Config, clock: Arc<dyn Clock>) -> CounterApp {
        let n = cfg.counter.number;
        let s = ui.global::<CounterScreen>();
        s.set_counter(n as i32);
        s.set_texts(texts(cfg.counter.language));
        let rating = cfg.counter.rating.then(|| RatingTimes {
            max_age: chrono::Duration::minutes(2),
            ask_for: chrono::Duration::seconds(i64::from(cfg.counter.rating_secs)),
            thanks_for: chrono::Duration::seconds(i64::from(cfg.counter.thanks_secs)),
        });
        let model = Arc::new(Mutex::new(Model {
            board: BoardState::new(filter(n), 1),
            hours: Arc::default(),
            names: Arc::default(),
            names_en: Arc::default(),
            skew: chrono::Duration::zero(),
            disconnected_since: None,
            flow: CounterFlow::new(n, rating),
            flash_pending: false,
            redraw_posted: false,
            clock_text: String::new(),
            draws: 0,
            sent: Vec::new(),
            sender: None,
        }));
        let env = Env { lang: cfg.counter.language, clock };
        let app = CounterApp { ui, model, env, counter: n, timer: slint::Timer::default(), feed: None };
        let (model, env, weak) = (app.model.clone(), app.env.clone(), app.ui.as_weak());
        app.ui.global::<CounterScreen>().on_rate(move |level| {
            if let Some(ui) = weak.upgrade() {
                rate(&ui, &model, &env, n, level);
            }
        });
        app.redraw();
        let (weak, model, env) = (app.ui.as_weak(), app.model.clone(), app.env.clone());
        app.timer.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(ui) = weak.upgrade() {
                tick(&ui, &model, &env);
            }
        });
        app
    }

    /// The observer that feeds this window, posting through `poster`.
    pub fn observer(&self, poster: Poster) -> Arc<UiObserver> {
        Arc::new(UiObserver {
            model: self.model.clone(),
            poster,
            ui: self.ui.as_weak(),
            env: self.env.clone(),
        })
    }

    /// Follows the centre behind `client` (a counter device's token) on `rt`;
    /// ratings go through the same client.
    pub fn connect(
        &mut self,
        rt: &tokio::runtime::Handle,
        client: ApiClient,
        opts: FeedOptions,
        poster: Poster,
    ) {
        let observer = self.observer(poster.clone());
        let opts = FeedOptions { filter: filter(self.counter), max_recent: 1, ..opts };
        self.feed = Some(display_feed::spawn(rt, client.clone(), opts, self.env.clock.clone(), observer));
        lock(&self.model).sender = Some(Sender { client, rt: rt.clone(), poster });
    }

    /// Stops following the centre (the screen keeps what it shows).
    pub fn disconnect(&mut self) {
        self.feed = None;
    }

    pub fn redraw(&self) {
        draw(&self.ui, &self.model, &self.env);
    }

    /// What the timer does each second (tests call it directly).
    pub fn tick(&self) {
        tick(&self.ui, &self.model, &self.env);
    }

    pub fn stop_timer(&self) {
        self.timer.stop();
    }

    pub fn draws(&self) -> u64 {
        lock(&self.model).draws
    }

    /// Ratings sent so far, with the centre's answers.
    pub fn ratings_sent(&self) -> Vec<SentRating> {
        lock(&self.model).sent.clone()
    }

    /// The board as last received (this counter only).
    pub fn board(&self) -> BoardState {
        lock(&self.model).board.clone()
    }
}

fn filter(n: u32) -> BoardFilter {
    BoardFilter { counters: vec![n], services: Vec::new() }
}

/// Sends a rating, retrying a lost link a few times with the same key (the
/// centre stores it once); a refusal is final.
async fn send_rating(client: ApiClient, n: u32, req: CounterRatingRequest) -> SentRating {
    let mut delay = Duration::from_millis(500);
    let mut result = Err(String::new());
    for _ in 0..6 {
        match client.rate_at_counter(n, &req).await {
            Ok((_, created)) => {
                result = Ok(created);
                break;
            }
            Err(e @ crate::centre::LinkError::Rejected { .. }) => {
                tracing::warn!(ticket = %req.ticket_number, error = %e, "the centre refused the rating");
                result = Err(e.to_string());
                break;
            }
            Err(e) => {
                tracing::info!(error = %e, "rating not sent yet; retrying");
                result = Err(e.to_string());
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
        }
    }
    SentRating { ticket: req.ticket_number, level: req.level.value(), result }
}
