//! A role's window as an appliance under systemd. Fullscreen and deaf to
//! close requests unless windowed (Alt+F4 must not take the kiosk, and the
//! built-in centre it serves, down); `READY=1` once the first frame is drawn;
//! `WATCHDOG=1` from a timer on the UI event loop, so a UI that freezes stops
//! feeding the watchdog and systemd restarts the service.

use crate::systemd::Notifier;
use slint::winit_030::{winit::event::WindowEvent, EventResult, WinitWindowAccessor};
use slint::{CloseRequestResponse, ComponentHandle, Timer, TimerMode};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// How the window is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowMode {
    /// Fullscreen, close requests refused (the appliance).
    Kiosk,
    /// A normal window that can be closed (development).
    Windowed,
}

impl WindowMode {
    /// `--windowed` wins; else the `kiosk.fullscreen` config key.
    pub fn choose(windowed_flag: bool, fullscreen_key: bool) -> WindowMode {
        if windowed_flag || !fullscreen_key {
            WindowMode::Windowed
        } else {
            WindowMode::Kiosk
        }
    }
}

/// What the service manager is told, and how often the watchdog is fed.
pub struct ServiceLink {
    pub notifier: Option<Rc<Notifier>>,
    pub watchdog: Option<Duration>,
    /// `STATUS=` sent with `READY=1`, e.g. "kiosk kiosk-03 on screen".
    pub status: String,
}

impl ServiceLink {
    /// From `$NOTIFY_SOCKET` and `$WATCHDOG_USEC` (nothing outside systemd).
    pub fn from_env(status: String) -> ServiceLink {
        ServiceLink {
            notifier: Notifier::from_env().map(Rc::new),
            watchdog: crate::systemd::watchdog_period(),
            status,
        }
    }
}

/// Keeps the watchdog timer running for as long as it is held.
pub struct ApplianceHooks {
    _watchdog: Option<Timer>,
}

/// Sets the window mode and hooks the window to systemd. Call before the
/// event loop runs.
pub fn install<C: ComponentHandle + 'static>(ui: &C, mode: WindowMode, link: ServiceLink) -> ApplianceHooks {
    set_mode(ui.window(), mode);
    let watchdog = match (&link.notifier, link.watchdog) {
        (Some(n), Some(period)) => Some(feed_watchdog(n.clone(), period)),
        _ => None,
    };
    if let Some(n) = link.notifier {
        let ready = format!("READY=1\nSTATUS={}", link.status);
        after_first_frame(ui, move || n.notify(&ready));
    }
    ApplianceHooks { _watchdog: watchdog }
}

pub fn set_mode(window: &slint::Window, mode: WindowMode) {
    match mode {
        WindowMode::Kiosk => {
            window.set_fullscreen(true);
            window.on_close_requested(|| {
                tracing::info!("window close request refused (kiosk mode; --windowed allows it)");
                CloseRequestResponse::KeepWindowShown
            });
        }
        WindowMode::Windowed => {
            window.set_fullscreen(false);
            window.on_close_requested(|| CloseRequestResponse::HideWindow);
        }
    }
}

/// `WATCHDOG=1` every `period` for as long as the UI event loop turns.
pub fn feed_watchdog(notifier: Rc<Notifier>, period: Duration) -> Timer {
    let t = Timer::default();
    t.start(TimerMode::Repeated, period, move || notifier.notify("WATCHDOG=1"));
    t
}

/// A callback that runs at most once, shared by the paths that may run it.
type Once = Rc<Cell<Option<Box<dyn FnOnce()>>>>;

/// Runs `done` once, after the window's first frame has been drawn.
///
/// The software renderer has no rendering notifier, so each backend is
/// followed on its own terms. winit draws right after its event filter sees
/// `RedrawRequested`, and runs timers only after the events of a loop turn:
/// a zero timer armed in the filter fires after that draw. linuxkms (and the
/// testing backend) update timers first and render last in each loop turn:
/// a zero timer armed in the first turn fires in the second, after the first
/// render. Which backend it is shows only once the loop runs (the winit
/// window is created then), hence the first-turn check.
pub fn after_first_frame<C: ComponentHandle + 'static>(ui: &C, done: impl FnOnce() + 'static) {
    let done: Once = Rc::new(Cell::new(Some(Box::new(done))));
    let fire = |done: &Once| {
        let done = done.clone();
        Timer::single_shot(Duration::ZERO, move || {
            if let Some(f) = done.take() {
                f();
            }
        });
    };
    ui.window().on_winit_window_event({
        let done = done.clone();
        move |_, event| {
            if matches!(event, WindowEvent::RedrawRequested) {
                fire(&done);
            }
            EventResult::Propagate
        }
    });
    let weak = ui.as_weak();
    Timer::single_shot(Duration::ZERO, move || {
        let on_winit = weak.upgrade().is_some_and(|ui| ui.window().has_winit_window());
        if !on_winit {
            fire(&done);
        }
    });
}
