//! The officer console and the manager dashboard: server-rendered HTML
//! (askama templates in `web/templates/`, checked at compile time, every
//! value HTML-escaped) with a little plain JavaScript (`web/static/`, embedded
//! in the binary: nothing from the internet, no inline script or style, so
//! the strict Content-Security-Policy of `harden.rs` holds).
//!
//! | path | what |
//! |---|---|
//! | `GET /officer`, `/officer/login` (GET, POST), `POST /officer/logout` | sign-in and the console |
//! | `GET /officer/panel` | the console's live part (HTML fragment, fetched on every event) |
//! | `GET /admin`, `/admin/panel`, `/admin/report?day=` | the dashboard, its live part, the printable report |
//! | `GET /static/{file}` | CSS and JS |

mod console;
mod dashboard;
pub mod texts;

use self::texts::{Lang, Texts};
use super::officer::{self, LoginGuard, SignInGuard};
use super::{AppState, HttpError};
use crate::centre::api::SignInRequest;
use crate::centre::core::SessionInfo;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::LazyLock;

/// What the web pages keep between requests.
#[derive(Default)]
pub struct WebState {
    pub logins: SignInGuard,
    /// Wrong provisioning codes, per client address (`provision.rs`).
    pub provisions: LoginGuard,
    /// Add `Secure` to cookies (the centre serves HTTPS).
    pub secure_cookies: bool,
}

/// An embedded static file and its version tag (for cache-busting URLs).
struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "web.css",
        mime: "text/css; charset=utf-8",
        body: include_str!("../../../../web/static/web.css"),
    },
    Asset {
        name: "console.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../../web/static/console.js"),
    },
    Asset {
        name: "dashboard.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../../../../web/static/dashboard.js"),
    },
];

/// FNV-1a of every asset: changes whenever one does.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in ASSETS.iter().flat_map(|a| a.body.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h as u32)
});

fn asset_url(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/officer") }))
        .route("/officer", get(console::page))
        .route("/officer/panel", get(console::panel))
        .route("/officer/login", get(login_page).post(login_submit))
        .route("/officer/logout", axum::routing::post(logout))
        .route("/admin", get(dashboard::page))
        .route("/admin/panel", get(dashboard::panel))
        .route("/admin/report", get(dashboard::report))
        .route("/static/{name}", get(asset))
}

/// An HTML page or fragment, never cached (it holds live figures).
pub(super) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

pub(super) fn render(t: &impl Template) -> Result<String, HttpError> {
    t.render().map_err(|e| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => {
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(a.mime)),
                    // URLs carry the version: a new binary means new URLs.
                    (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
                ],
                a.body,
            )
                .into_response()
        }
        None => HttpError::new(StatusCode::NOT_FOUND, "not_found", "no such file").into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
    day: Option<String>,
}

const LANG_COOKIE: &str = "motcua_lang";

/// The page language: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese.
pub(super) fn page_lang(headers: &HeaderMap, q: &LangQuery) -> (Lang, Option<HeaderValue>) {
    if let Some(l) = q.lang.as_deref().and_then(Lang::parse) {
        let c = format!("{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000", l.code());
        return (l, HeaderValue::from_str(&c).ok());
    }
    let from_cookie = officer::cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v));
    (from_cookie.unwrap_or(Lang::Vi), None)
}

