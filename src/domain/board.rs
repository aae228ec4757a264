//! What a display board shows, as a pure reducer over queue events.
//!
//! Highlight rule: the newest call stays highlighted until a newer call (or a
//! recall) replaces it; a recall re-highlights the recalled ticket. (The
//! board's banner also flashes for a few seconds on each new call: that is
//! the window's, see `app/display.rs`.) The counter tile keeps showing its last called number until
//! that counter calls again, so a citizen who looks up late still finds it.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardEvent {
    Called {
        id: u64,
        ticket: String,
        counter: u32,
        service: String,
        at: DateTime<Utc>,
    },
    Recalled {
        id: u64,
        ticket: String,
        counter: u32,
        service: String,
        at: DateTime<Utc>,
    },
    /// The counter finished (served or no-show); the tile keeps the number.
    Finished {
        id: u64,
        counter: u32,
        ticket: String,
        service: String,
        /// Served (`ticket_completed`), not a no-show.
        served: bool,
        at: DateTime<Utc>,
    },
    /// The officer started serving the ticket at the desk (`ticket_started`).
    Started {
        id: u64,
        counter: u32,
        ticket: String,
    },
    CounterState {
        id: u64,
        counter: u32,
        /// Codes of the services the counter serves (empty: unknown).
        services: Vec<String>,
        paused: bool,
        /// The ticket at the desk now, as the centre says (none: the desk is free).
        desk: Option<Desk>,
    },
    Waiting {
        id: u64,
        service: String,
        waiting: u32,
    },
    DayRollover {
        id: u64,
        day: NaiveDate,
    },
}

impl BoardEvent {
    pub fn id(&self) -> u64 {
        match self {
            BoardEvent::Called { id, .. }
            | BoardEvent::Recalled { id, .. }
            | BoardEvent::Finished { id, .. }
            | BoardEvent::Started { id, .. }
            | BoardEvent::CounterState { id, .. }
            | BoardEvent::Waiting { id, .. }
            | BoardEvent::DayRollover { id, .. } => *id,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterSlot {
    /// The last ticket called here (kept after it was served, see the module comment).
    pub ticket: Option<String>,
    pub service: Option<String>,
    pub paused: bool,
    /// `ticket` is at the desk now (called, not yet served or no-show).
    pub at_desk: bool,
    /// The officer started serving it ("Đang phục vụ").
    pub started: bool,
    /// Services the counter serves (from the centre; empty: unknown).
    pub services: Vec<String>,
    /// The last ticket finished here (the counter screen asks it for a rating).
    pub finished: Option<Finished>,
}

/// A ticket at a counter's desk, from the centre's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desk {
    pub ticket: String,
    pub service: String,
    pub started: bool,
}

/// A ticket a counter finished with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The event's id: a new finish is a new id.
    pub id: u64,
    pub ticket: String,
    pub service: String,
    pub served: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub ticket: String,
    pub counter: u32,
    pub at: DateTime<Utc>,
}

/// Service names for the tiles and the waiting list: code → (Vietnamese name, prefix).
pub type ServiceNames = BTreeMap<String, (String, String)>;

/// Which counters and services a board shows (one board per floor or area).
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub counters: Vec<u32>,
    pub services: Vec<String>,
}

impl BoardFilter {
    fn shows_counter(&self, c: u32) -> bool {
        self.counters.is_empty() || self.counters.contains(&c)
    }
    fn shows_service(&self, s: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|x| x == s)
    }
    /// A counter tile belongs on the board: the counter is listed (or no list),
    /// and with a service filter it serves one of those services.
    pub fn shows_counter_serving(&self, c: u32, services: &[String]) -> bool {
        self.shows_counter(c)
            && (self.services.is_empty()
                || services.is_empty()
                || services.iter().any(|s| self.shows_service(s)))
    }
}

#[derive(Debug, Clone, Default)]
pub struct BoardState {
    pub counters: BTreeMap<u32, CounterSlot>,
    pub recent: VecDeque<Call>,
    /// The highlighted call.
    pub latest: Option<Call>,
    pub waiting: BTreeMap<String, u32>,
    pub last_event_id: u64,
    pub max_recent: usize,
    pub filter: BoardFilter,
}

/// What the reducer asks the caller to do besides redrawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Chime and read out the call.
    Announce { ticket: String, counter: u32 },
}

