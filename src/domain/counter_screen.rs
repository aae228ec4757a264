//! What the small screen at one counter shows (`run --role counter`), as
//! plain rules over the board state the display feed keeps for that counter:
//! which state it is in, when a call flashes, and the citizen's rating of the
//! ticket just served (optional).
//!
//! Closed vs idle: a counter is *closed* when none of its services is within
//! its opening hours (the centre's `/services`), *idle* when it is open and
//! no ticket is at its desk. Paused is the officer's own state.

use super::board::{BoardState, Call, CounterSlot, Finished};
use super::queue_rules::Schedule;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Opening hours per service code, from the centre's service list.
#[derive(Debug, Clone, Default)]
pub struct OpeningHours {
    /// The centre ignores opening hours (demo): nothing is ever closed.
    pub always_open: bool,
    pub services: BTreeMap<String, Schedule>,
}

impl OpeningHours {
    /// A counter is closed when none of its services is open at `now`. A
    /// counter whose services are unknown, or a service without hours known,
    /// counts as open (better "idle" than a wrong "closed").
    pub fn counter_closed(&self, services: &[String], now: DateTime<Utc>) -> bool {
        if self.always_open || services.is_empty() || self.services.is_empty() {
            return false;
        }
        !services.iter().any(|s| self.services.get(s).is_none_or(|h| h.is_open_at(now)))
    }
}

/// The state a counter screen is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterShows {
    /// Nothing heard from the centre yet.
    Connecting,
    /// Outside the opening hours of every service of the counter.
    Closed,
    /// Open, no one at the desk.
    Idle,
    Paused,
    /// A ticket was called and the citizen is on the way.
    Called {
        ticket: String,
        service: String,
    },
    /// The officer started serving it.
    Serving {
        ticket: String,
        service: String,
    },
    /// Asking the citizen to rate the ticket just served.
    Rating {
        ticket: String,
        service: String,
    },
    /// "Thank you" after a rating.
    Thanks,
}

impl CounterShows {
    /// A short key (the UI's state and the snapshot names).
    pub fn key(&self) -> &'static str {
        match self {
            CounterShows::Connecting => "connecting",
            CounterShows::Closed => "closed",
            CounterShows::Idle => "idle",
            CounterShows::Paused => "paused",
            CounterShows::Called { .. } => "called",
            CounterShows::Serving { .. } => "serving",
            CounterShows::Rating { .. } => "rating",
            CounterShows::Thanks => "thanks",
        }
    }
}

/// How long the rating question and the thanks stay.
#[derive(Debug, Clone, Copy)]
pub struct RatingTimes {
    /// A finish older than this when it reaches the screen (a replay after an
    /// outage) is not asked about: the citizen has gone.
    pub max_age: Duration,
    /// The question goes away unanswered after this.
    pub ask_for: Duration,
    pub thanks_for: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Flow {
    None,
    Asking { finished: Finished, until: DateTime<Utc> },
    Thanks { until: DateTime<Utc> },
}

/// The counter screen's own memory between board updates: the last call seen
/// (for the flash) and the rating question.
#[derive(Debug, Clone)]
pub struct CounterFlow {
    pub counter: u32,
    /// `None`: ratings are off.
    rating: Option<RatingTimes>,
    flow: Flow,
    /// The last call seen; `None` until the first board.
    last_call: Option<Option<Call>>,
    last_finished: Option<u64>,
}

impl CounterFlow {
    pub fn new(counter: u32, rating: Option<RatingTimes>) -> Self {
        CounterFlow { counter, rating, flow: Flow::None, last_call: None, last_finished: None }
    }

    /// Takes a new board; returns `true` when a new call (or a recall) at
    /// this counter arrived, which the screen flashes. The first board seen
    /// never flashes (the screen was switched on, nothing was called).
    pub fn update(&mut self, board: &BoardState, now: DateTime<Utc>) -> bool {
        let slot = board.counters.get(&self.counter);
        let call = board.latest.clone().filter(|c| c.counter == self.counter);
        let first = self.last_call.is_none();
        let new_call = !first && self.last_call.as_ref().is_some_and(|prev| *prev != call) && call.is_some();
        self.last_call = Some(call);
        if new_call {
            // A new citizen at the desk: the previous one's question is over.
            self.flow = Flow::None;
        }
        let finished = slot.and_then(|s| s.finished.clone());
        if let Some(f) = finished {
            if self.last_finished != Some(f.id) {
                self.last_finished = Some(f.id);
                if let Some(t) = self.rating {
                    let fresh = now - f.at <= t.max_age;
                    let desk_free = slot.is_some_and(|s| !s.at_desk);
                    if f.served && fresh && desk_free && !first {
                        self.flow = Flow::Asking { finished: f, until: now + t.ask_for };
                    }
                }
            }
        }
        new_call
    }

