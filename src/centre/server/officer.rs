//! Officer sessions: the second kind of caller next to device tokens. A
//! browser signs in (officer login and PIN, or a device token) and gets an
//! HttpOnly, SameSite=Strict cookie. With it a request is a
//! `Principal::Session` (`domain::access`: only what the console or the
//! dashboard needs, for its own counter; `auth.rs` checks it like a device),
//! and every POST or DELETE must carry the session's CSRF token
//! (`X-CSRF-Token`) from the centre's own pages (`same_origin`).
//!
//! `POST|GET|DELETE /api/v1/officer/session` sign in, tell who is signed in,
//! sign out.

use super::auth::bearer;
use super::{ApiJson, AppState, HttpError};
use crate::centre::api::{OfficerSession, SignInRequest};
use crate::centre::core::{SessionInfo, SignIn, SESSION_HOURS};
use crate::domain::access::{Principal, Role};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const COOKIE: &str = "motcua_session";
/// The client's address, as the listener recorded it (none when a router is
/// driven without one).
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// Failed sign-ins before a key (a login from one address) is locked for [`LOCK_FOR`].
const MAX_FAILURES: u32 = 5;
/// Failed sign-ins for one login from all addresses together before the login
/// itself is locked: guessing from many machines is stopped too, while one
/// hostile machine on the hall LAN cannot lock an officer out (its own five
/// tries lock only itself).
const MAX_LOGIN_FAILURES: u32 = 25;
const LOCK_FOR: Duration = Duration::from_secs(300);

/// Counts failures per key (a login and address, a login, an address), so a
/// PIN or code cannot be guessed by trying.
pub struct LoginGuard {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    max: u32,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard::new(MAX_FAILURES)
    }
}

impl LoginGuard {
    /// Locks a key after `max` failures within [`LOCK_FOR`].
    pub fn new(max: u32) -> Self {
        LoginGuard { failures: Mutex::default(), max }
    }

    /// `Err(seconds to wait)` while the key is locked.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key.to_lowercase()) {
            Some((n, since)) if *n >= self.max && since.elapsed() < LOCK_FOR => {
                Err((LOCK_FOR - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| since.elapsed() < LOCK_FOR);
        }
        let e = map.entry(key.to_lowercase()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= LOCK_FOR {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&key.to_lowercase());
    }
}

/// Officer sign-in failures: per login from one address (5), and per login
/// from everywhere ([`MAX_LOGIN_FAILURES`]).
pub struct SignInGuard {
    from_address: LoginGuard,
    login: LoginGuard,
}

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard {
            from_address: LoginGuard::new(MAX_FAILURES),
            login: LoginGuard::new(MAX_LOGIN_FAILURES),
        }
    }
}

impl SignInGuard {
    fn key(login: &str, addr: Option<IpAddr>) -> String {
        match addr {
            Some(a) => format!("{login}@{}", a.to_canonical()),
            None => format!("{login}@"),
        }
    }

    /// `Err(seconds to wait)` while this login is locked from this address, or everywhere.
    pub fn check(&self, login: &str, addr: Option<IpAddr>) -> Result<(), u64> {
        self.from_address.check(&Self::key(login, addr))?;
        self.login.check(login)
    }

    pub fn failed(&self, login: &str, addr: Option<IpAddr>) {
        self.from_address.failed(&Self::key(login, addr));
        self.login.failed(login);
    }

    /// A right PIN clears this address's count; the login-wide count stays
    /// (an officer signing in does not reset someone else's guessing).
    pub fn succeeded(&self, login: &str, addr: Option<IpAddr>) {
        self.from_address.succeeded(&Self::key(login, addr));
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/officer/session", post(sign_in).get(current).delete(sign_out))
}

/// The session token in the request's cookie.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the request's cookie `name`, when set and not empty.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|kv| {
            let (k, val) = kv.trim().split_once('=')?;
            (k == name && !val.is_empty()).then(|| val.to_string())
        })
    })
}

/// `Set-Cookie` for a new session (or, with `None`, one that clears it).
pub fn session_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = match token {
        Some(t) => format!(
            "{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            SESSION_HOURS * 3600
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&v).expect("cookie is ASCII")
}

/// The live session of the request's cookie, if any.
pub(crate) async fn session_of(st: &AppState, headers: &HeaderMap) -> Result<Option<SessionInfo>, HttpError> {
    match cookie_token(headers) {
        Some(token) => Ok(st.centre.session(&token).await?),
        None => Ok(None),
    }
}

fn forbidden(message: &str) -> HttpError {
    HttpError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// Whether a request comes from this centre's own pages. Browsers say so in
/// `Sec-Fetch-Site` (Chromium, Firefox, Edge, Safari); without it, an
/// `Origin` must be the `Host` the request was sent to. (Our pages send no
/// referrer, so browsers send `Origin: null` on their own POSTs: the Origin
/// alone cannot tell.) A request with neither is not from a browser page
/// (a script with a token, curl) and passes.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = get("origin") else { return true };
    let host = get("host").unwrap_or("");
    let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    bare.is_some_and(|o| !host.is_empty() && o == host)
}

/// CSRF defence for a state-changing request with a session cookie: the
/// session's token in `X-CSRF-Token` and a same-origin `Origin`.
pub fn check_csrf(s: &SessionInfo, headers: &HeaderMap) -> Result<(), HttpError> {
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    let same = crate::centre::tokens::same_hash(
        &crate::centre::tokens::token_hash(sent),
        &crate::centre::tokens::token_hash(&s.csrf_token),
    );
    if !same || !same_origin(headers) {
        return Err(forbidden("missing or wrong X-CSRF-Token, or a cross-site request"));
    }
    Ok(())
}

