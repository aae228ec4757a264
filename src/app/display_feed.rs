//! The display board's link to the centre: one tokio task that keeps a
//! [`BoardState`] equal to the centre's queue, and tells a [`FeedObserver`]
//! (the UI, a test, the benchmark) after every change.
//!
//! * Start: `GET /api/v1/state` (full resync: counters, recent calls, waiting,
//!   last event id) and `GET /api/v1/services` (names), then
//!   `GET /api/v1/events` with `Last-Event-ID`, each event mapped to a
//!   [`BoardEvent`] and applied. Nothing is polled: when the queue is quiet the
//!   task sleeps until the next byte (a keep-alive every 15 s).
//! * Lost link (error, end of stream, or no byte at all — keep-alives included —
//!   for [`FeedOptions::silence_timeout`]): reconnect with exponential backoff
//!   and jitter (bounded by [`FeedOptions::backoff_max`]) and resume from the
//!   last applied id, so the centre replays exactly what was missed. The board
//!   shows "disconnected since HH:MM" once a reconnect attempt fails (a server
//!   restart that reconnects at the first try shows nothing), or at once when
//!   the link fell silent; the mark clears when the stream is open again.
//! * Full resync again when the centre says so (a `resync` event: the log no
//!   longer holds what was missed, or the id is from another database), when
//!   the first event after a reconnect skips ids, or when the centre refuses
//!   the resume point. The reducer ignores ids already applied, so a call is
//!   never shown or announced twice.
//! * Day rollover: the centre's `day_rollover` clears the board. If the link
//!   is down at midnight, the board clears yesterday's numbers itself
//!   [`FeedOptions::rollover_grace`] after local midnight (centre time).
//! * Announcements: a call or recall applied from the stream is announced when
//!   it is at most [`FeedOptions::announce_max_age`] old (centre time), so a
//!   long outage replayed does not read out stale calls. A resync never
//!   announces.

use crate::centre::api::{CentreEvent, CounterState, EventBody, FeedItem, StateSnapshot};
use crate::centre::{ApiClient, LinkError};
use crate::config::Config;
use crate::domain::announce::Announcement;
use crate::domain::board::{BoardEvent, BoardFilter, BoardState, Desk, Effect, ServiceNames};
use crate::domain::clock::Clock;
use crate::domain::counter_screen::OpeningHours;
use crate::domain::localtime::{day_start_utc, service_day};
use crate::domain::queue_rules::Schedule;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a feed behaves; [`FeedOptions::from_config`] gives the production values.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    pub filter: BoardFilter,
    pub max_recent: usize,
    /// First reconnect delay; doubles per failure up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// No byte for this long (the centre sends a keep-alive every 15 s): the link is dead.
    pub silence_timeout: Duration,
    /// Older calls are shown but not read out.
    pub announce_max_age: Duration,
    /// How long after local midnight a board that heard nothing from the
    /// centre clears yesterday's numbers itself.
    pub rollover_grace: Duration,
}

impl FeedOptions {
    pub fn from_config(cfg: &Config) -> Self {
        FeedOptions {
            filter: BoardFilter {
                counters: cfg.display.counters.clone(),
                services: cfg.display.services.clone(),
            },
            max_recent: cfg.display.recent_calls as usize,
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            silence_timeout: Duration::from_secs(45),
            announce_max_age: Duration::from_secs(90),
            rollover_grace: Duration::from_secs(120),
        }
    }
}

/// What the board shows now.
#[derive(Debug, Clone, Copy)]
pub struct FeedView<'a> {
    pub board: &'a BoardState,
    /// `None` while connected; when the link was lost otherwise.
    pub disconnected_since: Option<DateTime<Utc>>,
    /// Service code → (Vietnamese name, prefix).
    pub names: &'a Arc<ServiceNames>,
    /// The centre's service day, once known.
    pub service_day: Option<NaiveDate>,
    /// Opening hours of the services (closed vs idle counters).
    pub hours: &'a Arc<OpeningHours>,
    /// Service code → English name (screens in English).
    pub names_en: &'a Arc<BTreeMap<String, String>>,
    /// The centre's clock minus this device's (from the last snapshot).
    pub skew: chrono::Duration,
}

