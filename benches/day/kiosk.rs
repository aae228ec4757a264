//! The kiosks of the day, each a real process: this bench binary
//! re-executed (`DAY_KIOSK` in its environment), running one kiosk's link
//! (its data dir, outbox and offline numbers, its clock, behind its fault
//! proxy) and its arrivals, headless. It tells the parent what happens, one
//! line per event on stdout:
//!
//! ```text
//! issuing <i> <idempotency key>          a citizen tapped (arrival i)
//! printed <i> <µs> <number> <day> <tracking> <0|1 offline>
//! refused <i> <error code>               the kiosk told the citizen it could not
//! dossier <ok|failed>
//! status <0|1 offline> <outbox length>   on every change of the link's status
//! rated <id> | rate-refused <id> <code>  answers to `rate` requests
//! ```
//!
//! and takes `rate <id> <tracking code> <level>` on stdin (a citizen rating
//! at the kiosk that printed the ticket). Ratings go through the kiosk's own
//! link, not a second link opened by the parent on the same data dir: two
//! links on one outbox would both drain it, which no real kiosk does.
//!
//! The parent SIGKILLs a kiosk while an issue is in flight (an `issuing`
//! line with no answer yet) and starts it again minutes later on the same
//! data dir, resuming after the last arrival it reported.

use crate::actors::{count, link_options, Printed, World};
use crate::clock::{SimClock, Timeline};
use chrono::{Duration, NaiveDate};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::link::RemoteLink;
use motcua_kiosk::centre::{KioskLink, LinkMode, RatingResult, RatingSubmission, TicketRef, TicketRequest};
use motcua_kiosk::domain::rating::RatingLevel;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const KIOSK_ENV: &str = "DAY_KIOSK";
const LINE_ENV: &str = "DAY_LINE";

/// What a kiosk process needs to rebuild its config, data dir and arrivals.
#[derive(Debug, Clone)]
pub struct KioskSpec {
    pub k: usize,
    pub seed: u64,
    pub tickets: usize,
    pub kiosks: usize,
    pub displays: usize,
    pub skew_min: i64,
    /// The day's temp dir (the centre config is built from it).
    pub root: PathBuf,
    /// This kiosk's data dir.
    pub dir: PathBuf,
    pub proxy_url: String,
}

impl KioskSpec {
    fn to_env(&self, next: usize) -> String {
        format!(
            "{}\t{next}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.k,
            self.seed,
            self.tickets,
            self.kiosks,
            self.displays,
            self.skew_min,
            self.root.display(),
            self.dir.display(),
            self.proxy_url
        )
    }

    fn from_env(s: &str) -> (KioskSpec, usize) {
        let f: Vec<&str> = s.split('\t').collect();
        let spec = KioskSpec {
            k: f[0].parse().unwrap(),
            seed: f[2].parse().unwrap(),
            tickets: f[3].parse().unwrap(),
            kiosks: f[4].parse().unwrap(),
            displays: f[5].parse().unwrap(),
            skew_min: f[6].parse().unwrap(),
            root: f[7].into(),
            dir: f[8].into(),
            proxy_url: f[9].into(),
        };
        (spec, f[1].parse().unwrap())
    }

    pub fn config(&self) -> motcua_kiosk::config::Config {
        let ccfg = crate::centre_config(&self.root, self.kiosks);
        let mut cfg = crate::common::kiosk_config(&ccfg, &self.proxy_url, &crate::kiosk_id(self.k));
        cfg.centre.token = crate::kiosk_token(self.k).into();
        cfg.centre.connect_timeout_ms = 300;
        cfg.centre.request_timeout_ms = 1500;
        (cfg.offline.range_start, cfg.offline.range_end) = crate::kiosk_range(self.k);
        cfg.data.dir = self.dir.display().to_string();
        cfg
    }
}