/// A page response with the language cookie when `?lang=` changed it.
pub(super) fn page_response(status: StatusCode, body: String, lang_cookie: Option<HeaderValue>) -> Response {
    let mut r = html(status, body);
    if let Some(c) = lang_cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// An open help request as the console and the dashboard list it.
pub(super) struct HelpItem {
    pub id: u64,
    pub kiosk: String,
    /// Local time of the call, `HH:MM`.
    pub since: String,
}

/// The open help requests (shown on top of the console and the dashboard).
pub(super) async fn open_help(st: &AppState) -> Result<Vec<HelpItem>, HttpError> {
    Ok(st
        .centre
        .open_help()
        .await?
        .open
        .into_iter()
        .map(|r| HelpItem {
            id: r.id,
            kiosk: r.kiosk_id,
            since: crate::domain::localtime::format_time(r.requested_at),
        })
        .collect())
}

/// Common fields of every full page.
pub(super) struct Chrome {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub css: String,
}

impl Chrome {
    pub fn new(lang: Lang) -> Chrome {
        Chrome {
            t: lang.texts(),
            lang: lang.code(),
            other_lang: lang.other().code(),
            other_lang_name: lang.other().texts().lang_name,
            css: asset_url("web.css"),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Texts,
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    css: String,
    error: Option<&'static str>,
    login: &'a str,
    counters: Vec<u32>,
    selected: Option<u32>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessagePage {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub css: String,
    pub title: &'static str,
    pub text: &'static str,
}

/// A short page with one sentence (forbidden, not found).
pub(super) fn message(status: StatusCode, lang: Lang, title: &'static str, text: &'static str) -> Response {
    let c = Chrome::new(lang);
    match render(&MessagePage { t: c.t, lang: c.lang, css: c.css, title, text }) {
        Ok(body) => html(status, body),
        Err(e) => e.into_response(),
    }
}

async fn login_view(
    st: &AppState,
    lang: Lang,
    status: StatusCode,
    error: Option<&'static str>,
    login: &str,
    selected: Option<u32>,
    cookie: Option<HeaderValue>,
) -> Response {
    let counters = match st.centre.counters().await {
        Ok(c) => c.counters.into_iter().map(|c| c.number).collect(),
        Err(e) => return HttpError::from(e).into_response(),
    };
    let c = Chrome::new(lang);
    let p = LoginPage {
        t: c.t,
        lang: c.lang,
        other_lang: c.other_lang,
        other_lang_name: c.other_lang_name,
        css: c.css,
        error,
        login,
        counters,
        selected,
    };
    match render(&p) {
        Ok(body) => page_response(status, body, cookie),
        Err(e) => e.into_response(),
    }
}

async fn login_page(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let (lang, cookie) = page_lang(&headers, &q);
    login_view(&st, lang, StatusCode::OK, None, "", None, cookie).await
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    counter: String,
    #[serde(default)]
    token: String,
}

/// Where a new session lands: the console, or the dashboard for a manager without a counter.
fn home_of(s: &SessionInfo) -> &'static str {
    if s.counter.is_none() && s.manager {
        "/admin"
    } else {
        "/officer"
    }
}

async fn login_submit(
    State(st): State<AppState>,
    officer::Peer(peer): officer::Peer,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let (lang, _) = page_lang(&headers, &LangQuery::default());
    let t = lang.texts();
    let counter = f.counter.trim().parse::<u32>().ok();
    let mut auth_headers = headers.clone();
    let token = f.token.trim();
    if !token.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
            auth_headers.insert(header::AUTHORIZATION, v);
        }
    }
    let req = SignInRequest {
        login: Some(f.login.clone()).filter(|l| !l.trim().is_empty()),
        pin: Some(f.pin).filter(|p| !p.is_empty()),
        counter,
    };
    match officer::open_session(&st, &auth_headers, peer, req).await {
        Ok((token, s)) => {
            let mut r = Redirect::to(home_of(&s)).into_response();
            r.headers_mut()
                .insert(header::SET_COOKIE, officer::session_cookie(Some(&token), st.web.secure_cookies));
            r
        }
        Err(e) => {
            let msg = match e.body.code.as_str() {
                "too_many_attempts" => t.too_many,
                "forbidden" if counter.is_none() => t.choose_counter,
                "forbidden" => t.forbidden,
                _ => t.bad_credentials,
            };
            login_view(&st, lang, e.status, Some(msg), f.login.trim(), counter, None).await
        }
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(st): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> Response {
    if let Ok(Some(s)) = officer::session_of(&st, &headers).await {
        let mut h = headers.clone();
        if let Ok(v) = HeaderValue::from_str(&f.csrf) {
            h.insert("x-csrf-token", v);
        }
        if let Err(e) = officer::check_csrf(&s, &h) {
            return e.into_response();
        }
        if let Err(e) = st.centre.sign_out(s.id).await {
            return HttpError::from(e).into_response();
        }
    }
    let mut r = Redirect::to("/officer/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, officer::session_cookie(None, st.web.secure_cookies));
    r
}

/// The session of a page request, or the response to send instead (the
/// sign-in page, or "forbidden").
pub(super) async fn page_session(
    st: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    need_manager: bool,
) -> Result<SessionInfo, Response> {
    match officer::session_of(st, headers).await {
        Ok(Some(s)) if need_manager && !s.manager => {
            let t = lang.texts();
            Err(message(StatusCode::FORBIDDEN, lang, t.dashboard_title, t.forbidden))
        }
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(Redirect::to("/officer/login").into_response()),
        Err(e) => Err(e.into_response()),
    }
}

/// A signed-in page's start: its language (and the cookie setting it, when
/// `?lang=` changed it) and the session; else the sign-in redirect or refusal.
pub(super) async fn signed_in_page(
    st: &AppState,
    headers: &HeaderMap,
    q: &LangQuery,
    need_manager: bool,
) -> Result<(Lang, Option<HeaderValue>, SessionInfo), Response> {
    let (lang, cookie) = page_lang(headers, q);
    let s = page_session(st, headers, lang, need_manager).await?;
    Ok((lang, cookie, s))
}

/// `m:ss` for a duration in seconds, `—` without one.
pub(super) fn duration(secs: Option<u32>) -> String {
    match secs {
        Some(s) if s >= 3600 => format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration(None), "—");
        assert_eq!(duration(Some(5)), "0:05");
        assert_eq!(duration(Some(372)), "6:12");
        assert_eq!(duration(Some(3725)), "1:02:05");
    }

    #[test]
    fn every_asset_is_served_and_versioned() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{}", a.name);
            assert!(asset_url(a.name).starts_with(&format!("/static/{}?v=", a.name)));
        }
        // Pages carry no inline script or style: the CSP would block them.
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            assert!(!a.body.contains("eval("), "{} uses eval", a.name);
            assert!(!a.body.contains("innerHTML = ev"), "{}", a.name);
        }
    }
}
