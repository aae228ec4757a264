//! Device health: `POST /api/v1/kiosks/{id}/heartbeat`, `GET /api/v1/kiosks`,
//! and the fleet view `GET /api/v1/devices`.

use super::{ApiJson, AppState, HttpError};
use crate::centre::api::{DevicesResponse, HeartbeatAck, HeartbeatRequest, KiosksResponse};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kiosks", get(list))
        .route("/api/v1/kiosks/{id}/heartbeat", post(heartbeat))
        .route("/api/v1/devices", get(devices))
}

async fn heartbeat(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HeartbeatRequest>,
) -> Result<Json<HeartbeatAck>, HttpError> {
    Ok(Json(st.centre.heartbeat(&id, req).await?))
}

async fn list(State(st): State<AppState>) -> Result<Json<KiosksResponse>, HttpError> {
    Ok(Json(st.centre.kiosks().await?))
}

async fn devices(State(st): State<AppState>) -> Result<Json<DevicesResponse>, HttpError> {
    Ok(Json(st.centre.fleet(st.auth.configured()).await?))
}
