//! Idle timeout rule: after `timeout` without a touch on any page but home, the
//! citizen's session ends; the last `warning` seconds show a countdown.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    /// Nothing to show.
    Active,
    /// Show the countdown with this many whole seconds left.
    Warning(u32),
    /// Time is up: go home and clear the citizen's data.
    Expired,
}

/// Pure idle bookkeeping; the caller feeds elapsed time (Slint timers in the
/// app, explicit durations in tests).
#[derive(Debug, Clone)]
pub struct IdleTracker {
    timeout: Duration,
    warning: Duration,
    idle: Duration,
    armed: bool,
}

impl IdleTracker {
    /// `timeout` of zero disables the rule.
    pub fn new(timeout: Duration, warning: Duration) -> Self {
        Self { timeout, warning: warning.min(timeout), idle: Duration::ZERO, armed: false }
    }

    /// Any touch.
    pub fn activity(&mut self) {
        self.idle = Duration::ZERO;
    }

    /// Arms the rule when leaving home, disarms it at home.
    pub fn set_armed(&mut self, armed: bool) {
        self.armed = armed;
        self.idle = Duration::ZERO;
    }

    pub fn advance(&mut self, dt: Duration) -> IdleState {
        if !self.armed || self.timeout.is_zero() {
            return IdleState::Active;
        }
        self.idle += dt;
        if self.idle >= self.timeout {
            self.armed = false;
            self.idle = Duration::ZERO;
            return IdleState::Expired;
        }
        let left = self.timeout - self.idle;
        if left <= self.warning {
            IdleState::Warning(left.as_secs_f64().ceil() as u32)
        } else {
            IdleState::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn warns_then_expires_once() {
        let mut t = IdleTracker::new(60 * S, 10 * S);
        t.set_armed(true);
        assert_eq!(t.advance(49 * S), IdleState::Active);
        assert_eq!(t.advance(S), IdleState::Warning(10));
        assert_eq!(t.advance(9 * S), IdleState::Warning(1));
        assert_eq!(t.advance(S), IdleState::Expired);
        // Disarmed after expiry: home does not time out.
        assert_eq!(t.advance(600 * S), IdleState::Active);
    }

    #[test]
    fn activity_restarts_the_countdown() {
        let mut t = IdleTracker::new(60 * S, 10 * S);
        t.set_armed(true);
        assert_eq!(t.advance(55 * S), IdleState::Warning(5));
        t.activity();
        assert_eq!(t.advance(55 * S), IdleState::Warning(5));
    }

    #[test]
    fn zero_timeout_never_expires_and_home_is_exempt() {
        let mut t = IdleTracker::new(Duration::ZERO, 10 * S);
        t.set_armed(true);
        assert_eq!(t.advance(3600 * S), IdleState::Active);
        let mut t = IdleTracker::new(60 * S, 10 * S);
        t.set_armed(false);
        assert_eq!(t.advance(3600 * S), IdleState::Active);
    }
}