/// Receives the board after every change, on the feed's task: keep it short
/// (the UI observer copies the state and posts one redraw to the UI thread).
pub trait FeedObserver: Send + Sync + 'static {
    fn update(&self, view: &FeedView<'_>);
    /// A call to read out (chime and voice).
    fn announce(&self, call: Announcement);
}

/// The running feed; dropping it stops the task.
pub struct FeedHandle {
    task: tokio::task::JoinHandle<()>,
}

impl FeedHandle {
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for FeedHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a feed on `rt`.
pub fn spawn(
    rt: &tokio::runtime::Handle,
    client: ApiClient,
    opts: FeedOptions,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn FeedObserver>,
) -> FeedHandle {
    let feed = Feed::new(client, opts, clock, observer);
    FeedHandle { task: rt.spawn(feed.run()) }
}

/// A centre event as the board sees it. `today` is the centre's service day
/// as known to the board: an offline ticket of an earlier day synced late
/// carries that day's waiting count, not today's, so it is ignored.
pub fn board_event(ev: &CentreEvent, today: Option<NaiveDate>) -> Option<BoardEvent> {
    let id = ev.id;
    Some(match &ev.body {
        EventBody::TicketIssued(d) => {
            if today.is_some_and(|t| service_day(d.issued_at) < t) {
                return None;
            }
            BoardEvent::Waiting { id, service: d.service.clone(), waiting: d.waiting }
        }
        EventBody::TicketCalled(d) => BoardEvent::Called {
            id,
            ticket: d.number.clone(),
            counter: d.counter,
            service: d.service.clone(),
            at: d.called_at,
        },
        EventBody::TicketRecalled(d) => BoardEvent::Recalled {
            id,
            ticket: d.number.clone(),
            counter: d.counter,
            service: d.service.clone(),
            at: d.called_at,
        },
        EventBody::TicketCompleted(d) | EventBody::TicketNoShow(d) => BoardEvent::Finished {
            id,
            counter: d.counter,
            ticket: d.number.clone(),
            service: d.service.clone(),
            served: matches!(ev.body, EventBody::TicketCompleted(_)),
            at: ev.at,
        },
        EventBody::CounterState(v) => BoardEvent::CounterState {
            id,
            counter: v.number,
            services: v.services.clone(),
            paused: v.state == CounterState::Paused,
            desk: desk(v),
        },
        EventBody::DayRollover(d) => BoardEvent::DayRollover { id, day: d.day },
        // The ticket waits again in `service`; its old counter's state follows.
        EventBody::TicketTransferred(d) => {
            BoardEvent::Waiting { id, service: d.service.clone(), waiting: d.waiting }
        }
        EventBody::TicketStarted(d) => {
            BoardEvent::Started { id, counter: d.counter, ticket: d.number.clone() }
        }
        EventBody::Device(_) | EventBody::HelpRequested(_) | EventBody::HelpResolved(_) => return None,
    })
}

/// The ticket at a counter's desk, as the centre reports it.
fn desk(v: &crate::centre::api::CounterView) -> Option<Desk> {
    v.current.as_ref().map(|c| Desk {
        ticket: c.number.clone(),
        service: c.service.clone(),
        started: c.started_at.is_some(),
    })
}

/// Opening hours from the centre's service list.
pub fn opening_hours(s: &crate::centre::api::ServicesResponse) -> OpeningHours {
    OpeningHours {
        always_open: s.always_open,
        services: s.services.iter().map(|x| (x.code.clone(), Schedule::new(&x.hours, &x.days))).collect(),
    }
}

/// The board for a state snapshot: the counters (those the filter keeps), the
/// recent calls with the newest highlighted, each tile with its counter's last
/// call (or the ticket at its desk), paused counters, waiting per service, and
/// the snapshot's last event id to resume from.
pub fn board_from_snapshot(s: &StateSnapshot, filter: BoardFilter, max_recent: usize) -> BoardState {
    let mut b = BoardState::new(filter, max_recent);
    b.set_counters_serving(s.counters.iter().map(|c| (c.number, c.services.as_slice())));
    // Oldest first, so the newest call ends up first and highlighted.
    for c in s.recent_calls.iter().rev() {
        b.apply(&BoardEvent::Called {
            id: 0,
            ticket: c.number.clone(),
            counter: c.counter,
            service: c.service.clone(),
            at: c.called_at,
        });
    }
    for c in &s.counters {
        b.apply(&BoardEvent::CounterState {
            id: 0,
            counter: c.number,
            services: c.services.clone(),
            paused: c.state == CounterState::Paused,
            desk: desk(c),
        });
        // A ticket at the desk called before the recent list begins.
        if let (Some(cur), Some(slot)) = (&c.current, b.counters.get_mut(&c.number)) {
            if slot.ticket.is_none()
                && (b.filter.services.is_empty() || b.filter.services.contains(&cur.service))
            {
                slot.ticket = Some(cur.number.clone());
                slot.service = Some(cur.service.clone());
            }
        }
    }
    for w in &s.waiting {
        b.apply(&BoardEvent::Waiting { id: 0, service: w.service.clone(), waiting: w.waiting });
    }
    b.last_event_id = s.last_event_id;
    b
}

/// Exponential backoff with jitter: each delay is drawn from [d/2, d], d
/// doubling from `min` up to `max`.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    rng: std::collections::hash_map::RandomState,
    n: u64,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Backoff { min, max: max.max(min), next: min, rng: Default::default(), n: 0 }
    }

    fn reset(&mut self) {
        self.next = self.min;
    }

    fn delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(self.max);
        self.n += 1;
        let mut h = self.rng.build_hasher();
        h.write_u64(self.n);
        let half = d / 2;
        let jitter_ns = (half.as_nanos() as u64).max(1);
        half + Duration::from_nanos(h.finish() % jitter_ns)
    }
}