impl BoardState {
    pub fn new(filter: BoardFilter, max_recent: usize) -> Self {
        Self { filter, max_recent: max_recent.max(1), ..Default::default() }
    }

    /// Declares the counters this board shows (from the centre's state), so
    /// idle counters appear too.
    pub fn set_counters(&mut self, counters: impl IntoIterator<Item = u32>) {
        for c in counters {
            if self.filter.shows_counter(c) {
                self.counters.entry(c).or_default();
            }
        }
    }

    /// Like [`set_counters`](Self::set_counters), knowing which services each
    /// counter serves: a board limited to some services shows only the
    /// counters serving them.
    pub fn set_counters_serving<'a>(&mut self, counters: impl IntoIterator<Item = (u32, &'a [String])>) {
        for (c, services) in counters {
            if self.filter.shows_counter_serving(c, services) {
                self.counters.entry(c).or_default();
            }
        }
    }

    /// Applies one event. Events at or below the last applied id are ignored,
    /// so a replay after reconnect never doubles a call or an announcement.
    pub fn apply(&mut self, ev: &BoardEvent) -> Option<Effect> {
        let id = ev.id();
        if id != 0 && id <= self.last_event_id {
            return None;
        }
        self.last_event_id = self.last_event_id.max(id);
        if let BoardEvent::Called { service, .. } = ev {
            // The called ticket stops waiting (the event carries no count).
            if let Some(w) = self.waiting.get_mut(service) {
                *w = w.saturating_sub(1);
            }
        }
        match ev {
            BoardEvent::Called { ticket, counter, service, at, .. }
            | BoardEvent::Recalled { ticket, counter, service, at, .. } => {
                if !self.filter.shows_counter(*counter) || !self.filter.shows_service(service) {
                    return None;
                }
                let slot = self.counters.entry(*counter).or_default();
                slot.ticket = Some(ticket.clone());
                slot.service = Some(service.clone());
                slot.paused = false;
                slot.at_desk = true;
                slot.started = false;
                let call = Call { ticket: ticket.clone(), counter: *counter, at: *at };
                // A recall moves the ticket back to the top instead of listing it twice.
                self.recent.retain(|c| !(c.ticket == *ticket && c.counter == *counter));
                self.recent.push_front(call.clone());
                self.recent.truncate(self.max_recent);
                self.latest = Some(call);
                Some(Effect::Announce { ticket: ticket.clone(), counter: *counter })
            }
            BoardEvent::Finished { id, counter, ticket, service, served, at } => {
                if let Some(slot) = self.counters.get_mut(counter) {
                    if slot.ticket.as_deref() == Some(ticket.as_str()) {
                        slot.at_desk = false;
                        slot.started = false;
                    }
                    slot.finished = Some(Finished {
                        id: *id,
                        ticket: ticket.clone(),
                        service: service.clone(),
                        served: *served,
                        at: *at,
                    });
                }
                None
            }
            BoardEvent::Started { counter, ticket, .. } => {
                if let Some(slot) = self.counters.get_mut(counter) {
                    if slot.ticket.as_deref() == Some(ticket.as_str()) {
                        slot.at_desk = true;
                        slot.started = true;
                    }
                }
                None
            }
            BoardEvent::CounterState { counter, services, paused, desk, .. } => {
                if self.filter.shows_counter_serving(*counter, services) {
                    let slot = self.counters.entry(*counter).or_default();
                    slot.paused = *paused;
                    if !services.is_empty() {
                        slot.services = services.clone();
                    }
                    match desk {
                        Some(d) if self.filter.shows_service(&d.service) => {
                            slot.ticket = Some(d.ticket.clone());
                            slot.service = Some(d.service.clone());
                            slot.at_desk = true;
                            slot.started = d.started;
                        }
                        _ => {
                            slot.at_desk = false;
                            slot.started = false;
                        }
                    }
                }
                None
            }
            BoardEvent::Waiting { service, waiting, .. } => {
                if self.filter.shows_service(service) {
                    self.waiting.insert(service.clone(), *waiting);
                }
                None
            }
            BoardEvent::DayRollover { .. } => {
                // A new service day: yesterday's numbers must not linger on the board.
                for slot in self.counters.values_mut() {
                    slot.ticket = None;
                    slot.service = None;
                    slot.at_desk = false;
                    slot.started = false;
                    slot.finished = None;
                }
                self.recent.clear();
                self.latest = None;
                for w in self.waiting.values_mut() {
                    *w = 0;
                }
                None
            }
        }
    }

    pub fn is_highlighted_counter(&self, counter: u32) -> bool {
        self.latest.as_ref().is_some_and(|c| c.counter == counter)
    }
}

