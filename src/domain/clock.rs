//! Where "now" comes from. The centre and the kiosk link take a [`Clock`] so tests
//! can put the time just before local midnight and step over it.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, demos). Cloning shares the time.
#[derive(Debug, Clone)]
pub struct MockClock(Arc<Mutex<DateTime<Utc>>>);

impl MockClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    pub fn advance(&self, d: Duration) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *g += d;
    }
}

impl Clock for MockClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The clock production code uses.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn mock_clock_moves_only_when_told_and_clones_share_it() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 16, 59, 0).unwrap();
        let c = MockClock::new(t0);
        let c2 = c.clone();
        assert_eq!(c.now(), t0);
        c.advance(Duration::seconds(90));
        assert_eq!(c2.now(), t0 + Duration::seconds(90));
        c2.set(t0);
        assert_eq!(c.now(), t0);
    }
}
