//! The people and devices of the day: counters calling through the HTTP
//! API, displays following the event stream, citizens rating at a kiosk
//! (the kiosks themselves are processes, `kiosk.rs`). Each records what it
//! saw for the checks at the end.

use crate::clock::{wall_ms, Timeline};
use crate::plan::{at, Arrival, SERVICES};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{ApiClient, LinkOptions, RatingSubmission, TicketRef};
use motcua_kiosk::domain::rating::RatingLevel;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    pub id: String,
    /// How to start its process (see `kiosk.rs`).
    pub spec: crate::kiosk::KioskSpec,
    pub arrivals: Vec<Arrival>,
    pub state: Arc<crate::kiosk::KioskState>,
    pub proc: Mutex<Option<crate::kiosk::KioskProc>>,
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
    pub cut: Mutex<Vec<crate::kiosk::CutTap>>,
    /// Kiosk k is being killed on purpose (its cut tap counts).
    pub killing: Vec<AtomicBool>,
    /// call-next keys that called a ticket: (key, day, number).
    pub calls: Mutex<Vec<(String, NaiveDate, String)>>,
    pub counter_errors: Mutex<BTreeMap<String, u32>>,
    /// Ratings the kiosks recorded (stored or queued), by idempotency key.
    pub ratings: Mutex<Vec<String>>,
    pub ratings_refused: Mutex<BTreeMap<String, u32>>,
    /// Ratings sent to a kiosk that was killed before it answered.
    pub ratings_uncertain: Mutex<Vec<String>>,
    pub dossiers_ok: AtomicU64,
    pub dossiers_failed: AtomicU64,
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

pub fn count(map: &Mutex<BTreeMap<String, u32>>, key: &str) {
    *map.lock().unwrap().entry(key.to_string()).or_default() += 1;
}

/// Samples each kiosk's link mode every 100 ms (real) until the end.
pub async fn watch_offline(world: Arc<World>) {
    let step = 100;
    while !world.stop.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(step)).await;
        for kiosk in &world.kiosks {
            if kiosk.state.alive.load(Ordering::SeqCst) && kiosk.state.offline.load(Ordering::SeqCst) {
                kiosk.state.offline_ms.fetch_add((step as f64 * world.line.speed) as u64, Ordering::Relaxed);
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

/// The citizen rates at the kiosk that printed the ticket (the kiosk
/// process does the rating through its link).
async fn rate(world: &World, k: usize, tracking: String, level: u8) {
    let sub = RatingSubmission::new(
        Some(TicketRef::Tracking(tracking.clone())),
        RatingLevel::from_value(level).unwrap(),
    );
    let key = sub.idempotency_key(&world.kiosks[k].id);
    let Some(answer) = world.send_rate(k, &tracking, level, key.clone()) else {
        count(&world.ratings_refused, "kiosk down");
        return;
    };
    match answer.await {
        Ok(Ok(())) => world.ratings.lock().unwrap().push(key),
        Ok(Err(code)) => count(&world.ratings_refused, &code),
        Err(_) => {} // the kiosk died before answering: in `ratings_uncertain`
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