/// Columns for `n` counter tiles in a `w`×`h` area, keeping tiles near 4:3.
pub fn grid_columns(n: usize, w: f32, h: f32) -> usize {
    if n == 0 {
        return 1;
    }
    let mut best = (1, f32::MAX);
    for cols in 1..=n {
        let rows = n.div_ceil(cols);
        let (cw, ch) = (w / cols as f32, h / rows as f32);
        let score = ((cw / ch) - 4.0 / 3.0).abs();
        if score < best.1 {
            best = (cols, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 2, m, 0).unwrap()
    }

    fn done(id: u64, ticket: &str, counter: u32, served: bool) -> BoardEvent {
        BoardEvent::Finished {
            id,
            counter,
            ticket: ticket.into(),
            service: "HT".into(),
            served,
            at: t(id as u32),
        }
    }

    fn call(id: u64, ticket: &str, counter: u32) -> BoardEvent {
        BoardEvent::Called { id, ticket: ticket.into(), counter, service: "HT".into(), at: t(id as u32) }
    }

    #[test]
    fn newest_call_is_highlighted_until_a_newer_call() {
        let mut b = BoardState::new(BoardFilter::default(), 8);
        b.apply(&call(1, "A-001", 1));
        assert!(b.is_highlighted_counter(1));
        b.apply(&call(2, "B-001", 3));
        assert!(b.is_highlighted_counter(3) && !b.is_highlighted_counter(1));
        // Counter 1 still shows its number.
        assert_eq!(b.counters[&1].ticket.as_deref(), Some("A-001"));
        // Finishing does not clear anything.
        b.apply(&done(3, "B-001", 3, true));
        assert!(b.is_highlighted_counter(3));
        assert!(!b.counters[&3].at_desk, "the desk is free");
        assert_eq!(b.counters[&3].ticket.as_deref(), Some("B-001"), "the tile keeps the number");
    }

    #[test]
    fn a_counter_follows_its_ticket_from_call_to_start_to_finish() {
        // Must hold: called = at the desk, not started; ticket_started marks it
        // started; the finish frees the desk and is remembered (for the counter
        // screen's rating) with whether the citizen was served; a counter_state
        // with no desk frees it too (a transfer).
        let mut b = BoardState::new(BoardFilter::default(), 8);
        b.apply(&call(1, "A-001", 2));
        assert!(b.counters[&2].at_desk && !b.counters[&2].started);
        b.apply(&BoardEvent::Started { id: 2, counter: 2, ticket: "A-001".into() });
        assert!(b.counters[&2].started);
        b.apply(&done(3, "A-001", 2, true));
        let s = &b.counters[&2];
        assert!(!s.at_desk && !s.started);
        assert_eq!(
            s.finished.as_ref().map(|f| (f.id, f.ticket.as_str(), f.served)),
            Some((3, "A-001", true))
        );
        b.apply(&call(4, "A-002", 2));
        b.apply(&BoardEvent::CounterState {
            id: 5,
            counter: 2,
            services: vec!["HT".into()],
            paused: false,
            desk: None,
        });
        assert!(!b.counters[&2].at_desk);
        assert_eq!(b.counters[&2].services, ["HT"]);
        b.apply(&BoardEvent::CounterState {
            id: 6,
            counter: 2,
            services: vec![],
            paused: false,
            desk: Some(Desk { ticket: "A-007".into(), service: "HT".into(), started: true }),
        });
        assert!(b.counters[&2].at_desk && b.counters[&2].started);
        assert_eq!(b.counters[&2].ticket.as_deref(), Some("A-007"));
    }

    #[test]
    fn recall_rehighlights_without_duplicating_the_row() {
        let mut b = BoardState::new(BoardFilter::default(), 8);
        b.apply(&call(1, "A-001", 1));
        b.apply(&call(2, "B-001", 3));
        let eff = b.apply(&BoardEvent::Recalled {
            id: 3,
            ticket: "A-001".into(),
            counter: 1,
            service: "HT".into(),
            at: t(3),
        });
        assert_eq!(eff, Some(Effect::Announce { ticket: "A-001".into(), counter: 1 }));
        assert!(b.is_highlighted_counter(1));
        assert_eq!(b.recent.len(), 2);
        assert_eq!(b.recent[0].ticket, "A-001");
    }

    #[test]
    fn replayed_events_are_ignored() {
        let mut b = BoardState::new(BoardFilter::default(), 8);
        assert!(b.apply(&call(5, "A-005", 1)).is_some());
        assert!(b.apply(&call(5, "A-005", 1)).is_none(), "same id again: no second announcement");
        assert!(b.apply(&call(4, "A-004", 2)).is_none(), "older id: ignored");
        assert_eq!(b.recent.len(), 1);
    }

    #[test]
    fn recent_list_is_bounded_newest_first() {
        let mut b = BoardState::new(BoardFilter::default(), 3);
        for i in 1..=5 {
            b.apply(&call(i, &format!("A-{i:03}"), 1 + (i as u32 % 2)));
        }
        let tickets: Vec<&str> = b.recent.iter().map(|c| c.ticket.as_str()).collect();
        assert_eq!(tickets, ["A-005", "A-004", "A-003"]);
    }

    #[test]
    fn filter_limits_counters_and_services() {
        let f = BoardFilter { counters: vec![1, 2], services: vec![] };
        let mut b = BoardState::new(f, 8);
        b.set_counters([1, 2, 3]);
        assert_eq!(b.counters.keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert!(b.apply(&call(1, "C-001", 5)).is_none(), "counter 5 is on another floor");
        assert!(b.latest.is_none());
    }

    #[test]
    fn a_service_filter_keeps_only_the_counters_serving_it() {
        let f = BoardFilter { counters: vec![], services: vec!["HT".into()] };
        let mut b = BoardState::new(f, 8);
        let (ht, ct) = (vec!["HT".to_string()], vec!["CT".to_string()]);
        b.set_counters_serving([(1, ht.as_slice()), (2, ht.as_slice()), (3, ct.as_slice())]);
        assert_eq!(b.counters.keys().copied().collect::<Vec<_>>(), [1, 2]);
        b.apply(&BoardEvent::CounterState {
            id: 1,
            counter: 3,
            services: ct.clone(),
            paused: true,
            desk: None,
        });
        assert!(!b.counters.contains_key(&3), "a CT counter does not appear on an HT board");
        b.apply(&BoardEvent::CounterState { id: 2, counter: 2, services: ht, paused: true, desk: None });
        assert!(b.counters[&2].paused);
    }

    #[test]
    fn a_call_takes_one_ticket_off_the_waiting_count() {
        let mut b = BoardState::new(BoardFilter { counters: vec![1], services: vec![] }, 8);
        b.apply(&BoardEvent::Waiting { id: 1, service: "HT".into(), waiting: 2 });
        b.apply(&call(2, "A-001", 1));
        assert_eq!(b.waiting["HT"], 1);
        // Counter 2 is not on this board, but the ticket it called left the queue.
        b.apply(&call(3, "A-002", 2));
        assert_eq!(b.waiting["HT"], 0);
        b.apply(&call(4, "A-003", 1));
        assert_eq!(b.waiting["HT"], 0, "never below zero");
        b.apply(&BoardEvent::Recalled {
            id: 5,
            ticket: "A-003".into(),
            counter: 1,
            service: "HT".into(),
            at: t(5),
        });
        assert_eq!(b.waiting["HT"], 0);
    }

    #[test]
    fn day_rollover_clears_yesterdays_numbers() {
        let mut b = BoardState::new(BoardFilter::default(), 8);
        b.apply(&call(1, "A-099", 1));
        b.apply(&BoardEvent::Waiting { id: 2, service: "HT".into(), waiting: 4 });
        b.apply(&BoardEvent::DayRollover { id: 3, day: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() });
        assert!(b.counters[&1].ticket.is_none());
        assert!(b.recent.is_empty() && b.latest.is_none());
        assert_eq!(b.waiting["HT"], 0);
    }

    #[test]
    fn thirty_counters_fit_in_a_grid() {
        let cols = grid_columns(30, 1200.0, 850.0);
        assert!((5..=7).contains(&cols), "{cols}");
        assert_eq!(grid_columns(1, 1200.0, 850.0), 1);
        assert_eq!(grid_columns(0, 1200.0, 850.0), 1);
    }
}
