//! "Trợ giúp / Gọi nhân viên" on home: asks the centre for an officer and
//! says what happened in plain words. One request per session from this
//! kiosk (the button then says staff is on the way), and the centre keeps at
//! most one open request per kiosk, so a citizen cannot flood the console.
//! Offline nothing is queued (help an hour late helps nobody): the kiosk
//! says plainly that the call could not be sent.

use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use crate::config::Language;
use crate::ui::{HelpAdapter, KioskWindow};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};

/// How long "staff is on the way" stays on home (home has no idle timeout).
pub const SHOWN_SECS: u32 = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum HelpState {
    #[default]
    Idle,
    Sending,
    Sent,
    Failed,
}

impl HelpState {
    fn key(self) -> &'static str {
        match self {
            HelpState::Idle => "",
            HelpState::Sending => "sending",
            HelpState::Sent => "sent",
            HelpState::Failed => "failed",
        }
    }

    fn message(self, lang: Language) -> &'static str {
        match self {
            HelpState::Idle => "",
            HelpState::Sending => pick(lang, "Đang gọi nhân viên…", "Calling a staff member…"),
            HelpState::Sent => pick(
                lang,
                "Nhân viên đang đến. Xin quý khách chờ tại máy này.",
                "A staff member is on the way. Please wait at this kiosk.",
            ),
            HelpState::Failed => pick(
                lang,
                "Chưa gọi được nhân viên: máy này đang mất kết nối. Xin mời quý khách đến bàn hướng dẫn.",
                "The call could not be sent: this kiosk has lost its connection. Please go to the information desk.",
            ),
        }
    }
}

#[derive(Default)]
struct Shown {
    state: HelpState,
    /// The request whose answer is awaited (a late answer after the session ended is dropped).
    request: u64,
    seconds_left: u32,
}

pub struct Help {
    ctx: Arc<KioskContext>,
    shown: Mutex<Shown>,
}

impl Help {
    pub fn new(ctx: Arc<KioskContext>) -> Arc<Self> {
        Arc::new(Help { ctx, shown: Mutex::default() })
    }

    fn shown(&self) -> std::sync::MutexGuard<'_, Shown> {
        self.shown.lock().expect("help lock")
    }

    fn set(&self, ui: &KioskWindow, state: HelpState) {
        {
            let mut s = self.shown();
            s.state = state;
            s.seconds_left = if state == HelpState::Idle { 0 } else { SHOWN_SECS };
        }
        let a = ui.global::<HelpAdapter>();
        a.set_state(state.key().into());
        a.set_message(state.message(self.ctx.lang()).into());
    }

    fn request(self: &Arc<Self>, ui: &KioskWindow) {
        // Once sent (or on its way) in this session, a second press sends nothing.
        if matches!(self.shown().state, HelpState::Sending | HelpState::Sent) {
            return;
        }
        let token = self.ctx.next_request();
        self.set(ui, HelpState::Sending);
        self.shown().request = token;
        let (backend, this) = (self.ctx.backend.clone(), self.clone());
        self.ctx.spawn(ui, async move { backend.request_help().await }, move |ui, result| {
            if this.shown().request != token {
                return;
            }
            match result {
                Ok(created) => {
                    tracing::info!(new = created, "help requested");
                    this.set(ui, HelpState::Sent);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "help request not sent");
                    this.set(ui, HelpState::Failed);
                }
            }
        });
    }
}

impl Feature for Help {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        ui.global::<HelpAdapter>().on_request(handler!(ui, &self, |ui, this| this.request(&ui)));
    }

    fn refresh_texts(&self, ui: &KioskWindow) {
        let state = self.shown().state;
        ui.global::<HelpAdapter>().set_message(state.message(self.ctx.lang()).into());
    }

    fn end_session(&self, ui: &KioskWindow) {
        self.shown().request = 0;
        self.set(ui, HelpState::Idle);
    }

    fn tick(&self, ui: &KioskWindow) {
        let expired = {
            let mut s = self.shown();
            if s.state == HelpState::Idle || s.state == HelpState::Sending {
                return;
            }
            s.seconds_left = s.seconds_left.saturating_sub(1);
            s.seconds_left == 0
        };
        if expired {
            self.set(ui, HelpState::Idle);
        }
    }
}
