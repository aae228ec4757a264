//! The day, drawn from a seed: who arrives when, at which kiosk, for what;
//! and which faults strike when. The same seed gives the same plan (the
//! timing of what the processes do with it still varies with the machine).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// Services: code, counters, mean service minutes, share of arrivals.
pub const SERVICES: [(&str, std::ops::RangeInclusive<u32>, f64, f64); 6] = [
    ("HT", 1..=8, 4.0, 0.30),
    ("CT", 9..=14, 2.5, 0.30),
    ("CU", 15..=19, 4.0, 0.15),
    ("DD", 20..=24, 7.0, 0.10),
    ("KD", 25..=27, 6.0, 0.07),
    ("LD", 28..=30, 5.0, 0.08),
];

/// Arrivals per 30 minutes, relative, from 07:30 (peaks 07:30-10:00 and
/// 13:30-15:00; closed 11:30-13:30).
const SLOTS: [(u32, u32, f64); 15] = [
    (7, 30, 1.6),
    (8, 0, 2.0),
    (8, 30, 2.0),
    (9, 0, 1.8),
    (9, 30, 1.6),
    (10, 0, 1.0),
    (10, 30, 0.8),
    (11, 0, 0.5),
    (13, 30, 1.4),
    (14, 0, 1.6),
    (14, 30, 1.3),
    (15, 0, 0.8),
    (15, 30, 0.6),
    (16, 0, 0.5),
    (16, 30, 0.3),
];

/// The counters call nobody after 16:50 (the office closes at 17:00).
pub fn last_call() -> DateTime<Utc> {
    at(16, 50)
}

pub fn the_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() // a Tuesday, not a holiday
}

/// Local wall time on the day (or `days` later) as UTC.
pub fn at(h: u32, m: u32) -> DateTime<Utc> {
    at_day(0, h, m)
}

