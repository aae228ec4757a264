//! Satisfaction rating: the ticket (scanned QR or typed number) → its counter
//! and officer → three big choices → optionally the nine official indices →
//! thanks. A ticket rated before gets a kind message instead. Ratings go
//! through the kiosk link, which queues them in the outbox while the centre
//! is unreachable.
//!
//! Nothing is sent before "Gửi đánh giá" (or "Bỏ qua" on the indices, which
//! sends the level and the answers given so far): a face tapped by mistake can
//! be changed, and a citizen who backs out (home, idle timeout) sends nothing.

use super::backend::{RatingContextView, RatingError, RatingTicket, RatingVote, VoteOutcome};
use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use crate::centre::api::{is_tracking_code, CHECK_CODE_LEN};
use crate::config::Language;
use crate::domain::localtime::service_day;
use crate::domain::rating::{IndexScores, RatingLevel, INDICES};
use crate::domain::ticket::{TicketNumber, TicketStatus};
use crate::ui::{IndexQuestion, KioskWindow, Page, RatingAdapter};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::{Arc, Mutex};

/// Longest ticket number typed on the keypad.
const MAX_TICKET_CHARS: usize = 8;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Stage {
    #[default]
    AskTicket,
    /// A number was typed: its check code (printed under it) is asked next.
    AskCheck {
        number: String,
    },
    Choose,
    Indices,
    /// Sent; `queued`: kept in the outbox while the centre is away.
    Thanks {
        queued: bool,
    },
    Already,
    Error {
        vi: String,
        en: String,
    },
}

impl Stage {
    fn name(&self) -> &'static str {
        match self {
            Stage::AskTicket => "ask-ticket",
            Stage::AskCheck { .. } => "ask-check",
            Stage::Choose => "choose",
            Stage::Indices => "indices",
            Stage::Thanks { .. } => "thanks",
            Stage::Already => "already",
            Stage::Error { .. } => "error",
        }
    }
}

/// The rating in progress (part of the citizen's session).
#[derive(Debug, Clone, Default)]
struct RatingSession {
    stage: Stage,
    /// The lookup or send whose answer is awaited.
    request: u64,
    busy: bool,
    /// `None` with a context: anonymous.
    ticket: Option<RatingTicket>,
    context: Option<RatingContextView>,
    /// Chosen but not sent yet.
    level: Option<RatingLevel>,
    /// Answer positions (0 = best) of the nine indices.
    answers: [Option<u8>; 9],
}

pub struct Rating {
    ctx: Arc<KioskContext>,
    session: Mutex<RatingSession>,
}

fn error(vi: impl Into<String>, en: impl Into<String>) -> Stage {
    Stage::Error { vi: vi.into(), en: en.into() }
}

