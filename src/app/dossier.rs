//! Dossier status: a code typed on the keypad or scanned from the receipt,
//! looked up in the background; the status, what to do next, how the dossier
//! stands against its appointment, and the processing timeline. "Malformed",
//! "no such dossier", "unreachable" and "too slow" are told apart.
//!
//! Nothing personal beyond the masked applicant name reaches the screen, and
//! the result is cleared when the citizen goes home or the session ends.

use super::backend::{DossierDetails, DossierLookupError};
use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use crate::config::Language;
use crate::domain::dossier::DossierStatus;
use crate::domain::localtime::{format_date, format_date_time};
use crate::domain::scan::DossierCode;
use crate::ui::{DossierAdapter, HistoryRow, KioskWindow, Page};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::{Arc, Mutex};

/// Longest code the keypad accepts (agency ids are at most 40 characters).
const MAX_CODE_CHARS: usize = 56;

/// What the dossier screen shows, kept to re-render it in the other language.
#[derive(Debug, Clone, Default)]
struct DossierSession {
    /// The lookup whose answer is awaited (answers of older ones are dropped).
    request: u64,
    shown: Option<DossierDetails>,
    /// The code and why it could not be shown.
    error: Option<(String, DossierLookupError)>,
}

pub struct Dossier {
    ctx: Arc<KioskContext>,
    session: Mutex<DossierSession>,
}

impl Dossier {
    pub fn new(ctx: Arc<KioskContext>) -> Arc<Self> {
        Arc::new(Dossier { ctx, session: Mutex::default() })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, DossierSession> {
        self.session.lock().expect("dossier lock")
    }

    /// Looks a code up; an empty code clears the result ("look up another").
    fn lookup(self: &Arc<Self>, ui: &KioskWindow, code: &str) {
        let code = code.trim().to_string();
        let d = ui.global::<DossierAdapter>();
        if code.is_empty() {
            self.clear(ui);
            return;
        }
        let token = self.ctx.next_request();
        *self.session() = DossierSession { request: token, shown: None, error: None };
        d.set_found(false);
        d.set_error("".into());
        d.set_history(ModelRc::default());
        if DossierCode::parse(&code).is_none() {
            // Checked here too: no need to ask the centre about a typing slip.
            self.show_error(ui, code, DossierLookupError::Malformed);
            return;
        }
        d.set_busy(true);
        let (backend, asked, this) = (self.ctx.backend.clone(), code.clone(), self.clone());
        self.ctx.spawn(ui, async move { backend.dossier(asked).await }, move |ui, result| {
            if this.session().request != token {
                return; // a newer lookup, or the session ended
            }
            ui.global::<DossierAdapter>().set_busy(false);
            match result {
                Ok(view) => {
                    show(ui, this.ctx.lang(), &view);
                    this.session().shown = Some(view);
                }
                Err(e) => this.show_error(ui, code, e),
            }
        });
    }

    fn show_error(&self, ui: &KioskWindow, code: String, e: DossierLookupError) {
        let lang = self.ctx.lang();
        let text = match lang {
            Language::Vi => e.message_vi(&code),
            Language::En => e.message_en(&code),
        };
        if let DossierLookupError::Failed(err) = &e {
            tracing::warn!(error = %err, "dossier lookup failed");
        }
        let d = ui.global::<DossierAdapter>();
        d.set_busy(false);
        d.set_found(false);
        d.set_error(text.into());
        self.session().error = Some((code, e));
    }

    /// Forgets the lookup: the screen and the Rust state (a late answer is dropped).
    fn clear(&self, ui: &KioskWindow) {
        *self.session() = DossierSession::default();
        reset_screen(ui);
    }
}

/// Fills the dossier screen from a lookup result.
fn show(ui: &KioskWindow, lang: Language, v: &DossierDetails) {
    let d = ui.global::<DossierAdapter>();
    d.set_error("".into());
    d.set_code(v.code.as_str().into());
    d.set_procedure(pick(lang, &v.procedure_vi, &v.procedure_en).into());
    d.set_applicant(v.applicant.as_str().into());
    d.set_received(format_date_time(v.received_at).into());
    d.set_appointment(format_date(v.appointment).into());
    d.set_status(pick(lang, &v.status_vi, &v.status_en).into());
    d.set_status_code(i32::from(v.status_code));
    let action = action_title(v.status_code);
    // While the citizen must act (status 5/6) the clock is paused: never
    // "late" and never "on time: N days left" (an older centre may still send
    // those); the centre's paused note says the date is set again afterwards.
    d.set_overdue(v.overdue && action.is_none());
    let note = match (action.is_some(), v.paused) {
        (false, _) | (true, true) => pick(lang, &v.deadline_vi, &v.deadline_en),
        (true, false) => "",
    };
    d.set_overdue_note(note.into());
    d.set_action_title(action.map(|(vi, en)| pick(lang, vi, en)).unwrap_or_default().into());
    d.set_next_step(pick(lang, &v.next_step_vi, &v.next_step_en).into());
    let rows: Vec<HistoryRow> = v
        .history
        .iter()
        .map(|h| HistoryRow {
            time: format_date_time(h.at).into(),
            step: h.agency.as_str().into(),
            action: h.action.as_str().into(),
        })
        .collect();
    d.set_history(ModelRc::new(VecModel::from(rows)));
    d.set_found(true);
}

impl Feature for Dossier {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        let d = ui.global::<DossierAdapter>();
        d.on_key(handler!(ui, &self, |ui, _this, k| {
            let d = ui.global::<DossierAdapter>();
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
            d.set_code_input(
                super::keypad::apply_key(&d.get_code_input(), &k, MAX_CODE_CHARS, allowed).into(),
            );
        }));
        d.on_lookup(handler!(ui, &self, |ui, this, code| this.lookup(&ui, &code)));
    }