/// The kiosk process: its link, heartbeats, arrivals from `next` on, and
/// the ratings the parent sends. Runs until killed.
pub fn kiosk_child(spec: &str) {
    let (spec, next) = KioskSpec::from_env(spec);
    let line = Timeline::from_env(&std::env::var(LINE_ENV).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async move {
        let cfg = spec.config();
        let clock = SimClock { line, skew: Duration::minutes(spec.skew_min) };
        let link = KioskLink::Remote(
            RemoteLink::open(&cfg, spec.dir.join("kiosk.sqlite3"), Arc::new(clock), link_options())
                .expect("kiosk link opens"),
        );
        let _hb = link.spawn_heartbeats(std::time::Duration::from_millis(1500), || {
            motcua_kiosk::centre::DeviceHealth {
                printer_status: "ok".into(),
                scanner_connected: true,
                app_version: "day-bench".into(),
                ..Default::default()
            }
        });
        // Status changes.
        let mut rx = link.watch_status();
        tokio::spawn(async move {
            loop {
                let (off, len) = {
                    let s = rx.borrow_and_update();
                    (s.mode == LinkMode::Offline, s.outbox_len)
                };
                println!("status {} {len}", u8::from(off));
                if rx.changed().await.is_err() {
                    return;
                }
            }
        });
        // Ratings from the parent.
        let (tx, mut rates) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for l in std::io::stdin().lock().lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
            // The parent is gone (or done): so is the kiosk.
            std::process::exit(0);
        });
        let l2 = link.clone();
        tokio::spawn(async move {
            while let Some(req) = rates.recv().await {
                let f: Vec<&str> = req.split(' ').collect();
                let (Some(&"rate"), Some(id), Some(tracking), Some(level)) =
                    (f.first(), f.get(1), f.get(2), f.get(3))
                else {
                    continue;
                };
                let (id, tracking, level) =
                    (id.to_string(), tracking.to_string(), level.parse::<u8>().unwrap());
                let link = l2.clone();
                tokio::spawn(async move {
                    let sub = RatingSubmission::new(
                        Some(TicketRef::Tracking(tracking)),
                        RatingLevel::from_value(level).unwrap(),
                    );
                    match link.rate(&sub).await {
                        Ok(RatingResult::Recorded { .. }) => println!("rated {id}"),
                        Ok(RatingResult::AlreadyRated) => println!("rate-refused {id} already_rated"),
                        Err(e) => println!("rate-refused {id} {}", e.code()),
                    }
                });
            }
        });
        // The arrivals.
        let plan = crate::plan::plan(spec.seed, spec.tickets, spec.kiosks, spec.displays);
        let arrivals: Vec<_> = plan.arrivals.into_iter().filter(|a| a.kiosk == spec.k).collect();
        let codes = crate::dossier_codes(&cfg);
        for (i, a) in arrivals.iter().enumerate().skip(next) {
            line.sleep_until(a.at).await;
            if a.dossier && !codes.is_empty() {
                let ok = link.dossier(&codes[i % codes.len()]).await.is_ok();
                println!("dossier {}", if ok { "ok" } else { "failed" });
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
            println!("issuing {i} {}", req.idempotency_key);
            let t0 = std::time::Instant::now();
            match link.issue_ticket(&req).await {
                Ok(t) => println!(
                    "printed {i} {} {} {} {} {}",
                    t0.elapsed().as_micros(),
                    t.number,
                    t.service_day,
                    t.tracking_code,
                    u8::from(t.offline)
                ),
                Err(e) => println!("refused {i} {}", e.code()),
            }
        }
        std::future::pending::<()>().await;
    });
}

/// Where a kiosk's answer to a rating goes: stored (or queued), or the
/// refusal's code.
pub type RateAnswer = tokio::sync::oneshot::Sender<Result<(), String>>;

/// A tap under way when its kiosk was killed.
#[derive(Debug, Clone)]
pub struct CutTap {
    pub kiosk: usize,
    pub arrival: usize,
    pub key: String,
}

