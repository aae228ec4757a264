//! Compressed time shared by the bench and the centre child process.
//!
//! Both compute the simulated instant from the wall clock alone (the same
//! start instant and speed are handed to the child in its environment), so
//! the two processes agree without talking, and a restarted centre picks up
//! the day where it was. The working day runs from `day_start`; when it
//! reaches `evening` the time jumps to `night` (a few minutes before local
//! midnight), so the rollover with tickets waiting comes without simulating
//! the empty evening.

use chrono::{DateTime, Duration, Utc};
use motcua_kiosk::domain::clock::Clock;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    /// Wall clock (Unix ms) at which the simulated day starts.
    pub wall0_ms: i64,
    pub day_start: DateTime<Utc>,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub evening: DateTime<Utc>,
    pub night: DateTime<Utc>,
}

pub fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

impl Timeline {
    /// The simulated instant at wall time `wall_ms`.
    pub fn sim_at(&self, wall_ms: i64) -> DateTime<Utc> {
        let t =
            self.day_start + Duration::milliseconds(((wall_ms - self.wall0_ms) as f64 * self.speed) as i64);
        if t >= self.evening {
            t + (self.night - self.evening)
        } else {
            t
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.sim_at(wall_ms())
    }

    /// The wall time (Unix ms) at which the simulated instant `t` comes.
    pub fn wall_of(&self, t: DateTime<Utc>) -> i64 {
        let t = if t >= self.night { t - (self.night - self.evening) } else { t.min(self.evening) };
        self.wall0_ms + ((t - self.day_start).num_milliseconds() as f64 / self.speed) as i64
    }

    /// Sleeps until the simulated instant `t` (at once if it has passed).
    pub async fn sleep_until(&self, t: DateTime<Utc>) {
        let ms = self.wall_of(t) - wall_ms();
        if ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(ms as u64)).await;
        }
    }

    pub fn to_env(self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}",
            self.wall0_ms,
            self.day_start.timestamp_millis(),
            self.speed,
            self.evening.timestamp_millis(),
            self.night.timestamp_millis()
        )
    }

    pub fn from_env(s: &str) -> Timeline {
        let f: Vec<&str> = s.split('\t').collect();
        let ms = |i: usize| DateTime::from_timestamp_millis(f[i].parse().unwrap()).unwrap();
        Timeline {
            wall0_ms: f[0].parse().unwrap(),
            day_start: ms(1),
            speed: f[2].parse().unwrap(),
            evening: ms(3),
            night: ms(4),
        }
    }
}

/// A [`Clock`] on the timeline, off by `skew` (a kiosk whose clock is wrong).
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    pub line: Timeline,
    pub skew: Duration,
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.line.now() + self.skew
    }
}
