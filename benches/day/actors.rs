//! The people and devices of the day: kiosks (the kiosk's link, headless),
//! counters calling through the HTTP API, displays following the event
//! stream. Each records what it saw for the checks at the end.

use crate::clock::{wall_ms, SimClock, Timeline};
use crate::plan::{at, Arrival, SERVICES};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{
    ApiClient, KioskLink, LinkMode, LinkOptions, RatingResult, RatingSubmission, TicketRef, TicketRequest,
};
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::rating::RatingLevel;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A ticket a kiosk handed to a citizen.
#[derive(Debug, Clone)]
pub struct Printed {
    pub number: String,
    pub day: NaiveDate,
    pub tracking: String,
    pub offline: bool,
    pub kiosk: usize,
    /// When it was handed out (simulated).
    pub at: DateTime<Utc>,
}

/// One display's view: the `ticket_called` events it received, in order.
#[derive(Debug, Default)]
pub struct DisplayLog {
    pub calls: Vec<(u64, i64, DateTime<Utc>)>, // event id, received (wall ms), emitted (sim)
    pub last_id: u64,
    pub resyncs: u32,
    pub reconnects: u32,
}

pub struct Kiosk {
    pub cfg: Config,
    pub db: PathBuf,
    pub clock: SimClock,
    pub link: Mutex<Option<KioskLink>>,
    /// Index of its next arrival.
    pub next: AtomicUsize,
    pub arrivals: Vec<Arrival>,
    pub in_flight: AtomicBool,
    pub task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    pub heartbeats: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Simulated milliseconds spent offline (sampled).
    pub offline_ms: AtomicU64,
}

/// What everyone shares.
pub struct World {
    pub line: Timeline,
    pub centre_url: String,
    pub kiosks: Vec<Kiosk>,
    pub printed: Mutex<Vec<Printed>>,
    /// Tracking code -> (kiosk, rating level) for the citizens who will rate.
    pub raters: Mutex<HashMap<String, (usize, u8)>>,
    /// Kiosk refusals by error code.
    pub refused: Mutex<BTreeMap<String, u32>>,
    /// Taps cut short by a kiosk kill.
    pub interrupted: AtomicU64,
    /// call-next keys that called a ticket: (key, day, number).
    pub calls: Mutex<Vec<(String, NaiveDate, String)>>,
    pub counter_errors: Mutex<BTreeMap<String, u32>>,
    /// Ratings the kiosks recorded (stored or queued), by idempotency key.
    pub ratings: Mutex<Vec<String>>,
    pub ratings_refused: Mutex<BTreeMap<String, u32>>,
    pub dossiers_ok: AtomicU64,
    pub dossiers_failed: AtomicU64,
    pub dossier_codes: Vec<String>,
    pub displays: Vec<Mutex<DisplayLog>>,
    pub display_off: Vec<AtomicBool>,
    pub stop: AtomicBool,
    /// Simulated time at which counters stop calling.
    pub closing: DateTime<Utc>,
}

pub fn link_options() -> LinkOptions {
    LinkOptions {
        retry_min: std::time::Duration::from_millis(100),
        retry_max: std::time::Duration::from_secs(1),
        refresh_every: std::time::Duration::from_secs(5),
    }
}

impl World {
    pub fn open_link(&self, k: usize) {
        let kiosk = &self.kiosks[k];
        let link = KioskLink::Remote(
            RemoteLink::open(&kiosk.cfg, &kiosk.db, Arc::new(kiosk.clock), link_options())
                .expect("kiosk link opens"),
        );
        let hb = link.spawn_heartbeats(std::time::Duration::from_millis(1500), || {
            motcua_kiosk::centre::DeviceHealth {
                printer_status: "ok".into(),
                scanner_connected: true,
                app_version: "day-bench".into(),
                ..Default::default()
            }
        });
        *kiosk.heartbeats.lock().unwrap() = Some(hb);
        *kiosk.link.lock().unwrap() = Some(link);
    }

    pub fn link(&self, k: usize) -> Option<KioskLink> {
        self.kiosks[k].link.lock().unwrap().clone()
    }

