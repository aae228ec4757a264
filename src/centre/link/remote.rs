//! The HTTP link to a centre, with offline numbers and an outbox when the
//! centre cannot be reached (see the module comment of [`super`]).

use super::offline::{offline_view, parse_ticket_item};
use super::sync::sync_loop;
use super::{DeviceHealth, LinkMode, LinkOptions, LinkStatus, KIND_HEARTBEAT, KIND_RATING, KIND_TICKET};
use super::{RatingLookup, RatingResult, RatingSubmission, TicketRef, TicketRequest, SERVICES_CACHE_KEY};
use crate::centre::api::*;
use crate::centre::client::{ApiClient, LinkError};
use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::rating::RatingLevel;
use crate::store::{meta, outbox, to_ms, Store, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{watch, Notify};

/// The HTTP link with offline numbers and an outbox.
#[derive(Clone)]
pub struct RemoteLink {
    inner: Arc<RemoteInner>,
}

pub(super) struct RemoteInner {
    pub(super) client: ApiClient,
    pub(super) kiosk_id: String,
    pub(super) range: (u32, u32),
    pub(super) store: Arc<Mutex<Store>>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) status: watch::Sender<LinkStatus>,
    pub(super) wake: Arc<Notify>,
    pub(super) cache: Mutex<Option<ServicesResponse>>,
    pub(super) last_refresh: Mutex<Option<Instant>>,
    pub(super) task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for RemoteInner {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }
}

pub(super) fn local_err(e: StoreError) -> LinkError {
    LinkError::Local(e.to_string())
}

