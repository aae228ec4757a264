//! `GET /api/v1/events` (Server-Sent Events, resumable with `Last-Event-ID`)
//! and `GET /api/v1/state` (the snapshot to start from or resync with).

use super::{AppState, HttpError};
use crate::centre::api::{FeedItem, StateSnapshot};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// What EventSource clients should wait before reconnecting.
const RETRY: Duration = Duration::from_secs(2);
/// An open stream checks its token again this often: a revoked device's
/// stream ends within this time.
pub(super) const REAUTH_EVERY: Duration = Duration::from_secs(5);

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(events)).route("/api/v1/state", get(state))
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    /// For clients that cannot set headers; `Last-Event-ID` wins when both are given.
    last_event_id: Option<String>,
}

/// An event id as docs/openapi.yaml states it: 1 to 19 digits (always a u64).
fn parse_id(s: &str) -> Result<u64, HttpError> {
    let digits = (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| s.parse().ok())
        .flatten()
        .ok_or_else(|| HttpError::bad_request(format!("Last-Event-ID `{s}` is not an event id")))
}

fn to_sse(item: FeedItem) -> Event {
    match item {
        FeedItem::Event(ev) => {
            let data = serde_json::to_string(&*ev).expect("events serialise");
            Event::default().id(ev.id.to_string()).event(ev.body.kind()).data(data)
        }
        FeedItem::Resync(r) => {
            Event::default().event("resync").data(serde_json::to_string(&r).expect("resync serialises"))
        }
    }
}

async fn events(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, HttpError> {
    let header_id = headers.get("last-event-id").map(|v| v.to_str().unwrap_or("?").to_string());
    // Both are checked; the header wins when both are given.
    let parse = |s: Option<String>| s.filter(|s| !s.is_empty()).map(|s| parse_id(&s)).transpose();
    let (from_query, from_header) = (parse(q.last_event_id)?, parse(header_id)?);
    let last_id = from_header.or(from_query);
    let Some(slot) = st.limits.open_stream(&headers) else {
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            "this device already has the most event streams open (limits.streams_per_device)",
        );
        e.retry_after = Some(5);
        return Err(e);
    };
    let mut stop = st.shutdown.clone();
    let st2 = st.clone();
    let stopped = async move {
        let shutdown = async {
            let _ = stop.wait_for(|v| *v).await;
        };
        // A revoked token or an ended session ends the stream (a database error does not).
        let revoked = async {
            loop {
                tokio::time::sleep(REAUTH_EVERY).await;
                if let Ok(false) = still_signed_in(&st2, &headers).await {
                    tracing::info!("event stream ended: its token was revoked or its session ended");
                    break;
                }
            }
        };
        tokio::select! {
            _ = shutdown => {}
            _ = revoked => {}
        }
    };
    let head = futures_util::stream::once(async { Event::default().retry(RETRY) });
    // The slot lives as long as the stream: dropped when the device goes away.
    let stream = head
        .chain(st.centre.feed(last_id).map(to_sse))
        .map(move |ev| {
            let _ = &slot;
            Ok(ev)
        })
        .take_until(stopped);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(st.keep_alive).text("keep-alive")))
}

/// Whether the stream's credentials still hold: its device token, else the
/// officer's session cookie (browser consoles have no token).
async fn still_signed_in(st: &AppState, headers: &HeaderMap) -> Result<bool, HttpError> {
    if super::auth::bearer(headers).is_some() {
        return Ok(st.auth.authenticate(headers).await?.is_some());
    }
    Ok(super::officer::session_of(st, headers).await?.is_some())
}

async fn state(State(st): State<AppState>) -> Result<Json<StateSnapshot>, HttpError> {
    Ok(Json(st.centre.state().await?))
}
