//! The setup PIN's lockout rule: wrong PINs count in rounds of
//! [`ROUND`]; each full round locks the pad, longer each time (1 min, then
//! 5 min, then 30 min for every further round). Only a right PIN (or a new
//! PIN set by `motcua-kiosk pin set`) starts the count again. Plain data: the
//! kiosk keeps it in its database so neither the end of a session nor a
//! restart resets it.

use chrono::{DateTime, Duration, Utc};

/// Wrong PINs per round.
pub const ROUND: u32 = 5;

/// Lockout after the n-th full round (1-based); the last one repeats.
const LOCKOUTS_SECS: [i64; 3] = [60, 5 * 60, 30 * 60];

/// Wrong PINs so far and the lockout in force, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinLockout {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl PinLockout {
    /// How long the pad stays locked after `failures` wrong PINs (`None`
    /// unless a round was just completed).
    pub fn lock_for(failures: u32) -> Option<Duration> {
        if failures == 0 || !failures.is_multiple_of(ROUND) {
            return None;
        }
        let round = (failures / ROUND) as usize;
        Some(Duration::seconds(LOCKOUTS_SECS[(round - 1).min(LOCKOUTS_SECS.len() - 1)]))
    }

    /// The lockout still in force at `now`.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|t| *t > now)
    }

    /// A wrong PIN at `now`: counted, and the pad locked when it ends a round.
    pub fn failed(self, now: DateTime<Utc>) -> PinLockout {
        let failures = self.failures.saturating_add(1);
        let locked_until = match Self::lock_for(failures) {
            Some(d) => Some(now + d),
            None => self.locked_at(now),
        };
        PinLockout { failures, locked_until }
    }

    /// The right PIN: the count starts again.
    pub fn succeeded(self) -> PinLockout {
        PinLockout::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-03-02T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn each_round_of_five_locks_longer() {
        // What must hold: 4 wrong PINs do not lock; the 5th locks for 1 min,
        // the 10th for 5 min, the 15th and every later round for 30 min.
        let mut s = PinLockout::default();
        let mut locks = Vec::new();
        for n in 1..=20 {
            s = s.failed(t0());
            if n == 4 {
                assert_eq!(s.locked_at(t0()), None);
            }
            if let Some(d) = PinLockout::lock_for(n) {
                assert_eq!(s.locked_until, Some(t0() + d));
                locks.push((n, d.num_seconds()));
            }
        }
        assert_eq!(locks, [(5, 60), (10, 300), (15, 1800), (20, 1800)]);
        assert_eq!(s.failures, 20);
    }

    #[test]
    fn a_lockout_ends_and_the_right_pin_starts_again() {
        let mut s = PinLockout::default();
        for _ in 0..5 {
            s = s.failed(t0());
        }
        assert!(s.locked_at(t0() + Duration::seconds(59)).is_some());
        assert!(s.locked_at(t0() + Duration::seconds(60)).is_none());
        // A wrong PIN after the lockout keeps the count (6) without locking again.
        let later = t0() + Duration::seconds(61);
        s = s.failed(later);
        assert_eq!((s.failures, s.locked_at(later)), (6, None));
        assert_eq!(s.succeeded(), PinLockout::default());
    }
}