impl Rating {
    pub fn new(ctx: Arc<KioskContext>) -> Arc<Self> {
        Arc::new(Rating { ctx, session: Mutex::default() })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, RatingSession> {
        self.session.lock().expect("rating lock")
    }

    fn set_stage(&self, stage: Stage) {
        self.session().stage = stage;
    }

    /// A scanned tracking code, a typed number (`A-023`, `a23`), or "" for a
    /// rating without a ticket.
    fn find_ticket(self: &Arc<Self>, ui: &KioskWindow, text: &str) {
        let text = text.trim().to_ascii_uppercase();
        if self.session().busy {
            return;
        }
        if text.is_empty() {
            let stage = if self.ctx.cfg.rating.allow_anonymous {
                Stage::Choose
            } else {
                error(
                    "Vui lòng quét mã QR trên vé hoặc nhập số vé để đánh giá.",
                    "Please scan the QR code on your ticket or type its number to rate.",
                )
            };
            *self.session() = RatingSession { stage, ..Default::default() };
            self.render(ui);
            return;
        }
        let ticket = if is_tracking_code(&text) {
            RatingTicket::Tracking(text.clone())
        } else if let Some(n) = TicketNumber::parse(&text) {
            // A number alone could be anyone's (they are called aloud): ask
            // for the check code printed under it.
            *self.session() =
                RatingSession { stage: Stage::AskCheck { number: n.to_string() }, ..Default::default() };
            ui.global::<RatingAdapter>().set_check_input("".into());
            self.render(ui);
            return;
        } else {
            self.set_stage(error(
                format!("“{text}” không phải là số vé. Số vé gồm một chữ cái và các chữ số, ví dụ A-023."),
                format!(
                    "“{text}” is not a ticket number. A ticket number is a letter and digits, e.g. A-023."
                ),
            ));
            self.render(ui);
            return;
        };
        self.look_up(ui, ticket);
    }

    /// The check code typed for the number asked before.
    fn find_with_check(self: &Arc<Self>, ui: &KioskWindow, code: &str) {
        let number = match &self.session().stage {
            Stage::AskCheck { number } => number.clone(),
            _ => return,
        };
        let code = code.trim();
        if code.len() != CHECK_CODE_LEN || !code.bytes().all(|b| b.is_ascii_digit()) {
            return; // the button is enabled only with four digits
        }
        let day = service_day(self.ctx.now());
        self.look_up(ui, RatingTicket::Number { number, check_code: code.to_string(), day });
    }

    fn look_up(self: &Arc<Self>, ui: &KioskWindow, ticket: RatingTicket) {
        let token = self.ctx.next_request();
        *self.session() =
            RatingSession { request: token, busy: true, ticket: Some(ticket.clone()), ..Default::default() };
        self.render(ui);
        let (backend, asked, this) = (self.ctx.backend.clone(), ticket.clone(), self.clone());
        self.ctx.spawn(ui, async move { backend.rating_context(asked).await }, move |ui, result| {
            {
                let mut s = this.session();
                if s.request != token {
                    return; // the citizen moved on
                }
                s.busy = false;
                s.stage = match &result {
                    Ok(ctx) if ctx.already_rated => Stage::Already,
                    Ok(ctx) if !ctx.can_rate => not_served(this.ctx.cfg.rating.allow_anonymous, &ticket, ctx),
                    Ok(_) => Stage::Choose,
                    Err(e) => lookup_error(&ticket, e),
                };
                s.context = result.ok();
            }
            this.render(ui);
        });
    }

    /// One of the three big choices (3, 2, 1): selected, not sent; another
    /// tap changes it.
    fn choose_level(&self, ui: &KioskWindow, value: i32) {
        let Some(level) = u8::try_from(value).ok().and_then(RatingLevel::from_value) else {
            tracing::warn!(value, "unknown rating level from the screen");
            return;
        };
        {
            let mut s = self.session();
            if s.stage != Stage::Choose || s.busy {
                return;
            }
            s.level = Some(level);
        }
        self.render(ui);
    }

    /// From the chosen level to the nine optional questions, and back to
    /// change the level (the answers given are kept).
    fn show_indices(&self, ui: &KioskWindow, show: bool) {
        {
            let mut s = self.session();
            let from = if show { Stage::Choose } else { Stage::Indices };
            if s.stage != from || s.busy || s.level.is_none() || !self.ctx.cfg.rating.offer_indices {
                return;
            }
            s.stage = if show { Stage::Indices } else { Stage::Choose };
        }
        self.render(ui);
    }

    fn choose_index(&self, ui: &KioskWindow, index: i32, answer: i32) {
        {
            let mut s = self.session();
            let (Ok(i), Ok(a)) = (usize::try_from(index), u8::try_from(answer)) else { return };
            if s.stage != Stage::Indices || i >= INDICES.len() || a > 2 {
                return;
            }
            s.answers[i] = Some(a);
        }
        self.render(ui);
    }

    /// Sends the chosen level with the indices answered so far ("Gửi đánh
    /// giá" on either step, "Bỏ qua" on the indices).
    fn submit(self: &Arc<Self>, ui: &KioskWindow) {
        let answers = {
            let s = self.session();
            if !matches!(s.stage, Stage::Choose | Stage::Indices) {
                return;
            }
            s.answers
        };
        // Answer positions are best first; scores are 2/1/0. None answered: no indices.
        let scores: Vec<Option<u8>> = answers.iter().map(|a| a.map(|pos| 2 - pos)).collect();
        self.send(ui, IndexScores::partial(&scores).ok());
    }

    fn send(self: &Arc<Self>, ui: &KioskWindow, indices: Option<IndexScores>) {
        let token = self.ctx.next_request();
        let vote = {
            let mut s = self.session();
            if s.busy {
                return;
            }
            // Taken now: leaving the page while it is sent must not send it again.
            let Some(level) = s.level.take() else { return };
            s.request = token;
            s.busy = true;
            RatingVote { ticket: s.ticket.clone(), level, indices }
        };
        self.render(ui);
        let (backend, this) = (self.ctx.backend.clone(), self.clone());
        self.ctx.spawn(ui, async move { backend.rate(vote).await }, move |ui, result| {
            {
                let mut s = this.session();
                if s.request != token {
                    return;
                }
                s.busy = false;
                s.stage = match &result {
                    Ok(VoteOutcome::Thanks { queued }) => Stage::Thanks { queued: *queued },
                    Ok(VoteOutcome::AlreadyRated) => Stage::Already,
                    Err(e) => send_error(e),
                };
            }
            this.render(ui);
        });
    }

    /// Shows the rating session on the screen (also after a language switch).
    fn render(&self, ui: &KioskWindow) {
        let lang = self.ctx.lang();
        let s = self.session().clone();
        let r = ui.global::<RatingAdapter>();
        r.set_state(s.stage.name().into());
        r.set_busy(s.busy);
        let ctx = s.context.as_ref();
        let ticket = match (&s.ticket, ctx.and_then(|c| c.ticket_number.clone())) {
            (None, _) => match &s.stage {
                Stage::AskCheck { number } => number.clone(),
                _ => String::new(),
            },
            (Some(_), Some(n)) => n,
            (Some(t), None) => typed_number(t)
                .map(str::to_string)
                .unwrap_or_else(|| pick(lang, "(mã QR)", "(QR code)").into()),
        };
        r.set_ticket(ticket.into());
        r.set_counter(
            ctx.and_then(|c| c.counter)
                .map(|n| match lang {
                    Language::Vi => format!("Quầy {n}"),
                    Language::En => format!("Counter {n}"),
                })
                .unwrap_or_default()
                .into(),
        );
        r.set_officer(ctx.and_then(|c| c.officer.clone()).unwrap_or_default().into());
        r.set_message(
            match &s.stage {
                Stage::Already => pick(
                    lang,
                    "Vé này đã được đánh giá. Cảm ơn bạn!",
                    "This ticket has already been rated. Thank you!",
                )
                .to_string(),
                Stage::Error { vi, en } => pick(lang, vi, en).to_string(),
                // Offline: said plainly, so nobody rates twice thinking it was lost.
                Stage::Thanks { queued: true } => pick(
                    lang,
                    "Đánh giá của bạn đã được lưu trên máy và sẽ tự gửi về trung tâm khi có kết nối.",
                    "Your rating is saved on this kiosk and will be sent to the centre when the connection is back.",
                )
                .to_string(),
                _ => String::new(),
            }
            .into(),
        );
        r.set_level_label(
            s.level.map(|l| pick(lang, l.label_vi(), l.label_en()).to_string()).unwrap_or_default().into(),
        );
        if s.stage == Stage::Indices {
            let rows: Vec<IndexQuestion> = INDICES
                .iter()
                .zip(s.answers)
                .map(|(def, chosen)| {
                    let answers: Vec<SharedString> = (0..3)
                        .map(|i| SharedString::from(pick(lang, def.answers_vi[i], def.answers_en[i])))
                        .collect();
                    IndexQuestion {
                        question: pick(lang, def.question_vi, def.question_en).into(),
                        answers: ModelRc::new(VecModel::from(answers)),
                        chosen: chosen.map(i32::from).unwrap_or(-1),
                    }
                })
                .collect();
            r.set_indices(ModelRc::new(VecModel::from(rows)));
        } else {
            r.set_indices(ModelRc::default());
        }
        r.set_level(s.level.map(|l| i32::from(l.value())).unwrap_or(0));
        r.set_answered(s.answers.iter().flatten().count() as i32);
        r.set_indices_offered(self.ctx.cfg.rating.offer_indices);
    }

    /// The citizen leaves the rating (home, a new scan, session end): nothing
    /// chosen but not sent is sent (it may be a mis-tap they walked away
    /// from); everything is cleared.
    fn leave(&self, ui: &KioskWindow) {
        let dropped = std::mem::take(&mut *self.session());
        if dropped.level.is_some() && !dropped.busy {
            tracing::info!("rating chosen but not sent: dropped as the citizen left");
        }
        reset_screen(ui);
    }
}

impl Feature for Rating {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        let r = ui.global::<RatingAdapter>();
        r.set_anonymous_allowed(self.ctx.cfg.rating.allow_anonymous);
        r.set_state(Stage::AskTicket.name().into());
        r.on_key(handler!(ui, &self, |ui, this, k| {
            let r = ui.global::<RatingAdapter>();
            if matches!(this.session().stage, Stage::AskCheck { .. }) {
                let digits = |c: char| c.is_ascii_digit();
                r.set_check_input(
                    super::keypad::apply_key(&r.get_check_input(), &k, CHECK_CODE_LEN, digits).into(),
                );
                return;
            }
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
            r.set_ticket_input(
                super::keypad::apply_key(&r.get_ticket_input(), &k, MAX_TICKET_CHARS, allowed).into(),
            );
        }));
        r.on_find_ticket(handler!(ui, &self, |ui, this, text| {
            // A QR scanned on the check step names the ticket by itself.
            let asking_check = matches!(this.session().stage, Stage::AskCheck { .. });
            if asking_check && !is_tracking_code(&text.trim().to_ascii_uppercase()) {
                this.find_with_check(&ui, &text);
            } else {
                this.find_ticket(&ui, &text);
            }
        }));
        r.on_rate(handler!(ui, &self, |ui, this, level| this.choose_level(&ui, level)));
        r.on_choose_index(
            handler!(ui, &self, |ui, this, index, answer| this.choose_index(&ui, index, answer))
        );
        r.on_submit(handler!(ui, &self, |ui, this| this.submit(&ui)));
        r.on_skip(handler!(ui, &self, |ui, this| this.submit(&ui)));
        r.on_show_indices(handler!(ui, &self, |ui, this, show| this.show_indices(&ui, show)));
        r.on_retry(handler!(ui, &self, |ui, this| {
            this.set_stage(Stage::AskTicket);
            this.render(&ui);
        }));
    }

