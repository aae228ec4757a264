//! Who is calling, and may they. Every protected request passes [`authorize`]:
//!
//! 1. The bearer token is hashed (SHA-256, see `centre::tokens`) and looked up
//!    among the config's devices and the `devices` table (read at most once a
//!    second, so a revocation takes effect within a second). Missing, unknown
//!    or revoked: `401 unauthorized`.
//! 2. The route decides the [`Action`] and, from the path, its [`Scope`] (the
//!    kiosk id of a heartbeat, the counter of a counter action) — see
//!    [`route_rule`]. A route without a rule is refused for everyone (a new
//!    endpoint must say who may use it), and so is an action outside the
//!    caller's role or scope: `403 forbidden`.
//! 3. The [`Principal`] goes into the request's extensions; handlers take it as
//!    an extractor to check what only the body tells (the kiosk id of a ticket
//!    or rating, its offline number).
//!
//! A second kind of principal (an officer's session at a counter) plugs in at
//! [`Authenticator::authenticate`] and as a variant of `Principal`.

use super::{AppState, HttpError};
use crate::centre::core::{Centre, CentreError};
use crate::centre::tokens::{parse_hash_hex, same_hash, token_hash};
use crate::config::Config;
use crate::domain::access::{Action, Denied, Device, Principal, Role, Scope};
use crate::domain::ticket::TicketNumber;
use crate::store::devices::DeviceRow;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the devices table is trusted before it is read again (the delay
/// of a revocation).
const DEVICE_CACHE_TTL: Duration = Duration::from_secs(1);
/// A device's `last_seen` is written at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Id of the admin device that `centre.token` stands for.
pub const CENTRE_ADMIN_ID: &str = "centre-admin";

/// A device declared in the config, with the hash of its token.
#[derive(Clone)]
pub struct ConfiguredDevice {
    hash: [u8; 32],
    device: Device,
}

impl std::fmt::Debug for ConfiguredDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfiguredDevice").field("device", &self.device).finish_non_exhaustive()
    }
}

impl ConfiguredDevice {
    /// A device whose token is `token`.
    pub fn new(token: &str, device: Device) -> ConfiguredDevice {
        ConfiguredDevice { hash: token_hash(token), device }
    }

    pub fn device(&self) -> &Device {
        &self.device
    }
}

/// The devices a config declares: `centre.token` as the admin, each
/// `[[centre.devices]]` with its role, and the old role-less
/// `centre.accepted_tokens` as admins (the CLI refuses those on the LAN).
/// Entries `config check` reports as broken are left out.
pub fn configured_devices(cfg: &Config) -> Vec<ConfiguredDevice> {
    let admin = |id: String| Device { id, role: Role::Admin, counters: vec![], offline_range: None };
    let mut out = Vec::new();
    if !cfg.centre.token.is_empty() {
        out.push(ConfiguredDevice::new(&cfg.centre.token, admin(CENTRE_ADMIN_ID.into())));
    }
    for (i, t) in cfg.centre.accepted_tokens.iter().filter(|t| !t.is_empty()).enumerate() {
        out.push(ConfiguredDevice::new(t, admin(format!("legacy-token-{}", i + 1))));
    }
    let centre_range = (cfg.offline.range_start, cfg.offline.range_end);
    for d in &cfg.centre.devices {
        let Some(role) = Role::parse(&d.role) else { continue };
        let hash = match (d.token.is_empty(), parse_hash_hex(&d.token_sha256)) {
            (false, _) => token_hash(&d.token),
            (true, Some(h)) => h,
            (true, None) => continue,
        };
        let offline_range = match (role, d.offline_range.as_slice()) {
            (Role::Kiosk, [a, b]) => Some((*a, *b)),
            (Role::Kiosk, _) => Some(centre_range),
            _ => None,
        };
        let counters = if role == Role::Counter { d.counters.clone() } else { vec![] };
        out.push(ConfiguredDevice {
            hash,
            device: Device { id: d.id.clone(), role, counters, offline_range },
        });
    }
    out
}

/// Finds the principal behind a token.
pub(crate) struct Authenticator {
    configured: Vec<ConfiguredDevice>,
    centre: Centre,
    table: tokio::sync::Mutex<TableCache>,
    touched: Mutex<HashMap<String, Instant>>,
}

#[derive(Default)]
struct TableCache {
    read_at: Option<Instant>,
    devices: Vec<([u8; 32], Device)>,
}

fn device_of(row: DeviceRow, centre_range: (u32, u32)) -> Option<([u8; 32], Device)> {
    let hash = parse_hash_hex(&row.token_sha256)?;
    let offline_range = (row.role == Role::Kiosk).then(|| row.offline_range.unwrap_or(centre_range));
    Some((hash, Device { id: row.id, role: row.role, counters: row.counters, offline_range }))
}