/// What the parent knows of one kiosk process (shared with its reader thread).
#[derive(Default)]
pub struct KioskState {
    pub alive: AtomicBool,
    pub offline: AtomicBool,
    pub outbox: AtomicU32,
    /// The arrival to resume at after a restart (one past the last reported).
    pub next: AtomicUsize,
    /// The tap reported as `issuing` with no answer yet.
    pub in_flight: Mutex<Option<(usize, String)>>,
    /// µs the last issue took (to aim the kill inside the next one).
    pub last_issue_us: AtomicU64,
    /// Kill at the next `issuing`, this fraction of `last_issue_us` later.
    pub kill_armed: Mutex<Option<f64>>,
    /// Ratings sent and not answered: id -> (key, answer).
    pub pending: Mutex<HashMap<u64, (String, RateAnswer)>>,
    /// Simulated milliseconds spent offline (sampled).
    pub offline_ms: AtomicU64,
    pub pid: AtomicU32,
}

pub struct KioskProc {
    child: Child,
    stdin: ChildStdin,
}

fn sigkill(pid: u32) {
    // SAFETY: kill(2) on a child we started and have not reaped yet.
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
    }
}

/// Starts kiosk `k` at arrival `next` and the thread reading its lines.
pub fn spawn(world: &Arc<World>, k: usize) {
    let kiosk = &world.kiosks[k];
    let next = kiosk.state.next.load(Ordering::SeqCst);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(KIOSK_ENV, kiosk.spec.to_env(next))
        .env(LINE_ENV, world.line.to_env())
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the bench re-executes itself");
    let out = BufReader::new(child.stdout.take().unwrap());
    let stdin = child.stdin.take().unwrap();
    let st = kiosk.state.clone();
    st.pid.store(child.id(), Ordering::SeqCst);
    st.alive.store(true, Ordering::SeqCst);
    *kiosk.proc.lock().unwrap() = Some(KioskProc { child, stdin });
    let world = world.clone();
    std::thread::spawn(move || read_lines(world, k, out));
}

fn read_lines(world: Arc<World>, k: usize, out: BufReader<std::process::ChildStdout>) {
    let kiosk = &world.kiosks[k];
    let st = &kiosk.state;
    let mut killed = false;
    for l in out.lines().map_while(Result::ok) {
        let f: Vec<&str> = l.split(' ').collect();
        match f[0] {
            "issuing" => {
                let i: usize = f[1].parse().unwrap();
                st.next.store(i + 1, Ordering::SeqCst);
                *st.in_flight.lock().unwrap() = Some((i, f[2].to_string()));
                if let Some(frac) = st.kill_armed.lock().unwrap().take() {
                    let us = (st.last_issue_us.load(Ordering::SeqCst) as f64 * frac) as u64;
                    std::thread::sleep(std::time::Duration::from_micros(us));
                    sigkill(st.pid.load(Ordering::SeqCst));
                    killed = true;
                }
            }
            "printed" => {
                let i: usize = f[1].parse().unwrap();
                *st.in_flight.lock().unwrap() = None;
                st.last_issue_us.store(f[2].parse().unwrap(), Ordering::SeqCst);
                let a = &kiosk.arrivals[i];
                if let Some(level) = a.rates {
                    world.raters.lock().unwrap().insert(f[5].to_string(), (k, level));
                }
                world.printed.lock().unwrap().push(Printed {
                    number: f[3].to_string(),
                    day: f[4].parse().unwrap(),
                    tracking: f[5].to_string(),
                    offline: f[6] == "1",
                    kiosk: k,
                    at: world.line.now(),
                });
            }
            "refused" => {
                *st.in_flight.lock().unwrap() = None;
                count(&world.refused, f[2]);
            }
            "dossier" => {
                let n = if f[1] == "ok" { &world.dossiers_ok } else { &world.dossiers_failed };
                n.fetch_add(1, Ordering::Relaxed);
            }
            "status" => {
                st.offline.store(f[1] == "1", Ordering::SeqCst);
                st.outbox.store(f[2].parse().unwrap(), Ordering::SeqCst);
            }
            "rated" | "rate-refused" => {
                let id: u64 = f[1].parse().unwrap();
                if let Some((_, tx)) = st.pending.lock().unwrap().remove(&id) {
                    let _ = tx.send(if f[0] == "rated" { Ok(()) } else { Err(f[2].to_string()) });
                }
            }
            _ => {}
        }
    }
    // The process is gone.
    killed |= world.killing[k].load(Ordering::SeqCst);
    if killed {
        if let Some((i, key)) = st.in_flight.lock().unwrap().take() {
            world.cut.lock().unwrap().push(CutTap { kiosk: k, arrival: i, key });
        }
    }
    // Ratings sent and never answered: stored or not, but at most once.
    for (_, (key, _)) in st.pending.lock().unwrap().drain() {
        if killed {
            world.ratings_uncertain.lock().unwrap().push(key);
        }
    }
    st.alive.store(false, Ordering::SeqCst);
}

