//! The sync task: sends the outbox to the centre in order, probes the centre
//! while offline, refreshes the service list while online and idle, and backs
//! off after a failure.

use super::remote::RemoteState;
use super::{LinkMode, LinkOptions, KIND_HEARTBEAT, KIND_RATING, KIND_TICKET};
use crate::centre::api::*;
use crate::centre::client::LinkError;
use crate::store::outbox;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// What one round of the sync task achieved.
enum Step {
    /// Sent something: go on at once.
    Progress,
    /// Nothing to do.
    Idle,
    /// The centre is unreachable (or refused the device): back off.
    Failed,
}

impl RemoteState {
    /// One round of the sync task.
    async fn sync_step(&self, refresh_every: Duration) -> Step {
        let item = match self.db(|c| outbox::oldest(c)).await {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return Step::Failed;
            }
        };
        let Some(item) = item else {
            let stale = self
                .last_refresh
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none_or(|t| t.elapsed() >= refresh_every);
            if self.mode() == LinkMode::Offline || stale {
                return match self.refresh_services().await {
                    Ok(_) => Step::Idle,
                    Err(e) => {
                        if e.is_connectivity() {
                            self.set_offline(&e);
                        } else {
                            self.set_error(&e);
                        }
                        Step::Failed
                    }
                };
            }
            return Step::Idle;
        };
        let sent = match item.kind.as_str() {
            KIND_TICKET => match serde_json::from_str::<IssueTicketRequest>(&item.payload) {
                Ok(req) => self.client.issue_ticket(&req).await.map(|_| ()),
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            KIND_HEARTBEAT => match serde_json::from_str::<HeartbeatRequest>(&item.payload) {
                Ok(mut req) => {
                    // Stamped as it leaves (it may have waited in the outbox),
                    // so the centre reads this kiosk's clock skew from it.
                    req.clock = Some(self.clock.now());
                    self.client.heartbeat(&self.kiosk_id, &req).await.map(|_| ())
                }
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            KIND_RATING => match serde_json::from_str::<RatingRequest>(&item.payload) {
                Ok(req) => match self.client.rate(&req).await {
                    Ok(_) => Ok(()),
                    // Rated meanwhile (at another kiosk): there is nothing left to deliver.
                    Err(LinkError::Rejected { code, .. }) if code == "already_rated" => {
                        tracing::info!(key = %item.key, "queued rating dropped: the ticket was rated meanwhile");
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(LinkError::Local(format!("unreadable outbox item: {e}"))),
            },
            other => Err(LinkError::Local(format!("unknown outbox kind `{other}`"))),
        };
        let id = item.id;
        // An item with a citizen's identity leaves no copy in the file once
        // it is gone (sent) or kept only for diagnosis (dead).
        let identity = outbox::has_identity(&item.payload);
        let forget = move |c: &rusqlite::Connection| {
            if identity && !crate::store::checkpoint_truncate(c)? {
                tracing::warn!(
                    "outbox checkpoint held up; personal data stays in the WAL until the next one"
                );
            }
            outbox::len(c)
        };
        match sent {
            Ok(()) => {
                self.set_online();
                match self
                    .db(move |c| {
                        outbox::remove(c, id)?;
                        forget(c)
                    })
                    .await
                {
                    Ok(len) => {
                        self.set_outbox_len(len);
                        Step::Progress
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot update the outbox");
                        Step::Failed
                    }
                }
            }
            // A refused token or role is fixed at the centre, not by dropping
            // the item: keep it and retry.
            Err(e)
                if e.is_connectivity() || matches!(e, LinkError::Unauthorized | LinkError::Forbidden(_)) =>
            {
                if e.is_connectivity() {
                    self.set_offline(&e);
                } else {
                    self.set_error(&e);
                }
                let msg = e.to_string();
                let _ = self.db(move |c| outbox::record_failure(c, id, &msg)).await;
                Step::Failed
            }
            Err(e) => {
                // Refused for good (unknown service, malformed item): keep it for
                // diagnosis and let the rest of the queue through.
                tracing::error!(error = %e, key = %item.key, kind = %item.kind, "centre refused an outbox item; kept as dead");
                self.set_error(&e);
                let msg = e.to_string();
                match self
                    .db(move |c| {
                        outbox::bury(c, id, &msg)?;
                        forget(c)
                    })
                    .await
                {
                    Ok(len) => {
                        self.set_outbox_len(len);
                        Step::Progress
                    }
                    Err(_) => Step::Failed,
                }
            }
        }
    }
}

pub(super) async fn sync_loop(weak: Weak<RemoteState>, wake: Arc<Notify>, opts: LinkOptions) {
    let mut backoff = opts.retry_min;
    loop {
        let step = {
            let Some(state) = weak.upgrade() else { return };
            state.sync_step(opts.refresh_every).await
        };
        let wait = match step {
            Step::Progress => {
                backoff = opts.retry_min;
                continue;
            }
            Step::Idle => {
                backoff = opts.retry_min;
                opts.refresh_every
            }
            Step::Failed => {
                let w = backoff;
                backoff = (backoff * 2).min(opts.retry_max);
                w
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}
