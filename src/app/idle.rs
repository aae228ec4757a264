//! Idle timeout rule: after `timeout` without a touch on any page but home, the
//! citizen's session ends; the last `warning` seconds show a countdown with a
//! large "Tôi cần thêm thời gian" button. Reading pages (procedure search and
//! detail, dossier status) allow longer: slow readers touch nothing for
//! minutes. [`IdleTracker`] is the rule, [`Idle`] the kiosk feature that applies it.

use super::context::{end_session, handler, Feature, TICK};
use crate::config::Config;
use crate::ui::{KioskWindow, Page, Session};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
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

    /// A page with another allowance (reading pages get longer); the time
    /// already idle restarts with it.
    pub fn set_timeout(&mut self, timeout: Duration, warning: Duration) {
        self.timeout = timeout;
        self.warning = warning.min(timeout);
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

/// The idle rule on the kiosk: touches restart it, the last seconds show the
/// warning, and time up ends the session.
pub struct Idle {
    tracker: Mutex<IdleTracker>,
    timeout: Duration,
    reading_timeout: Duration,
    warning: Duration,
}

/// Pages read at length: the longer `reading_idle_timeout_secs` applies.
pub fn is_reading_page(page: Page) -> bool {
    matches!(page, Page::Procedures | Page::ProcedureDetail | Page::Dossier)
}

impl Idle {
    pub fn new(cfg: &Config) -> Arc<Self> {
        let secs = |s: u32| Duration::from_secs(s.into());
        let (timeout, warning) = (secs(cfg.kiosk.idle_timeout_secs), secs(cfg.kiosk.idle_warning_secs));
        Arc::new(Idle {
            tracker: Mutex::new(IdleTracker::new(timeout, warning)),
            timeout,
            reading_timeout: secs(cfg.kiosk.reading_idle_timeout_secs),
            warning,
        })
    }

    fn tracker(&self) -> std::sync::MutexGuard<'_, IdleTracker> {
        self.tracker.lock().expect("idle lock")
    }

    /// A touch or a scan: the countdown starts again.
    pub fn activity(&self) {
        self.tracker().activity();
    }

    /// The citizen is known: the rule also guards home.
    pub fn arm(&self) {
        self.tracker().set_armed(true);
    }
}

impl Feature for Idle {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        ui.global::<Session>().on_activity(handler!(ui, &self, |ui, this| {
            this.activity();
            ui.global::<Session>().set_idle_warning(false);
        }));
    }

    fn navigated(&self, ui: &KioskWindow, page: Page) {
        let session = ui.global::<Session>();
        let timeout = if is_reading_page(page) { self.reading_timeout } else { self.timeout };
        let mut t = self.tracker();
        t.set_timeout(timeout, self.warning);
        t.set_armed(page != Page::Home || session.get_citizen_present());
        drop(t);
        session.set_idle_warning(false);
    }

    fn tick(&self, ui: &KioskWindow) {
        let state = self.tracker().advance(TICK);
        let session = ui.global::<Session>();
        match state {
            IdleState::Active => session.set_idle_warning(false),
            IdleState::Warning(left) => {
                session.set_idle_seconds_left(left as i32);
                session.set_idle_warning(true);
            }
            IdleState::Expired => end_session(ui),
        }
    }

    fn end_session(&self, ui: &KioskWindow) {
        self.tracker().set_armed(false);
        ui.global::<Session>().set_idle_warning(false);
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
    fn a_longer_allowance_for_reading_restarts_the_count() {
        // Must hold: moving to a reading page swaps in its longer timeout and
        // the time idle so far starts again; the warning keeps its length.
        let mut t = IdleTracker::new(60 * S, 20 * S);
        t.set_armed(true);
        assert_eq!(t.advance(30 * S), IdleState::Active);
        t.set_timeout(180 * S, 20 * S);
        assert_eq!(t.advance(159 * S), IdleState::Active);
        assert_eq!(t.advance(S), IdleState::Warning(20));
        assert_eq!(t.advance(20 * S), IdleState::Expired);
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
