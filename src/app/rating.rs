//! Satisfaction rating: the ticket (scanned QR or typed number) → its counter
//! and officer → three big choices → optionally the nine official indices →
//! thanks. A ticket rated before gets a kind message instead. Ratings go
//! through the kiosk link, which queues them in the outbox while the centre
//! is unreachable.
//!
//! A level chosen but not yet sent when the citizen leaves (home, idle
//! timeout) is sent without the indices: the choice was made.

use super::backend::{VoteOutcome, RatingContextView, RatingError, RatingTicket, RatingVote};
use super::i18n::pick;
use super::kiosk::Inner;
use crate::centre::api::is_tracking_code;
use crate::config::Language;
use crate::domain::localtime::service_day;
use crate::domain::rating::{IndexScores, RatingLevel, INDICES};
use crate::domain::ticket::{TicketNumber, TicketStatus};
use crate::ui::{IndexQuestion, KioskWindow, RatingAdapter};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::Arc;

/// Longest ticket number typed on the keypad.
const MAX_TICKET_CHARS: usize = 8;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Stage {
    #[default]
    AskTicket,
    Choose,
    Indices,
    Thanks,
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
            Stage::Choose => "choose",
            Stage::Indices => "indices",
            Stage::Thanks => "thanks",
            Stage::Already => "already",
            Stage::Error { .. } => "error",
        }
    }
}

/// The rating in progress (part of the citizen's session).
#[derive(Debug, Clone, Default)]
pub struct RatingSession {
    pub stage: Stage,
    /// The lookup or send whose answer is awaited.
    pub request: u64,
    pub busy: bool,
    /// `None` with a context: anonymous.
    pub ticket: Option<RatingTicket>,
    pub context: Option<RatingContextView>,
    /// Chosen but not sent yet.
    pub level: Option<RatingLevel>,
    /// Answer positions (0 = best) of the nine indices.
    pub answers: [Option<u8>; 9],
}

pub fn wire(ui: &KioskWindow, inner: &Arc<Inner>) {
    let r = ui.global::<RatingAdapter>();
    r.set_anonymous_allowed(inner.cfg.rating.allow_anonymous);
    r.set_state(Stage::AskTicket.name().into());
    r.on_key({
        let weak = ui.as_weak();
        move |k| {
            if let Some(ui) = weak.upgrade() {
                let r = ui.global::<RatingAdapter>();
                let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
                r.set_ticket_input(
                    super::keypad::apply_key(&r.get_ticket_input(), &k, MAX_TICKET_CHARS, allowed).into(),
                );
            }
        }
    });
    macro_rules! on {
        ($setter:ident, |$ui:ident, $inner:ident $(, $arg:ident)*| $body:expr) => {
            r.$setter({
                let (weak, inner) = (ui.as_weak(), inner.clone());
                move |$($arg),*| {
                    if let Some($ui) = weak.upgrade() {
                        let $inner = &inner;
                        $body
                    }
                }
            });
        };
    }
    on!(on_find_ticket, |ui, inner, text| find_ticket(&ui, inner, text.as_str()));
    on!(on_rate, |ui, inner, level| choose_level(&ui, inner, level));
    on!(on_choose_index, |ui, inner, index, answer| choose_index(&ui, inner, index, answer));
    on!(on_submit, |ui, inner| submit(&ui, inner, true));
    on!(on_skip, |ui, inner| submit(&ui, inner, false));
    on!(on_retry, |ui, inner| {
        set_stage(inner, Stage::AskTicket);
        render(&ui, inner);
    });
}

fn set_stage(inner: &Inner, stage: Stage) {
    inner.session.lock().expect("session lock").rating.stage = stage;
}

fn error(vi: impl Into<String>, en: impl Into<String>) -> Stage {
    Stage::Error { vi: vi.into(), en: en.into() }
}