    fn refresh_texts(&self, ui: &KioskWindow) {
        self.render(ui);
    }

    /// Home: the rating is over (the next citizen must not see it); the
    /// rating page: a fresh rating each time it opens (a scan opens it too).
    fn navigated(&self, ui: &KioskWindow, page: Page) {
        if page == Page::Home || page == Page::Rating {
            self.leave(ui);
        }
    }

    /// A level chosen but not sent is dropped with the session.
    fn end_session(&self, ui: &KioskWindow) {
        self.leave(ui);
    }

    fn session_data(&self) -> Vec<&'static str> {
        if self.session().level.is_some() {
            vec!["rating level"]
        } else {
            Vec::new()
        }
    }
}

fn typed_number(t: &RatingTicket) -> Option<&str> {
    match t {
        RatingTicket::Number { number, .. } => Some(number),
        RatingTicket::Tracking(_) => None,
    }
}

fn not_served(allow_anonymous: bool, t: &RatingTicket, ctx: &RatingContextView) -> Stage {
    let n = ctx.ticket_number.as_deref().or(typed_number(t)).unwrap_or("");
    if ctx.status == Some(TicketStatus::Waiting) {
        return error(
            format!("Vé {n} vẫn đang chờ đến lượt. Mời bạn đánh giá sau khi làm việc tại quầy."),
            format!("Ticket {n} is still waiting for its turn. Please rate after you have been served."),
        );
    }
    let (more_vi, more_en) = if allow_anonymous {
        (" Bạn vẫn có thể chọn “Đánh giá không cần số vé”.", " You can still choose “Rate without a ticket”.")
    } else {
        ("", "")
    };
    error(
        format!("Vé {n} không được phục vụ tại quầy nên không thể đánh giá.{more_vi}"),
        format!("Ticket {n} was not served at a counter, so it cannot be rated.{more_en}"),
    )
}

