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
    state: Arc<RemoteState>,
}

/// What the link's handles share with the sync task: the HTTP client, the
/// kiosk's database (outbox, offline numbers), the status the UI watches, the
/// cached service list, and the task itself (aborted with the last handle).
pub(super) struct RemoteState {
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

impl Drop for RemoteState {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }
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
        let store = Store::open(db.as_ref())?;
        let outbox_len = outbox::len(store.conn())?;
        let cache = meta::meta_get(store.conn(), SERVICES_CACHE_KEY)?
            .and_then(|s| serde_json::from_str::<ServicesResponse>(&s).ok())
            .or_else(|| super::offline::configured_services(cfg, clock.now()));
        let status = LinkStatus { mode: LinkMode::Online, since: clock.now(), outbox_len, last_error: None };
        let state = Arc::new(RemoteState {
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
        let task = tokio::spawn(sync_loop(Arc::downgrade(&state), state.wake.clone(), opts));
        *state.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(RemoteLink { state })
    }

    pub fn client(&self) -> &ApiClient {
        &self.state.client
    }

    pub fn status(&self) -> LinkStatus {
        self.state.status.borrow().clone()
    }

    /// Whether any service is known (the centre's last list, or the config's).
    pub fn has_services(&self) -> bool {
        self.state.cache().is_some_and(|c| !c.services.is_empty())
    }

    pub(super) fn watch_status(&self) -> watch::Receiver<LinkStatus> {
        self.state.status.subscribe()
    }

    /// Items the centre refused for good (kept for diagnosis).
    pub async fn dead_items(&self) -> Result<Vec<outbox::OutboxItem>, LinkError> {
        self.state.db(|c| outbox::dead(c)).await
    }

    pub(super) async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        let state = &self.state;
        if state.mode() != LinkMode::Offline {
            match state.refresh_services().await {
                Ok(r) => return Ok(r.services),
                Err(e) if e.is_connectivity() => state.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        let now = state.clock.now();
        let cache =
            state.cache().ok_or_else(|| LinkError::Unreachable("no service list cached yet".into()))?;
        Ok(cache.services.iter().map(|s| offline_view(s, &cache, now)).collect())
    }

    pub(super) async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        let state = &self.state;
        if state.mode() != LinkMode::Offline {
            // A retry of a tap that already got an offline number must not get a
            // second (online) ticket. (Offline, issue_offline checks this itself.)
            let key = req.idempotency_key.clone();
            if let Some(item) = state.db(move |c| outbox::by_key(c, &key)).await? {
                if item.kind == KIND_TICKET {
                    return state.offline_ticket_view(&parse_ticket_item(&item)?);
                }
            }
            match state.client.issue_ticket(&req.to_api(&state.kiosk_id)).await {
                Ok(t) => {
                    state.set_online();
                    return Ok(t);
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; issuing an offline number");
                    state.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        state.issue_offline(req).await
    }

    pub(super) async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        let state = &self.state;
        match state.client.dossier(code).await {
            Ok(d) => {
                state.set_online();
                Ok(d)
            }
            Err(e) => {
                if e.is_connectivity() {
                    state.set_offline(&e);
                }
                Err(e)
            }
        }
    }

    pub(super) async fn request_help(&self) -> Result<(HelpRequest, bool), LinkError> {
        let state = &self.state;
        match state.client.request_help(&state.kiosk_id).await {
            Ok(r) => {
                state.set_online();
                Ok(r)
            }
            Err(e) => {
                if e.is_connectivity() {
                    state.set_offline(&e);
                }
                Err(e)
            }
        }
    }

    /// This kiosk's queued rating under `key`, if any.
    async fn queued_rating(&self, key: String) -> Result<Option<RatingRequest>, LinkError> {
        let item = self.state.db(move |c| outbox::by_key(c, &key)).await?;
        Ok(item
            .filter(|i| i.kind == KIND_RATING && !i.dead)
            .and_then(|i| serde_json::from_str::<RatingRequest>(&i.payload).ok()))
    }

    pub(super) async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        let state = &self.state;
        let key = RatingSubmission::new(Some(ticket.clone()), RatingLevel::Satisfied)
            .idempotency_key(&state.kiosk_id);
        let queued = self.queued_rating(key).await?.is_some();
        if state.mode() != LinkMode::Offline {
            match state.client.rating_context(&ticket.query()).await {
                Ok(mut ctx) => {
                    state.set_online();
                    ctx.already_rated |= queued;
                    return Ok(RatingLookup::Found(ctx));
                }
                Err(e) if e.is_connectivity() => state.set_offline(&e),
                Err(e) => return Err(e),
            }
        }
        Ok(RatingLookup::Offline { already_queued: queued })
    }

    pub(super) async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        let state = &self.state;
        let key = sub.idempotency_key(&state.kiosk_id);
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
        let api = sub.to_api(&state.kiosk_id, state.clock.now());
        if state.mode() != LinkMode::Offline {
            match state.client.rate(&api).await {
                Ok(r) => {
                    state.set_online();
                    return Ok(RatingResult::Recorded { receipt: Some(r), queued: false });
                }
                Err(LinkError::Rejected { code, .. }) if code == "already_rated" => {
                    return Ok(RatingResult::AlreadyRated)
                }
                Err(e) if e.is_connectivity() => {
                    tracing::warn!(error = %e, "centre unreachable; the rating is queued");
                    state.set_offline(&e);
                }
                Err(e) => return Err(e),
            }
        }
        let payload = serde_json::to_string(&api).expect("rating serialises");
        let now = to_ms(state.clock.now());
        let len = state
            .db(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                outbox::push(&tx, KIND_RATING, &key, &payload, now)?;
                let len = outbox::len(&tx)?;
                tx.commit()?;
                Ok(len)
            })
            .await?;
        state.set_outbox_len(len);
        state.wake.notify_one();
        Ok(RatingResult::Recorded { receipt: None, queued: true })
    }

    pub(super) async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        let state = &self.state;
        let req = HeartbeatRequest {
            printer_status: health.printer_status.clone(),
            scanner_connected: health.scanner_connected,
            outbox_len: state.status.borrow().outbox_len,
            app_version: health.app_version.clone(),
            sent_at: Some(state.clock.now()),
            alerts: health.alerts.clone(),
            clock: Some(state.clock.now()),
            pin_failures: health.pin_failures,
            pin_locked_until: health.pin_locked_until,
        };
        let payload = serde_json::to_string(&req).expect("heartbeat serialises");
        let now = to_ms(state.clock.now());
        let len = state
            .db(move |c| {
                outbox::put_latest(c, KIND_HEARTBEAT, KIND_HEARTBEAT, &payload, now)?;
                outbox::len(c)
            })
            .await?;
        state.set_outbox_len(len);
        state.wake.notify_one();
        Ok(())
    }
}

impl RemoteState {
    pub(super) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, LinkError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(guard.conn_mut()).map_err(LinkError::from)
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