impl Authenticator {
    pub(crate) fn new(configured: Vec<ConfiguredDevice>, centre: Centre) -> Authenticator {
        Authenticator {
            configured,
            centre,
            table: tokio::sync::Mutex::new(TableCache::default()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    /// The principal whose credentials the request carries; `None`: nobody
    /// this centre knows.
    pub(crate) async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, CentreError> {
        // (An officer's session cookie is tried by `authorize` when there is no token.)
        let Some(token) = bearer(headers) else { return Ok(None) };
        let hash = token_hash(token);
        // Every configured device is compared (in constant time), not just
        // until the first match, so the time taken says nothing about the list.
        let mut found = None;
        for c in &self.configured {
            if same_hash(&c.hash, &hash) {
                found = Some(c.device.clone());
            }
        }
        if found.is_none() {
            found = self.lookup_table(&hash).await?;
            if let Some(d) = &found {
                self.touch(&d.id);
            }
        }
        if let Some(d) = &found {
            let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
            self.centre.saw_device(&d.id, d.role, ua);
        }
        Ok(found.map(Principal::Device))
    }

    async fn lookup_table(&self, hash: &[u8; 32]) -> Result<Option<Device>, CentreError> {
        let mut cache = self.table.lock().await;
        if cache.read_at.is_none_or(|t| t.elapsed() >= DEVICE_CACHE_TTL) {
            let range = self.centre.offline_range();
            let rows = self.centre.active_devices().await?;
            cache.devices = rows.into_iter().filter_map(|r| device_of(r, range)).collect();
            cache.read_at = Some(Instant::now());
        }
        let mut found = None;
        for (h, d) in &cache.devices {
            if same_hash(h, hash) {
                found = Some(d.clone());
            }
        }
        Ok(found)
    }

    /// Writes the device's `last_seen`, at most once a minute, off the request path.
    fn touch(&self, id: &str) {
        let now = Instant::now();
        {
            let mut t = self.touched.lock().unwrap_or_else(|p| p.into_inner());
            if t.get(id).is_some_and(|at| now.duration_since(*at) < TOUCH_EVERY) {
                return;
            }
            t.insert(id.to_string(), now);
        }
        let centre = self.centre.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            if let Err(e) = centre.touch_device(id).await {
                tracing::warn!(error = %e, "cannot record when a device was last seen");
            }
        });
    }

    /// The devices of the config file (for the fleet view).
    pub(crate) fn configured(&self) -> Vec<Device> {
        self.configured.iter().map(|c| c.device.clone()).collect()
    }

    /// Whether any device can use the API (a centre without one is useless).
    pub(crate) async fn any_device(&self) -> bool {
        !self.configured.is_empty() || self.centre.active_devices().await.is_ok_and(|d| !d.is_empty())
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What a route is for and, from its path, about what. `None`: the route has
/// no rule, and nobody may use it.
pub(crate) fn route_rule<'a>(
    route: &str,
    param: impl Fn(&str) -> Option<&'a str>,
) -> Option<(Action, Scope<'a>)> {
    let counter = || Scope::Counter(param("n").and_then(|n| n.parse().ok()));
    let kiosk = || param("id").map(|id| Scope::Kiosk { id, offline_seq: None });
    Some(match route {
        "/api/v1/services" => (Action::ReadServices, Scope::Any),
        "/api/v1/state" | "/api/v1/events" | "/api/v1/counters" => (Action::ReadQueue, Scope::Any),
        // The kiosk id and offline number are in the body: the handler checks them.
        "/api/v1/tickets" => (Action::IssueTicket, Scope::Any),
        "/api/v1/kiosks/{id}/heartbeat" | "/api/v1/kiosks/{id}/help" => (Action::KioskReport, kiosk()?),
        "/api/v1/help" => (Action::ReadQueue, Scope::Any),
        "/api/v1/help/{hid}/resolve" => (Action::AnswerHelp, Scope::Any),
        "/api/v1/kiosks" | "/api/v1/devices" => (Action::ReadKiosks, Scope::Any),
        "/api/v1/dossiers/{code}" => (Action::LookupDossier, Scope::Any),
        "/api/v1/ratings/context" => (Action::RatingContext, Scope::Any),
        "/api/v1/ratings" => (Action::Rate, Scope::Any),
        "/api/v1/ratings/summary" | "/api/v1/reports/day" => (Action::Reports, Scope::Any),
        "/api/v1/catalog" => (Action::DownloadCatalog, Scope::Any),
        // The console shows the citizen at the desk.
        "/api/v1/counters/{n}/console" => (Action::SeeCitizen, counter()),
        // The counter's own screen, for the ticket just served there.
        "/api/v1/counters/{n}/rating" => (Action::RateAtCounter, counter()),
        r if r.starts_with("/api/v1/counters/{n}/") => (Action::CounterAction, counter()),
        _ => return None,
    })
}

impl From<Denied> for HttpError {
    fn from(d: Denied) -> Self {
        HttpError::new(StatusCode::FORBIDDEN, "forbidden", d.0)
    }
}

fn unauthorized() -> Response {
    let mut r = HttpError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing, unknown or revoked device token (send Authorization: Bearer <token>)",
    )
    .into_response();
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// The middleware in front of every protected route (see the module comment).
/// Without a bearer token, an officer's session cookie is tried
/// (`officer.rs`); its POSTs must carry the session's CSRF token.
pub(crate) async fn authorize(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut session = None;
    let principal = if bearer(&parts.headers).is_none() {
        match super::officer::session_of(&st, &parts.headers).await {
            Ok(Some(s)) => {
                let p = s.principal();
                session = Some(s);
                p
            }
            Ok(None) => return unauthorized(),
            Err(e) => return e.into_response(),
        }
    } else {
        match st.auth.authenticate(&parts.headers).await {
            Ok(Some(p)) => p,
            Ok(None) => return unauthorized(),
            Err(e) => return HttpError::from(e).into_response(),
        }
    };
    if let Some(s) = &session {
        if parts.method != axum::http::Method::GET && parts.method != axum::http::Method::HEAD {
            if let Err(e) = super::officer::check_csrf(s, &parts.headers) {
                return e.into_response();
            }
        }
    }
    let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let params = match RawPathParams::from_request_parts(&mut parts, &st).await {
        Ok(p) => p,
        Err(e) => return HttpError::bad_request(e.body_text()).into_response(),
    };
    let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let decided = match route_rule(&route, param) {
        Some((action, scope)) => principal.check(action, scope).map_err(HttpError::from),
        None => {
            tracing::error!(%route, "no access rule for this route: refused (add it to server/auth.rs)");
            Err(HttpError::new(StatusCode::FORBIDDEN, "forbidden", "this path has no access rule"))
        }
    };
    if let Err(e) = decided {
        tracing::info!(device = principal.id(), %route, reason = %e.body.message, "request refused");
        return e.into_response();
    }
    drop(params);
    parts.extensions.insert(principal);
    if let Some(s) = session {
        parts.extensions.insert(s);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The caller, in a handler behind [`authorize`].
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "route is not behind authorization")
        })
    }
}