    /// The ticket the citizen is asked to rate, if any.
    pub fn asking(&self) -> Option<&Finished> {
        match &self.flow {
            Flow::Asking { finished, .. } => Some(finished),
            _ => None,
        }
    }

    /// The citizen answered (the caller sends it): thanks for a while.
    /// Returns the ticket rated; `None` when nothing was asked (a second tap).
    pub fn answered(&mut self, now: DateTime<Utc>) -> Option<Finished> {
        let Flow::Asking { finished, .. } = &self.flow else { return None };
        let f = finished.clone();
        let thanks = self.rating.map(|t| t.thanks_for).unwrap_or_default();
        self.flow = Flow::Thanks { until: now + thanks };
        Some(f)
    }

    /// Ends the question or the thanks when their time is up; `true` when
    /// the state changed.
    pub fn tick(&mut self, now: DateTime<Utc>) -> bool {
        let over = match &self.flow {
            Flow::None => false,
            Flow::Asking { until, .. } | Flow::Thanks { until } => now >= *until,
        };
        if over {
            self.flow = Flow::None;
        }
        over
    }

    /// What the screen shows for `board` at `now`.
    pub fn shows(&self, board: &BoardState, hours: &OpeningHours, now: DateTime<Utc>) -> CounterShows {
        match &self.flow {
            Flow::Thanks { .. } => return CounterShows::Thanks,
            Flow::Asking { finished, .. } => {
                return CounterShows::Rating {
                    ticket: finished.ticket.clone(),
                    service: finished.service.clone(),
                }
            }
            Flow::None => {}
        }
        let Some(slot) = board.counters.get(&self.counter) else { return CounterShows::Connecting };
        slot_shows(slot, hours, now)
    }
}

/// A counter's state without the rating flow (also a board tile's).
pub fn slot_shows(slot: &CounterSlot, hours: &OpeningHours, now: DateTime<Utc>) -> CounterShows {
    let desk = || (slot.ticket.clone().unwrap_or_default(), slot.service.clone().unwrap_or_default());
    if slot.paused {
        CounterShows::Paused
    } else if slot.at_desk && slot.started {
        let (ticket, service) = desk();
        CounterShows::Serving { ticket, service }
    } else if slot.at_desk {
        let (ticket, service) = desk();
        CounterShows::Called { ticket, service }
    } else if hours.counter_closed(&slot.services, now) {
        CounterShows::Closed
    } else {
        CounterShows::Idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::board::{BoardEvent, BoardFilter};
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        // 2026-11-30 is a Monday; hours are Viet Nam time (UTC+7).
        crate::domain::localtime::vn_offset()
            .with_ymd_and_hms(2026, 11, 30, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn board() -> BoardState {
        let mut b = BoardState::new(BoardFilter { counters: vec![2], services: vec![] }, 8);
        b.apply(&BoardEvent::CounterState {
            id: 1,
            counter: 2,
            services: vec!["HT".into()],
            paused: false,
            desk: None,
        });
        b
    }

    fn hours() -> OpeningHours {
        let s = Schedule::new(&["07:30-11:30".into(), "13:30-17:00".into()], &[1, 2, 3, 4, 5]);
        OpeningHours { always_open: false, services: [("HT".to_string(), s)].into() }
    }

    fn times() -> RatingTimes {
        RatingTimes {
            max_age: Duration::minutes(2),
            ask_for: Duration::seconds(30),
            thanks_for: Duration::seconds(5),
        }
    }

    fn call(id: u64, ticket: &str, at: DateTime<Utc>) -> BoardEvent {
        BoardEvent::Called { id, ticket: ticket.into(), counter: 2, service: "HT".into(), at }
    }

    fn done(id: u64, ticket: &str, served: bool, at: DateTime<Utc>) -> BoardEvent {
        BoardEvent::Finished { id, counter: 2, ticket: ticket.into(), service: "HT".into(), served, at }
    }

    #[test]
    fn closed_outside_opening_hours_idle_inside() {
        // Must hold: idle and closed are told apart by the services' hours;
        // unknown hours or always_open never read as closed.
        let (b, h, f) = (board(), hours(), CounterFlow::new(2, None));
        assert_eq!(f.shows(&b, &h, t(9, 0)), CounterShows::Idle);
        assert_eq!(f.shows(&b, &h, t(12, 0)), CounterShows::Closed, "lunch break");
        assert_eq!(f.shows(&b, &h, t(18, 0)), CounterShows::Closed);
        let open = OpeningHours { always_open: true, ..hours() };
        assert_eq!(f.shows(&b, &open, t(18, 0)), CounterShows::Idle);
        assert_eq!(f.shows(&b, &OpeningHours::default(), t(18, 0)), CounterShows::Idle);
        let nothing = BoardState::new(BoardFilter { counters: vec![2], services: vec![] }, 8);
        assert_eq!(f.shows(&nothing, &h, t(9, 0)), CounterShows::Connecting);
    }

    #[test]
    fn called_then_serving_then_paused_and_a_new_call_flashes() {
        // Must hold: the first board never flashes; a call and a recall do;
        // ticket_started turns "called" into "serving"; pause wins.
        let (mut b, h) = (board(), hours());
        let mut f = CounterFlow::new(2, None);
        assert!(!f.update(&b, t(9, 0)), "switching on does not flash");
        b.apply(&call(2, "A-001", t(9, 1)));
        assert!(f.update(&b, t(9, 1)));
        assert_eq!(
            f.shows(&b, &h, t(9, 1)),
            CounterShows::Called { ticket: "A-001".into(), service: "HT".into() }
        );
        assert!(!f.update(&b, t(9, 1)), "the same call again does not flash");
        b.apply(&BoardEvent::Started { id: 3, counter: 2, ticket: "A-001".into() });
        assert!(!f.update(&b, t(9, 2)));
        assert_eq!(
            f.shows(&b, &h, t(9, 2)),
            CounterShows::Serving { ticket: "A-001".into(), service: "HT".into() }
        );
        b.apply(&BoardEvent::Recalled {
            id: 4,
            ticket: "A-001".into(),
            counter: 2,
            service: "HT".into(),
            at: t(9, 3),
        });
        assert!(f.update(&b, t(9, 3)), "a recall flashes");
        b.apply(&BoardEvent::CounterState { id: 5, counter: 2, services: vec![], paused: true, desk: None });
        f.update(&b, t(9, 4));
        assert_eq!(f.shows(&b, &h, t(9, 4)), CounterShows::Paused);
        // A call at another counter (not on this screen's board) changes nothing.
        let mut other = board();
        other.apply(&BoardEvent::Called {
            id: 9,
            ticket: "B-001".into(),
            counter: 3,
            service: "CT".into(),
            at: t(9, 5),
        });
        let mut g = CounterFlow::new(2, None);
        g.update(&board(), t(9, 5));
        assert!(!g.update(&other, t(9, 5)));
    }

    #[test]
    fn a_served_ticket_is_asked_once_then_thanks_then_back() {
        // Must hold: only a served (not no-show), fresh finish is asked about,
        // once; answering thanks and a second answer sends nothing; the thanks
        // and an unanswered question end on time; a new call ends the question.
        let (mut b, h) = (board(), hours());
        let mut f = CounterFlow::new(2, Some(times()));
        f.update(&b, t(9, 0));
        b.apply(&call(2, "A-001", t(9, 0)));
        f.update(&b, t(9, 0));
        b.apply(&done(3, "A-001", true, t(9, 5)));
        f.update(&b, t(9, 5));
        assert_eq!(
            f.shows(&b, &h, t(9, 5)),
            CounterShows::Rating { ticket: "A-001".into(), service: "HT".into() }
        );
        f.update(&b, t(9, 5));
        assert_eq!(f.answered(t(9, 5)).map(|x| x.ticket), Some("A-001".into()));
        assert_eq!(f.answered(t(9, 5)), None, "one rating per ticket");
        assert_eq!(f.shows(&b, &h, t(9, 5)), CounterShows::Thanks);
        assert!(f.tick(t(9, 5) + Duration::seconds(5)));
        assert_eq!(f.shows(&b, &h, t(9, 6)), CounterShows::Idle);
        f.update(&b, t(9, 6));
        assert!(f.asking().is_none(), "the same finish is not asked again");

        b.apply(&call(4, "A-002", t(9, 7)));
        f.update(&b, t(9, 7));
        b.apply(&done(5, "A-002", false, t(9, 8)));
        f.update(&b, t(9, 8));
        assert!(f.asking().is_none(), "a no-show is not rated");

        b.apply(&call(6, "A-003", t(9, 9)));
        f.update(&b, t(9, 9));
        b.apply(&done(7, "A-003", true, t(9, 10)));
        f.update(&b, t(9, 10));
        assert!(f.asking().is_some());
        assert!(!f.tick(t(9, 10) + Duration::seconds(29)));
        assert!(f.tick(t(9, 10) + Duration::seconds(30)), "unanswered: back after ask_for");

        b.apply(&call(8, "A-004", t(9, 11)));
        f.update(&b, t(9, 11));
        b.apply(&done(9, "A-004", true, t(9, 12)));
        f.update(&b, t(9, 12));
        b.apply(&call(10, "A-005", t(9, 12)));
        assert!(f.update(&b, t(9, 12)));
        assert!(f.asking().is_none(), "the next citizen was called");

        b.apply(&call(11, "A-006", t(9, 13)));
        f.update(&b, t(9, 13));
        b.apply(&done(12, "A-006", true, t(9, 13)));
        f.update(&b, t(9, 20));
        assert!(f.asking().is_none(), "a finish replayed minutes later is not asked about");

        let mut off = CounterFlow::new(2, None);
        off.update(&board(), t(9, 0));
        off.update(&b, t(9, 13));
        assert!(off.asking().is_none(), "ratings off");
    }
}
