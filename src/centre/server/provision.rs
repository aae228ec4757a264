//! `POST /api/v1/provision`: a new device redeems its one-time code. No
//! token (the code is the credential), so wrong codes are counted per client
//! address like wrong sign-ins: after 5 within 5 minutes the address gets
//! 429 `too_many_attempts` until 5 minutes after the first; a redeemed code
//! starts the count again.

use super::{ApiJson, AppState, HttpError};
use crate::centre::api::{OfflineRange, ProvisionRequest, Provisioned};
use crate::centre::devices::Rules;
use crate::centre::provision::ProvisionError;
use crate::domain::access::Role;
use crate::domain::provision::ProvisionCode;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use std::net::SocketAddr;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/provision", post(redeem))
}

fn refused(e: &ProvisionError) -> HttpError {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpError::new(status, e.code(), e.to_string())
}

async fn redeem(State(st): State<AppState>, req: Request) -> Result<Json<Provisioned>, HttpError> {
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical().to_string())
        .unwrap_or_default();
    let guard = &st.web.provisions;
    if let Err(wait) = guard.check(&addr) {
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many wrong provisioning codes from this address; try again in {wait} s"),
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    let ApiJson(body) = ApiJson::<ProvisionRequest>::from_request(req, &st).await?;
    let role = match Role::parse(&body.role) {
        Some(r @ (Role::Kiosk | Role::Display | Role::Counter)) => r,
        _ => return Err(HttpError::bad_request("role must be kiosk, display or counter")),
    };
    let code = match ProvisionCode::parse(&body.code) {
        Ok(c) => c,
        Err(e) => {
            guard.failed(&addr);
            return Err(HttpError::bad_request(e.message_en()));
        }
    };
    let rules = Rules {
        configured: st.auth.configured(),
        centre_range: st.centre.offline_range(),
        served: st.centre.served_counters(),
    };
    match st.centre.redeem_provision(code, role, rules).await? {
        Ok(r) => {
            guard.succeeded(&addr);
            Ok(Json(Provisioned {
                device_id: r.device_id,
                role: r.role.key().into(),
                token: r.token,
                offline_range: r.offline_range.map(|(start, end)| OfflineRange { start, end }),
                counters: r.counters,
                tls_pin: st.tls_pin.as_deref().map(str::to_string),
            }))
        }
        Err(e) => {
            if matches!(e, ProvisionError::Unknown | ProvisionError::Used | ProvisionError::Expired) {
                guard.failed(&addr);
            }
            tracing::warn!(%addr, code = e.code(), "provisioning refused");
            Err(refused(&e))
        }
    }
}
