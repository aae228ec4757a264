//! The officer console page and its live panel (current ticket, figures,
//! waiting list), rendered from [`ConsoleView`].

use super::texts::{Lang, Texts};
use super::{
    asset_url, duration, open_help, page_lang, page_response, render, signed_in_page, Chrome, HelpItem,
    LangQuery,
};
use crate::centre::api::{ConsoleView, CounterState};
use crate::centre::server::{AppState, HttpError};
use crate::domain::localtime::format_time;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

pub(super) struct CurrentView {
    pub number: String,
    pub service: String,
    pub priority: Option<&'static str>,
    pub status_line: String,
    pub waited: u32,
    pub transferred: bool,
    /// (masked ID number, full name)
    pub citizen: Option<(String, String)>,
}

pub(super) struct WaitRow {
    pub number: String,
    pub service: String,
    pub priority: Option<&'static str>,
    pub issued_ms: i64,
    pub minutes: u32,
    pub note: Option<&'static str>,
}

pub(super) struct PanelView {
    pub state: &'static str,
    pub has_current: bool,
    pub started: bool,
    pub pause_reason: Option<String>,
    pub current: Option<CurrentView>,
    pub waiting: Vec<WaitRow>,
    pub total: u32,
    pub more: u32,
    pub served_today: u32,
    pub no_show_today: u32,
    pub avg_service: String,
    pub now_ms: i64,
}

fn service_name(v: &ConsoleView, code: &str, lang: Lang) -> String {
    v.services
        .iter()
        .find(|s| s.code == code)
        .map(|s| if lang == Lang::En { s.name_en.clone() } else { s.name_vi.clone() })
        .unwrap_or_else(|| code.to_string())
}

pub(super) fn panel_view(v: &ConsoleView, lang: Lang) -> PanelView {
    let t = lang.texts();
    let prio = |p: Option<crate::centre::api::PriorityGroup>| {
        p.map(|p| if lang == Lang::En { p.label_en() } else { p.label_vi() })
    };
    let current = v.current.as_ref().map(|c| CurrentView {
        number: c.number.clone(),
        service: service_name(v, &c.service, lang),
        priority: prio(c.priority),
        status_line: match (c.started_at, c.called_at) {
            (Some(s), _) => format!("{} {}", t.serving_since, format_time(s)),
            (None, Some(at)) => format!("{} {} · {} {}", t.calling, format_time(at), c.calls, t.called_times),
            (None, None) => t.calling.to_string(),
        },
        waited: c.waited_minutes,
        transferred: c.transfers > 0,
        citizen: c.citizen.as_ref().map(|z| (z.id_number_masked.clone(), z.full_name.clone())),
    });
    PanelView {
        state: match v.counter.state {
            CounterState::Idle => "idle",
            CounterState::Serving => "serving",
            CounterState::Paused => "paused",
        },
        has_current: v.current.is_some(),
        started: v.current.as_ref().is_some_and(|c| c.started_at.is_some()),
        pause_reason: v.counter.pause_reason.clone(),
        current,
        waiting: v
            .waiting
            .iter()
            .map(|w| WaitRow {
                number: w.number.clone(),
                service: service_name(v, &w.service, lang),
                priority: prio(w.priority),
                issued_ms: w.issued_at.timestamp_millis(),
                minutes: w.waited_minutes,
                note: if w.reserved {
                    Some(t.reserved)
                } else if w.transferred {
                    Some(t.transferred)
                } else {
                    None
                },
            })
            .collect(),
        total: v.waiting_total,
        more: v.waiting_total.saturating_sub(v.waiting.len() as u32),
        served_today: v.served_today,
        no_show_today: v.no_show_today,
        avg_service: duration(v.average_service_seconds),
        now_ms: v.server_time.timestamp_millis(),
    }
}

#[derive(Template)]
#[template(path = "console_panel.html")]
struct ConsolePanel {
    t: &'static Texts,
    p: PanelView,
    help: Vec<HelpItem>,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    t: &'static Texts,
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    css: String,
    js: String,
    who: String,
    counter: u32,
    csrf: String,
    panel: String,
    services: Vec<(String, String)>,
    counters: Vec<u32>,
}

fn panel_html(v: &ConsoleView, help: Vec<HelpItem>, lang: Lang) -> Result<String, HttpError> {
    render(&ConsolePanel { t: lang.texts(), p: panel_view(v, lang), help })
}

pub(super) async fn page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let (lang, cookie, s) = match signed_in_page(&st, &headers, &q, false).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(counter) = s.counter else { return Redirect::to("/admin").into_response() };
    let v = match st.centre.console(counter).await {
        Ok(v) => v,
        Err(e) => return HttpError::from(e).into_response(),
    };
    let help = match open_help(&st).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let c = Chrome::new(lang);
    let body = panel_html(&v, help, lang).and_then(|panel| {
        render(&ConsolePage {
            t: c.t,
            lang: c.lang,
            other_lang: c.other_lang,
            other_lang_name: c.other_lang_name,
            css: c.css,
            js: asset_url("console.js"),
            who: s.who(),
            counter,
            csrf: s.csrf_token.clone(),
            panel,
            services: v.services.iter().map(|x| (x.code.clone(), service_name(&v, &x.code, lang))).collect(),
            counters: v.counters.clone(),
        })
    });
    match body {
        Ok(b) => page_response(StatusCode::OK, b, cookie),
        Err(e) => e.into_response(),
    }
}

/// The live part; 401 (not a redirect) when the session is gone, so the
/// script can send the officer to the sign-in page.
pub(super) async fn panel(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (lang, _) = page_lang(&headers, &LangQuery::default());
    let s = match super::officer::session_of(&st, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "not signed in").into_response()
        }
        Err(e) => return e.into_response(),
    };
    let Some(counter) = s.counter else {
        return HttpError::new(StatusCode::FORBIDDEN, "forbidden", "this session has no counter")
            .into_response();
    };
    let view = match st.centre.console(counter).await {
        Ok(v) => v,
        Err(e) => return HttpError::from(e).into_response(),
    };
    match open_help(&st).await.and_then(|help| panel_html(&view, help, lang)) {
        Ok(b) => super::html(StatusCode::OK, b),
        Err(e) => e.into_response(),
    }
}