    /// Stops kiosk `k` where it is (mid-issue if one is under way) and drops its link.
    pub fn kill_kiosk(&self, k: usize) {
        let kiosk = &self.kiosks[k];
        if let Some(t) = kiosk.task.lock().unwrap().take() {
            if kiosk.in_flight.load(Ordering::SeqCst) {
                self.interrupted.fetch_add(1, Ordering::SeqCst);
            }
            t.abort();
        }
        if let Some(h) = kiosk.heartbeats.lock().unwrap().take() {
            h.abort();
        }
        kiosk.link.lock().unwrap().take();
    }
}

fn count(map: &Mutex<BTreeMap<String, u32>>, key: &str) {
    *map.lock().unwrap().entry(key.to_string()).or_default() += 1;
}

/// One kiosk working through its arrivals from `next` on.
pub async fn run_kiosk(world: Arc<World>, k: usize) {
    let kiosk = &world.kiosks[k];
    let Some(link) = world.link(k) else { return };
    loop {
        let i = kiosk.next.load(Ordering::SeqCst);
        let Some(a) = kiosk.arrivals.get(i) else { return };
        world.line.sleep_until(a.at).await;
        if a.dossier && !world.dossier_codes.is_empty() {
            let code = &world.dossier_codes[i % world.dossier_codes.len()];
            match link.dossier(code).await {
                Ok(_) => world.dossiers_ok.fetch_add(1, Ordering::Relaxed),
                Err(_) => world.dossiers_failed.fetch_add(1, Ordering::Relaxed),
            };
        }
        let mut req = TicketRequest::new(a.service);
        if a.priority {
            req = req.with_priority(PriorityGroup::Elderly);
        }
        if a.citizen {
            req = req.with_citizen(CitizenInfo {
                id_number: format!("0480950{:05}", i % 100_000),
                full_name: "Nguyễn Văn An".into(),
                birth_date: NaiveDate::from_ymd_opt(1960, 3, 15).unwrap(),
            });
        }
        kiosk.in_flight.store(true, Ordering::SeqCst);
        let r = link.issue_ticket(&req).await;
        kiosk.in_flight.store(false, Ordering::SeqCst);
        kiosk.next.store(i + 1, Ordering::SeqCst);
        match r {
            Ok(t) => {
                if let Some(level) = a.rates {
                    world.raters.lock().unwrap().insert(t.tracking_code.clone(), (k, level));
                }
                world.printed.lock().unwrap().push(Printed {
                    number: t.number,
                    day: t.service_day,
                    tracking: t.tracking_code,
                    offline: t.offline,
                    kiosk: k,
                    at: world.line.now(),
                });
            }
            Err(e) => count(&world.refused, e.code()),
        }
    }
}

/// Samples each kiosk's link mode every 100 ms (real) until the end.
pub async fn watch_offline(world: Arc<World>) {
    let step = 100;
    while !world.stop.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(step)).await;
        for (k, kiosk) in world.kiosks.iter().enumerate() {
            if world.link(k).is_some_and(|l| l.status().mode == LinkMode::Offline) {
                kiosk.offline_ms.fetch_add((step as f64 * world.line.speed) as u64, Ordering::Relaxed);
            }
        }
    }
}

/// A counter action with an idempotency key, retried with the same key
/// until the centre answers (it may be down or restarting).
async fn act(
    world: &World,
    http: &reqwest::Client,
    n: u32,
    action: &str,
    key: &str,
) -> Option<CounterActionResponse> {
    for _ in 0..600 {
        let r = http
            .post(format!("{}/api/v1/counters/{n}/{action}", world.centre_url))
            .bearer_auth(crate::common::TOKEN)
            .header("Idempotency-Key", key)
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => return r.json().await.ok(),
            Ok(r) if r.status().is_server_error() || r.status() == 429 => {}
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                count(
                    &world.counter_errors,
                    &format!("{action} {status} {}", crate::common::error_code(&body)),
                );
                return None;
            }
            Err(_) => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    count(&world.counter_errors, &format!("{action}: gave up"));
    None
}

