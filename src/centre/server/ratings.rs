//! Satisfaction ratings (device token): the ticket to rate
//! (`GET /api/v1/ratings/context`), the rating (`POST /api/v1/ratings`), and
//! the tallies for officials (`GET /api/v1/ratings/summary`, JSON or CSV).

use super::{ApiJson, ApiQuery, AppState, HttpError};
use crate::centre::api::{RatingContext, RatingContextQuery, RatingReceipt, RatingRequest, SummaryGroup};
use crate::centre::core::summary_csv;
use crate::domain::access::{Action, Principal, Scope};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

/// Rating and the ticket look-up before it (rate-limited: ticket numbers are guessable).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/ratings", post(rate)).route("/api/v1/ratings/context", get(context))
}

/// The report.
pub(super) fn report_routes() -> Router<AppState> {
    Router::new().route("/api/v1/ratings/summary", get(summary))
}

async fn context(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<RatingContextQuery>,
) -> Result<Json<RatingContext>, HttpError> {
    Ok(Json(st.centre.rating_context(q).await?))
}

/// 201 with the new rating, or 200 with the same rating for a replayed key.
/// A kiosk sends ratings only under its own id.
async fn rate(
    State(st): State<AppState>,
    caller: Principal,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<Response, HttpError> {
    caller.check(Action::Rate, Scope::Kiosk { id: &req.kiosk_id, offline_seq: None })?;
    let out = st.centre.rate(req).await?;
    let status = if out.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json::<RatingReceipt>(out.receipt)).into_response())
}

#[derive(Debug, Deserialize)]
struct SummaryQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    group: Option<String>,
    format: Option<String>,
}

async fn summary(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Response, HttpError> {
    let group = match q.group.as_deref() {
        None | Some("") => SummaryGroup::Day,
        Some(g) => SummaryGroup::parse(g).ok_or_else(|| {
            HttpError::bad_request(format!("group must be counter, service, officer or day, not `{g}`"))
        })?,
    };
    let csv = match q.format.as_deref() {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(f) => return Err(HttpError::bad_request(format!("format must be json or csv, not `{f}`"))),
    };
    let s = st.centre.rating_summary(q.from, q.to, group).await?;
    if !csv {
        return Ok(Json(s).into_response());
    }
    let name = format!("attachment; filename=\"danh-gia-{}-{}-{}.csv\"", s.from, s.to, group.key());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        summary_csv(&s),
    )
        .into_response())
}