/// A scanned tracking code, a typed number (`A-023`, `a23`), or "" for a
/// rating without a ticket.
pub fn find_ticket(ui: &KioskWindow, inner: &Arc<Inner>, text: &str) {
    let text = text.trim().to_ascii_uppercase();
    if inner.session.lock().expect("session lock").rating.busy {
        return;
    }
    if text.is_empty() {
        let stage = if inner.cfg.rating.allow_anonymous {
            Stage::Choose
        } else {
            error(
                "Vui lòng quét mã QR trên vé hoặc nhập số vé để đánh giá.",
                "Please scan the QR code on your ticket or type its number to rate.",
            )
        };
        let mut s = inner.session.lock().expect("session lock");
        s.rating = RatingSession { stage, ..Default::default() };
        drop(s);
        render(ui, inner);
        return;
    }
    let ticket = if is_tracking_code(&text) {
        RatingTicket::Tracking(text.clone())
    } else if let Some(n) = TicketNumber::parse(&text) {
        RatingTicket::Number { number: n.to_string(), day: service_day(inner.clock.now()) }
    } else {
        set_stage(
            inner,
            error(
                format!("“{text}” không phải là số vé. Số vé gồm một chữ cái và các chữ số, ví dụ A-023."),
                format!(
                    "“{text}” is not a ticket number. A ticket number is a letter and digits, e.g. A-023."
                ),
            ),
        );
        render(ui, inner);
        return;
    };
    let token = inner.next_request();
    {
        let mut s = inner.session.lock().expect("session lock");
        s.rating =
            RatingSession { request: token, busy: true, ticket: Some(ticket.clone()), ..Default::default() };
    }
    render(ui, inner);
    let (backend, asked, post_inner) = (inner.backend.clone(), ticket.clone(), inner.clone());
    let work = async move { backend.rating_context(asked).await };
    inner.poster.spawn(&inner.rt, &ui.as_weak(), work, move |ui, result| {
        {
            let mut s = post_inner.session.lock().expect("session lock");
            if s.rating.request != token {
                return; // the citizen moved on
            }
            s.rating.busy = false;
            s.rating.stage = match &result {
                Ok(ctx) if ctx.already_rated => Stage::Already,
                Ok(ctx) if !ctx.can_rate => not_served(&post_inner, &ticket, ctx),
                Ok(_) => Stage::Choose,
                Err(e) => lookup_error(&ticket, e),
            };
            s.rating.context = result.ok();
        }
        render(ui, &post_inner);
    });
}

fn typed_number(t: &RatingTicket) -> Option<&str> {
    match t {
        RatingTicket::Number { number, .. } => Some(number),
        RatingTicket::Tracking(_) => None,
    }
}

