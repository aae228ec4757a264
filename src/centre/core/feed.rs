//! The event feed: live events from the writer's broadcast, and a gap-free
//! stream that replays the stored log for a client that resumes.

use super::{Centre, CentreError};
use crate::centre::api::*;
use crate::store::events;
use crate::store::from_ms;
use futures_util::Stream;
use rusqlite::Connection;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events replayed per database read when a client resumes.
const REPLAY_PAGE: usize = 1000;
/// Live events buffered per subscriber before it must catch up from the database.
pub(super) const BROADCAST_CAPACITY: usize = 1024;

impl Centre {
    /// Stored events with id above `after`, oldest first.
    pub async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<CentreEvent>, CentreError> {
        self.read(move |c, _, _, _| load_events(c, after, limit)).await
    }

    /// `(oldest kept id, last id)` of the event log.
    pub async fn event_range(&self) -> Result<(Option<u64>, u64), CentreError> {
        self.read(|c, _, _, _| {
            let (min, max) = events::event_id_range(c)?;
            Ok((min.map(|m| m as u64), max as u64))
        })
        .await
    }

    /// Live events only (no replay); see [`Centre::feed`] for a gap-free stream.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CentreEvent>> {
        self.engine.events.subscribe()
    }

    /// A gap-free event stream: with `last_event_id`, first every stored event
    /// after it, then live events; without, live events from now. Never skips
    /// an id: a subscriber that falls behind catches up from the database. If
    /// the log no longer holds what the client missed, a `Resync` comes first.
    pub fn feed(&self, last_event_id: Option<u64>) -> impl Stream<Item = FeedItem> + Send + 'static {
        let st = FeedState {
            centre: self.clone(),
            rx: self.subscribe(),
            last: 0,
            start: Some(last_event_id),
            backlog: VecDeque::new(),
            more_in_db: false,
        };
        futures_util::stream::unfold(st, |mut st| async move {
            let item = st.next().await?;
            Some((item, st))
        })
    }
}

struct FeedState {
    centre: Centre,
    rx: broadcast::Receiver<Arc<CentreEvent>>,
    /// Id of the last event handed out.
    last: u64,
    /// `Some(resume point)` until the stream has started.
    start: Option<Option<u64>>,
    backlog: VecDeque<FeedItem>,
    more_in_db: bool,
}

impl FeedState {
    async fn fill_from_db(&mut self) -> Option<()> {
        match self.centre.events_after(self.last, REPLAY_PAGE).await {
            Ok(evs) => {
                self.more_in_db = evs.len() == REPLAY_PAGE;
                self.backlog.extend(evs.into_iter().map(|e| FeedItem::Event(Arc::new(e))));
                Some(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed; closing the stream");
                None
            }
        }
    }

    async fn next(&mut self) -> Option<FeedItem> {
        if let Some(start) = self.start.take() {
            let (min, max) = self.centre.event_range().await.ok()?;
            match start {
                None => self.last = max,
                Some(id) => {
                    let pruned = match min {
                        Some(m) => id + 1 < m,
                        None => id < max,
                    };
                    if id > max || pruned {
                        self.last = max;
                        self.backlog.push_back(FeedItem::Resync(ResyncData { last_event_id: max }));
                    } else {
                        self.last = id;
                        self.fill_from_db().await?;
                    }
                }
            }
        }
        loop {
            if let Some(item) = self.backlog.pop_front() {
                if let FeedItem::Event(ev) = &item {
                    if ev.id <= self.last {
                        continue;
                    }
                    self.last = ev.id;
                }
                return Some(item);
            }
            if self.more_in_db {
                self.fill_from_db().await?;
                continue;
            }
            match self.rx.recv().await {
                Ok(ev) if ev.id <= self.last => continue,
                Ok(ev) if ev.id == self.last + 1 => {
                    self.last = ev.id;
                    return Some(FeedItem::Event(ev));
                }
                Ok(ev) => {
                    // A gap: events committed before we subscribed, or missed. The
                    // database has them (it is written before the broadcast).
                    self.fill_from_db().await?;
                    if self.backlog.is_empty() {
                        self.last = ev.id;
                        return Some(FeedItem::Event(ev));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.fill_from_db().await?;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn load_events(c: &Connection, after: u64, limit: usize) -> Result<Vec<CentreEvent>, CentreError> {
    let rows = events::events_after(c, after as i64, limit)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match EventBody::from_parts(&r.kind, &r.data) {
            Ok(body) => out.push(CentreEvent { id: r.id as u64, at: from_ms(r.at), body }),
            Err(e) => {
                tracing::warn!(id = r.id, kind = %r.kind, error = %e, "skipping an unreadable stored event")
            }
        }
    }
    Ok(out)
}