impl RemoteLink {
    /// Opens the kiosk database at `db` and starts the sync task (inside a Tokio runtime).
    pub fn open(
        cfg: &Config,
        db: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        opts: LinkOptions,
    ) -> Result<RemoteLink, LinkError> {
        let client = ApiClient::from_config(cfg)?;
        let store = Store::open(db.as_ref()).map_err(local_err)?;
        let outbox_len = outbox::len(store.conn()).map_err(local_err)?;
        let cache = meta::meta_get(store.conn(), SERVICES_CACHE_KEY)
            .map_err(local_err)?
            .and_then(|s| serde_json::from_str::<ServicesResponse>(&s).ok());
        let status = LinkStatus { mode: LinkMode::Online, since: clock.now(), outbox_len, last_error: None };
        let inner = Arc::new(RemoteInner {
            client,
            kiosk_id: cfg.kiosk.id.clone(),
            range: (cfg.offline.range_start, cfg.offline.range_end),
            store: Arc::new(Mutex::new(store)),
            clock,
            status: watch::channel(status).0,
            wake: Arc::new(Notify::new()),
            cache: Mutex::new(cache),
            last_refresh: Mutex::new(None),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(sync_loop(Arc::downgrade(&inner), inner.wake.clone(), opts));
        *inner.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(RemoteLink { inner })
    }

    pub fn client(&self) -> &ApiClient {
        &self.inner.client
    }

    pub fn status(&self) -> LinkStatus {
        self.inner.status.borrow().clone()
    }

    pub(super) fn watch_status(&self) -> watch::Receiver<LinkStatus> {
        self.inner.status.subscribe()
    }

    /// Items the centre refused for good (kept for diagnosis).
    pub async fn dead_items(&self) -> Result<Vec<outbox::OutboxItem>, LinkError> {
        self.inner.db(|c| outbox::dead(c)).await
    }

    pub(super) async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        let inner = &self.inner;
        if inner.mode() != LinkMode::Offline {
            match inner.refresh_services().await {
                Ok(r) => return Ok(r.services),
                Err(e) if e.is_connectivity() => inner.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        let now = inner.clock.now();
        let cache =
            inner.cache().ok_or_else(|| LinkError::Unreachable("no service list cached yet".into()))?;
        Ok(cache.services.iter().map(|s| offline_view(s, &cache, now)).collect())
    }

    pub(super) async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        let inner = &self.inner;
        if inner.mode() != LinkMode::Offline {
            // A retry of a tap that already got an offline number must not get a
            // second (online) ticket. (Offline, issue_offline checks this itself.)
            let key = req.idempotency_key.clone();
            if let Some(item) = inner.db(move |c| outbox::by_key(c, &key)).await? {
                if item.kind == KIND_TICKET {
                    return inner.offline_ticket_view(&parse_ticket_item(&item).map_err(local_err)?);
                }
            }
            match inner.client.issue_ticket(&req.to_api(&inner.kiosk_id)).await {
                Ok(t) => {
                    inner.set_online();
                    return Ok(t);
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; issuing an offline number");
                    inner.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        inner.issue_offline(req).await
    }

    pub(super) async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        let inner = &self.inner;
        match inner.client.dossier(code).await {
            Ok(d) => {
                inner.set_online();
                Ok(d)
            }
            Err(e) => {
                if e.is_connectivity() {
                    inner.set_offline(&e);
                }
                Err(e)
            }
        }
    }

    /// This kiosk's queued rating under `key`, if any.
    async fn queued_rating(&self, key: String) -> Result<Option<RatingRequest>, LinkError> {
        let item = self.inner.db(move |c| outbox::by_key(c, &key)).await?;
        Ok(item
            .filter(|i| i.kind == KIND_RATING && !i.dead)
            .and_then(|i| serde_json::from_str::<RatingRequest>(&i.payload).ok()))
    }

    pub(super) async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        let inner = &self.inner;
        let key = RatingSubmission::new(Some(ticket.clone()), RatingLevel::Satisfied)
            .idempotency_key(&inner.kiosk_id);
        let queued = self.queued_rating(key).await?.is_some();
        if inner.mode() != LinkMode::Offline {
            match inner.client.rating_context(&ticket.query()).await {
                Ok(mut ctx) => {
                    inner.set_online();
                    ctx.already_rated |= queued;
                    return Ok(RatingLookup::Found(ctx));
                }
                Err(e) if e.is_connectivity() => inner.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        Ok(RatingLookup::Offline { already_queued: queued })
    }

    pub(super) async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        let inner = &self.inner;
        let key = sub.idempotency_key(&inner.kiosk_id);
        if let Some(earlier) = self.queued_rating(key.clone()).await? {
            // Queued before: a retry of the same choice is fine, a new choice is a second rating.
            let same =
                earlier.level == sub.level && earlier.indices == sub.indices.map(|i| i.scores().to_vec());
            return Ok(if same {
                RatingResult::Recorded { receipt: None, queued: true }
            } else {
                RatingResult::AlreadyRated
            });
        }
        let api = sub.to_api(&inner.kiosk_id, inner.clock.now());
        if inner.mode() != LinkMode::Offline {
            match inner.client.rate(&api).await {
                Ok(r) => {
                    inner.set_online();
                    return Ok(RatingResult::Recorded { receipt: Some(r), queued: false });
                }
                Err(LinkError::Rejected { code, .. }) if code == "already_rated" => {
                    return Ok(RatingResult::AlreadyRated)
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; the rating is queued");
                    inner.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        let payload = serde_json::to_string(&api).expect("rating serialises");
        let now = to_ms(inner.clock.now());
        let len = inner
            .db(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                outbox::push(&tx, KIND_RATING, &key, &payload, now)?;
                let len = outbox::len(&tx)?;
                tx.commit()?;
                Ok(len)
            })
            .await?;
        inner.set_outbox_len(len);
        inner.wake.notify_one();
        Ok(RatingResult::Recorded { receipt: None, queued: true })
    }

    pub(super) async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        let inner = &self.inner;
        let req = HeartbeatRequest {
            printer_status: health.printer_status.clone(),
            scanner_connected: health.scanner_connected,
            outbox_len: inner.status.borrow().outbox_len,
            app_version: health.app_version.clone(),
            sent_at: Some(inner.clock.now()),
        };
        let payload = serde_json::to_string(&req).expect("heartbeat serialises");
        let now = to_ms(inner.clock.now());
        let len = inner
            .db(move |c| {
                outbox::put_latest(c, KIND_HEARTBEAT, KIND_HEARTBEAT, &payload, now)?;
                outbox::len(c)
            })
            .await?;
        inner.set_outbox_len(len);
        inner.wake.notify_one();
        Ok(())
    }
}

impl RemoteInner {
    pub(super) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, LinkError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(guard.conn_mut()).map_err(local_err)
        })
        .await
        .map_err(|e| LinkError::Local(format!("storage task failed: {e}")))?
    }

    pub(super) fn mode(&self) -> LinkMode {
        self.status.borrow().mode
    }

    pub(super) fn cache(&self) -> Option<ServicesResponse> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn set_online(&self) {
        let now = self.clock.now();
        self.status.send_if_modified(|s| {
            if s.mode == LinkMode::Online {
                return false;
            }
            tracing::info!("centre reachable again");
            s.mode = LinkMode::Online;
            s.since = now;
            s.last_error = None;
            true
        });
    }

    pub(super) fn set_offline(&self, e: &LinkError) {
        let now = self.clock.now();
        let msg = e.to_string();
        let became = self.status.send_if_modified(|s| {
            let changed = s.mode != LinkMode::Offline;
            if changed {
                s.mode = LinkMode::Offline;
                s.since = now;
            }
            let err_changed = s.last_error.as_deref() != Some(msg.as_str());
            s.last_error = Some(msg.clone());
            changed || err_changed
        });
        if became {
            // Let the sync task start probing.
            self.wake.notify_one();
        }
    }

    pub(super) fn set_error(&self, e: &LinkError) {
        let msg = e.to_string();
        self.status.send_if_modified(|s| {
            let changed = s.last_error.as_deref() != Some(msg.as_str());
            s.last_error = Some(msg.clone());
            changed
        });
    }

    pub(super) fn set_outbox_len(&self, len: u32) {
        self.status.send_if_modified(|s| {
            let changed = s.outbox_len != len;
            s.outbox_len = len;
            changed
        });
    }

    pub(super) async fn refresh_services(&self) -> Result<ServicesResponse, LinkError> {
        let r = self.client.services().await?;
        self.set_online();
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(r.clone());
        *self.last_refresh.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let json = serde_json::to_string(&r).expect("services serialise");
        self.db(move |c| meta::meta_set(c, SERVICES_CACHE_KEY, &json)).await?;
        Ok(r)
    }
}
