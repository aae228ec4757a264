//! Dossier status: `GET /api/v1/dossiers/{code}` (device token: dossier codes
//! are sequential, so they are not secrets the way tracking codes are).

use super::{AppState, HttpError};
use crate::centre::api::DossierView;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/dossiers/{code}", get(dossier))
}

/// 200 with the dossier; 400 `malformed_code`; 404 `dossier_not_found`.
async fn dossier(
    State(st): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<DossierView>, HttpError> {
    Ok(Json(st.centre.dossier(&code).await?))
}
