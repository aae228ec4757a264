//! Tickets: `POST /api/v1/tickets` (device token), and the public tracking
//! endpoints `GET /api/v1/tickets/{tracking_code}` and the phone page
//! `GET /t/{tracking_code}` that the ticket's QR opens (the code is unguessable;
//! neither shows personal data).

use super::auth::ticket_scope;
use super::{ApiJson, AppState, HttpError};
use crate::centre::api::{IssueTicketRequest, IssuedTicket, TicketStatus, TicketView};
use crate::centre::core::CentreError;
use crate::domain::access::{Action, Principal};
use crate::domain::localtime::{format_date, format_time_date};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tickets", post(issue))
}

pub(super) fn public_routes() -> Router<AppState> {
    Router::new().route("/api/v1/tickets/{code}", get(track)).route("/t/{code}", get(page))
}

/// 201 with the new ticket, or 200 with the same ticket for a replayed key.
/// A kiosk issues only under its own id, and offline numbers only from its range.
async fn issue(
    State(st): State<AppState>,
    caller: Principal,
    ApiJson(req): ApiJson<IssueTicketRequest>,
) -> Result<Response, HttpError> {
    caller.check(Action::IssueTicket, ticket_scope(&req.kiosk_id, req.offline_number.as_deref()))?;
    let out = st.centre.issue(req).await?;
    let status = if out.created { StatusCode::CREATED } else { StatusCode::OK };
    let location = format!("/api/v1/tickets/{}", out.ticket.tracking_code);
    Ok((status, [(header::LOCATION, location)], Json::<IssuedTicket>(out.ticket)).into_response())
}

async fn track(State(st): State<AppState>, Path(code): Path<String>) -> Result<Json<TicketView>, HttpError> {
    Ok(Json(st.centre.ticket(&code).await?))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page_html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"20\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"/static/ticket.css\"></head>\
         <body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// The phone page for a ticket (Vietnamese first, English below).
pub fn render_ticket_page(t: &TicketView) -> String {
    let status = match t.status {
        TicketStatus::Waiting => {
            let ahead = t.people_ahead.unwrap_or(0);
            let wait = t.estimated_wait_minutes.unwrap_or(0);
            if ahead == 0 {
                "Sắp đến lượt bạn — please get ready".to_string()
            } else {
                format!(
                    "Còn {ahead} người phía trước, khoảng {wait} phút<br><span class=\"muted\">{ahead} ahead of you, about {wait} min</span>"
                )
            }
        }
        TicketStatus::Called => format!(
            "<span class=\"call\">Mời đến Quầy {0}</span><br><span class=\"muted\">Please go to counter {0}</span>",
            t.counter.unwrap_or(0)
        ),
        TicketStatus::Served => "Đã phục vụ xong — served".to_string(),
        TicketStatus::NoShow => "Vắng mặt khi được gọi — missed the call; please take a new number".to_string(),
        TicketStatus::Expired => format!("Vé ngày {} đã hết hiệu lực — this ticket has expired", format_date(t.service_day)),
    };
    let issued = format_time_date(t.issued_at, " ");
    let body = format!(
        "<div class=\"muted\">{vi} · {en}</div><h1>{num}</h1><div class=\"st\">{status}</div>\
         <div class=\"muted\">Lấy số lúc {issued}{offline}</div>\
         <p class=\"muted\">Trang tự cập nhật mỗi 20 giây · refreshes every 20 s</p>",
        vi = escape(&t.service_name_vi),
        en = escape(&t.service_name_en),
        num = escape(&t.number),
        offline = if t.offline { " (vé cấp khi mất kết nối)" } else { "" },
    );
    page_html(&format!("Vé {}", t.number), &body)
}

async fn page(State(st): State<AppState>, Path(code): Path<String>) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match st.centre.ticket(&code).await {
        Ok(t) => (no_store, Html(render_ticket_page(&t))).into_response(),
        Err(CentreError::TicketNotFound) => (
            StatusCode::NOT_FOUND,
            no_store,
            Html(page_html(
                "Không tìm thấy vé",
                "<h2>Không tìm thấy vé</h2><p class=\"muted\">Ticket not found. Kiểm tra lại mã QR trên vé.</p>",
            )),
        )
            .into_response(),
        Err(e) => {
            let err = HttpError::from(e);
            (err.status, no_store, Html(page_html("Lỗi", "<h2>Hệ thống đang bận</h2><p class=\"muted\">Please try again shortly.</p>")))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn page_escapes_and_shows_the_counter() {
        let t = TicketView {
            number: "A-023".into(),
            service: "HT".into(),
            service_name_vi: "Hộ tịch <b>".into(),
            service_name_en: "Civil status".into(),
            status: TicketStatus::Called,
            counter: Some(3),
            position: None,
            people_ahead: None,
            estimated_wait_minutes: None,
            issued_at: Utc.with_ymd_and_hms(2026, 3, 2, 1, 15, 0).unwrap(),
            called_at: None,
            service_day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            offline: false,
        };
        let html = render_ticket_page(&t);
        assert!(html.contains("Mời đến Quầy 3"));
        assert!(html.contains("Hộ tịch &lt;b&gt;"));
        assert!(html.contains("08:15 02/03/2026"), "local time on the page");
    }
}