fn not_served(inner: &Inner, t: &RatingTicket, ctx: &RatingContextView) -> Stage {
    let n = ctx.ticket_number.as_deref().or(typed_number(t)).unwrap_or("");
    if ctx.status == Some(TicketStatus::Waiting) {
        return error(
            format!("Vé {n} vẫn đang chờ đến lượt. Mời bạn đánh giá sau khi làm việc tại quầy."),
            format!("Ticket {n} is still waiting for its turn. Please rate after you have been served."),
        );
    }
    let (more_vi, more_en) = if inner.cfg.rating.allow_anonymous {
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
            format!("Không tìm thấy vé {n} trong ngày hôm nay. Vui lòng kiểm tra lại số vé, hoặc quét mã QR trên vé."),
            format!("Ticket {n} was not found for today. Please check the number, or scan the QR code on the ticket."),
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

/// One of the three big choices (3, 2, 1).
fn choose_level(ui: &KioskWindow, inner: &Arc<Inner>, value: i32) {
    let Some(level) = u8::try_from(value).ok().and_then(RatingLevel::from_value) else {
        tracing::warn!(value, "unknown rating level from the screen");
        return;
    };
    {
        let mut s = inner.session.lock().expect("session lock");
        if s.rating.stage != Stage::Choose || s.rating.busy {
            return;
        }
        s.rating.level = Some(level);
        s.rating.answers = [None; 9];
        if inner.cfg.rating.offer_indices {
            s.rating.stage = Stage::Indices;
        }
    }
    if inner.cfg.rating.offer_indices {
        render(ui, inner);
    } else {
        send(ui, inner, None);
    }
}

fn choose_index(ui: &KioskWindow, inner: &Inner, index: i32, answer: i32) {
    {
        let mut s = inner.session.lock().expect("session lock");
        let (Ok(i), Ok(a)) = (usize::try_from(index), u8::try_from(answer)) else { return };
        if s.rating.stage != Stage::Indices || i >= INDICES.len() || a > 2 {
            return;
        }
        s.rating.answers[i] = Some(a);
    }
    render(ui, inner);
}

/// Sends the chosen level, with the nine answers when `with_indices` and all are given.
fn submit(ui: &KioskWindow, inner: &Arc<Inner>, with_indices: bool) {
    let answers = {
        let s = inner.session.lock().expect("session lock");
        if s.rating.stage != Stage::Indices {
            return;
        }
        s.rating.answers
    };
    let indices = if with_indices {
        let all: Option<Vec<u8>> = answers.iter().map(|a| a.map(|pos| 2 - pos)).collect();
        match all.map(|v| IndexScores::new(&v)) {
            Some(Ok(ix)) => Some(ix),
            _ => return, // the button is disabled until all nine are answered
        }
    } else {
        None
    };
    send(ui, inner, indices);
}

fn send(ui: &KioskWindow, inner: &Arc<Inner>, indices: Option<IndexScores>) {
    let token = inner.next_request();
    let vote = {
        let mut s = inner.session.lock().expect("session lock");
        if s.rating.busy {
            return;
        }
        // Taken now: leaving the page while it is sent must not send it again.
        let Some(level) = s.rating.level.take() else { return };
        s.rating.request = token;
        s.rating.busy = true;
        RatingVote { ticket: s.rating.ticket.clone(), level, indices }
    };
    render(ui, inner);
    let (backend, post_inner) = (inner.backend.clone(), inner.clone());
    inner.poster.spawn(&inner.rt, &ui.as_weak(), async move { backend.rate(vote).await }, move |ui, result| {
        {
            let mut s = post_inner.session.lock().expect("session lock");
            if s.rating.request != token {
                return;
            }
            s.rating.busy = false;
            s.rating.stage = match &result {
                Ok(VoteOutcome::Thanks { .. }) => Stage::Thanks,
                Ok(VoteOutcome::AlreadyRated) => Stage::Already,
                Err(e) => send_error(e),
            };
        }
        render(ui, &post_inner);
    });
}

/// Shows the rating session on the screen (also after a language switch).
pub fn render(ui: &KioskWindow, inner: &Inner) {
    let lang = inner.lang();
    let s = inner.session.lock().expect("session lock").rating.clone();
    let r = ui.global::<RatingAdapter>();
    r.set_state(s.stage.name().into());
    r.set_busy(s.busy);
    let ctx = s.context.as_ref();
    let ticket = match (&s.ticket, ctx.and_then(|c| c.ticket_number.clone())) {
        (None, _) => String::new(),
        (Some(_), Some(n)) => n,
        (Some(t), None) => {
            typed_number(t).map(str::to_string).unwrap_or_else(|| pick(lang, "(mã QR)", "(QR code)").into())
        }
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
        r.set_indices_complete(s.answers.iter().all(Option::is_some));
    } else {
        r.set_indices(ModelRc::default());
        r.set_indices_complete(false);
    }
}

/// The citizen leaves the rating (home, a new scan, session end): a level
/// chosen but not sent is sent without the indices; then everything is cleared.
pub fn leave(ui: &KioskWindow, inner: &Inner) {
    let pending = {
        let mut s = inner.session.lock().expect("session lock");
        let r = std::mem::take(&mut s.rating);
        r.level.map(|level| RatingVote { ticket: r.ticket, level, indices: None })
    };
    if let Some(vote) = pending {
        let backend = inner.backend.clone();
        inner.poster.spawn_detached(&inner.rt, async move {
            match backend.rate(vote).await {
                Ok(outcome) => tracing::info!(?outcome, "rating sent as the citizen left"),
                Err(e) => tracing::warn!(error = %e, "rating chosen before leaving could not be sent"),
            }
        });
    }
    reset_screen(ui);
}

/// Empties the rating screen (the first step again).
pub fn reset_screen(ui: &KioskWindow) {
    let r = ui.global::<RatingAdapter>();
    r.set_state(Stage::AskTicket.name().into());
    r.set_busy(false);
    r.set_ticket_input("".into());
    r.set_ticket("".into());
    r.set_counter("".into());
    r.set_officer("".into());
    r.set_message("".into());
    r.set_level_label("".into());
    r.set_indices(ModelRc::default());
    r.set_indices_complete(false);
}
