//! The counter screen (`run --role counter`) against a real centre: an axum
//! server on 127.0.0.1 with a real SQLite file, the real HTTP client and SSE
//! stream, the real window through Slint's testing backend. Short backoff and
//! keep-alives keep each test within a few seconds.

mod common;

use common::{TestCentre, COUNTER_TOKEN};
use motcua_kiosk::app::counter::{CounterApp, SentRating, FLASH_HALF_SECONDS};
use motcua_kiosk::app::display_feed::FeedOptions;
use motcua_kiosk::app::poster::Poster;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::ApiClient;
use motcua_kiosk::config::{Config, Language};
use motcua_kiosk::domain::board::BoardFilter;
use motcua_kiosk::domain::clock::{Clock, MockClock};
use motcua_kiosk::ui::{CounterScreen, CounterWindow};
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEP_ALIVE: Duration = Duration::from_millis(200);
const WAIT: Duration = Duration::from_secs(5);

fn opts() -> FeedOptions {
    FeedOptions {
        filter: BoardFilter::default(),
        max_recent: 8,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        silence_timeout: Duration::from_secs(2),
        announce_max_age: Duration::from_secs(90),
        rollover_grace: Duration::from_millis(200),
    }
}

thread_local! {
    static SLINT_READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn screen(cfg: &Config, clock: Arc<dyn Clock>) -> CounterApp {
    if !SLINT_READY.get() {
        i_slint_backend_testing::init_no_event_loop();
        SLINT_READY.set(true);
    }
    let ui = CounterWindow::new().unwrap();
    ui.window().set_size(slint::PhysicalSize::new(1024, 600));
    ui.show().unwrap();
    let app = CounterApp::new(ui, cfg, clock);
    app.stop_timer();
    app
}

fn counter_client(c: &TestCentre) -> ApiClient {
    ApiClient::new(&c.url, COUNTER_TOKEN, Duration::from_millis(500), Duration::from_secs(10)).unwrap()
}

/// Runs posted UI updates until `pred` holds on the window.
fn pump_until(poster: &Poster, app: &CounterApp, what: &str, pred: impl Fn(&CounterScreen) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !pred(&app.ui.global::<CounterScreen>()) {
        let s = app.ui.global::<CounterScreen>();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; state {} ticket {}",
            s.get_state(),
            s.get_ticket()
        );
        poster.pump_wait(Duration::from_millis(50));
    }
}

fn shows(s: &CounterScreen) -> (String, String) {
    (s.get_state().to_string(), s.get_ticket().to_string())
}

async fn issue(c: &ApiClient, service: &str, key: &str) -> String {
    c.issue_ticket(&common::ticket_request(service, key)).await.unwrap().number
}

