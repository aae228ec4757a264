//! Counters (desks): `GET /api/v1/counters` and the officer's actions
//! `POST /api/v1/counters/{n}/call-next | recall | no-show | complete | pause | resume`.

use super::{counter_number, ApiJson, AppState, HttpError};
use crate::centre::api::{CounterActionResponse, CounterCommand, CountersResponse, PauseRequest};
use crate::domain::access::{Action, Principal, Scope};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/counters", get(list))
        .route("/api/v1/counters/{n}/call-next", post(call_next))
        .route("/api/v1/counters/{n}/recall", post(recall))
        .route("/api/v1/counters/{n}/no-show", post(no_show))
        .route("/api/v1/counters/{n}/complete", post(complete))
        .route("/api/v1/counters/{n}/pause", post(pause))
        .route("/api/v1/counters/{n}/resume", post(resume))
}

async fn list(State(st): State<AppState>) -> Result<Json<CountersResponse>, HttpError> {
    Ok(Json(st.centre.counters().await?))
}

/// Runs a counter action (the caller may act at this counter: `auth.rs`). The
/// citizen's identity goes back only to whom may see it at this counter.
async fn act(
    st: &AppState,
    caller: &Principal,
    n: &str,
    cmd: CounterCommand,
) -> Result<Json<CounterActionResponse>, HttpError> {
    let n = counter_number(n)?;
    let mut r = st.centre.counter_action(n, cmd).await?;
    if !caller.allows(Action::SeeCitizen, Scope::Counter(Some(n))) {
        if let Some(t) = r.ticket.as_mut() {
            t.citizen = None;
        }
    }
    Ok(Json(r))
}

async fn call_next(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::CallNext).await
}

async fn recall(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::Recall).await
}

async fn no_show(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::NoShow).await
}

async fn complete(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::Complete).await
}

async fn pause(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
    ApiJson(req): ApiJson<PauseRequest>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::Pause { reason: req.reason }).await
}

async fn resume(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &caller, &n, CounterCommand::Resume).await
}
