//! A chaos day: one working day of a centre, compressed, with faults.
//!
//! One real centre process (this bench binary re-executed: `DAY_CENTRE` in
//! its environment makes it serve the centre on a SQLite file, its clock on
//! the day's timeline; killed with SIGKILL and restarted on the same file and
//! port), N kiosk processes (the bench binary re-executed again, `DAY_KIOSK`:
//! the kiosk's link, outbox and offline numbering, headless; each its own
//! data dir, each behind a fault proxy; see kiosk.rs), 30 counters
//! calling through the HTTP API, 20 display boards on the event stream.
//! Arrivals with the morning and afternoon peaks, ratings, dossier lookups.
//! Faults from the seed: centre kill -9 three times, a black hole, a cut
//! mid-answer and a refused partition, a kiosk process SIGKILLed mid-issue
//! and restarted (twice: once online, once while the centre is down), a
//! kiosk disk full, a kiosk clock 3 minutes fast, a display disconnected for
//! minutes, midnight with tickets waiting.
//!
//! Why the bench binary and not `motcua-kiosk centre`: the centre's clock
//! must run on the compressed day, and a clock option in the shipped
//! program would let a mistyped service file move a real centre's day. The
//! child runs the same `Centre::open_at` + `serve_centre` as the command.
//!
//! Run: `cargo bench --bench day`. Knobs (environment): DAY_SEED (1),
//! DAY_TICKETS (3000), DAY_KIOSKS (6), DAY_DISPLAYS (20), DAY_SPEED (200
//! simulated seconds per second). Prints one `INVARIANT ok|FAIL` line per
//! invariant and `BENCH` figures; exits 1 on any violation.

#[path = "../../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

mod actors;
mod check;
mod clock;
mod kiosk;
mod plan;
mod proxy;

use actors::{run_counter, run_display, watch_offline, Kiosk, World};
use chrono::Duration;
use clock::{wall_ms, SimClock, Timeline};
use kiosk::KioskSpec;
use motcua_kiosk::centre::{serve_centre, Centre, ServerOptions};
use motcua_kiosk::config::{Config, DeviceConfig, ServiceConfig};
use plan::{at, at_day, FaultKind, SERVICES};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

const CHILD_ENV: &str = "DAY_CENTRE";
/// Each kiosk's offline range: 400 numbers from 5000 on.
const RANGE_BASE: u32 = 5000;
const RANGE_LEN: u32 = 400;

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn kiosk_id(k: usize) -> String {
    format!("kiosk-{:02}", k + 1)
}

fn kiosk_token(k: usize) -> String {
    format!("day-bench-kiosk-token-{:04}-xxxxxxxx", k + 1)
}

fn kiosk_range(k: usize) -> (u32, u32) {
    let lo = RANGE_BASE + RANGE_LEN * k as u32;
    (lo, lo + RANGE_LEN - 1)
}

/// The centre's config (the child builds the same from the kiosk count).
fn centre_config(dir: &Path, kiosks: usize) -> Config {
    let mut cfg = common::config(dir);
    // Compressed time makes every per-minute limit meaningless.
    common::unlimited(&mut cfg);
    cfg.queue.always_open = false; // the real opening hours
    cfg.queue.services = SERVICES
        .iter()
        .map(|(code, counters, ..)| {
            let base = motcua_kiosk::config::Config::default()
                .queue
                .services
                .into_iter()
                .find(|s| s.code == *code)
                .unwrap();
            ServiceConfig { counters: counters.clone().collect(), ..base }
        })
        .collect();
    cfg.offline.range_start = RANGE_BASE;
    cfg.offline.range_end = RANGE_BASE + RANGE_LEN * kiosks as u32 - 1;
    for k in 0..kiosks {
        let (lo, hi) = kiosk_range(k);
        cfg.centre.devices.push(DeviceConfig {
            id: kiosk_id(k),
            role: "kiosk".into(),
            token: kiosk_token(k).into(),
            offline_range: vec![lo, hi],
            ..Default::default()
        });
    }
    cfg
}

/// The dossier codes citizens look up (the centre's sample dossiers).
fn dossier_codes(cfg: &Config) -> Vec<String> {
    let cal = motcua_kiosk::domain::dossier::WorkCalendar::from_strings(&cfg.dossier.holidays);
    motcua_kiosk::centre::core::sample_records(&cal, plan::the_day()).into_iter().map(|r| r.code).collect()
}