/// The scope of issuing a ticket: the kiosk named in it and the sequence of its
/// offline number, if it carries one.
pub(crate) fn ticket_scope<'a>(kiosk_id: &'a str, offline_number: Option<&str>) -> Scope<'a> {
    Scope::Kiosk { id: kiosk_id, offline_seq: offline_number.and_then(TicketNumber::parse).map(|n| n.seq) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_exactly() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer  tok ".parse().unwrap());
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "bearer tok".parse().unwrap());
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "Basic tok".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn config_devices_get_their_roles_and_the_centre_token_is_admin() {
        let mut cfg = Config::default();
        cfg.centre.token = "own-admin-token".into();
        cfg.centre.devices = vec![
            crate::config::DeviceConfig {
                id: "kiosk-02".into(),
                role: "kiosk".into(),
                token: "kiosk-02-token".into(),
                ..Default::default()
            },
            crate::config::DeviceConfig {
                id: "board".into(),
                role: "display".into(),
                token_sha256: crate::centre::tokens::token_hash_hex("board-token"),
                ..Default::default()
            },
            crate::config::DeviceConfig { id: "bad".into(), role: "boss".into(), ..Default::default() },
        ];
        let d = configured_devices(&cfg);
        let summary: Vec<_> = d.iter().map(|c| (c.device.id.as_str(), c.device.role)).collect();
        assert_eq!(
            summary,
            [(CENTRE_ADMIN_ID, Role::Admin), ("kiosk-02", Role::Kiosk), ("board", Role::Display)]
        );
        assert_eq!(d[1].device.offline_range, Some((900, 999)), "a kiosk without a range gets the centre's");
        assert!(same_hash(&d[2].hash, &token_hash("board-token")));
        assert!(!format!("{d:?}").contains("hash"), "Debug shows no hash");
    }

    #[test]
    fn every_route_has_a_rule_with_its_scope() {
        let p = |k: &str| match k {
            "n" => Some("3"),
            "id" => Some("kiosk-01"),
            _ => None,
        };
        assert_eq!(
            route_rule("/api/v1/counters/{n}/call-next", p),
            Some((Action::CounterAction, Scope::Counter(Some(3))))
        );
        assert_eq!(
            route_rule("/api/v1/kiosks/{id}/heartbeat", p),
            Some((Action::KioskReport, Scope::Kiosk { id: "kiosk-01", offline_seq: None }))
        );
        assert_eq!(route_rule("/api/v1/counters/{n}/pause", |_| Some("x")).unwrap().1, Scope::Counter(None));
        assert_eq!(route_rule("/api/v1/whatever", p), None);
        assert_eq!(ticket_scope("k", Some("A-901")), Scope::Kiosk { id: "k", offline_seq: Some(901) });
    }
}