/// Why a session with the centre ended.
enum End {
    /// Nothing was opened (state or stream request failed).
    Failed(LinkError),
    /// The stream was open and broke or was closed.
    Broke(String),
    /// The stream was open but fell silent.
    Silent { last_byte: DateTime<Utc> },
}

struct Feed {
    client: ApiClient,
    opts: FeedOptions,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn FeedObserver>,
    board: BoardState,
    names: Arc<ServiceNames>,
    hours: Arc<OpeningHours>,
    names_en: Arc<BTreeMap<String, String>>,
    day: Option<NaiveDate>,
    /// Centre clock minus this board's clock (from the last snapshot).
    skew: chrono::Duration,
    need_resync: bool,
    disconnected_since: Option<DateTime<Utc>>,
}

impl Feed {
    fn new(
        client: ApiClient,
        opts: FeedOptions,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn FeedObserver>,
    ) -> Self {
        let board = BoardState::new(opts.filter.clone(), opts.max_recent);
        Feed {
            client,
            opts,
            clock,
            observer,
            board,
            names: Arc::default(),
            hours: Arc::default(),
            names_en: Arc::default(),
            day: None,
            skew: chrono::Duration::zero(),
            need_resync: true,
            disconnected_since: None,
        }
    }

    fn centre_now(&self) -> DateTime<Utc> {
        self.clock.now() + self.skew
    }

    fn publish(&self) {
        self.observer.update(&FeedView {
            board: &self.board,
            disconnected_since: self.disconnected_since,
            names: &self.names,
            service_day: self.day,
            hours: &self.hours,
            names_en: &self.names_en,
            skew: self.skew,
        });
    }

    async fn run(mut self) {
        let mut backoff = Backoff::new(self.opts.backoff_min, self.opts.backoff_max);
        // When the link was lost and the board does not show it yet.
        let mut lost_at: Option<DateTime<Utc>> = None;
        // Failed attempts in a row: the first is logged as a warning, the
        // repeats (every few seconds for as long as the outage lasts) quietly.
        let mut failures = 0u64;
        loop {
            let opened_before = Instant::now();
            let (end, was_open) = self.session().await;
            if was_open {
                // The link was up again in between: an earlier loss is over.
                lost_at = None;
                failures = 0;
            }
            let mark = match &end {
                End::Failed(e) => {
                    failures += 1;
                    if failures == 1 {
                        tracing::warn!(error = %e, url = self.client.base_url(), "cannot reach the centre; retrying");
                    } else {
                        tracing::debug!(error = %e, failures, "centre still unreachable");
                    }
                    Some(lost_at.take().unwrap_or_else(|| self.clock.now()))
                }
                End::Broke(why) => {
                    tracing::info!(reason = %why, "event stream lost; reconnecting");
                    lost_at = Some(self.clock.now());
                    None
                }
                End::Silent { last_byte } => {
                    tracing::info!("event stream silent for {:?}; reconnecting", self.opts.silence_timeout);
                    Some(*last_byte)
                }
            };
            if let Some(since) = mark {
                if self.disconnected_since.is_none() {
                    self.disconnected_since = Some(since);
                    self.publish();
                }
            }
            // A stream that stayed up a while earns a fresh, short backoff.
            if was_open && opened_before.elapsed() > self.opts.backoff_max {
                backoff.reset();
            }
            let delay = backoff.delay();
            self.sleep_watching_midnight(delay).await;
        }
    }

