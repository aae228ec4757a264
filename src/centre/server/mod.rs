//! The centre's HTTP API v1 (axum). One file per resource; each exposes the
//! routes it owns, and [`router`] mounts them behind the authorization of
//! `auth.rs` (who is calling, and may they).
//! Dossiers (`dossiers.rs`) and ratings (`ratings.rs`) follow the same
//! pattern; a catalog resource will slot in the same way (`catalog.rs`).
//!
//! Every error is JSON `{"code": "...", "message": "..."}` with a fitting status,
//! unknown paths and methods included (`harden.rs` rewrites any that is not).
//! The connections are served by our own accept loop (`listener.rs`: caps,
//! header and idle timeouts, TLS); `limits.rs` holds the per-request limits.

pub mod auth;
mod catalog;
mod counters;
mod dossiers;
mod events;
mod harden;
mod help;
mod kiosks;
mod limits;
pub mod listener;
pub mod officer;
mod provision;
mod ratings;
mod reports;
mod services;
mod tickets;
pub mod web;

pub use self::harden::CSP;
use self::limits::{Kind, Limits};

use crate::centre::api::ApiError;
use crate::centre::core::{Centre, CentreError};
use crate::config::Config;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use std::future::Future;
use std::path::Path;
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
    /// Timeouts, caps and rate limits (`[limits]`).
    pub limits: crate::config::LimitsConfig,
    /// HTTPS (`tls.cert`, `tls.key`; read by [`serve`], or set with [`tls::server_config`]).
    ///
    /// [`tls::server_config`]: crate::centre::tls::server_config
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Live figures of the accept loop.
    pub conn_stats: Arc<listener::ConnStats>,
    /// The `sha256:` pin of the certificate served (given to provisioned devices).
    pub tls_pin: Option<String>,
}

impl ServerOptions {
    /// Devices from the config (see [`auth::configured_devices`]).
    pub fn from_config(cfg: &Config) -> ServerOptions {
        ServerOptions {
            devices: auth::configured_devices(cfg),
            keep_alive: Duration::from_secs(15),
            catalog_dir: Some(cfg.data_dir()),
            limits: cfg.limits.clone(),
            tls: None,
            conn_stats: Arc::default(),
            tls_pin: cfg
                .tls
                .serves_https()
                .then(|| crate::centre::tls::pin_of_file(Path::new(&cfg.tls.cert)).ok())
                .flatten(),
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
    /// The officer console and dashboard (`web`, `officer`).
    pub web: Arc<web::WebState>,
    pub(crate) limits: Arc<Limits>,
    /// See [`ServerOptions::tls_pin`].
    pub tls_pin: Option<Arc<str>>,
}

/// An API error response.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub body: ApiError,
    /// Seconds for a `Retry-After` header (429, 503 `busy`).
    pub retry_after: Option<u64>,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        HttpError {
            status,
            body: ApiError { code: code.into(), message: message.into(), next_open: None },
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut r = (self.status, [(header::CACHE_CONTROL, "no-store")], Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        r
    }
}

impl From<CentreError> for HttpError {
    fn from(e: CentreError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        let retry_after = (e == CentreError::Busy).then_some(1);
        HttpError { status, body: e.to_api(), retry_after }
    }
}

/// `Json` with JSON error bodies for malformed requests.
///
/// The body is read as a JSON value first and numbers like `3.0` become
/// integers before the typed read: the contract (docs/openapi.yaml) is JSON
/// Schema, where `integer` is any number with a zero fractional part, so a
/// generated client may well send `3.0` for a counter.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(rej) => {
                let status = rej.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "bad_request",
                };
                let status =
                    if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
                return Err(HttpError::new(status, code, rej.body_text()));
            }
        };
        // serde reads a struct from an array too; every body here is an object.
        if !value.is_object() {
            return Err(HttpError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the body must be a JSON object",
            ));
        }
        integral_floats_to_integers(&mut value);
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let message = format!("Failed to deserialize the JSON body into the target type: {e}");
            HttpError::new(StatusCode::BAD_REQUEST, "bad_request", message)
        })
    }
}

