//! Dossier status: a code typed on the keypad or scanned from the receipt,
//! looked up in the background; the status, what to do next, how the dossier
//! stands against its appointment, and the processing timeline. "Malformed",
//! "no such dossier", "unreachable" and "too slow" are told apart.
//!
//! Nothing personal beyond the masked applicant name reaches the screen, and
//! the result is cleared when the citizen goes home or the session ends.

use super::backend::{DossierLookupError, DossierDetails};
use super::i18n::pick;
use super::kiosk::Inner;
use crate::config::Language;
use crate::domain::localtime::{format_date, format_date_time};
use crate::domain::scan::DossierCode;
use crate::ui::{DossierAdapter, HistoryRow, KioskWindow};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::Arc;

/// Longest code the keypad accepts (agency ids are at most 40 characters).
const MAX_CODE_CHARS: usize = 56;

/// What the dossier screen shows, kept to re-render it in the other language.
#[derive(Debug, Clone, Default)]
pub struct DossierSession {
    /// The lookup whose answer is awaited (answers of older ones are dropped).
    pub request: u64,
    pub shown: Option<DossierDetails>,
    /// The code and why it could not be shown.
    pub error: Option<(String, DossierLookupError)>,
}

pub fn wire(ui: &KioskWindow, inner: &Arc<Inner>) {
    let d = ui.global::<DossierAdapter>();
    d.on_key({
        let weak = ui.as_weak();
        move |k| {
            if let Some(ui) = weak.upgrade() {
                let d = ui.global::<DossierAdapter>();
                let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
                d.set_code_input(
                    super::keypad::apply_key(&d.get_code_input(), &k, MAX_CODE_CHARS, allowed).into(),
                );
            }
        }
    });
    d.on_lookup({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move |code| {
            if let Some(ui) = weak.upgrade() {
                lookup(&ui, &inner, code.as_str());
            }
        }
    });
}

/// Looks a code up; an empty code clears the result ("look up another").
pub fn lookup(ui: &KioskWindow, inner: &Arc<Inner>, code: &str) {
    let code = code.trim().to_string();
    let d = ui.global::<DossierAdapter>();
    if code.is_empty() {
        clear(ui, inner);
        return;
    }
    let token = inner.next_request();
    {
        let mut s = inner.session.lock().expect("session lock");
        s.dossier = DossierSession { request: token, shown: None, error: None };
    }
    d.set_found(false);
    d.set_error("".into());
    d.set_history(ModelRc::default());
    if DossierCode::parse(&code).is_none() {
        // Checked here too: no need to ask the centre about a typing slip.
        show_error(ui, inner, code, DossierLookupError::Malformed);
        return;
    }
    d.set_busy(true);
    let (backend, asked, post_inner) = (inner.backend.clone(), code.clone(), inner.clone());
    inner.poster.spawn(&inner.rt, &ui.as_weak(), async move { backend.dossier(asked).await }, move |ui, result| {
        if post_inner.session.lock().expect("session lock").dossier.request != token {
            return; // a newer lookup, or the session ended
        }
        ui.global::<DossierAdapter>().set_busy(false);
        match result {
            Ok(view) => {
                show(ui, post_inner.lang(), &view);
                post_inner.session.lock().expect("session lock").dossier.shown = Some(view);
            }
            Err(e) => show_error(ui, &post_inner, code, e),
        }
    });
}

fn show_error(ui: &KioskWindow, inner: &Inner, code: String, e: DossierLookupError) {
    let lang = inner.lang();
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
    inner.session.lock().expect("session lock").dossier.error = Some((code, e));
}

/// Fills the dossier screen from a lookup result.
pub fn show(ui: &KioskWindow, lang: Language, v: &DossierDetails) {
    let d = ui.global::<DossierAdapter>();
    d.set_error("".into());
    d.set_code(v.code.as_str().into());
    d.set_procedure(pick(lang, &v.procedure_vi, &v.procedure_en).into());
    d.set_applicant(v.applicant.as_str().into());
    d.set_received(format_date_time(v.received_at).into());
    d.set_appointment(format_date(v.appointment).into());
    d.set_status(pick(lang, &v.status_vi, &v.status_en).into());
    d.set_status_code(i32::from(v.status_code));
    d.set_overdue(v.overdue);
    d.set_overdue_note(pick(lang, &v.deadline_vi, &v.deadline_en).into());
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

/// Re-renders the result or the error in the current language.
pub fn refresh_texts(ui: &KioskWindow, inner: &Inner) {
    let (shown, error) = {
        let s = inner.session.lock().expect("session lock");
        (s.dossier.shown.clone(), s.dossier.error.clone())
    };
    if let Some(v) = shown {
        show(ui, inner.lang(), &v);
    } else if let Some((code, e)) = error {
        let text = pick(inner.lang(), &e.message_vi(&code), &e.message_en(&code)).to_string();
        ui.global::<DossierAdapter>().set_error(text.into());
    }
}

/// Forgets the lookup: the screen and the Rust state (a late answer is dropped).
pub fn clear(ui: &KioskWindow, inner: &Inner) {
    inner.session.lock().expect("session lock").dossier = DossierSession::default();
    reset_screen(ui);
}

/// Empties every dossier field on screen.
pub fn reset_screen(ui: &KioskWindow) {
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
    d.set_history(ModelRc::default());
}