fn lookup_error(t: &RatingTicket, e: &RatingError) -> Stage {
    match (e, typed_number(t)) {
        (RatingError::NotFound, Some(n)) => error(
            format!(
                "Không tìm thấy vé {n} với mã kiểm tra này trong ngày hôm nay. Vui lòng kiểm tra lại số vé và mã kiểm tra in dưới số, hoặc quét mã QR trên vé."
            ),
            format!(
                "No ticket {n} with this check code was found for today. Please check the number and the check code printed under it, or scan the QR code on the ticket."
            ),
        ),
        (RatingError::NotFound, None) => error(
            "Không tìm thấy vé này. Vui lòng nhập số vé in trên vé.",
            "This ticket was not found. Please type the number printed on it.",
        ),
        (RatingError::Ambiguous, n) => error(
            format!("Có nhiều vé cùng số {} hôm nay. Vui lòng quét mã QR trên vé.", n.unwrap_or("")),
            format!("Several tickets have the number {} today. Please scan the QR code on the ticket.", n.unwrap_or("")),
        ),
        (other, _) => send_error(other),
    }
}

fn send_error(e: &RatingError) -> Stage {
    match e {
        RatingError::AnonymousNotAllowed => error(
            "Trung tâm chỉ nhận đánh giá kèm số vé. Vui lòng quét mã QR hoặc nhập số vé.",
            "This centre only takes ratings with a ticket. Please scan the QR code or type the ticket number.",
        ),
        RatingError::NotServed => error(
            "Vé này chưa được phục vụ tại quầy nên chưa thể đánh giá.",
            "This ticket has not been served at a counter, so it cannot be rated yet.",
        ),
        RatingError::NotFound | RatingError::Ambiguous => error(
            "Không tìm thấy vé này. Vui lòng quét mã QR trên vé.",
            "This ticket was not found. Please scan the QR code on the ticket.",
        ),
        RatingError::Failed(b) => {
            tracing::warn!(error = %b, "rating failed");
            error(b.vi.clone(), b.en.clone())
        }
    }
}

/// Empties the rating screen (the first step again).
fn reset_screen(ui: &KioskWindow) {
    let r = ui.global::<RatingAdapter>();
    r.set_state(Stage::AskTicket.name().into());
    r.set_busy(false);
    r.set_ticket_input("".into());
    r.set_check_input("".into());
    r.set_ticket("".into());
    r.set_counter("".into());
    r.set_officer("".into());
    r.set_message("".into());
    r.set_level_label("".into());
    r.set_indices(ModelRc::default());
    r.set_level(0);
    r.set_answered(0);
}