/// Signs in with login and PIN, or with a device token; the outcome for
/// both the JSON API and the HTML form.
/// The body as docs/openapi.yaml states it, whatever the credentials: a login
/// of 2-32 letters, digits, `.`, `_`, `-`; a PIN of 6-64 characters.
fn check_sign_in_shape(req: &SignInRequest) -> Result<(), HttpError> {
    let login_ok = req.login.as_deref().is_none_or(|l| {
        (2..=32).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    });
    let pin_ok = req.pin.as_deref().is_none_or(|p| (6..=64).contains(&p.chars().count()));
    if !login_ok || !pin_ok {
        return Err(HttpError::bad_request(
            "login must be 2-32 letters, digits, `.`, `_` or `-`; pin 6-64 characters",
        ));
    }
    Ok(())
}

pub(crate) async fn open_session(
    st: &AppState,
    headers: &HeaderMap,
    addr: Option<IpAddr>,
    req: SignInRequest,
) -> Result<(String, SessionInfo), HttpError> {
    if !same_origin(headers) {
        return Err(forbidden("cross-site sign-in refused"));
    }
    check_sign_in_shape(&req)?;
    if bearer(headers).is_some() {
        // A counter terminal's token opens a console at one of its counters;
        // an admin token opens any console or the dashboard.
        let device = match st.auth.authenticate(headers).await? {
            Some(Principal::Device(d)) => d,
            _ => {
                return Err(HttpError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "unknown or revoked device token",
                ))
            }
        };
        let manager = match device.role {
            Role::Admin => true,
            Role::Counter if req.counter.is_some_and(|n| device.counters.contains(&n)) => false,
            Role::Counter => {
                return Err(forbidden("a counter token opens a console only at its own counters"))
            }
            role => return Err(forbidden(&format!("a {role} device cannot open a console"))),
        };
        return Ok(st.centre.device_sign_in(&device.id, req.counter, manager).await?);
    }
    let (Some(login), Some(pin)) = (req.login, req.pin) else {
        return Err(HttpError::bad_request("give login and pin, or a device token"));
    };
    if let Err(wait) = st.web.logins.check(&login, addr) {
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins for this login from here; try again in {wait} s"),
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    match st.centre.sign_in(SignIn { login: login.clone(), pin, counter: req.counter }).await {
        Ok(r) => {
            st.web.logins.succeeded(&login, addr);
            tracing::info!(login = %login, counter = ?req.counter, "officer signed in");
            Ok(r)
        }
        Err(e) => {
            if e == crate::centre::CentreError::BadCredentials {
                st.web.logins.failed(&login, addr);
                tracing::warn!(login = %login, "failed officer sign-in");
            }
            Err(e.into())
        }
    }
}

async fn sign_in(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response, HttpError> {
    let (token, s) = open_session(&st, &headers, peer, req).await?;
    let cookie = session_cookie(Some(&token), st.web.secure_cookies);
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json::<OfficerSession>(s.view()))
        .into_response())
}

fn no_session() -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "not signed in")
}

async fn current(State(st): State<AppState>, headers: HeaderMap) -> Result<Json<OfficerSession>, HttpError> {
    let s = session_of(&st, &headers).await?.ok_or_else(no_session)?;
    Ok(Json(s.view()))
}

async fn sign_out(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, HttpError> {
    let s = session_of(&st, &headers).await?.ok_or_else(no_session)?;
    check_csrf(&s, &headers)?;
    st.centre.sign_out(s.id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(None, st.web.secure_cookies))])
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_set_strictly() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("lang=en; motcua_session=abc123; x=1"));
        assert_eq!(cookie_token(&h).as_deref(), Some("abc123"));
        let c = session_cookie(Some("abc"), false);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/"), "{c}");
        assert!(session_cookie(None, true).to_str().unwrap().contains("Max-Age=0; Secure"));
    }

    #[test]
    fn origin_must_match_the_host() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h), "no Origin (same-origin GET, curl): allowed");
        h.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8700"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://10.0.0.5:8700"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h), "a browser's own POST under no-referrer sends Origin: null");
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(!same_origin(&h), "another port or subdomain is another origin");
    }

    #[test]
    fn five_failures_lock_a_login() {
        let g = LoginGuard::default();
        for _ in 0..MAX_FAILURES {
            assert!(g.check("Lan").is_ok());
            g.failed("lan");
        }
        assert!(g.check("LAN").is_err());
        g.succeeded("lan");
        assert!(g.check("lan").is_ok());
    }

    #[test]
    fn one_address_locks_only_itself_and_many_lock_the_login() {
        // Must hold: five wrong PINs from one machine lock that machine out
        // for that login, not the officer at another machine; guessing from
        // many machines together still locks the login.
        let g = SignInGuard::default();
        let hostile: IpAddr = "10.0.0.66".parse().unwrap();
        let officer: IpAddr = "10.0.0.5".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            g.failed("lan", Some(hostile));
        }
        assert!(g.check("lan", Some(hostile)).is_err());
        assert!(g.check("lan", Some(officer)).is_ok());
        g.succeeded("lan", Some(officer));
        assert!(g.check("lan", Some(hostile)).is_err(), "the officer's success does not free the attacker");
        for i in 0..MAX_LOGIN_FAILURES {
            let a: IpAddr = format!("10.0.1.{}", i % 250 + 1).parse().unwrap();
            g.failed("lan", Some(a));
        }
        assert!(g.check("lan", Some(officer)).is_err(), "many addresses together lock the login");
        assert!(g.check("binh", Some(officer)).is_ok(), "other logins are not touched");
    }
}