    /// Re-renders the result or the error in the current language.
    fn refresh_texts(&self, ui: &KioskWindow) {
        let (shown, error) = {
            let s = self.session();
            (s.shown.clone(), s.error.clone())
        };
        let lang = self.ctx.lang();
        if let Some(v) = shown {
            show(ui, lang, &v);
        } else if let Some((code, e)) = error {
            let text = pick(lang, &e.message_vi(&code), &e.message_en(&code)).to_string();
            ui.global::<DossierAdapter>().set_error(text.into());
        }
    }

    /// Home: the lookup is over (the next citizen must not see it).
    fn navigated(&self, ui: &KioskWindow, page: Page) {
        if page == Page::Home {
            self.clear(ui);
        }
    }

    fn end_session(&self, ui: &KioskWindow) {
        self.clear(ui);
    }

    fn session_data(&self) -> Vec<&'static str> {
        let s = self.session();
        if s.shown.is_some() || s.error.is_some() {
            vec!["dossier"]
        } else {
            Vec::new()
        }
    }
}

/// The plain heading of what the citizen must do, for the statuses that wait
/// on them: 5 papers requested, 6 fees to pay.
fn action_title(status_code: u8) -> Option<(&'static str, &'static str)> {
    match DossierStatus::from_code(status_code)? {
        DossierStatus::SupplementRequested => {
            Some(("Bạn cần bổ sung giấy tờ", "You need to bring more papers"))
        }
        DossierStatus::PaymentRequested => Some(("Bạn cần nộp phí, lệ phí", "You need to pay a fee")),
        _ => None,
    }
}

/// Empties every dossier field on screen.
fn reset_screen(ui: &KioskWindow) {
    let d = ui.global::<DossierAdapter>();
    d.set_code_input("".into());
    d.set_busy(false);
    d.set_found(false);
    d.set_error("".into());
    d.set_code("".into());
    d.set_procedure("".into());
    d.set_applicant("".into());
    d.set_received("".into());
    d.set_appointment("".into());
    d.set_status("".into());
    d.set_status_code(0);
    d.set_overdue(false);
    d.set_overdue_note("".into());
    d.set_next_step("".into());
    d.set_action_title("".into());
    d.set_history(ModelRc::default());
}
