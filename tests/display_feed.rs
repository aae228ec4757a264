//! The display board against a real centre: an axum server on 127.0.0.1, real
//! SQLite files in temp dirs, the real HTTP client and SSE stream. Short
//! backoff and keep-alives keep each test within a few seconds.

mod common;

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use common::proxy::Proxy;
use common::{ticket_request, TestCentre, DISPLAY_TOKEN};
use motcua_kiosk::app::audio::{Announcer, AudioSettings, RecordingSink};
use motcua_kiosk::app::display::DisplayApp;
use motcua_kiosk::app::display_feed::{self, FeedHandle, FeedObserver, FeedOptions, FeedView};
use motcua_kiosk::app::poster::Poster;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{ApiClient, Centre};
use motcua_kiosk::config::{Config, ServiceConfig};
use motcua_kiosk::domain::announce::{call_words, Announcement};
use motcua_kiosk::domain::board::{BoardFilter, BoardState};
use motcua_kiosk::domain::clock::{self, Clock, MockClock};
use motcua_kiosk::ui::{Board, DisplayWindow};
use slint::{ComponentHandle, Model};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Keep-alive interval of the test servers (production: 15 s).
const KEEP_ALIVE: Duration = Duration::from_millis(200);
/// Longest wait for the board to reach an expected state.
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

#[derive(Debug, Clone, Default)]
struct Seen {
    board: BoardState,
    disconnected_since: Option<DateTime<Utc>>,
    service_day: Option<NaiveDate>,
    updates: u64,
    /// Every change of the highlighted call: (ticket, counter).
    highlights: Vec<(String, u32)>,
    /// Every change of the disconnected mark.
    marks: Vec<Option<DateTime<Utc>>>,
}

/// Records what a board would show and what it would read out.
struct Recorder {
    tx: watch::Sender<Seen>,
    announced: Mutex<Vec<Announcement>>,
    announcer: Option<Announcer>,
}

impl Recorder {
    fn new(announcer: Option<Announcer>) -> Arc<Recorder> {
        Arc::new(Recorder { tx: watch::Sender::new(Seen::default()), announced: Mutex::default(), announcer })
    }

    fn now(&self) -> Seen {
        self.tx.borrow().clone()
    }

    fn announced(&self) -> Vec<(String, u32)> {
        self.announced.lock().unwrap().iter().map(|a| (a.ticket.clone(), a.counter)).collect()
    }

    async fn wait(&self, what: &str, pred: impl Fn(&Seen) -> bool) -> Seen {
        let mut rx = self.tx.subscribe();
        let found = match tokio::time::timeout(WAIT, rx.wait_for(|s| pred(s))).await {
            Ok(Ok(s)) => Some(s.clone()),
            _ => None,
        };
        found.unwrap_or_else(|| panic!("timed out waiting for {what}; the board is {:#?}", self.now()))
    }
}

impl FeedObserver for Recorder {
    fn update(&self, v: &FeedView<'_>) {
        self.tx.send_modify(|s| {
            s.updates += 1;
            let latest = v.board.latest.as_ref().map(|c| (c.ticket.clone(), c.counter));
            if let Some(l) = &latest {
                if s.board.latest.as_ref().map(|c| (c.ticket.clone(), c.counter)).as_ref() != Some(l) {
                    s.highlights.push(l.clone());
                }
            }
            if s.disconnected_since != v.disconnected_since {
                s.marks.push(v.disconnected_since);
            }
            s.board = v.board.clone();
            s.disconnected_since = v.disconnected_since;
            s.service_day = v.service_day;
        });
    }

    fn announce(&self, call: Announcement) {
        self.announced.lock().unwrap().push(call.clone());
        if let Some(a) = &self.announcer {
            a.announce(call);
        }
    }
}

fn feed(client: ApiClient, opts: FeedOptions, clock: Arc<dyn Clock>, rec: &Arc<Recorder>) -> FeedHandle {
    display_feed::spawn(&tokio::runtime::Handle::current(), client, opts, clock, rec.clone())
}

