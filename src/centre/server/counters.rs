//! Counters (desks): `GET /api/v1/counters`, the console view
//! `GET /api/v1/counters/{n}/console`, and the officer's actions
//! `POST /api/v1/counters/{n}/call-next | recall | start | transfer | no-show |
//! complete | pause | resume`. An action with an `Idempotency-Key` header is
//! done once: the same key again answers the first response.

use super::officer::Caller;
use super::{counter_number, ApiJson, AppState, HttpError};
use crate::centre::api::{
    ConsoleView, CounterActionResponse, CounterCommand, CountersResponse, PauseRequest, TransferRequest,
};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/counters", get(list))
        .route("/api/v1/counters/{n}/console", get(console))
        .route("/api/v1/counters/{n}/call-next", post(call_next))
        .route("/api/v1/counters/{n}/recall", post(recall))
        .route("/api/v1/counters/{n}/start", post(start))
        .route("/api/v1/counters/{n}/transfer", post(transfer))
        .route("/api/v1/counters/{n}/no-show", post(no_show))
        .route("/api/v1/counters/{n}/complete", post(complete))
        .route("/api/v1/counters/{n}/pause", post(pause))
        .route("/api/v1/counters/{n}/resume", post(resume))
}

async fn list(State(st): State<AppState>) -> Result<Json<CountersResponse>, HttpError> {
    Ok(Json(st.centre.counters().await?))
}

async fn console(State(st): State<AppState>, Path(n): Path<String>) -> Result<Json<ConsoleView>, HttpError> {
    let n = counter_number(&n)?;
    Ok(Json(st.centre.console(n).await?))
}

/// The request's context for an action: who acts, and its idempotency key.
struct Ctx {
    caller: Caller,
    key: Option<String>,
}

impl Ctx {
    fn new(caller: Caller, headers: &HeaderMap) -> Result<Ctx, HttpError> {
        let key = match headers.get("idempotency-key") {
            Some(v) => Some(
                v.to_str()
                    .map_err(|_| HttpError::bad_request("Idempotency-Key must be visible ASCII"))?
                    .to_string(),
            ),
            None => None,
        };
        Ok(Ctx { caller, key })
    }
}

async fn act(st: &AppState, n: &str, cmd: CounterCommand, ctx: Ctx) -> Result<Json<CounterActionResponse>, HttpError> {
    let n = counter_number(n)?;
    let actor = ctx.caller.session().map(|s| s.actor()).unwrap_or_default();
    Ok(Json(st.centre.counter_action_as(n, cmd, actor, ctx.key).await?))
}

macro_rules! action {
    ($name:ident, $cmd:expr) => {
        async fn $name(
            State(st): State<AppState>,
            Path(n): Path<String>,
            Extension(caller): Extension<Caller>,
            headers: HeaderMap,
        ) -> Result<Json<CounterActionResponse>, HttpError> {
            act(&st, &n, $cmd, Ctx::new(caller, &headers)?).await
        }
    };
}

action!(call_next, CounterCommand::CallNext);
action!(recall, CounterCommand::Recall);
action!(start, CounterCommand::Start);
action!(no_show, CounterCommand::NoShow);
action!(complete, CounterCommand::Complete);
action!(resume, CounterCommand::Resume);

async fn pause(
    State(st): State<AppState>,
    Path(n): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PauseRequest>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &n, CounterCommand::Pause { reason: req.reason }, Ctx::new(caller, &headers)?).await
}

async fn transfer(
    State(st): State<AppState>,
    Path(n): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &n, CounterCommand::Transfer(req), Ctx::new(caller, &headers)?).await
}
