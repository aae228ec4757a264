//! What every response gets on its way out: security headers (a CSP that allows
//! no inline script or style, nosniff, no referrer, no framing), and a JSON
//! body for every error that left a handler or an extractor as plain text
//! (path and query rejections, body limits, …). HTML error pages (the phone
//! page's "ticket not found") stay HTML.
//!
//! Pages keep their scripts and styles in files served by the centre (see
//! [`routes`]): the CSP below forbids inline ones. A page needing more may set
//! its own `Content-Security-Policy`; it is then left as it is.

use super::{AppState, HttpError};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The phone page's style sheet.
pub const TICKET_CSS: &str = include_str!("static/ticket.css");

/// Largest plain-text error body rewritten as JSON.
const MAX_ERROR_TEXT: usize = 16 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/static/ticket.css", get(ticket_css))
}

async fn ticket_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        TICKET_CSS,
    )
        .into_response()
}

/// The stable code for an error status without one.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

fn is(resp: &Response, prefix: &str) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(prefix))
}

/// Middleware: JSON errors and the security headers.
pub async fn harden(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let status = resp.status();
    if (status.is_client_error() || status.is_server_error())
        && !is(&resp, "application/json")
        && !is(&resp, "text/html")
    {
        let (parts, body) = resp.into_parts();
        let text = axum::body::to_bytes(body, MAX_ERROR_TEXT).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&text).trim().to_string();
        let message =
            if text.is_empty() { status.canonical_reason().unwrap_or("error").to_lowercase() } else { text };
        // 422 is what axum says for a well-formed body of the wrong shape: the API says 400.
        let status =
            if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
        let mut json = HttpError::new(status, code_for(status), message).into_response();
        for (name, value) in parts.headers.iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                json.headers_mut().insert(name.clone(), value.clone());
            }
        }
        resp = json;
    }
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    resp
}