pub fn at_day(days: u64, h: u32, m: u32) -> DateTime<Utc> {
    let d = the_day() + chrono::Days::new(days);
    motcua_kiosk::domain::localtime::vn_offset()
        .from_local_datetime(&d.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: DateTime<Utc>,
    pub kiosk: usize,
    pub service: &'static str,
    pub priority: bool,
    /// Scans the ID card first (the ticket carries the identity).
    pub citizen: bool,
    /// Rates the service afterwards (level 1-3), or not.
    pub rates: Option<u8>,
    /// Looks up a dossier at the kiosk.
    pub dossier: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    CentreKill {
        down: Duration,
    },
    Partition {
        kiosk: usize,
        fault: crate::proxy::Fault,
        length: Duration,
    },
    /// SIGKILL inside the next issue, `frac` of the last issue's duration
    /// after it starts; back `down` later.
    KioskKill {
        kiosk: usize,
        down: Duration,
        frac: f64,
    },
    DiskFull {
        kiosk: usize,
        length: Duration,
    },
    DisplayOff {
        display: usize,
        length: Duration,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct FaultAt {
    pub at: DateTime<Utc>,
    pub kind: FaultKind,
}

pub struct Plan {
    pub arrivals: Vec<Arrival>,
    pub faults: Vec<FaultAt>,
    /// The kiosk whose clock is 3 minutes fast.
    pub skewed_kiosk: usize,
    /// The kiosk whose disk fills up.
    pub full_kiosk: usize,
}

fn minutes(rng: &mut fastrand::Rng, lo: u32, hi: u32) -> Duration {
    Duration::minutes(rng.u32(lo..=hi) as i64)
}

pub fn plan(seed: u64, tickets: usize, kiosks: usize, displays: usize) -> Plan {
    let mut rng = fastrand::Rng::with_seed(seed);
    let total: f64 = SLOTS.iter().map(|s| s.2).sum();
    let mut arrivals = Vec::new();

    for (h, m, w) in SLOTS {
        let n = (tickets as f64 * w / total).round() as usize;
        for _ in 0..n {
            let at = at(h, m) + Duration::seconds(rng.i64(0..1800));
            let r = rng.f64();
            let mut acc = 0.0;
            let service = SERVICES
                .iter()
                .find(|s| {
                    acc += s.3;
                    r < acc
                })
                .unwrap_or(&SERVICES[0])
                .0;
            arrivals.push(Arrival {
                at,
                kiosk: rng.usize(..kiosks),
                service,
                priority: rng.f64() < 0.08,
                citizen: rng.f64() < 0.25,
                rates: (rng.f64() < 0.30).then(|| *[3u8, 3, 3, 2, 2, 1].get(rng.usize(..6)).unwrap()),
                dossier: rng.f64() < 0.10,
            });
        }
    }
    // Latecomers: tickets taken after the counters' last call,
    // so midnight always comes with tickets waiting, half of them carrying
    // an identity the rollover must erase.
    let late = (tickets / 250).max(4);
    for i in 0..late {
        let r = rng.usize(..SERVICES.len());
        arrivals.push(Arrival {
            at: last_call() + Duration::seconds(60 + rng.i64(0..420)),
            kiosk: rng.usize(..kiosks),
            service: SERVICES[r].0,
            priority: false,
            citizen: i % 2 == 0,
            rates: None,
            dossier: false,
        });
    }
    arrivals.sort_by_key(|a| a.at);
    // Distinct kiosks for the partitions, the kill and the skew (when there are enough).
    let mut order: Vec<usize> = (0..kiosks).collect();
    rng.shuffle(&mut order);
    let k = |i: usize| order[i % kiosks];
    use crate::proxy::Fault;
    let mut faults = vec![
        // The centre dies in the morning peak, late morning and mid-afternoon.
        FaultAt {
            at: at(9, 0) + minutes(&mut rng, 0, 10),
            kind: FaultKind::CentreKill { down: minutes(&mut rng, 2, 6) },
        },
        FaultAt {
            at: at(10, 40) + minutes(&mut rng, 0, 30),
            kind: FaultKind::CentreKill { down: minutes(&mut rng, 2, 6) },
        },
        FaultAt {
            at: at(14, 0) + minutes(&mut rng, 0, 60),
            kind: FaultKind::CentreKill { down: minutes(&mut rng, 2, 6) },
        },
        FaultAt {
            at: at(8, 0) + minutes(&mut rng, 0, 60),
            kind: FaultKind::Partition {
                kiosk: k(0),
                fault: Fault::BlackHole,
                length: Duration::minutes(40),
            },
        },
        FaultAt {
            at: at(9, 30) + minutes(&mut rng, 0, 60),
            kind: FaultKind::Partition { kiosk: k(1), fault: Fault::Cut, length: minutes(&mut rng, 10, 20) },
        },
        FaultAt {
            at: at(13, 40) + minutes(&mut rng, 0, 60),
            kind: FaultKind::Partition {
                kiosk: k(2),
                fault: Fault::Refuse,
                length: minutes(&mut rng, 15, 30),
            },
        },
        FaultAt {
            at: at(10, 0) + minutes(&mut rng, 0, 60),
            kind: FaultKind::KioskKill { kiosk: k(3), down: minutes(&mut rng, 3, 8), frac: 0.0 },
        },
        FaultAt {
            at: at(10, 0) + minutes(&mut rng, 0, 30),
            kind: FaultKind::DisplayOff { display: rng.usize(..displays), length: minutes(&mut rng, 15, 30) },
        },
    ];
    // The full disk strikes the refused kiosk shortly before its partition
    // (so it must number offline on a full disk) and is fixed during it.
    let refuse = faults[5];
    faults.push(FaultAt {
        at: refuse.at - Duration::minutes(5),
        kind: FaultKind::DiskFull { kiosk: k(2), length: Duration::minutes(15) },
    });
    // The same kiosk is killed again a minute into the afternoon centre
    // kill: its tap is numbered offline, maybe written to its outbox just
    // before the kill, and sent after the restart. (Drawn last, so the
    // faults above are what they were before this one existed.)
    let afternoon = faults[2];
    faults.push(FaultAt {
        at: afternoon.at + Duration::minutes(1),
        kind: FaultKind::KioskKill { kiosk: k(3), down: minutes(&mut rng, 3, 8), frac: 0.0 },
    });
    for f in &mut faults {
        if let FaultKind::KioskKill { frac, .. } = &mut f.kind {
            *frac = rng.f64();
        }
    }
    faults.sort_by_key(|f| f.at);
    Plan { arrivals, faults, skewed_kiosk: k(4), full_kiosk: k(2) }
}
