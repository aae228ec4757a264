//! The manager dashboard, its live panel, and the printable daily report:
//! the day report, the ratings (today and 30 days, three levels and the nine
//! indices), and the fleet (every device, [`super::fleet`]). The chart is SVG drawn here.

use super::fleet::{device_view, DeviceView};
use super::texts::{Lang, Texts};
use super::{
    asset_url, duration, open_help, page_lang, page_response, render, signed_in_page, Chrome, HelpItem,
    LangQuery,
};
use crate::centre::api::{DayReport, HourCount, RatingTallyView, ReportRow, SummaryGroup};
use crate::centre::server::{AppState, HttpError};
use crate::domain::localtime::{format_date, format_time_date, service_day};
use crate::domain::rating::INDICES;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};

pub(super) struct Tile {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
}

pub(super) struct RowView {
    pub key: String,
    pub label: String,
    pub officers: String,
    pub issued: u32,
    pub called: u32,
    pub waiting: u32,
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    pub wait_avg: String,
    pub wait_p90: String,
    pub service_avg: String,
    pub service_p90: String,
    pub longest: String,
}

pub(super) struct TableView {
    pub title: &'static str,
    pub id: &'static str,
    /// Services count tickets issued; counters the tickets they called.
    pub first_label: &'static str,
    pub first_total: u32,
    pub rows: Vec<RowView>,
}

pub(super) struct Bar {
    pub label: String,
    pub x: u32,
    pub x2: u32,
    pub w: u32,
    pub y_issued: u32,
    pub h_issued: u32,
    pub y_served: u32,
    pub h_served: u32,
    pub issued: u32,
    pub served: u32,
}

pub(super) struct Chart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
    /// (y, value) of the horizontal grid lines.
    pub grid: Vec<(u32, u32)>,
}

pub(super) struct ReportView {
    pub day: String,
    pub generated: String,
    pub now_ms: i64,
    pub tiles: Vec<Tile>,
    pub tables: Vec<TableView>,
    pub total: RowView,
    pub chart: Chart,
    /// (label, today, 30 days)
    pub rating_lines: Vec<(String, String, String)>,
    pub index_lines: Vec<(String, String, String)>,
    pub devices: Vec<DeviceView>,
}

fn row_view(r: &ReportRow, label: String) -> RowView {
    RowView {
        key: r.key.clone(),
        label,
        officers: r.officers.join(", "),
        issued: r.issued,
        called: r.called,
        waiting: r.waiting,
        served: r.served,
        no_show: r.no_show,
        transferred: r.transferred,
        wait_avg: duration(r.wait_avg_seconds),
        wait_p90: duration(r.wait_p90_seconds),
        service_avg: duration(r.service_avg_seconds),
        service_p90: duration(r.service_p90_seconds),
        longest: duration(r.longest_wait_seconds),
    }
}

