//! `GET /api/v1/reports/day?day=YYYY-MM-DD`: a day's figures for the manager
//! (the dashboard and the printable report show the same).

use super::{ApiQuery, AppState, HttpError};
use crate::centre::api::DayReport;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/reports/day", get(day))
}

#[derive(Debug, Deserialize)]
struct DayQuery {
    day: Option<NaiveDate>,
}

async fn day(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> Result<Json<DayReport>, HttpError> {
    Ok(Json(st.centre.day_report(q.day).await?))
}
