//! `GET /api/v1/services`: the services with live figures.

use super::{AppState, HttpError};
use crate::centre::api::ServicesResponse;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/services", get(list))
}

async fn list(State(st): State<AppState>) -> Result<Json<ServicesResponse>, HttpError> {
    Ok(Json(st.centre.services().await?))
}