impl World {
    /// Starts every kiosk process.
    pub fn start_kiosks(self: &Arc<Self>) {
        for k in 0..self.kiosks.len() {
            spawn(self, k);
        }
    }

    /// Kills kiosk `k` with SIGKILL in the middle of an issue: at its next
    /// `issuing` line, `frac` of its last issue's duration later (or after
    /// `wait_ms` of real time if no citizen comes). Returns whether a tap was
    /// cut.
    pub async fn kill_kiosk_mid_issue(&self, k: usize, frac: f64, wait_ms: i64) -> bool {
        let st = self.kiosks[k].state.clone();
        let cut_before = self.cut.lock().unwrap().len();
        self.killing[k].store(true, Ordering::SeqCst);
        *st.kill_armed.lock().unwrap() = Some(frac);
        let t0 = crate::clock::wall_ms();
        while st.alive.load(Ordering::SeqCst) && crate::clock::wall_ms() - t0 < wait_ms {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        st.kill_armed.lock().unwrap().take();
        self.reap(k).await;
        self.killing[k].store(false, Ordering::SeqCst);
        self.cut.lock().unwrap().len() > cut_before
    }

    /// SIGKILLs kiosk `k` (if it still runs) and waits until its lines are read.
    pub async fn reap(&self, k: usize) {
        let st = self.kiosks[k].state.clone();
        let proc = self.kiosks[k].proc.lock().unwrap().take();
        if let Some(mut p) = proc {
            let _ = p.child.kill();
            let _ = tokio::task::spawn_blocking(move || p.child.wait()).await;
        }
        while st.alive.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    /// Sends a rating request to kiosk `k`; None when it is not running.
    pub fn send_rate(
        &self,
        k: usize,
        tracking: &str,
        level: u8,
        key: String,
    ) -> Option<tokio::sync::oneshot::Receiver<Result<(), String>>> {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let kiosk = &self.kiosks[k];
        let mut proc = kiosk.proc.lock().unwrap();
        let p = proc.as_mut()?;
        if !kiosk.state.alive.load(Ordering::SeqCst) {
            return None;
        }
        let id = IDS.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = tokio::sync::oneshot::channel();
        kiosk.state.pending.lock().unwrap().insert(id, (key, tx));
        if writeln!(p.stdin, "rate {id} {tracking} {level}").and_then(|_| p.stdin.flush()).is_err() {
            kiosk.state.pending.lock().unwrap().remove(&id);
            return None;
        }
        Some(rx)
    }

    /// Online (not offline), alive, outbox empty.
    pub fn synced(&self, k: usize) -> bool {
        let st = &self.kiosks[k].state;
        st.alive.load(Ordering::SeqCst)
            && !st.offline.load(Ordering::SeqCst)
            && st.outbox.load(Ordering::SeqCst) == 0
    }
}
