//! Display board benchmarks (`cargo bench --bench display`). Prints one line
//! per figure: `BENCH <name> <value> <unit>`.
//!
//! * `display_call_to_board_*`: a counter calls a ticket over HTTP; the time
//!   until each of 200 display feeds connected to the same centre (loopback,
//!   one process, real SQLite) has the call in its board state. Target: p99
//!   under 100 ms.
//! * `display_idle_feed_*`: one feed following an idle centre that sends a
//!   keep-alive every second (production: every 15 s), measured over 5 s on
//!   the feed's own thread: CPU time and wake-ups. Target: near zero.

#[path = "../tests/common/mod.rs"]
mod common;

use common::TestCentre;
use motcua_kiosk::app::display_feed::{self, FeedObserver, FeedOptions, FeedView};
use motcua_kiosk::centre::api::{CounterCommand, CounterOutcome, IssueTicketRequest};
use motcua_kiosk::centre::ApiClient;
use motcua_kiosk::domain::announce::Announcement;
use motcua_kiosk::domain::clock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FEEDS: usize = 200;
const ROUNDS: usize = 60;
/// Feeds started together.
const BATCH: usize = 25;

fn bench(name: &str, value: f64, unit: &str) {
    println!("BENCH {name} {value:.3} {unit}");
}

/// The call being timed: the ticket and when the counter asked for it.
#[derive(Default)]
struct Probe {
    target: Mutex<Option<(String, Instant)>>,
    samples: Mutex<Vec<Duration>>,
    arrived: AtomicUsize,
    all_arrived: tokio::sync::Notify,
    /// Feeds that have their first state.
    synced: AtomicUsize,
}

struct TimingObserver {
    probe: Arc<Probe>,
    last: Mutex<String>,
    synced: std::sync::atomic::AtomicBool,
}

impl FeedObserver for TimingObserver {
    fn update(&self, v: &FeedView<'_>) {
        if !v.board.counters.is_empty() && !self.synced.swap(true, Ordering::SeqCst) {
            self.probe.synced.fetch_add(1, Ordering::SeqCst);
        }
        let Some(latest) = &v.board.latest else { return };
        let target = self.probe.target.lock().unwrap().clone();
        let Some((ticket, t0)) = target else { return };
        let mut last = self.last.lock().unwrap();
        if latest.ticket == ticket && *last != ticket {
            let dt = t0.elapsed();
            *last = ticket;
            self.probe.samples.lock().unwrap().push(dt);
            if self.probe.arrived.fetch_add(1, Ordering::SeqCst) + 1 == FEEDS {
                self.probe.all_arrived.notify_one();
            }
        }
    }

    fn announce(&self, _: Announcement) {}
}

struct Quiet;