fn centre_child(spec: &str) {
    let f: Vec<&str> = spec.splitn(4, '\t').collect();
    let (db, port, kiosks, line) =
        (PathBuf::from(f[0]), f[1].parse::<u16>().unwrap(), f[2].parse().unwrap(), Timeline::from_env(f[3]));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let cfg = centre_config(db.parent().unwrap(), kiosks);
        let centre = Centre::open_at(&db, &cfg, Arc::new(SimClock { line, skew: Duration::zero() })).unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        println!("LISTENING {}", listener.local_addr().unwrap());
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        serve_centre(centre, ServerOptions::from_config(&cfg), listener, std::future::pending())
            .await
            .unwrap();
    });
}

struct CentreProc(Child);

impl Drop for CentreProc {
    fn drop(&mut self) {
        // SIGKILL: no shutdown code runs.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the centre process and waits until it listens; its port.
fn spawn_centre(db: &Path, port: u16, kiosks: usize, line: &Timeline) -> (CentreProc, u16) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{}\t{port}\t{kiosks}\t{}", db.display(), line.to_env()))
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the bench re-executes itself");
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("LISTENING ") {
                let _ = tx.send(addr.parse::<std::net::SocketAddr>().unwrap());
            }
        }
    });
    let proc = CentreProc(child);
    let addr = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("the centre listens within 30 s");
    (proc, addr.port())
}

/// A small file system for the kiosk whose disk fills up (tmpfs; needs root).
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: PathBuf) -> Option<SmallDisk> {
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir })
    }

    /// Fills the file system but for a few KiB (or frees it again).
    fn fill(&self, full: bool) {
        let ballast = self.dir.join("ballast");
        if !full {
            let _ = std::fs::remove_file(&ballast);
            return;
        }
        use std::io::Write;
        let mut f = std::fs::File::create(&ballast).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        centre_child(&spec);
        return;
    }
    if let Ok(spec) = std::env::var(kiosk::KIOSK_ENV) {
        kiosk::kiosk_child(&spec);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let failed = rt.block_on(day());
    if failed {
        std::process::exit(1);
    }
}