async fn issue(c: &ApiClient, service: &str, key: &str) -> String {
    c.issue_ticket(&ticket_request(service, key)).await.unwrap().number
}

async fn act(c: &ApiClient, counter: u32, cmd: CounterCommand) -> CounterActionResponse {
    c.counter_action(counter, &cmd).await.unwrap()
}

async fn call(c: &ApiClient, counter: u32) -> String {
    let r = act(c, counter, CounterCommand::CallNext).await;
    assert_eq!(r.outcome, CounterOutcome::Called, "{}", r.message_vi);
    r.ticket.unwrap().number
}

fn latest(s: &Seen) -> Option<(String, u32)> {
    s.board.latest.as_ref().map(|c| (c.ticket.clone(), c.counter))
}

fn is_latest(s: &Seen, ticket: &str, counter: u32) -> bool {
    latest(s) == Some((ticket.to_string(), counter))
}

fn recent(s: &Seen) -> Vec<String> {
    s.board.recent.iter().map(|c| format!("{}@{}", c.ticket, c.counter)).collect()
}

fn pairs(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(t, c)| (t.to_string(), *c)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_made_while_disconnected_appear_after_reconnect_in_order_exactly_once() {
    // What must hold: the centre's server stops; while it is down three calls
    // are made on the centre core (same SQLite file); the server comes back on
    // the same port. The board resumes from its last event id: it shows and
    // reads out the missed calls in call order, each exactly once (no resync:
    // a resync would not announce them), ends on the same last event id as the
    // centre, and its disconnected mark appeared while the centre was down
    // and cleared after.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = dir.path().join("c.sqlite3");
    let c = TestCentre::start_with(&cfg, &db, clock::system(), 0, KEEP_ALIVE).await;
    let port = c.addr.port();
    let kiosk = c.client();
    let rec = Recorder::new(None);
    let _feed = feed(c.display_client(), opts(), clock::system(), &rec);
    rec.wait("the first resync", |s| s.board.counters.len() == 9).await;
    issue(&kiosk, "HT", "a1").await;
    assert_eq!(call(&kiosk, 1).await, "A-001");
    rec.wait("A-001 on the board", |s| is_latest(s, "A-001", 1)).await;

    let before_stop = Utc::now();
    c.stop().await;
    let s = rec.wait("the disconnected mark", |s| s.disconnected_since.is_some()).await;
    let since = s.disconnected_since.unwrap();
    assert!(since >= before_stop - ChronoDuration::seconds(1) && since <= Utc::now(), "{since}");

    let core = Centre::open_at(&db, &cfg, clock::system()).unwrap();
    for (svc, key) in [("HT", "a2"), ("HT", "a3"), ("CT", "b1")] {
        core.issue(ticket_request(svc, key)).await.unwrap();
    }
    for counter in [2, 3, 1] {
        assert_eq!(core.call_next(counter).await.unwrap().outcome, CounterOutcome::Called);
    }
    let (_, last_id) = core.event_range().await.unwrap();
    common::close(core).await;
    assert!(rec.now().disconnected_since.is_some(), "still down");

    let c = TestCentre::start_with(&cfg, &db, clock::system(), port, KEEP_ALIVE).await;
    let s = rec
        .wait("the missed calls", |s| s.board.last_event_id == last_id && s.disconnected_since.is_none())
        .await;
    let expected = pairs(&[("A-001", 1), ("A-002", 2), ("B-001", 3), ("A-003", 1)]);
    assert_eq!(s.highlights, expected, "highlighted in call order, each once");
    assert_eq!(rec.announced(), expected, "read out in call order, each once");
    assert_eq!(recent(&s), ["A-003@1", "B-001@3", "A-002@2", "A-001@1"]);
    assert_eq!(s.board.counters[&1].ticket.as_deref(), Some("A-003"));
    assert_eq!((s.board.waiting["HT"], s.board.waiting["CT"]), (0, 0));
    assert_eq!(s.marks.len(), 2, "one mark, one clear: {:?}", s.marks);
    assert_eq!(s.marks[1], None);

    // Live events keep flowing on the resumed stream.
    issue(&kiosk, "CT", "b2").await;
    assert_eq!(call(&c.client(), 4).await, "B-002");
    let s = rec.wait("a live call after the reconnect", |s| is_latest(s, "B-002", 4)).await;
    assert_eq!(s.board.waiting["CT"], 0);
    assert_eq!(rec.announced().len(), 5);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_resumed_against_another_database_resyncs_instead_of_mixing() {
    // What must hold: the centre comes back on a fresh database whose event
    // ids are below the board's resume point. The centre answers `resync`;
    // the board replaces its state with the new centre's (no call of the old
    // database remains, nothing is read out for the snapshot), then follows
    // live events again.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c =
        TestCentre::start_with(&cfg, &dir.path().join("old.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    let port = c.addr.port();
    let rec = Recorder::new(None);
    let _feed = feed(c.display_client(), opts(), clock::system(), &rec);
    rec.wait("the first resync", |s| s.updates > 0 && !s.board.counters.is_empty()).await;
    for i in 0..3 {
        issue(&c.client(), "HT", &format!("o{i}")).await;
        call(&c.client(), 1).await;
    }
    rec.wait("A-003", |s| is_latest(s, "A-003", 1)).await;
    c.stop().await;
    rec.wait("the disconnected mark", |s| s.disconnected_since.is_some()).await;

    // The new database already holds a call when the centre comes back on it:
    // the board's first contact with it is the resync. (Calling after the
    // restart raced the board's reconnect: a call it received live was rightly
    // read out, and the test failed now and then.)
    let new_db = dir.path().join("new.sqlite3");
    let core = Centre::open_at(&new_db, &cfg, clock::system()).unwrap();
    core.issue(ticket_request("CT", "n1")).await.unwrap();
    assert_eq!(core.call_next(3).await.unwrap().ticket.unwrap().number, "B-001");
    let (_, new_last) = core.event_range().await.unwrap();
    common::close(core).await;
    let c = TestCentre::start_with(&cfg, &new_db, clock::system(), port, KEEP_ALIVE).await;
    let s =
        rec.wait("the resync", |s| s.board.last_event_id == new_last && s.disconnected_since.is_none()).await;
    assert_eq!(recent(&s), ["B-001@3"], "only the new centre's calls");
    assert!(s.board.counters[&1].ticket.is_none());
    assert!(is_latest(&s, "B-001", 3));
    assert_eq!(
        rec.announced(),
        pairs(&[("A-001", 1), ("A-002", 1), ("A-003", 1)]),
        "a resync reads nothing out"
    );

    issue(&c.client(), "CT", "n2").await;
    assert_eq!(call(&c.client(), 4).await, "B-002");
    rec.wait("a live call after the resync", |s| is_latest(s, "B-002", 4)).await;
    assert_eq!(rec.announced().last(), Some(&("B-002".to_string(), 4)));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_calls_are_read_one_after_another_in_order_and_a_recall_again() {
    // What must hold: four calls made faster than one call can be read (a
    // speaker taking 150 ms per call, recorded) are read in call order, never
    // overlapping, each with the chime and the words "mời số … đến quầy số …";
    // a recall is read again; a call the board does not show (another
    // floor's counter) is not read.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    let kiosk = c.client();
    let sink = RecordingSink::new(Duration::from_millis(150));
    let settings = AudioSettings { chime: true, voice: true, volume: 80, region: Default::default() };
    let rec = Recorder::new(Some(Announcer::start(settings, Box::new(sink.clone()))));
    let mut o = opts();
    o.filter.counters = vec![1, 2, 3, 4];
    let _feed = feed(c.display_client(), o, clock::system(), &rec);
    rec.wait("the first resync", |s| s.board.counters.len() == 4).await;
    for (svc, key) in [("HT", "a1"), ("HT", "a2"), ("CT", "b1"), ("CU", "c1")] {
        issue(&kiosk, svc, key).await;
    }
    call(&kiosk, 1).await;
    call(&kiosk, 2).await;
    call(&kiosk, 5).await; // C-001 at counter 5: not on this board
    call(&kiosk, 3).await;
    act(&kiosk, 1, CounterCommand::Recall).await;
    let expected = pairs(&[("A-001", 1), ("A-002", 2), ("B-001", 3), ("A-001", 1)]);
    let announcer = rec.announcer.as_ref().unwrap();
    let deadline = Instant::now() + WAIT;
    while sink.played().len() < expected.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(announcer.wait_idle(WAIT));
    let played = sink.played();
    let order: Vec<(String, u32)> = played.iter().map(|p| (p.call.ticket.clone(), p.call.counter)).collect();
    assert_eq!(order, expected);
    for w in played.windows(2) {
        assert!(w[1].started >= w[0].ended, "two calls were read at the same time");
    }
    for p in &played {
        assert!(p.chime, "every call chimes");
        assert_eq!(p.words, call_words(&p.call.ticket, p.call.counter));
        assert!(p.samples > 16_000 * 3, "chime and voice: {} samples", p.samples);
    }
    // Read out once more only when recalled again, after the queue ran dry.
    act(&kiosk, 3, CounterCommand::Recall).await;
    rec.wait("the recall on the board", |s| is_latest(s, "B-001", 3)).await;
    let deadline = Instant::now() + WAIT;
    while sink.played().len() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(announcer.wait_idle(WAIT));
    assert_eq!(sink.played().len(), 5);
    assert_eq!(sink.played()[4].call, Announcement { ticket: "B-001".into(), counter: 3 });
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_centres_midnight_rollover_clears_the_board() {
    // What must hold (clock mocked, UTC+7): calls shown at 23:59 stay until
    // the centre's day_rollover at local midnight; then every tile, the
    // recent list, the highlight and the waiting counts are cleared and the
    // board's service day is the new day; today's first call (A-001 again)
    // then shows normally.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let mock = MockClock::new(common::local(2026, 3, 2, 23, 59, 0));
    let clock: Arc<dyn Clock> = Arc::new(mock.clone());
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock.clone(), 0, KEEP_ALIVE).await;
    let kiosk = c.client();
    issue(&kiosk, "HT", "y1").await;
    issue(&kiosk, "HT", "y2").await;
    issue(&kiosk, "CT", "y3").await;
    call(&kiosk, 1).await;
    let rec = Recorder::new(None);
    let _feed = feed(c.display_client(), opts(), clock.clone(), &rec);
    let s = rec.wait("yesterday's board", |s| is_latest(s, "A-001", 1)).await;
    assert_eq!((s.board.waiting["HT"], s.board.waiting["CT"]), (1, 1));
    assert_eq!(s.service_day, NaiveDate::from_ymd_opt(2026, 3, 2));
    call(&kiosk, 3).await;
    rec.wait("B-001", |s| is_latest(s, "B-001", 3)).await;

    mock.set(common::local(2026, 3, 3, 0, 0, 1));
    c.centre.tick().await.unwrap();
    let s = rec.wait("the rollover", |s| s.service_day == NaiveDate::from_ymd_opt(2026, 3, 3)).await;
    assert!(s.board.counters.values().all(|t| t.ticket.is_none()), "{:?}", s.board.counters);
    assert!(s.board.recent.is_empty() && s.board.latest.is_none());
    assert!(s.board.waiting.values().all(|w| *w == 0), "{:?}", s.board.waiting);
    assert_eq!(s.board.counters.len(), 9, "the tiles stay, empty");

    issue(&kiosk, "HT", "t1").await;
    assert_eq!(call(&kiosk, 2).await, "A-001");
    let s = rec.wait("today's first call", |s| is_latest(s, "A-001", 2)).await;
    assert_eq!(recent(&s), ["A-001@2"]);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_cut_off_over_midnight_clears_yesterday_itself_then_catches_up() {
    // What must hold: the centre is unreachable across local midnight. Once
    // the grace period after midnight has passed, the board clears
    // yesterday's numbers by itself (still marked disconnected). When the
    // centre is back, the board resumes and shows today's calls only.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let db = dir.path().join("c.sqlite3");
    let mock = MockClock::new(common::local(2026, 3, 2, 23, 58, 0));
    let clock: Arc<dyn Clock> = Arc::new(mock.clone());
    let c = TestCentre::start_with(&cfg, &db, clock.clone(), 0, KEEP_ALIVE).await;
    let port = c.addr.port();
    issue(&c.client(), "HT", "y1").await;
    call(&c.client(), 1).await;
    let rec = Recorder::new(None);
    let _feed = feed(c.display_client(), opts(), clock.clone(), &rec);
    rec.wait("yesterday's call", |s| is_latest(s, "A-001", 1)).await;
    c.stop().await;
    rec.wait("the disconnected mark", |s| s.disconnected_since.is_some()).await;

    mock.set(common::local(2026, 3, 3, 0, 0, 0));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rec.now().board.latest.is_some(), "within the grace period the board waits for the centre");
    mock.set(common::local(2026, 3, 3, 0, 0, 5));
    let s = rec.wait("the board's own rollover", |s| s.board.latest.is_none()).await;
    assert!(s.board.counters.values().all(|t| t.ticket.is_none()));
    assert_eq!(s.service_day, NaiveDate::from_ymd_opt(2026, 3, 3));
    assert!(s.disconnected_since.is_some(), "still cut off");

    let c = TestCentre::start_with(&cfg, &db, clock.clone(), port, KEEP_ALIVE).await;
    issue(&c.client(), "HT", "t1").await;
    assert_eq!(call(&c.client(), 2).await, "A-001");
    let s = rec.wait("today's call", |s| is_latest(s, "A-001", 2) && s.disconnected_since.is_none()).await;
    assert_eq!(recent(&s), ["A-001@2"], "yesterday's A-001 at counter 1 is gone");
    assert!(s.board.counters[&1].ticket.is_none());
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_link_is_marked_disconnected_and_keep_alives_keep_it_up() {
    // What must hold: (a) with keep-alives every 100 ms and a 500 ms silence
    // limit, an idle board stays on its one event stream while keep-alives
    // spanning twice the limit go by: it never asks for the stream again and
    // never marks itself disconnected (keep-alives count as life); (b)
    // against a centre whose keep-alives are rarer than the limit, the board
    // marks itself disconnected from the last byte it received, reconnects,
    // and clears the mark.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let mut o = opts();
    o.silence_timeout = Duration::from_millis(500);
    let every = Duration::from_millis(100);
    let c = TestCentre::start_with(&cfg, &dir.path().join("a.sqlite3"), clock::system(), 0, every).await;
    let proxy = Proxy::start(c.addr).await;
    let via_proxy = ApiClient::new(&proxy.url, DISPLAY_TOKEN, Duration::from_millis(500), WAIT).unwrap();
    let rec = Recorder::new(None);
    let f = feed(via_proxy, o.clone(), clock::system(), &rec);
    rec.wait("connected", |s| !s.board.counters.is_empty()).await;
    let needed = 2 * o.silence_timeout.as_millis() as u64 / every.as_millis() as u64;
    let t = proxy.wait("keep-alives spanning twice the silence limit", |t| t.keep_alives >= needed).await;
    assert_eq!(t.count("/api/v1/events"), 1, "the board never reconnected: {:?}", t.requests);
    assert!(rec.now().marks.is_empty(), "keep-alives kept the link up: {:?}", rec.now().marks);
    drop(f);
    c.stop().await;

    let c = TestCentre::start_with(
        &cfg,
        &dir.path().join("b.sqlite3"),
        clock::system(),
        0,
        Duration::from_secs(30),
    )
    .await;
    let rec = Recorder::new(None);
    let started = Utc::now();
    let _f = feed(c.display_client(), o, clock::system(), &rec);
    let s = rec.wait("the silence mark", |s| s.disconnected_since.is_some()).await;
    let since = s.disconnected_since.unwrap();
    let detected = Utc::now();
    assert!(since >= started && since <= detected - ChronoDuration::milliseconds(500), "since {since}");
    rec.wait("the mark cleared after reconnecting", |s| s.disconnected_since.is_none()).await;
    c.stop().await;
}

// ---- Through the real board window (Slint testing backend). ----

thread_local! {
    static SLINT_READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn board_window(cfg: &Config, clock: Arc<dyn Clock>) -> DisplayApp {
    if !SLINT_READY.get() {
        i_slint_backend_testing::init_no_event_loop();
        SLINT_READY.set(true);
    }
    let ui = DisplayWindow::new().unwrap();
    ui.window().set_size(slint::PhysicalSize::new(1920, 1080));
    ui.show().unwrap();
    let app = DisplayApp::new(ui, cfg, clock);
    app.stop_timer();
    app
}

/// Runs posted UI updates until `pred` holds on the window.
fn pump_until(poster: &Poster, app: &DisplayApp, what: &str, pred: impl Fn(&DisplayWindow) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !pred(&app.ui) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        poster.pump_wait(Duration::from_millis(50));
    }
}

#[derive(Debug, PartialEq)]
struct Tile {
    number: i32,
    ticket: String,
    highlight: bool,
}

fn tiles(ui: &DisplayWindow) -> Vec<Tile> {
    ui.global::<Board>()
        .get_counters()
        .iter()
        .map(|c| Tile { number: c.number, ticket: c.ticket.to_string(), highlight: c.highlight })
        .collect()
}

fn highlighted(ui: &DisplayWindow) -> Vec<i32> {
    tiles(ui).iter().filter(|t| t.highlight).map(|t| t.number).collect()
}

fn tile(ui: &DisplayWindow, n: i32) -> Tile {
    tiles(ui).into_iter().find(|t| t.number == n).unwrap()
}

fn calls(ui: &DisplayWindow) -> Vec<(String, i32, bool)> {
    ui.global::<Board>().get_calls().iter().map(|r| (r.ticket.to_string(), r.counter, r.highlight)).collect()
}

fn tile_state(ui: &DisplayWindow, n: i32) -> String {
    ui.global::<Board>().get_counters().iter().find(|c| c.number == n).unwrap().state.to_string()
}

fn latest_ticket(ui: &DisplayWindow) -> String {
    ui.global::<Board>().get_latest_ticket().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_window_keeps_the_newest_call_highlighted_until_a_newer_one() {
    // What must hold, on the real window's Board global: a call highlights its
    // counter's tile, the banner and its row; it stays highlighted (no flash)
    // while that counter serves and after it finishes, until another call;
    // an earlier counter's tile keeps its number; a recall re-highlights the
    // recalled ticket without listing it twice; the disconnected mark shows
    // when the centre goes away.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    let kiosk = c.client();
    let mut app = board_window(&cfg, clock::system());
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), c.display_client(), opts(), poster.clone(), None);
    pump_until(&poster, &app, "nine tiles", |ui| tiles(ui).len() == 9);
    assert!(highlighted(&app.ui).is_empty());
    assert!(app.ui.global::<Board>().get_connected());

    issue(&kiosk, "HT", "a1").await;
    issue(&kiosk, "CT", "b1").await;
    call(&kiosk, 1).await;
    pump_until(&poster, &app, "A-001", |ui| latest_ticket(ui) == "A-001");
    assert_eq!(highlighted(&app.ui), [1]);
    // The banner flashes for a few seconds on a new call; the tile says called.
    assert_eq!(app.ui.global::<Board>().get_flash_left(), motcua_kiosk::app::counter::FLASH_HALF_SECONDS);
    app.ui.global::<Board>().set_flash_left(0);
    assert_eq!(tile_state(&app.ui, 1), "called");
    assert_eq!(tile_state(&app.ui, 2), "idle", "open, no one at the desk (always_open)");
    assert_eq!(app.ui.global::<Board>().get_latest_counter(), 1);
    assert_eq!(calls(&app.ui), [("A-001".to_string(), 1, true)]);

    call(&kiosk, 3).await;
    pump_until(&poster, &app, "B-001", |ui| latest_ticket(ui) == "B-001");
    app.ui.global::<Board>().set_flash_left(0);
    assert_eq!(highlighted(&app.ui), [3]);
    assert_eq!(tile(&app.ui, 1), Tile { number: 1, ticket: "A-001".into(), highlight: false });

    // Counter 3 finishes: still highlighted; nothing flashes away.
    act(&kiosk, 3, CounterCommand::Complete).await;
    let last = c.centre.event_range().await.unwrap().1;
    let deadline = Instant::now() + WAIT;
    while app.board().last_event_id < last {
        assert!(Instant::now() < deadline, "the completion reached the board");
        poster.pump_wait(Duration::from_millis(50));
    }
    poster.pump();
    assert_eq!(highlighted(&app.ui), [3]);
    assert_eq!(tile(&app.ui, 3).ticket, "B-001");
    assert_eq!(tile_state(&app.ui, 3), "idle", "served: the desk is free, the number stays");
    assert_eq!(app.ui.global::<Board>().get_flash_left(), 0, "a completion does not flash");
    assert_eq!(latest_ticket(&app.ui), "B-001");

    act(&kiosk, 1, CounterCommand::Recall).await;
    pump_until(&poster, &app, "the recall", |ui| latest_ticket(ui) == "A-001");
    assert_eq!(app.ui.global::<Board>().get_flash_left(), motcua_kiosk::app::counter::FLASH_HALF_SECONDS);
    assert_eq!(highlighted(&app.ui), [1]);
    assert_eq!(calls(&app.ui), [("A-001".to_string(), 1, true), ("B-001".to_string(), 3, false)]);

    c.stop().await;
    pump_until(&poster, &app, "the disconnected mark", |ui| !ui.global::<Board>().get_connected());
    let since = app.ui.global::<Board>().get_disconnected_since().to_string();
    let now = motcua_kiosk::domain::localtime::to_local(Utc::now());
    let minute_ago = now - ChronoDuration::minutes(1);
    assert!(
        since == now.format("%H:%M").to_string() || since == minute_ago.format("%H:%M").to_string(),
        "{since}"
    );
    assert_eq!(highlighted(&app.ui), [1], "the board keeps what it knew");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_floor_board_shows_only_its_counters_and_services() {
    // What must hold (display.services = ["CT"]): only the counters serving
    // CT (3 and 4) have tiles; calls at other counters are neither shown nor
    // read out; the waiting list names only CT.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.display.services = vec!["CT".into()];
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    let kiosk = c.client();
    let rec = Recorder::new(None);
    let _feed = feed(c.display_client(), opts_for(&cfg), clock::system(), &rec);
    let mut app = board_window(&cfg, clock::system());
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), c.display_client(), opts_for(&cfg), poster.clone(), None);
    pump_until(&poster, &app, "the CT tiles", |ui| tiles(ui).len() == 2);
    assert_eq!(tiles(&app.ui).iter().map(|t| t.number).collect::<Vec<_>>(), [3, 4]);
    let waiting: Vec<String> =
        app.ui.global::<Board>().get_waiting().iter().map(|w| w.service.to_string()).collect();
    assert_eq!(waiting, ["Chứng thực"]);

    issue(&kiosk, "HT", "a1").await;
    issue(&kiosk, "CT", "b1").await;
    issue(&kiosk, "CT", "b2").await;
    call(&kiosk, 1).await;
    call(&kiosk, 4).await;
    pump_until(&poster, &app, "B-001", |ui| latest_ticket(ui) == "B-001");
    assert_eq!(highlighted(&app.ui), [4]);
    assert_eq!(calls(&app.ui).len(), 1, "A-001 at counter 1 is not on this board");
    assert_eq!(app.ui.global::<Board>().get_waiting().row_data(0).unwrap().waiting, 1);
    rec.wait("B-001", |s| is_latest(s, "B-001", 4)).await;
    assert_eq!(rec.announced(), pairs(&[("B-001", 4)]));
    c.stop().await;
}

fn opts_for(cfg: &Config) -> FeedOptions {
    let prod = FeedOptions::from_config(cfg);
    FeedOptions { filter: prod.filter, max_recent: prod.max_recent, ..opts() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_board_pages_in_counter_order_and_an_idle_board_does_not_redraw() {
    // What must hold: with 35 counters a 1920x1080 board takes the dense
    // layout (numbers read from 5 m) with 16 tiles a page: page 1/3 shows
    // counters 1-16, turns to 17-32 after display.page_secs ticks of the
    // clock, then 33-35, then back; with nothing happening, ticks redraw
    // nothing (only the clock text changes, once a minute).
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.services = vec![ServiceConfig {
        code: "HT".into(),
        name_vi: "Hộ tịch".into(),
        name_en: "Civil status".into(),
        prefix: "A".into(),
        counters: (1..=35).collect(),
        ..Default::default()
    }];
    cfg.display.page_secs = 4;
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    let mut app = board_window(&cfg, clock::system());
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), c.display_client(), opts(), poster.clone(), None);
    pump_until(&poster, &app, "page 1 of 3", |ui| ui.global::<Board>().get_pages() == 3);
    let b = app.ui.global::<Board>();
    assert!(b.get_dense());
    let numbers = |ui: &DisplayWindow| tiles(ui).iter().map(|t| t.number).collect::<Vec<_>>();
    assert_eq!((b.get_page(), numbers(&app.ui)), (1, (1..=16).collect()));
    let draws = app.draws();
    for _ in 0..3 {
        app.tick();
    }
    assert_eq!(app.draws(), draws, "no redraw between pages");
    app.tick();
    assert_eq!((b.get_page(), numbers(&app.ui)), (2, (17..=32).collect()));
    for _ in 0..4 {
        app.tick();
    }
    assert_eq!((b.get_page(), numbers(&app.ui)), (3, (33..=35).collect()));
    for _ in 0..4 {
        app.tick();
    }
    assert_eq!(b.get_page(), 1, "back to the first page");
    c.stop().await;

    // One page: ticks never redraw.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start_with(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0, KEEP_ALIVE).await;
    // The board's clock stands still: on the wall clock a minute boundary
    // inside the 30 ticks changes the clock text and redraws (CI saw it).
    let still: Arc<dyn Clock> = Arc::new(MockClock::new(clock::system().now()));
    let mut app = board_window(&cfg, still);
    let poster = Poster::queue();
    app.connect(&tokio::runtime::Handle::current(), c.display_client(), opts(), poster.clone(), None);
    pump_until(&poster, &app, "nine tiles", |ui| tiles(ui).len() == 9);
    // Let the link settle (connected status, first keep-alives) before counting.
    for _ in 0..5 {
        tokio::time::sleep(KEEP_ALIVE).await;
        poster.pump();
    }
    let draws = app.draws();
    for _ in 0..30 {
        app.tick();
    }
    poster.pump();
    assert_eq!(app.draws(), draws, "an idle board is not redrawn");
    c.stop().await;
}
