//! `GET /api/v1/catalog`: the centre's procedure catalog for kiosks, with the
//! catalog version as ETag so a kiosk downloads it only when it changed.

use super::{AppState, HttpError};
use crate::catalog::store;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/catalog", get(catalog))
}

/// `"2026.11.1"` → `"\"2026.11.1\""` (a strong ETag is a quoted string).
pub fn etag(version: &str) -> String {
    format!("\"{version}\"")
}

async fn catalog(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, HttpError> {
    let dir = st.catalog_dir.clone();
    // The installed catalog when there is one, else the bundled sample.
    let (version, body) = tokio::task::spawn_blocking(move || -> Result<(String, String), String> {
        if let Some(dir) = dir {
            let path = store::db_path(&dir);
            if let Ok(Some(_)) = store::read_info(&path) {
                let (info, file) = store::read_catalog(&path).map_err(|e| e.to_string())?;
                return Ok((info.version, serde_json::to_string(&file).map_err(|e| e.to_string())?));
            }
        }
        let version = crate::catalog::bundled_version().map_err(|e| e.to_string())?;
        Ok((version, crate::catalog::BUNDLED_JSON.to_string()))
    })
    .await
    .map_err(|e| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
    .map_err(|e| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "catalog_unavailable", e))?;
    let tag = etag(&version);
    let tag_value = HeaderValue::from_str(&tag)
        .map_err(|_| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "bad catalog version"))?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag_value)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [(header::ETAG, tag_value), (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response())
}