/// `3.0` → `3` (and `-2.0` → `-2`) everywhere in `v`; other numbers stay.
fn integral_floats_to_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) {
                // Exact in both types only inside ±2^53; larger floats stay
                // floats and fail the typed read as out of range.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if f.abs() <= EXACT {
                    *v = if f < 0.0 { Value::from(f as i64) } else { Value::from(f as u64) };
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
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

/// 200 with the centre's clock, or 503 naming what keeps it from working.
async fn health(State(st): State<AppState>) -> Response {
    let h = st.centre.health().await;
    let problems = st.centre.health_problems().await;
    if problems.is_empty() {
        return (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(h)).into_response();
    }
    let body = crate::centre::api::HealthProblem {
        code: "unhealthy".into(),
        message: problems.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; "),
        status: "unhealthy".into(),
        problems: problems.iter().map(|(c, _)| c.to_string()).collect(),
        version: h.version,
        server_time: h.server_time,
    };
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The API router for a centre.
pub(crate) fn router(state: AppState) -> Router {
    let limited = |r: Router<AppState>, kind: Kind| {
        r.route_layer(middleware::from_fn_with_state((state.clone(), kind), limits::rate_limit))
    };
    let protected = Router::new()
        .merge(services::routes())
        .merge(limited(tickets::routes(), Kind::Ticket))
        .merge(counters::routes())
        .merge(events::routes())
        .merge(kiosks::routes())
        .merge(help::routes())
        .merge(limited(dossiers::routes(), Kind::Dossier))
        .merge(limited(ratings::routes(), Kind::Rating))
        .merge(ratings::report_routes())
        .merge(catalog::routes())
        .merge(reports::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authorize));
    Router::new()
        .route("/api/v1/health", axum::routing::get(health))
        .merge(limited(tickets::public_routes(), Kind::Public))
        .merge(harden::routes())
        .merge(officer::routes())
        .merge(provision::routes())
        .merge(web::routes())
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), limits::request_timeout))
        .layer(middleware::from_fn(harden::harden))
        .with_state(state)
}

/// Opens the built-in centre from the config and serves it on `listener` until
/// `shutdown` completes.
pub async fn serve(
    cfg: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let opts = ServerOptions::serving(&cfg)?;
    let centre = Centre::open(&cfg)?;
    serve_centre(centre, opts, listener, shutdown).await
}

impl ServerOptions {
    /// The options from the config with its TLS certificate loaded (an
    /// unreadable certificate is an error before anything is served).
    pub fn serving(cfg: &Config) -> anyhow::Result<ServerOptions> {
        let mut opts = ServerOptions::from_config(cfg);
        if cfg.tls.serves_https() {
            let tls = crate::centre::tls::server_config(Path::new(&cfg.tls.cert), Path::new(&cfg.tls.key))
                .map_err(anyhow::Error::msg)?;
            opts.tls = Some(tls);
        }
        Ok(opts)
    }
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
        web: Arc::new(web::WebState::default()),
        limits: Arc::new(Limits::new(&opts.limits)),
        tls_pin: opts.tls_pin.map(Into::into),
    };
    let app = router(state);
    let ticker = tokio::spawn(midnight_ticker(centre.clone()));
    let sweeper = tokio::spawn(fleet_sweeper(centre));
    if let Ok(addr) = listener.local_addr() {
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        tracing::info!(%addr, scheme, "centre API listening");
    }
    let l = &opts.limits;
    let conn_limits = listener::ConnLimits {
        header_timeout: Duration::from_millis(l.header_timeout_ms),
        idle_timeout: Duration::from_millis(l.idle_timeout_ms),
        max_connections: l.max_connections.max(1) as usize,
        max_per_address: l.max_connections_per_address,
    };
    let result = listener::run(listener, opts.tls, app, conn_limits, opts.conn_stats, async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await;
    ticker.abort();
    sweeper.abort();
    result.map_err(Into::into)
}

/// Wakes the centre just after each local midnight so the day rollover is
/// announced even when nobody takes a ticket (re-checks every minute in case
/// the clock jumps).
/// Announces devices gone offline or back (`device` events).
async fn fleet_sweeper(centre: Centre) {
    loop {
        tokio::time::sleep(crate::centre::core::SWEEP_EVERY).await;
        if let Err(e) = centre.sweep_fleet().await {
            tracing::warn!(error = %e, "fleet sweep failed");
        }
    }
}

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