impl FeedObserver for Quiet {
    fn update(&self, _: &FeedView<'_>) {}
    fn announce(&self, _: Announcement) {}
}

/// Production settings (45 s silence limit against 15 s keep-alives).
fn feed_options() -> FeedOptions {
    FeedOptions::from_config(&motcua_kiosk::config::Config::default())
}

fn ticket_request(i: usize) -> IssueTicketRequest {
    common::ticket_request("HT", format!("bench-{i}"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn call_to_board() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = common::config(dir.path());
        common::unlimited(&mut cfg);
        let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
        let probe = Arc::new(Probe::default());
        let handle = tokio::runtime::Handle::current();
        // Boards are switched on a batch at a time (200 fetching the state in
        // the same millisecond would time the start-up storm, not a call).
        let mut feeds = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while feeds.len() < FEEDS {
            for _ in 0..BATCH.min(FEEDS - feeds.len()) {
                let obs = Arc::new(TimingObserver {
                    probe: probe.clone(),
                    last: Mutex::default(),
                    synced: Default::default(),
                });
                feeds.push(display_feed::spawn(
                    &handle,
                    c.display_client(),
                    feed_options(),
                    clock::system(),
                    obs,
                ));
            }
            while probe.synced.load(Ordering::SeqCst) < feeds.len() {
                assert!(Instant::now() < deadline, "the feeds did not all start");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let kiosk =
            ApiClient::new(&c.url, common::TOKEN, Duration::from_secs(2), Duration::from_secs(30)).unwrap();
        // Every stream open: one call reaches all boards.
        for warm_up in ROUNDS.. {
            let first = kiosk.issue_ticket(&ticket_request(warm_up)).await.unwrap().number;
            *probe.target.lock().unwrap() = Some((first, Instant::now()));
            probe.arrived.store(0, Ordering::SeqCst);
            let r = kiosk.counter_action(1, &CounterCommand::CallNext).await.unwrap();
            assert_eq!(r.outcome, CounterOutcome::Called);
            if tokio::time::timeout(Duration::from_secs(5), probe.all_arrived.notified()).await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the feeds did not all connect");
        }
        probe.samples.lock().unwrap().clear();
        let mut call_ms = Vec::new();
        for i in 0..ROUNDS {
            let number = kiosk.issue_ticket(&ticket_request(i)).await.unwrap().number;
            // Let the issue event settle so only the call is timed.
            tokio::time::sleep(Duration::from_millis(30)).await;
            probe.arrived.store(0, Ordering::SeqCst);
            let waiter = probe.all_arrived.notified();
            tokio::pin!(waiter);
            waiter.as_mut().enable();
            let t0 = Instant::now();
            *probe.target.lock().unwrap() = Some((number, t0));
            let counter = 1 + (i % 2) as u32;
            let r = kiosk.counter_action(counter, &CounterCommand::CallNext).await.unwrap();
            call_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.outcome, CounterOutcome::Called);
            tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("every feed saw the call");
        }
        let mut s = probe.samples.lock().unwrap().clone();
        assert_eq!(s.len(), FEEDS * ROUNDS);
        s.sort();
        bench("display_call_to_board_p50_200_feeds", percentile(&s, 0.50), "ms");
        bench("display_call_to_board_p99_200_feeds", percentile(&s, 0.99), "ms");
        bench("display_call_to_board_max_200_feeds", percentile(&s, 1.0), "ms");
        call_ms.sort_by(f64::total_cmp);
        let at = |p: f64| call_ms[((call_ms.len() - 1) as f64 * p).round() as usize];
        bench("display_call_request_p50", at(0.5), "ms");
        bench("display_call_request_p99", at(0.99), "ms");
        drop(feeds);
        c.stop().await;
    });
}

/// CPU time of the calling thread in ns, and its voluntary context switches.
fn thread_usage() -> (u64, u64) {
    let cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .or_else(|| {
            // Fallback: utime + stime in clock ticks (10 ms each).
            let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f[11].parse::<u64>().ok()? + f[12].parse::<u64>().ok()?) * 10_000_000)
        })
        .unwrap_or(0);
    let switches = std::fs::read_to_string("/proc/thread-self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:").and_then(|v| v.trim().parse().ok()))
        })
        .unwrap_or(0);
    (cpu, switches)
}

fn idle_feed() {
    // The centre on its own runtime (its threads are not measured).
    let centre_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    common::unlimited(&mut cfg);
    let c = centre_rt.block_on(TestCentre::start_with(
        &cfg,
        &dir.path().join("c.sqlite3"),
        clock::system(),
        0,
        Duration::from_secs(1),
    ));
    let client = c.display_client();
    // The feed alone on one thread.
    let measured = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let _feed = display_feed::spawn(
                &tokio::runtime::Handle::current(),
                client,
                feed_options(),
                clock::system(),
                Arc::new(Quiet),
            );
            // Connect and settle.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let (cpu0, sw0) = thread_usage();
            tokio::time::sleep(Duration::from_secs(5)).await;
            let (cpu1, sw1) = thread_usage();
            (cpu1 - cpu0, sw1 - sw0)
        })
    })
    .join()
    .unwrap();
    bench("display_idle_feed_cpu_per_5s", measured.0 as f64 / 1e6, "ms");
    bench("display_idle_feed_wakeups_per_5s", measured.1 as f64, "count");
    centre_rt.block_on(c.stop());
}

fn main() {
    call_to_board();
    idle_feed();
}