/// Bars per hour, issued and served side by side, scaled to the busiest
/// hour; the office day 7h-17h is always shown, wider when tickets came
/// earlier or later.
pub(super) fn chart(counted: &[HourCount]) -> Chart {
    let hours: Vec<HourCount> = match (counted.first(), counted.last()) {
        (Some(f), Some(l)) => (f.hour.min(7)..=l.hour.max(17))
            .map(|h| {
                counted.iter().find(|c| c.hour == h).cloned().unwrap_or(HourCount {
                    hour: h,
                    issued: 0,
                    served: 0,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    const H: u32 = 220;
    const TOP: u32 = 10;
    const BOTTOM: u32 = 24;
    const LEFT: u32 = 40;
    const SLOT: u32 = 48;
    let max = hours.iter().map(|h| h.issued.max(h.served)).max().unwrap_or(0).max(1);
    // A round step: 1, 2, 5, 10, 20, 50…
    let step = [1u32, 2, 5]
        .iter()
        .flat_map(|m| (0..6).map(move |e| m * 10u32.pow(e)))
        .filter(|s| max / s <= 5)
        .min()
        .unwrap_or(1);
    let top = max.div_ceil(step) * step;
    let plot = H - TOP - BOTTOM;
    let y = |v: u32| H - BOTTOM - v * plot / top;
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = LEFT + 6 + i as u32 * SLOT;
            Bar {
                label: format!("{}h", h.hour),
                x,
                x2: x + 18,
                w: 16,
                y_issued: y(h.issued),
                h_issued: H - BOTTOM - y(h.issued),
                y_served: y(h.served),
                h_served: H - BOTTOM - y(h.served),
                issued: h.issued,
                served: h.served,
            }
        })
        .collect();
    Chart {
        width: LEFT + 12 + hours.len() as u32 * SLOT,
        height: H,
        bars,
        grid: (0..=top / step).map(|k| (y(k * step), k * step)).collect(),
    }
}

fn rating_cells(t: &Texts, a: &RatingTallyView, b: &RatingTallyView) -> Vec<(String, String, String)> {
    let pct = |v: &RatingTallyView| {
        if v.ratings == 0 {
            "—".to_string()
        } else {
            format!("{:.0} %", v.satisfaction_rate)
        }
    };
    vec![
        (t.very_satisfied.to_string(), a.very_satisfied.to_string(), b.very_satisfied.to_string()),
        (t.satisfied.to_string(), a.satisfied.to_string(), b.satisfied.to_string()),
        (t.dissatisfied.to_string(), a.dissatisfied.to_string(), b.dissatisfied.to_string()),
        (t.total.to_string(), a.ratings.to_string(), b.ratings.to_string()),
        (t.satisfaction_rate.to_string(), pct(a), pct(b)),
    ]
}

fn index_cells(lang: Lang, a: &RatingTallyView, b: &RatingTallyView) -> Vec<(String, String, String)> {
    let cell = |v: &RatingTallyView, i: usize| {
        v.index_averages.get(i).map(|x| format!("{x:.2}")).unwrap_or("—".into())
    };
    INDICES
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let q = if lang == Lang::En { d.question_en } else { d.question_vi };
            (q.to_string(), cell(a, i), cell(b, i))
        })
        .collect()
}

async fn report_view(st: &AppState, lang: Lang, day: Option<NaiveDate>) -> Result<ReportView, HttpError> {
    let t = lang.texts();
    let r: DayReport = st.centre.day_report(day).await?;
    let month =
        st.centre.rating_summary(Some(r.day - Duration::days(29)), Some(r.day), SummaryGroup::Day).await?;
    let today = st.centre.rating_summary(Some(r.day), Some(r.day), SummaryGroup::Day).await?;
    let fleet = st.centre.fleet(st.auth.configured()).await?.devices;
    let services = r.services.iter().map(|s| row_view(s, s.label.clone())).collect();
    let counters = r.counters.iter().map(|c| row_view(c, format!("{} {}", t.counter_n, c.key))).collect();
    let tot = &r.total;
    Ok(ReportView {
        day: format_date(r.day),
        generated: format_time_date(r.generated_at, " "),
        now_ms: r.generated_at.timestamp_millis(),
        tiles: vec![
            Tile { id: "issued", label: t.issued, value: tot.issued.to_string() },
            Tile { id: "waiting", label: t.waiting, value: tot.waiting.to_string() },
            Tile { id: "served", label: t.served, value: tot.served.to_string() },
            Tile { id: "no-show", label: t.no_shows, value: tot.no_show.to_string() },
            Tile { id: "wait-avg", label: t.wait_avg, value: duration(tot.wait_avg_seconds) },
            Tile { id: "longest", label: t.longest_wait, value: duration(tot.longest_wait_seconds) },
        ],
        tables: vec![
            TableView {
                title: t.by_service,
                id: "by-service",
                first_label: t.issued,
                first_total: tot.issued,
                rows: services,
            },
            TableView {
                title: t.by_counter,
                id: "by-counter",
                first_label: t.called,
                first_total: tot.called,
                rows: counters,
            },
        ],
        total: row_view(tot, t.total.to_string()),
        chart: chart(&r.hours),
        rating_lines: rating_cells(t, &today.total, &month.total),
        index_lines: index_cells(lang, &today.total, &month.total),
        devices: fleet.into_iter().map(|d| device_view(lang, d)).collect(),
    })
}

#[derive(Template)]
#[template(path = "dashboard_panel.html")]
struct DashboardPanel {
    t: &'static Texts,
    r: ReportView,
    help: Vec<HelpItem>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    css: String,
    js: String,
    who: String,
    csrf: String,
    panel: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: &'static Texts,
    lang: &'static str,
    css: String,
    js: String,
    centre_name: String,
    r: ReportView,
}

async fn panel_html(st: &AppState, lang: Lang) -> Result<String, HttpError> {
    let r = report_view(st, lang, None).await?;
    let help = open_help(st).await?;
    render(&DashboardPanel { t: lang.texts(), r, help })
}

pub(super) async fn page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let (lang, cookie, s) = match signed_in_page(&st, &headers, &q, true).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let c = Chrome::new(lang);
    let body = match panel_html(&st, lang).await {
        Ok(panel) => render(&DashboardPage {
            t: c.t,
            lang: c.lang,
            other_lang: c.other_lang,
            other_lang_name: c.other_lang_name,
            css: c.css,
            js: asset_url("dashboard.js"),
            who: s.who(),
            csrf: s.csrf_token.clone(),
            panel,
        }),
        Err(e) => Err(e),
    };
    match body {
        Ok(b) => page_response(StatusCode::OK, b, cookie),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn panel(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (lang, _) = page_lang(&headers, &LangQuery::default());
    match super::officer::session_of(&st, &headers).await {
        Ok(Some(s)) if s.manager => {}
        Ok(Some(_)) => {
            return HttpError::new(StatusCode::FORBIDDEN, "forbidden", "managers only").into_response()
        }
        Ok(None) => {
            return HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "not signed in").into_response()
        }
        Err(e) => return e.into_response(),
    }
    match panel_html(&st, lang).await {
        Ok(b) => super::html(StatusCode::OK, b),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn report(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let (lang, cookie, _) = match signed_in_page(&st, &headers, &q, true).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let day = match q.day.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => return HttpError::bad_request("day must be YYYY-MM-DD").into_response(),
        },
        None => Some(service_day(st.centre.now())),
    };
    let c = Chrome::new(lang);
    let body = match report_view(&st, lang, day).await {
        Ok(r) => render(&ReportPage {
            t: c.t,
            lang: c.lang,
            css: c.css,
            js: asset_url("dashboard.js"),
            centre_name: st.centre.centre_name(),
            r,
        }),
        Err(e) => Err(e),
    };
    match body {
        Ok(b) => page_response(StatusCode::OK, b, cookie),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_scales_to_the_busiest_hour_with_round_grid_lines() {
        let hours =
            vec![HourCount { hour: 7, issued: 12, served: 3 }, HourCount { hour: 8, issued: 0, served: 9 }];
        let c = chart(&hours);
        assert_eq!(c.bars.len(), 11, "7h to 17h");
        assert_eq!(c.bars[0].label, "7h");
        assert_eq!(chart(&[HourCount { hour: 19, issued: 1, served: 0 }]).bars.len(), 13, "7h to 19h");
        // 12 at step 5 -> top 15; the tallest bar is 12/15 of the plot.
        assert_eq!(c.grid.last().unwrap().1, 15);
        assert!(c.bars[0].h_issued > c.bars[1].h_served && c.bars[1].h_issued == 0);
        assert_eq!(c.bars[0].y_issued + c.bars[0].h_issued, c.height - 24);
        assert!(chart(&[]).bars.is_empty());
    }
}
