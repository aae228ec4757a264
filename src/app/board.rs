//! The display board role: shows a [`BoardState`] through the `Board` global.

use crate::domain::board::{grid_columns, BoardState, ServiceNames};
use crate::domain::counter_screen::{slot_shows, OpeningHours};
use crate::domain::localtime::{format_time, service_day};
use crate::ui::{Board, CallRow, CounterCard, DisplayWindow, WaitingRow};
use chrono::{DateTime, Utc};
use slint::{ComponentHandle, ModelRc, VecModel};

/// Counters shown in the full layout (tiles beside the recent calls and the
/// waiting list). More switch to the dense layout: full-width tiles whose
/// numbers are read from 5 m, as many per page as fit the window.
pub const FULL_LAYOUT_MAX: usize = 12;

/// Pages a dense board may take at the configured `display.scale` before the
/// scale is lowered: a citizen waits at most one page turn for their counter.
pub const DENSE_MAX_PAGES: usize = 2;

pub struct BoardView<'a> {
    pub state: &'a BoardState,
    pub names: &'a ServiceNames,
    /// `None` when connected; the instant the stream was lost otherwise.
    pub disconnected_since: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    /// Opening hours (a closed counter is told from an idle one).
    pub hours: &'a OpeningHours,
    pub page: usize,
    pub size: (f32, f32),
    /// The configured `display.scale`; a dense board may use less (see
    /// [`fit_scale`]).
    pub scale: f32,
}

/// What the fitted scale depends on: the scale asked for, the counters, and
/// what the window's layout takes room from.
#[derive(Clone, PartialEq)]
struct FitInputs {
    wanted: f32,
    counters: usize,
    size: slint::PhysicalSize,
    connected: bool,
    notice: slint::SharedString,
}

thread_local! {
    /// The last fit (the board is drawn on its UI thread only).
    static LAST_FIT: std::cell::RefCell<Option<(FitInputs, f32)>> = const { std::cell::RefCell::new(None) };
}

/// The scale the board is drawn at: the configured one, except that a
/// dense board (more than [`FULL_LAYOUT_MAX`] counters) lowers it in steps
/// of 0.05 until its tiles fit [`DENSE_MAX_PAGES`] pages, never below 1.0
/// (the type read from 5 m). A larger scale makes the numbers larger, so
/// fewer fit a page: 30 counters at 1.5 on a 1920x1080 board were 10 pages
/// of 3, and at 2.0 the numbers even shrank (no room for one row). Sets
/// `Board.scale` and returns it. The search sets the scale to each candidate
/// (the window's layout says how many tiles fit), which dirties the whole
/// board, so it runs only when its inputs change: a redraw for a call keeps
/// the last answer and repaints only what the call changed.
pub fn fit_scale(ui: &DisplayWindow, state: &BoardState, wanted: f32) -> f32 {
    let b = ui.global::<Board>();
    let inputs = FitInputs {
        wanted,
        counters: state.counters.len(),
        size: ui.window().size(),
        connected: b.get_connected(),
        notice: b.get_notice(),
    };
    if let Some(s) = LAST_FIT.with_borrow(|last| last.as_ref().filter(|(i, _)| *i == inputs).map(|(_, s)| *s))
    {
        b.set_scale(s);
        return s;
    }
    let floor = wanted.min(1.0);
    let mut s = wanted;
    loop {
        b.set_scale(s);
        if state.counters.len() <= FULL_LAYOUT_MAX
            || s <= floor
            || page_count(state, tiles_per_page(ui, state)) <= DENSE_MAX_PAGES
        {
            LAST_FIT.set(Some((inputs, s)));
            return s;
        }
        s = (s - 0.05).max(floor);
    }
}

