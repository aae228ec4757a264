//! The centre's HTTP API v1 (axum). One file per resource; each exposes the
//! routes it owns, and [`router`] mounts them behind the authorization of
//! `auth.rs` (who is calling, and may they).
//! Dossiers (`dossiers.rs`) and ratings (`ratings.rs`) follow the same
//! pattern; a catalog resource will slot in the same way (`catalog.rs`).
//!
//! Every error is JSON `{"code": "...", "message": "..."}` with a fitting status,
//! unknown paths and methods included.

pub mod auth;
mod catalog;
mod counters;
mod dossiers;
mod events;
mod kiosks;
mod ratings;
mod services;
mod tickets;

use crate::centre::api::ApiError;
use crate::centre::core::{Centre, CentreError};
use crate::config::Config;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Largest request body accepted (a ticket request is well under 1 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How the server runs, apart from the centre itself.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Devices the config declares (the `devices` table adds more at run time).
    pub devices: Vec<auth::ConfiguredDevice>,
    /// Interval of SSE keep-alive comments (proxies and NATs drop silent connections).
    pub keep_alive: Duration,
    /// Data directory whose procedure catalog kiosks download (`GET /api/v1/catalog`).
    pub catalog_dir: Option<std::path::PathBuf>,
}

impl ServerOptions {
    /// Devices from the config (see [`auth::configured_devices`]).
    pub fn from_config(cfg: &Config) -> ServerOptions {
        ServerOptions {
            devices: auth::configured_devices(cfg),
            keep_alive: Duration::from_secs(15),
            catalog_dir: Some(cfg.data_dir()),
        }
    }
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub centre: Centre,
    auth: Arc<auth::Authenticator>,
    pub keep_alive: Duration,
    /// Becomes `true` when the server shuts down; long-lived streams end then.
    pub shutdown: watch::Receiver<bool>,
    pub catalog_dir: Option<Arc<std::path::PathBuf>>,
}

/// An API error response.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub body: ApiError,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        HttpError { status, body: ApiError { code: code.into(), message: message.into(), next_open: None } }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.status, [(header::CACHE_CONTROL, "no-store")], Json(self.body)).into_response()
    }
}

impl From<CentreError> for HttpError {
    fn from(e: CentreError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        HttpError { status, body: e.to_api() }
    }
}

/// `Json` with JSON error bodies for malformed requests.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let status = rej.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "bad_request",
                };
                let status =
                    if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
                Err(HttpError::new(status, code, rej.body_text()))
            }
        }
    }
}

/// `Query` with JSON error bodies for malformed query strings.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(HttpError::bad_request(rej.body_text())),
        }
    }
}

async fn not_found() -> HttpError {
    HttpError::new(StatusCode::NOT_FOUND, "not_found", "no such API path")
}

async fn method_not_allowed() -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method",
    )
}

async fn health(State(st): State<AppState>) -> Json<crate::centre::api::Health> {
    Json(st.centre.health().await)
}

/// The API router for a centre.
pub(crate) fn router(state: AppState) -> Router {
    let protected = Router::new()
        .merge(services::routes())
        .merge(tickets::routes())
        .merge(counters::routes())
        .merge(events::routes())
        .merge(kiosks::routes())
        .merge(dossiers::routes())
        .merge(ratings::routes())
        .merge(catalog::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authorize));
    Router::new()
        .route("/api/v1/health", axum::routing::get(health))
        .merge(tickets::public_routes())
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Opens the built-in centre from the config and serves it on `listener` until
/// `shutdown` completes.
pub async fn serve(
    cfg: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let centre = Centre::open(&cfg)?;
    serve_centre(centre, ServerOptions::from_config(&cfg), listener, shutdown).await
}

/// Serves an already open centre (the same handle can serve a kiosk in process).
pub async fn serve_centre(
    centre: Centre,
    opts: ServerOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let auth = Arc::new(auth::Authenticator::new(opts.devices, centre.clone()));
    if !auth.any_device().await {
        tracing::warn!(
            "no device can use the API yet: set centre.token or add one with `motcua-kiosk devices add`"
        );
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState {
        centre: centre.clone(),
        auth,
        keep_alive: opts.keep_alive,
        shutdown: stop_rx,
        catalog_dir: opts.catalog_dir.map(Arc::new),
    };
    let app = router(state);
    let ticker = tokio::spawn(midnight_ticker(centre));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "centre API listening");
    }
    // Small SSE writes must leave at once (Nagle would hold them for an ACK).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await;
    ticker.abort();
    result.map_err(Into::into)
}

/// Wakes the centre just after each local midnight so the day rollover is
/// announced even when nobody takes a ticket (re-checks every minute in case
/// the clock jumps).
async fn midnight_ticker(centre: Centre) {
    loop {
        let wait = centre.until_midnight().min(Duration::from_secs(60)) + Duration::from_millis(50);
        tokio::time::sleep(wait).await;
        if let Err(e) = centre.tick().await {
            tracing::warn!(error = %e, "rollover check failed");
        }
    }
}

/// Parses a counter number from the path.
pub(crate) fn counter_number(s: &str) -> Result<u32, HttpError> {
    s.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
        HttpError::new(StatusCode::NOT_FOUND, "unknown_counter", format!("`{s}` is not a counter number"))
    })
}