/// One counter calling from opening to `world.closing`, lunch off.
pub async fn run_counter(world: Arc<World>, n: u32, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed ^ u64::from(n));
    let mean = SERVICES.iter().find(|s| s.1.contains(&n)).map(|s| s.2).unwrap_or(5.0);
    let http =
        reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(3)).build().unwrap();
    world.line.sleep_until(at(7, 30)).await;
    let mut i = 0u32;
    loop {
        let now = world.line.now();
        if now >= world.closing || world.stop.load(Ordering::SeqCst) {
            return;
        }
        if now >= at(11, 40) && now < at(13, 30) {
            world.line.sleep_until(at(13, 30)).await;
            continue;
        }
        i += 1;
        let key = format!("c{n}-{i}");
        let Some(r) = act(&world, &http, n, "call-next", &key).await else { continue };
        let Some(t) = r.ticket.filter(|_| r.outcome == CounterOutcome::Called) else {
            world.line.sleep_until(world.line.now() + Duration::seconds(30)).await;
            continue;
        };
        world.calls.lock().unwrap().push((
            key.clone(),
            motcua_kiosk::domain::localtime::service_day(t.issued_at),
            t.number.clone(),
        ));
        // Service time: mean ± 50 %, a no-show now and then.
        let minutes = mean * (0.5 + rng.f64());
        world.line.sleep_until(world.line.now() + Duration::milliseconds((minutes * 60_000.0) as i64)).await;
        let no_show = rng.f64() < 0.03;
        let done =
            act(&world, &http, n, if no_show { "no-show" } else { "complete" }, &format!("{key}-done")).await;
        if no_show || done.is_none() {
            continue;
        }
        let rater = world.raters.lock().unwrap().remove(&t.tracking_code);
        if let Some((k, level)) = rater {
            let world = world.clone();
            tokio::spawn(async move { rate(&world, k, t.tracking_code, level).await });
        }
    }
}

/// The citizen rates at the kiosk that printed the ticket.
async fn rate(world: &World, k: usize, tracking: String, level: u8) {
    let Some(link) = world.link(k) else {
        count(&world.ratings_refused, "kiosk down");
        return;
    };
    let sub =
        RatingSubmission::new(Some(TicketRef::Tracking(tracking)), RatingLevel::from_value(level).unwrap());
    let key = sub.idempotency_key(&world.kiosks[k].cfg.kiosk.id);
    match link.rate(&sub).await {
        Ok(RatingResult::Recorded { .. }) => world.ratings.lock().unwrap().push(key),
        Ok(RatingResult::AlreadyRated) => count(&world.ratings_refused, "already_rated"),
        Err(e) => count(&world.ratings_refused, e.code()),
    }
}

/// One display board following the event stream, reconnecting (100 ms)
/// and resuming from the last id; off while `display_off[d]` is set.
pub async fn run_display(world: Arc<World>, d: usize) {
    let client = ApiClient::new(
        &world.centre_url,
        crate::common::DISPLAY_TOKEN,
        std::time::Duration::from_millis(300),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let mut last: Option<u64> = None;
    while !world.stop.load(Ordering::SeqCst) {
        if world.display_off[d].load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        }
        let Ok(mut stream) = client.events(last).await else {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        world.displays[d].lock().unwrap().reconnects += 1;
        loop {
            if world.display_off[d].load(Ordering::SeqCst) || world.stop.load(Ordering::SeqCst) {
                break;
            }
            let item = match tokio::time::timeout(std::time::Duration::from_millis(200), stream.next()).await
            {
                Err(_) => continue, // quiet: look at the switches again
                Ok(None) | Ok(Some(Err(_))) => break,
                Ok(Some(Ok(item))) => item,
            };
            let mut log = world.displays[d].lock().unwrap();
            match item {
                FeedItem::Event(ev) => {
                    last = Some(ev.id);
                    log.last_id = ev.id;
                    if let EventBody::TicketCalled(_) = ev.body {
                        log.calls.push((ev.id, wall_ms(), ev.at));
                    }
                }
                FeedItem::Resync(_) => log.resyncs += 1,
            }
        }
    }
}
