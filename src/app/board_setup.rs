//! The display board's setup, over the board (`BoardSetup` global): the door
//! (3 s in the top-left corner, or Ctrl+Alt+S) opens the same PIN pad as the
//! kiosk's, guarded by the same [`PinGuard`]; then the board's filter picked
//! from what the centre has, the sound of a call, a test call through the
//! real audio pipeline, and a save that is validated as `config check` does,
//! written keeping the technician's comments ([`edit`]) and applied to the
//! running board at once ([`BoardHandle::reconfigure`]).

use super::board_setup_draft::{Choices, DisplayDraft, ServiceChoice};
use super::display::{BoardHandle, DisplayApp};
use super::i18n::pick;
use super::poster::Poster;
use super::setup_pin::{locked_message, PinAnswer, PinGuard};
use super::test_call;
use crate::config::edit::{self, EditError};
use crate::config::{Config, Language};
use crate::domain::announce::Announcement;
use crate::domain::clock::Clock;
use crate::ui::{BoardSetup, DisplayWindow, SetupChip};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::{Arc, Mutex, MutexGuard};

struct State {
    /// The config as the file now says (replaced after each save).
    cfg: Config,
    typed: String,
    base: DisplayDraft,
    draft: DisplayDraft,
    choices: Choices,
    /// The centre was asked and has not answered yet.
    asking: bool,
}

/// The board's setup controller (one per board window).
pub struct BoardSetupCtl {
    board: BoardHandle,
    ui: slint::Weak<DisplayWindow>,
    poster: Poster,
    clock: Arc<dyn Clock>,
    guard: PinGuard,
    st: Arc<Mutex<State>>,
}

impl BoardSetupCtl {
    /// Connects the `BoardSetup` callbacks of `app`'s window.
    pub fn wire(app: &DisplayApp, cfg: Config, poster: Poster, clock: Arc<dyn Clock>) -> Arc<BoardSetupCtl> {
        let draft = DisplayDraft::of(&cfg);
        let this = Arc::new(BoardSetupCtl {
            board: app.handle(),
            ui: app.ui.as_weak(),
            poster,
            clock,
            guard: PinGuard::new(&cfg),
            st: Arc::new(Mutex::new(State {
                choices: Choices::of_config(&cfg).keeping(&draft),
                cfg,
                typed: String::new(),
                base: draft.clone(),
                draft,
                asking: false,
            })),
        });
        let s = app.ui.global::<BoardSetup>();
        let weak = Arc::downgrade(&this);
        let with = move |f: fn(&BoardSetupCtl, &DisplayWindow)| {
            let weak = weak.clone();
            move || {
                if let Some(this) = weak.upgrade() {
                    if let Some(ui) = this.ui.upgrade() {
                        f(&this, &ui);
                    }
                }
            }
        };
        s.on_open(with(|t, ui| t.open(ui)));
        s.on_close(with(|t, ui| t.close(ui)));
        s.on_pin_erase(with(|t, ui| {
            t.st().typed.pop();
            ui.global::<BoardSetup>().set_pin_length(t.st().typed.len() as i32);
        }));
        s.on_test_call(with(|t, ui| t.test_call(ui)));
        s.on_save(with(|t, ui| t.save(ui)));
        let w = Arc::downgrade(&this);
        s.on_pin_digit(move |d| {
            if let (Some(t), Some(ui)) = (w.upgrade(), w.upgrade().and_then(|t| t.ui.upgrade())) {
                t.pin_input(&ui, &d);
            }
        });
        let w = Arc::downgrade(&this);
        s.on_toggle(move |kind, key| {
            let Some(t) = w.upgrade() else { return };
            {
                let mut st = t.st();
                let key = (!key.is_empty()).then_some(key.as_str());
                match kind.as_str() {
                    "counter" => st.draft.toggle_counter(key.and_then(|k| k.parse().ok())),
                    "service" => st.draft.toggle_service(key),
                    _ => return,
                }
            }
            t.refresh_page();
        });
        let w = Arc::downgrade(&this);
        s.on_step_volume(move |delta| {
            let Some(t) = w.upgrade() else { return };
            t.st().draft.step_volume(delta);
            t.refresh_page();
        });
        let w = Arc::downgrade(&this);
        s.on_choose(move |key, value| {
            let Some(t) = w.upgrade() else { return };
            if t.st().draft.choose(&key, &value) {
                t.refresh_page();
            }
        });
        this
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lang(&self) -> Language {
        self.st().cfg.kiosk.language
    }

    /// The door: the PIN pad (or the lockout in force).
    fn open(&self, ui: &DisplayWindow) {
        let a = ui.global::<BoardSetup>();
        self.st().typed.clear();
        a.set_pin_length(0);
        let now = self.clock.now();
        a.set_pin_error(match self.guard.locked(now) {
            Some(until) => locked_message(self.lang(), now, until).into(),
            None => "".into(),
        });
        a.set_state("pin".into());
    }

    /// Closes the setup; unsaved changes are dropped.
    fn close(&self, ui: &DisplayWindow) {
        {
            let mut st = self.st();
            st.typed.clear();
            st.draft = st.base.clone();
        }
        let a = ui.global::<BoardSetup>();
        a.set_state("closed".into());
        a.set_pin_length(0);
        a.set_pin_error("".into());
        a.set_test_report("".into());
        a.set_save_report("".into());
    }

    fn pin_input(&self, ui: &DisplayWindow, d: &str) {
        let a = ui.global::<BoardSetup>();
        let lang = self.lang();
        let now = self.clock.now();
        if let Some(until) = self.guard.locked(now) {
            self.st().typed.clear();
            a.set_pin_length(0);
            a.set_pin_error(locked_message(lang, now, until).into());
            return;
        }
        if d == "submit" {
            let (typed, stored) = {
                let mut st = self.st();
                (std::mem::take(&mut st.typed), st.cfg.kiosk.setup_pin.clone())
            };
            a.set_pin_length(0);
            match self.guard.submit(&typed, &stored, now) {
                PinAnswer::Right => self.unlock(ui),
                PinAnswer::Wrong => a.set_pin_error(pick(lang, "Mã PIN không đúng", "Wrong PIN").into()),
                PinAnswer::Locked(until) => a.set_pin_error(locked_message(lang, now, until).into()),
            }
            return;
        }
        let mut st = self.st();
        if st.typed.len() < 8 && d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) {
            st.typed.push_str(d);
            a.set_pin_error("".into());
            a.set_pin_length(st.typed.len() as i32);
        }
    }

