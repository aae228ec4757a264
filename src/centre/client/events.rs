//! The event stream (Server-Sent Events): one connection, and a follower that
//! reconnects and resumes from the last id it saw.

use super::{ApiClient, LinkError, MAX_RESPONSE_BYTES};
use crate::centre::api::*;
use crate::centre::sse::{SseError, SseParser};
use reqwest::StatusCode;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

impl ApiClient {
    /// Opens the event stream, resuming after `last_event_id` when given.
    pub async fn events(&self, last_event_id: Option<u64>) -> Result<EventStream, LinkError> {
        let mut rb = self
            .stream_http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(&*self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let resp = rb.send().await.map_err(|e| LinkError::from_reqwest(&e))?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.bytes().await.unwrap_or_default();
            return Err(match serde_json::from_slice::<ApiError>(&body) {
                Ok(e) => LinkError::from_api(status, e),
                Err(_) if status == StatusCode::UNAUTHORIZED => LinkError::Unauthorized,
                Err(_) => LinkError::BadResponse(format!("HTTP {status}")),
            });
        }
        Ok(EventStream {
            resp,
            parser: SseParser::new(MAX_RESPONSE_BYTES),
            ready: VecDeque::new(),
            last_event_id,
        })
    }

    /// Follows the event stream forever: reconnects (0.5 s, doubling to 5 s)
    /// and resumes from the last id seen, so the receiver misses nothing. Ends
    /// when the receiver is dropped. A `Resync` item means: fetch `state()`.
    pub fn follow_events(&self, last_event_id: Option<u64>) -> tokio::sync::mpsc::Receiver<FeedItem> {
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let client = self.clone();
        tokio::spawn(async move {
            let mut last = last_event_id;
            let mut backoff = Duration::from_millis(500);
            loop {
                match client.events(last).await {
                    Ok(mut stream) => {
                        backoff = Duration::from_millis(500);
                        while let Some(item) = stream.next().await {
                            match item {
                                Ok(item) => {
                                    if let FeedItem::Event(ev) = &item {
                                        last = Some(ev.id);
                                    }
                                    if let FeedItem::Resync(r) = &item {
                                        last = Some(r.last_event_id);
                                    }
                                    if tx.send(item).await.is_err() {
                                        return;
                                    }
                                }
                                Err(e) => {
                                    tracing::info!(error = %e, "event stream broke; reconnecting");
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::info!(error = %e, "event stream unavailable; retrying"),
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
        rx
    }
}

/// An open event stream.
pub struct EventStream {
    resp: reqwest::Response,
    parser: SseParser,
    ready: VecDeque<FeedItem>,
    last_event_id: Option<u64>,
}

impl EventStream {
    /// The next event; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<FeedItem, LinkError>> {
        self.next_inner(None).await
    }

    /// The next event, or `Err(LinkError::Timeout)` when nothing at all (not
    /// even a keep-alive comment) arrived for `silence`: the connection is
    /// dead even if TCP has not noticed yet. `None` when the server closed it.
    pub async fn next_within(&mut self, silence: Duration) -> Option<Result<FeedItem, LinkError>> {
        self.next_inner(Some(silence)).await
    }

    async fn next_inner(&mut self, silence: Option<Duration>) -> Option<Result<FeedItem, LinkError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            let chunk = match silence {
                Some(d) => match tokio::time::timeout(d, self.resp.chunk()).await {
                    Ok(r) => r,
                    Err(_) => return Some(Err(LinkError::Timeout)),
                },
                None => self.resp.chunk().await,
            };
            let chunk = match chunk {
                Ok(Some(c)) => c,
                Ok(None) => return None,
                Err(e) => return Some(Err(LinkError::from_reqwest(&e))),
            };
            let msgs = match self.parser.push(&chunk) {
                Ok(m) => m,
                Err(e @ (SseError::TooLarge(_) | SseError::NotUtf8)) => {
                    return Some(Err(LinkError::BadResponse(e.to_string())))
                }
            };
            for m in msgs {
                match m.event.as_str() {
                    "resync" => match serde_json::from_str::<ResyncData>(&m.data) {
                        Ok(r) => self.ready.push_back(FeedItem::Resync(r)),
                        Err(e) => return Some(Err(LinkError::BadResponse(format!("resync event: {e}")))),
                    },
                    _ => match serde_json::from_str::<CentreEvent>(&m.data) {
                        Ok(ev) => {
                            self.last_event_id = Some(ev.id);
                            self.ready.push_back(FeedItem::Event(Arc::new(ev)));
                        }
                        // An event kind from a newer centre: skip it, keep the stream.
                        Err(e) => tracing::debug!(event = %m.event, error = %e, "skipping an unknown event"),
                    },
                }
            }
        }
    }

    /// Id of the last event received (resume from it).
    pub fn last_event_id(&self) -> Option<u64> {
        self.last_event_id
    }

    /// Keep-alive comments received so far.
    pub fn keep_alives(&self) -> u64 {
        self.parser.comments
    }
}
