//! Help requests: `POST /api/v1/kiosks/{id}/help` (the kiosk itself),
//! `GET /api/v1/help` (the open ones) and `POST /api/v1/help/{id}/resolve`
//! (an officer, a manager, a counter terminal or the admin).

use super::{AppState, HttpError};
use crate::centre::api::{HelpList, HelpRequest};
use crate::domain::access::Principal;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kiosks/{id}/help", post(request))
        .route("/api/v1/help", get(list))
        .route("/api/v1/help/{hid}/resolve", post(resolve))
}

/// 201 with a new request, 200 with the one already open at this kiosk.
async fn request(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<HelpRequest>), HttpError> {
    let (r, created) = st.centre.request_help(&id).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(r)))
}

async fn list(State(st): State<AppState>) -> Result<Json<HelpList>, HttpError> {
    Ok(Json(st.centre.open_help().await?))
}

async fn resolve(
    State(st): State<AppState>,
    caller: Principal,
    Path(hid): Path<String>,
) -> Result<Json<HelpRequest>, HttpError> {
    let id = hid.parse::<u64>().map_err(|_| {
        HttpError::new(StatusCode::NOT_FOUND, "help_not_found", format!("`{hid}` is not a help request id"))
    })?;
    Ok(Json(st.centre.resolve_help(id, caller.id()).await?))
}