    /// The right PIN: the settings, and the centre asked for its counters and services.
    fn unlock(&self, ui: &DisplayWindow) {
        {
            let mut st = self.st();
            st.base = DisplayDraft::of(&st.cfg);
            st.draft = st.base.clone();
            st.choices = Choices::of_config(&st.cfg).keeping(&st.draft);
            st.asking = self.board.client().is_some();
        }
        let a = ui.global::<BoardSetup>();
        a.set_pin_error("".into());
        a.set_test_report("".into());
        a.set_save_report("".into());
        a.set_state("open".into());
        self.refresh_page();
        let Some((rt, client)) = self.board.client() else { return };
        let work = async move {
            let services = client.services().await?;
            let state = client.state().await?;
            Ok::<_, crate::centre::LinkError>((services, state))
        };
        let shared = self.st.clone();
        self.poster.spawn(&rt, &self.ui, work, move |ui, result| {
            let mut st = shared.lock().unwrap_or_else(|p| p.into_inner());
            st.asking = false;
            match result {
                Ok((services, state)) => {
                    let list = services
                        .services
                        .iter()
                        .map(|s| ServiceChoice {
                            code: s.code.clone(),
                            name_vi: s.name_vi.clone(),
                            name_en: s.name_en.clone(),
                            prefix: s.prefix.clone(),
                            counters: s.counters.clone(),
                        })
                        .collect();
                    st.choices =
                        Choices::new(list, state.counters.iter().map(|c| c.number), true).keeping(&st.draft);
                }
                Err(e) => tracing::warn!("board setup: the centre's counters and services: {e}"),
            }
            fill(ui, &st);
        });
    }

    fn refresh_page(&self) {
        if let Some(ui) = self.ui.upgrade() {
            fill(&ui, &self.st());
        }
    }

    /// "Phát thử lời gọi": the sample call with the page's settings, off the UI thread.
    fn test_call(&self, ui: &DisplayWindow) {
        let a = ui.global::<BoardSetup>();
        if a.get_test_busy() {
            return;
        }
        let (display, call, lang) = {
            let st = self.st();
            (st.draft.apply_to(&st.cfg).display, st.draft.sample_call(&st.choices), st.cfg.kiosk.language)
        };
        a.set_test_busy(true);
        a.set_test_report(pick(lang, "Đang phát lời gọi thử…", "Playing the test call…").into());
        let (poster, weak) = (self.poster.clone(), self.ui.clone());
        let spawned = std::thread::Builder::new().name("test-call".into()).spawn(move || {
            let outcome = test_call::play(&display, &call);
            poster.post_to(&weak, move |ui: &DisplayWindow| {
                let a = ui.global::<BoardSetup>();
                a.set_test_busy(false);
                a.set_test_ok(outcome.ok());
                a.set_test_report(outcome.report(lang, &call).into());
            });
        });
        if let Err(e) = spawned {
            a.set_test_busy(false);
            a.set_test_ok(false);
            a.set_test_report(format!("{} {e}", pick(lang, "Chưa phát được:", "Not played:")).into());
        }
    }