async fn day() -> bool {
    let seed: u64 = env("DAY_SEED", 1);
    let tickets: usize = env("DAY_TICKETS", 3000);
    let n_kiosks: usize = env("DAY_KIOSKS", 6).max(3);
    let n_displays: usize = env("DAY_DISPLAYS", 20).max(1);
    let speed: f64 = env("DAY_SPEED", 200.0);
    let started = std::time::Instant::now();
    let plan = plan::plan(seed, tickets, n_kiosks, n_displays);
    println!(
        "# day: seed {seed}, {} arrivals, {n_kiosks} kiosks, 30 counters, {n_displays} displays, {speed}x",
        plan.arrivals.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("centre.sqlite3");
    let line = Timeline {
        wall0_ms: wall_ms() + 2000,
        day_start: at(7, 25),
        speed,
        evening: at(17, 20),
        night: at(23, 56),
    };
    let (mut centre, port) = spawn_centre(&db, 0, n_kiosks, &line);
    let port_cell = Arc::new(AtomicU16::new(port));
    let centre_url = format!("http://127.0.0.1:{port}");

    let small = SmallDisk::mount(dir.path().join("small-disk"));
    if small.is_none() {
        println!("# not simulated: a full disk (cannot mount a small tmpfs here)");
    }
    let mut proxies = Vec::new();
    let mut kiosks = Vec::new();
    for k in 0..n_kiosks {
        let proxy = proxy::FaultProxy::start(port_cell.clone()).await;
        let kdir = match &small {
            Some(s) if k == plan.full_kiosk => s.dir.clone(),
            _ => dir.path().join(kiosk_id(k)),
        };
        std::fs::create_dir_all(&kdir).unwrap();
        kiosks.push(Kiosk {
            id: kiosk_id(k),
            spec: KioskSpec {
                k,
                seed,
                tickets,
                kiosks: n_kiosks,
                displays: n_displays,
                skew_min: if k == plan.skewed_kiosk { 3 } else { 0 },
                root: dir.path().to_path_buf(),
                dir: kdir,
                proxy_url: proxy.url.clone(),
            },
            arrivals: plan.arrivals.iter().filter(|a| a.kiosk == k).cloned().collect(),
            state: Arc::default(),
            proc: Mutex::new(None),
        });
        proxies.push(proxy);
    }
    let proxies = Arc::new(proxies);
    let world = Arc::new(World {
        line,
        centre_url: centre_url.clone(),
        kiosks,
        printed: Mutex::default(),
        raters: Mutex::default(),
        refused: Mutex::default(),
        cut: Mutex::default(),
        killing: (0..n_kiosks).map(|_| AtomicBool::new(false)).collect(),
        calls: Mutex::default(),
        counter_errors: Mutex::default(),
        ratings: Mutex::default(),
        ratings_refused: Mutex::default(),
        ratings_uncertain: Mutex::default(),
        dossiers_ok: Default::default(),
        dossiers_failed: Default::default(),
        displays: (0..n_displays).map(|_| Mutex::default()).collect(),
        display_off: (0..n_displays).map(|_| AtomicBool::new(false)).collect(),
        stop: AtomicBool::new(false),
        closing: plan::last_call(),
    });
    world.start_kiosks();
    let mut tasks = Vec::new();
    for d in 0..n_displays {
        tasks.push(tokio::spawn(run_display(world.clone(), d)));
    }
    for n in 1..=30 {
        tasks.push(tokio::spawn(run_counter(world.clone(), n, seed)));
    }
    tasks.push(tokio::spawn(watch_offline(world.clone())));

    // The faults, in order of time.
    let mut sync: Vec<check::Heal> = Vec::new();
    let display_off: Arc<Mutex<Option<(usize, i64, i64)>>> = Arc::default();
    let mut heals: Vec<tokio::task::JoinHandle<check::Heal>> = Vec::new();
    let mut kills = 0;
    let mut kiosk_kills = Vec::new();
    for f in &plan.faults {
        line.sleep_until(f.at).await;
        let now = line.now().with_timezone(&motcua_kiosk::domain::localtime::vn_offset()).format("%H:%M");
        match f.kind {
            FaultKind::CentreKill { down } => {
                kills += 1;
                println!("# {now} centre kill -9 ({} min down)", down.num_minutes());
                tokio::task::block_in_place(|| drop(centre));
                line.sleep_until(f.at + down).await;
                centre = tokio::task::block_in_place(|| spawn_centre(&db, port, n_kiosks, &line).0);
            }
            FaultKind::Partition { kiosk, fault, length } => {
                println!(
                    "# {now} {} partition of {} for {} min",
                    fault.name(),
                    kiosk_id(kiosk),
                    length.num_minutes()
                );
                proxies[kiosk].set(fault);
                let (w, p, proxies) = (world.clone(), fault, proxies.clone());
                let heal_at = f.at + length;
                // Heal in the background and time the outbox drain.
                let from = f.at;
                let handle = tokio::spawn(async move {
                    w.line.sleep_until(heal_at).await;
                    proxies[kiosk].set(proxy::Fault::Pass);
                    let t0 = wall_ms();
                    let mut drained = false;
                    while wall_ms() - t0 <= 60_000 {
                        if w.synced(kiosk) {
                            drained = true;
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    check::Heal {
                        name: format!("{}_{}", p.name().replace('-', "_"), kiosk_id(kiosk).replace('-', "_")),
                        kiosk,
                        from,
                        to: heal_at,
                        drain_ms: wall_ms() - t0,
                        drained,
                    }
                });
                heals.push(handle);
            }
            FaultKind::KioskKill { kiosk, down, frac } => {
                // SIGKILL at the next tap, inside the issue; restarted
                // minutes later on the same data dir. In the background: a
                // kill while the centre is down must not wait for it.
                let w = world.clone();
                kiosk_kills.push(tokio::spawn(async move {
                    let cut = w.kill_kiosk_mid_issue(kiosk, frac, 5_000).await;
                    let now = w
                        .line
                        .now()
                        .with_timezone(&motcua_kiosk::domain::localtime::vn_offset())
                        .format("%H:%M");
                    println!(
                        "# {now} {} killed (SIGKILL, mid-issue: {cut}), back in {} min",
                        kiosk_id(kiosk),
                        down.num_minutes()
                    );
                    w.line.sleep_until(w.line.now() + down).await;
                    kiosk::spawn(&w, kiosk);
                }));
            }
            FaultKind::DiskFull { kiosk, length } => match &small {
                Some(s) => {
                    println!("# {now} {} disk full for {} min", kiosk_id(kiosk), length.num_minutes());
                    s.fill(true);
                    let dir = s.dir.clone();
                    let until = f.at + length;
                    tokio::spawn(async move {
                        line.sleep_until(until).await;
                        let _ = std::fs::remove_file(dir.join("ballast"));
                    });
                }
                None => println!("# {now} (disk full of {} not simulated)", kiosk_id(kiosk)),
            },
            FaultKind::DisplayOff { display, length } => {
                println!("# {now} display {display} disconnected for {} min", length.num_minutes());
                world.display_off[display].store(true, Ordering::SeqCst);
                let (w, off) = (world.clone(), display_off.clone());
                let until = f.at + length;
                tokio::spawn(async move {
                    let from = wall_ms();
                    w.line.sleep_until(until).await;
                    w.display_off[display].store(false, Ordering::SeqCst);
                    *off.lock().unwrap() = Some((display, from, wall_ms()));
                });
            }
        }
    }
    for h in heals {
        sync.push(h.await.unwrap());
    }
    for h in kiosk_kills {
        h.await.unwrap();
    }
    println!("# {kills} centre kills");
    let off = *display_off.lock().unwrap();
    finish(world, tasks, centre, &db, plan, sync, off, started).await
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    world: Arc<World>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    centre: CentreProc,
    db: &Path,
    _plan: plan::Plan,
    sync: Vec<check::Heal>,
    display_off: Option<(usize, i64, i64)>,
    started: std::time::Instant,
) -> bool {
    let line = world.line;
    // Just before midnight: what is still open of the day.
    line.sleep_until(at(23, 58)).await;
    let store = motcua_kiosk::store::Store::open(db).unwrap();
    // (open tickets, of them holding an identity)
    let open_before: (i64, i64) = store
        .conn()
        .query_row(
            &format!(
                "SELECT COUNT(*), COUNT(citizen_id_number) FROM tickets WHERE day = '{}' AND status IN ('waiting', 'called')",
                plan::the_day()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(store);
    // After midnight a counter finds nobody waiting.
    line.sleep_until(at_day(1, 0, 1)).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let r: Option<motcua_kiosk::centre::api::CounterActionResponse> = match http
        .post(format!("{}/api/v1/counters/1/call-next", world.centre_url))
        .bearer_auth(common::TOKEN)
        .send()
        .await
    {
        Ok(r) => r.json().await.ok(),
        Err(_) => None,
    };
    let queue_empty =
        r.as_ref().is_some_and(|r| r.outcome == motcua_kiosk::centre::api::CounterOutcome::QueueEmpty);
    // Every outbox drains (the last fault healed hours ago in the day).
    let mut drained = Vec::new();
    for (k, kiosk) in world.kiosks.iter().enumerate() {
        let t0 = wall_ms();
        while !world.synced(k) && wall_ms() - t0 < 10_000 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        drained.push((kiosk.id.clone(), world.synced(k)));
    }
    // Displays catch up with the last event, then everything stops.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    world.stop.store(true, Ordering::SeqCst);
    for k in 0..world.kiosks.len() {
        world.reap(k).await;
    }
    for t in tasks {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
    }
    drop(centre);
    let store = motcua_kiosk::store::Store::open(db).unwrap();
    let expired: Option<u32> = store
        .conn()
        .query_row(
            "SELECT json_extract(data, '$.expired') FROM events WHERE kind = 'day_rollover' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok();
    let extra = check::Extra {
        outboxes_drained: drained,
        queue_empty_after_midnight: queue_empty,
        open_before_midnight: open_before,
        expired_at_rollover: expired,
        display_off,
        sync,
    };
    let checks = check::run(&world, store.conn(), &extra);
    println!("BENCH day_wall_time {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "# {} invariant(s) violated{}",
        checks.failed.len(),
        if checks.failed.is_empty() { String::new() } else { format!(": {}", checks.failed.join("; ")) }
    );
    !checks.failed.is_empty()
}