    /// Sleeps `d`, still clearing the board at midnight if it comes meanwhile.
    async fn sleep_watching_midnight(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return,
                _ = tokio::time::sleep(self.until_rollover_check()) => self.local_rollover(),
            }
        }
    }

    /// One connection: resync if needed, open the stream, follow it until it ends.
    /// Returns how it ended and whether the stream was open.
    async fn session(&mut self) -> (End, bool) {
        if self.need_resync {
            if let Err(e) = self.resync().await {
                return (End::Failed(e), false);
            }
        }
        let mut stream = match self.client.events(Some(self.board.last_event_id)).await {
            Ok(s) => s,
            Err(e) => {
                if matches!(e, LinkError::Rejected { status: 400..=499, .. }) {
                    // The centre does not accept our resume point: start over.
                    self.need_resync = true;
                }
                return (End::Failed(e), false);
            }
        };
        if self.disconnected_since.take().is_some() {
            tracing::info!("event stream back");
        }
        self.publish();
        let mut last_byte = self.clock.now();
        let mut first_event = true;
        loop {
            let item = tokio::select! {
                item = stream.next_within(self.opts.silence_timeout) => item,
                _ = tokio::time::sleep(self.until_rollover_check()) => {
                    self.local_rollover();
                    continue;
                }
            };
            match item {
                None => return (End::Broke("closed by the centre".into()), true),
                Some(Err(LinkError::Timeout)) => return (End::Silent { last_byte }, true),
                Some(Err(e)) => return (End::Broke(e.to_string()), true),
                Some(Ok(FeedItem::Resync(r))) => {
                    tracing::info!(last_event_id = r.last_event_id, "the centre asks for a full resync");
                    if let Err(e) = self.resync().await {
                        self.need_resync = true;
                        return (End::Broke(format!("resync failed: {e}")), true);
                    }
                    first_event = false;
                }
                Some(Ok(FeedItem::Event(ev))) => {
                    if first_event && ev.id > self.board.last_event_id + 1 {
                        tracing::info!(
                            expected = self.board.last_event_id + 1,
                            got = ev.id,
                            "the stream skipped events; full resync"
                        );
                        if let Err(e) = self.resync().await {
                            self.need_resync = true;
                            return (End::Broke(format!("resync failed: {e}")), true);
                        }
                    }
                    first_event = false;
                    self.apply(&ev);
                }
            }
            last_byte = self.clock.now();
        }
    }

    /// Rebuilds the board from `GET /state` (and the names from `GET /services`).
    async fn resync(&mut self) -> Result<(), LinkError> {
        let state = self.client.state().await?;
        let services = self.client.services().await?;
        self.skew = state.server_time - self.clock.now();
        self.board = board_from_snapshot(&state, self.opts.filter.clone(), self.opts.max_recent);
        self.hours = Arc::new(opening_hours(&services));
        self.names_en =
            Arc::new(services.services.iter().map(|s| (s.code.clone(), s.name_en.clone())).collect());
        self.names = Arc::new(
            services.services.into_iter().map(|s| (s.code, (s.name_vi, s.prefix))).collect::<ServiceNames>(),
        );
        self.day = Some(state.service_day);
        self.need_resync = false;
        tracing::debug!(last_event_id = state.last_event_id, "board resynced");
        self.publish();
        Ok(())
    }

    fn apply(&mut self, ev: &CentreEvent) {
        let Some(bev) = board_event(ev, self.day) else {
            self.board.last_event_id = self.board.last_event_id.max(ev.id);
            return;
        };
        if let BoardEvent::DayRollover { day, .. } = &bev {
            self.day = Some(*day);
        }
        let at = match &bev {
            BoardEvent::Called { at, .. } | BoardEvent::Recalled { at, .. } => Some(*at),
            _ => None,
        };
        let effect = self.board.apply(&bev);
        if let (Some(Effect::Announce { ticket, counter }), Some(at)) = (effect, at) {
            let age = (self.centre_now() - at).to_std().unwrap_or_default();
            if age <= self.opts.announce_max_age {
                self.observer.announce(Announcement { ticket, counter });
            } else {
                tracing::debug!(%ticket, counter, ?age, "call too old to read out");
            }
        }
        self.publish();
    }

    /// Time until the board should check for a missed midnight (at most ten
    /// minutes, so a clock set forward is noticed).
    fn until_rollover_check(&self) -> Duration {
        let now = self.centre_now();
        let today = service_day(now);
        let grace = chrono::Duration::from_std(self.opts.rollover_grace).unwrap_or_default();
        let due = if self.day.is_some_and(|d| d < today) {
            day_start_utc(today) + grace
        } else {
            day_start_utc(today + chrono::Duration::days(1)) + grace
        };
        (due - now).to_std().unwrap_or_default().clamp(Duration::from_millis(10), Duration::from_secs(600))
    }

    /// Clears yesterday's numbers when midnight passed without word from the centre.
    fn local_rollover(&mut self) {
        let now = self.centre_now();
        let today = service_day(now);
        let grace = chrono::Duration::from_std(self.opts.rollover_grace).unwrap_or_default();
        if self.day.is_some_and(|d| d < today) && now >= day_start_utc(today) + grace {
            tracing::info!(%today, "midnight passed without the centre's rollover; clearing the board");
            self.board.apply(&BoardEvent::DayRollover { id: 0, day: today });
            self.day = Some(today);
            self.publish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::centre::api::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap()
    }

    fn counter(n: u32, svc: &str, state: CounterState, current: Option<&str>) -> CounterView {
        CounterView {
            number: n,
            services: vec![svc.into()],
            state,
            pause_reason: None,
            current: current.map(|c| CalledTicket {
                number: c.into(),
                service: svc.into(),
                priority: false,
                issued_at: t(1, 0),
                called_at: t(1, 5),
                calls: 1,
                offline: false,
                started_at: None,
            }),
            served_today: 0,
            officer: None,
        }
    }

    fn recent(number: &str, svc: &str, counter: u32, m: u32) -> RecentCall {
        RecentCall {
            number: number.into(),
            service: svc.into(),
            counter,
            called_at: t(2, m),
            calls: 1,
            status: TicketStatus::Called,
        }
    }

    fn snapshot() -> StateSnapshot {
        StateSnapshot {
            last_event_id: 42,
            service_day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            server_time: t(3, 0),
            counters: vec![
                counter(1, "HT", CounterState::Serving, Some("A-003")),
                counter(2, "HT", CounterState::Paused, None),
                counter(3, "CT", CounterState::Serving, Some("B-009")),
                counter(4, "CT", CounterState::Idle, None),
            ],
            // Newest first, as the centre sends it.
            recent_calls: vec![
                recent("A-003", "HT", 1, 30),
                recent("B-002", "CT", 4, 20),
                recent("A-001", "HT", 2, 10),
            ],
            waiting: vec![
                ServiceWaiting { service: "HT".into(), waiting: 5, waiting_priority: 1, issued_today: 9 },
                ServiceWaiting { service: "CT".into(), waiting: 2, waiting_priority: 0, issued_today: 11 },
            ],
        }
    }

    #[test]
    fn a_snapshot_becomes_the_board() {
        let b = board_from_snapshot(&snapshot(), BoardFilter::default(), 8);
        assert_eq!(b.last_event_id, 42);
        let tickets: Vec<&str> = b.recent.iter().map(|c| c.ticket.as_str()).collect();
        assert_eq!(tickets, ["A-003", "B-002", "A-001"]);
        assert!(b.is_highlighted_counter(1), "the newest call is highlighted");
        assert_eq!(b.counters[&2].ticket.as_deref(), Some("A-001"));
        assert!(b.counters[&2].paused);
        assert_eq!(
            b.counters[&3].ticket.as_deref(),
            Some("B-009"),
            "ticket at the desk, older than the list"
        );
        assert_eq!(b.counters[&4].ticket.as_deref(), Some("B-002"), "last call stays after it was served");
        assert_eq!(
            (b.waiting["HT"], b.waiting["CT"]),
            (5, 2),
            "snapshot counts, not decremented by replayed calls"
        );
    }

    #[test]
    fn a_filtered_snapshot_keeps_only_its_counters_and_services() {
        let f = BoardFilter { counters: vec![], services: vec!["CT".into()] };
        let b = board_from_snapshot(&snapshot(), f, 8);
        assert_eq!(b.counters.keys().copied().collect::<Vec<_>>(), [3, 4]);
        assert_eq!(b.recent.iter().map(|c| c.ticket.as_str()).collect::<Vec<_>>(), ["B-002"]);
        assert!(b.is_highlighted_counter(4));
        assert_eq!(b.counters[&3].ticket.as_deref(), Some("B-009"));
        assert!(!b.waiting.contains_key("HT"));
        let f = BoardFilter { counters: vec![1, 2], services: vec![] };
        let b = board_from_snapshot(&snapshot(), f, 1);
        assert_eq!(b.counters.keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(b.recent.len(), 1, "max_recent");
    }

    #[test]
    fn events_map_to_board_events() {
        let ev = |id, body| CentreEvent { id, at: t(4, 0), body };
        let call = TicketCallData {
            number: "A-023".into(),
            service: "HT".into(),
            counter: 5,
            calls: 1,
            called_at: t(4, 0),
        };
        assert_eq!(
            board_event(&ev(7, EventBody::TicketCalled(call.clone())), None),
            Some(BoardEvent::Called {
                id: 7,
                ticket: "A-023".into(),
                counter: 5,
                service: "HT".into(),
                at: t(4, 0)
            })
        );
        assert!(matches!(
            board_event(&ev(8, EventBody::TicketRecalled(call)), None),
            Some(BoardEvent::Recalled { id: 8, counter: 5, .. })
        ));
        let done = TicketDoneData { number: "A-023".into(), service: "HT".into(), counter: 5 };
        assert_eq!(
            board_event(&ev(9, EventBody::TicketNoShow(done.clone())), None),
            Some(BoardEvent::Finished {
                id: 9,
                counter: 5,
                ticket: "A-023".into(),
                service: "HT".into(),
                served: false,
                at: t(4, 0)
            })
        );
        assert!(matches!(
            board_event(&ev(14, EventBody::TicketCompleted(done)), None),
            Some(BoardEvent::Finished { served: true, .. })
        ));
        let start =
            TicketStartData { number: "A-023".into(), service: "HT".into(), counter: 5, started_at: t(4, 0) };
        assert_eq!(
            board_event(&ev(15, EventBody::TicketStarted(start)), None),
            Some(BoardEvent::Started { id: 15, counter: 5, ticket: "A-023".into() })
        );
        assert_eq!(
            board_event(&ev(10, EventBody::CounterState(counter(2, "HT", CounterState::Paused, None))), None),
            Some(BoardEvent::CounterState {
                id: 10,
                counter: 2,
                services: vec!["HT".into()],
                paused: true,
                desk: None
            })
        );
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let issued = |at| TicketIssuedData {
            number: "A-901".into(),
            service: "HT".into(),
            priority: false,
            issued_at: at,
            offline: true,
            waiting: 4,
        };
        assert_eq!(
            board_event(&ev(11, EventBody::TicketIssued(issued(t(4, 0)))), Some(today)),
            Some(BoardEvent::Waiting { id: 11, service: "HT".into(), waiting: 4 })
        );
        let yesterday = t(4, 0) - chrono::Duration::days(1);
        assert_eq!(
            board_event(&ev(12, EventBody::TicketIssued(issued(yesterday))), Some(today)),
            None,
            "yesterday's offline ticket synced today does not set today's count"
        );
        let roll = DayRolloverData { day: today, previous_day: None, expired: 0 };
        assert_eq!(
            board_event(&ev(13, EventBody::DayRollover(roll)), None),
            Some(BoardEvent::DayRollover { id: 13, day: today })
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_bounded() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let delays: Vec<Duration> = (0..8).map(|_| b.delay()).collect();
        let caps = [100, 200, 400, 800, 800, 800, 800, 800];
        for (d, cap) in delays.iter().zip(caps) {
            let cap = Duration::from_millis(cap);
            assert!(*d >= cap / 2 && *d <= cap, "{d:?} not in [{:?}, {cap:?}]", cap / 2);
        }
        assert!(delays.windows(2).any(|w| w[0] != w[1]), "jittered: {delays:?}");
        b.reset();
        assert!(b.delay() <= Duration::from_millis(100));
    }
}