    /// Validates and writes the changed keys, then applies them to the running board.
    fn save(&self, ui: &DisplayWindow) {
        let a = ui.global::<BoardSetup>();
        let (path, changes, lang) = {
            let st = self.st();
            (st.cfg.source.clone(), st.draft.changes(&st.base), st.cfg.kiosk.language)
        };
        let Some(path) = path else {
            a.set_save_ok(false);
            a.set_save_report(
                pick(
                    lang,
                    "Bảng đang chạy không có tệp cấu hình (chế độ thử): không lưu được. Chạy với --config TỆP.",
                    "This board runs without a config file (demo): nothing can be saved. Run it with --config FILE.",
                )
                .into(),
            );
            return;
        };
        if changes.is_empty() {
            return;
        }
        // The file is small: written on the UI thread, the page never shows a stale state.
        match edit::edit_file(&path, &changes) {
            Ok(cfg) => {
                self.board.reconfigure(&cfg);
                {
                    let mut st = self.st();
                    st.base = DisplayDraft::of(&cfg);
                    st.draft = st.base.clone();
                    st.cfg = cfg;
                }
                a.set_save_ok(true);
                a.set_save_report(
                    pick(lang, "Đã lưu và áp dụng ngay trên bảng.", "Saved and applied to the board.").into(),
                );
                tracing::info!("board setup: display settings saved to {}", path.display());
            }
            Err(EditError::Invalid(issues)) => {
                a.set_save_ok(false);
                let list: Vec<String> = issues.iter().map(|i| format!("{}: {}", i.key, i.message)).collect();
                a.set_save_report(
                    format!("{} {}", pick(lang, "Chưa lưu:", "Not saved:"), list.join("; ")).into(),
                );
            }
            Err(e) => {
                a.set_save_ok(false);
                a.set_save_report(format!("{} {e}", pick(lang, "Chưa lưu:", "Not saved:")).into());
            }
        }
        self.refresh_page();
    }
}

/// Puts the page's values on the window.
fn fill(ui: &DisplayWindow, st: &State) {
    let a = ui.global::<BoardSetup>();
    let lang = st.cfg.kiosk.language;
    let d = &st.draft;
    let counter_word = pick(lang, "Quầy", "Counter");
    let counters: Vec<SetupChip> = st
        .choices
        .counters
        .iter()
        .map(|c| SetupChip {
            key: c.to_string().into(),
            label: format!("{counter_word} {c}").into(),
            a11y: format!("{counter_word} {c}").into(),
            picked: d.counters.contains(c),
        })
        .collect();
    let services: Vec<SetupChip> = st
        .choices
        .services
        .iter()
        .map(|s| {
            let label = Choices::service_label(s, lang);
            SetupChip {
                key: s.code.as_str().into(),
                a11y: label.as_str().into(),
                label: label.into(),
                picked: d.services.contains(&s.code),
            }
        })
        .collect();
    a.set_counters(ModelRc::new(VecModel::from(counters)));
    a.set_services(ModelRc::new(VecModel::from(services)));
    a.set_counters_picked(!d.counters.is_empty());
    a.set_services_picked(!d.services.is_empty());
    a.set_choices_note(
        if st.asking {
            pick(
                lang,
                "Đang hỏi trung tâm danh sách quầy và dịch vụ…",
                "Asking the centre for its counters and services…",
            )
        } else if st.choices.from_centre {
            pick(
                lang,
                "Danh sách quầy và dịch vụ lấy từ trung tâm.",
                "Counters and services as the centre lists them.",
            )
        } else {
            pick(
                lang,
                "Không hỏi được trung tâm: danh sách lấy từ tệp cấu hình ([queue]).",
                "The centre did not answer: counters and services from the config file ([queue]).",
            )
        }
        .into(),
    );
    a.set_volume(d.volume as i32);
    a.set_chime(d.chime);
    a.set_voice(d.voice);
    a.set_region(d.region.key().into());
    let call: Announcement = d.sample_call(&st.choices);
    a.set_sample(
        format!(
            "{} {} → {counter_word} {}",
            pick(lang, "Lời gọi thử:", "Test call:"),
            call.ticket,
            call.counter
        )
        .into(),
    );
    a.set_dirty(st.draft != st.base);
}

/// The setup as `snapshot` shows it: the PIN pad (three digits typed), or
/// the settings with counters 3-4 and one service picked and a test call played.
pub fn show_sample(ui: &DisplayWindow, cfg: &Config, unlocked: bool) {
    let base = DisplayDraft::of(cfg);
    let mut draft = base.clone();
    draft.toggle_counter(Some(3));
    draft.toggle_counter(Some(4));
    draft.toggle_service(Some("CT"));
    let mut choices = Choices::of_config(cfg).keeping(&draft);
    choices.from_centre = true;
    let st = State { cfg: cfg.clone(), typed: String::new(), base, draft, choices, asking: false };
    fill(ui, &st);
    let a = ui.global::<BoardSetup>();
    a.set_state(if unlocked { "open" } else { "pin" }.into());
    a.set_pin_length(if unlocked { 0 } else { 3 });
    let call = st.draft.sample_call(&st.choices);
    let played = test_call::TestCall::Played {
        command: cfg.display.audio_command.clone(),
        length: std::time::Duration::from_millis(3400),
    };
    a.set_test_ok(unlocked);
    a.set_test_report(if unlocked { played.report(cfg.kiosk.language, &call).into() } else { "".into() });
}