async fn act(c: &ApiClient, counter: u32, cmd: CounterCommand) -> CounterActionResponse {
    c.counter_action(counter, &cmd).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_screen_follows_its_counter_pauses_rates_once_and_reconnects() {
    // What must hold, on the real window's CounterScreen global:
    // * idle at start; a call at this counter shows "called" with the number
    //   and the service and starts the flash; a call at another counter
    //   changes nothing; ticket_started turns it to "serving";
    // * after "Hoàn thành" (rating on) it asks for that ticket; a tap thanks
    //   and sends one rating, stored at the centre for this counter; a second
    //   tap sends nothing; after the thanks it is idle again;
    // * pause shows "paused", resume idle;
    // * the centre stopped: the offline mark; restarted on the same port and
    //   database: the mark clears and the next call shows.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.counter.number = 1;
    cfg.counter.rating = true;
    cfg.counter.thanks_secs = 3;
    let db = dir.path().join("c.sqlite3");
    let c = TestCentre::start_with(&cfg, &db, motcua_kiosk::domain::clock::system(), 0, KEEP_ALIVE).await;
    let port = c.addr.port();
    let admin = c.client();
    let clock = Arc::new(MockClock::new(chrono::Utc::now()));
    let mut app = screen(&cfg, clock.clone());
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), counter_client(&c), opts(), poster.clone());
    pump_until(&poster, &app, "idle", |s| s.get_state() == "idle");
    let s = app.ui.global::<CounterScreen>();
    assert_eq!(s.get_counter(), 1);
    assert_eq!(s.get_texts().counter, "Quầy");
    assert_eq!(s.get_flash_left(), 0, "switching on does not flash");

    let a1 = issue(&admin, "HT", "a1").await;
    issue(&admin, "HT", "a2").await;
    issue(&admin, "CT", "b1").await;
    act(&admin, 1, CounterCommand::CallNext).await;
    pump_until(&poster, &app, "the call", |s| shows(s) == ("called".into(), a1.clone()));
    assert_eq!(s.get_service(), "Hộ tịch");
    assert_eq!(s.get_flash_left(), FLASH_HALF_SECONDS, "a new call flashes");
    s.set_flash_left(0);

    act(&admin, 3, CounterCommand::CallNext).await;
    act(&admin, 1, CounterCommand::Start).await;
    pump_until(&poster, &app, "serving", |s| s.get_state() == "serving");
    assert_eq!(shows(&s), ("serving".into(), a1.clone()), "counter 3's call is not on this screen");
    assert_eq!(s.get_flash_left(), 0, "starting is not a call");

    act(&admin, 1, CounterCommand::Complete).await;
    pump_until(&poster, &app, "the rating question", |s| s.get_state() == "rating");
    assert_eq!(s.get_ticket(), a1.as_str());
    s.invoke_rate(3);
    assert_eq!(s.get_state(), "thanks");
    s.invoke_rate(1);
    assert!(poster.wait_idle(WAIT), "the rating was sent");
    assert_eq!(
        app.ratings_sent(),
        [SentRating { ticket: a1.clone(), level: 3, result: Ok(true) }],
        "one rating, the second tap sends nothing"
    );
    let summary = admin.rating_summary(None, None, SummaryGroup::Counter).await.unwrap();
    assert_eq!(summary.total.ratings, 1);
    assert_eq!(summary.groups.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(), ["1"]);
    clock.set(clock.now() + chrono::Duration::seconds(3));
    app.tick();
    assert_eq!(s.get_state(), "idle", "back after the thanks");

    act(&admin, 1, CounterCommand::Pause { reason: "Họp".into() }).await;
    pump_until(&poster, &app, "paused", |s| s.get_state() == "paused");
    act(&admin, 1, CounterCommand::Resume).await;
    pump_until(&poster, &app, "idle again", |s| s.get_state() == "idle");

    c.stop().await;
    pump_until(&poster, &app, "the offline mark", |s| !s.get_connected());
    let c = TestCentre::start_with(&cfg, &db, motcua_kiosk::domain::clock::system(), port, KEEP_ALIVE).await;
    pump_until(&poster, &app, "back online", |s| s.get_connected());
    let admin = c.client();
    act(&admin, 1, CounterCommand::CallNext).await;
    pump_until(&poster, &app, "the call after the restart", |s| {
        shows(s) == ("called".into(), "A-002".into())
    });
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rating_a_finish_goes_back_to_idle_and_english_texts_show() {
    // What must hold: counter.rating off, a completed ticket is not asked
    // about (the screen goes idle); the English screen names the service in
    // English.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.counter.number = 2;
    cfg.counter.language = Language::En;
    let c = TestCentre::start_with(
        &cfg,
        &dir.path().join("c.sqlite3"),
        motcua_kiosk::domain::clock::system(),
        0,
        KEEP_ALIVE,
    )
    .await;
    let admin = c.client();
    let mut app = screen(&cfg, motcua_kiosk::domain::clock::system());
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), counter_client(&c), opts(), poster.clone());
    pump_until(&poster, &app, "idle", |s| s.get_state() == "idle");
    assert_eq!(app.ui.global::<CounterScreen>().get_texts().counter, "Counter");
    issue(&admin, "HT", "a1").await;
    act(&admin, 2, CounterCommand::CallNext).await;
    pump_until(&poster, &app, "called", |s| s.get_state() == "called");
    assert_eq!(app.ui.global::<CounterScreen>().get_service(), "Civil status");
    act(&admin, 2, CounterCommand::Complete).await;
    pump_until(&poster, &app, "idle after the finish", |s| s.get_state() == "idle");
    assert!(app.ratings_sent().is_empty());
    c.stop().await;
}