pub fn show(ui: &DisplayWindow, v: &BoardView) {
    let b = ui.global::<Board>();
    let name = |code: &str| v.names.get(code).map(|n| n.0.clone()).unwrap_or_else(|| code.to_string());
    let all: Vec<CounterCard> = v
        .state
        .counters
        .iter()
        .map(|(n, slot)| CounterCard {
            number: *n as i32,
            name: "".into(),
            ticket: slot.ticket.clone().unwrap_or_default().into(),
            service: slot.service.as_deref().map(name).unwrap_or_default().into(),
            highlight: v.state.is_highlighted_counter(*n),
            paused: slot.paused,
            state: slot_shows(slot, v.hours, v.now).key().into(),
        })
        .collect();
    // Before paging: the offline strip takes room from a portrait board's
    // tiles, and the scale sets how many fit.
    b.set_connected(v.disconnected_since.is_none());
    fit_scale(ui, v.state, v.scale);
    let per_page = tiles_per_page(ui, v.state);
    let pages = page_count(v.state, per_page);
    let page = v.page % pages;
    // Counters keep their order (by number) across pages.
    let shown: Vec<CounterCard> = all.into_iter().skip(page * per_page).take(per_page).collect();
    b.set_dense(v.state.counters.len() > FULL_LAYOUT_MAX);
    let (w, h) = v.size;
    let portrait = h > w;
    let (gw, gh) = if portrait { (w - 40.0, (h - 130.0) * 0.58) } else { ((w - 60.0) * 0.66, h - 200.0) };
    b.set_columns(grid_columns(shown.len(), gw, gh) as i32);
    b.set_counters(ModelRc::new(VecModel::from(shown)));
    b.set_page(page as i32 + 1);
    b.set_pages(pages as i32);
    let calls: Vec<CallRow> = v
        .state
        .recent
        .iter()
        .map(|c| CallRow {
            ticket: c.ticket.as_str().into(),
            counter: c.counter as i32,
            time: format_time(c.at).into(),
            highlight: v.state.latest.as_ref() == Some(c),
        })
        .collect();
    b.set_calls(ModelRc::new(VecModel::from(calls)));
    // Sorted by the letter on the ticket: that is what a citizen looks for.
    let mut waiting: Vec<WaitingRow> = v
        .names
        .iter()
        .filter(|(code, _)| v.state.filter.services.is_empty() || v.state.filter.services.contains(code))
        .map(|(code, (vi, prefix))| WaitingRow {
            prefix: prefix.as_str().into(),
            service: vi.as_str().into(),
            waiting: *v.state.waiting.get(code).unwrap_or(&0) as i32,
        })
        .collect();
    waiting.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    b.set_waiting(ModelRc::new(VecModel::from(waiting)));
    match &v.state.latest {
        Some(c) => {
            b.set_latest_ticket(c.ticket.as_str().into());
            b.set_latest_counter(c.counter as i32);
        }
        None => b.set_latest_ticket("".into()),
    }
    if let Some(since) = v.disconnected_since {
        b.set_disconnected_since(format_time(since).into());
    }
    show_clock(ui, v.now);
}

/// The clock in the top bar: `HH:MM` and the long Vietnamese date. Returns
/// the time text shown.
pub fn show_clock(ui: &DisplayWindow, now: DateTime<Utc>) -> String {
    let b = ui.global::<Board>();
    let time = format_time(now);
    b.set_clock_time(time.as_str().into());
    b.set_clock_date(super::i18n::long_date(crate::config::Language::Vi, service_day(now)).into());
    time
}

/// Counters closed at `now` (the tick redraws when this changes).
pub fn closed_counters(state: &BoardState, hours: &OpeningHours, now: DateTime<Utc>) -> Vec<u32> {
    state.counters.iter().filter(|(_, s)| hours.counter_closed(&s.services, now)).map(|(n, _)| *n).collect()
}

/// Tiles on one page: all of a board in the full layout; as many as the
/// window's dense layout fits otherwise (the window computes it from its size,
/// the banner, the notice and `display.scale`).
pub fn tiles_per_page(ui: &DisplayWindow, state: &BoardState) -> usize {
    if state.counters.len() <= FULL_LAYOUT_MAX {
        FULL_LAYOUT_MAX
    } else {
        ui.get_tiles_per_page().max(1) as usize
    }
}

/// Pages the counter tiles need at `per_page` tiles a page.
pub fn page_count(state: &BoardState, per_page: usize) -> usize {
    state.counters.len().div_ceil(per_page.max(1)).max(1)
}
