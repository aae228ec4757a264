//! Counters (desks): `GET /api/v1/counters`, the console view
//! `GET /api/v1/counters/{n}/console`, and the officer's actions
//! `POST /api/v1/counters/{n}/call-next | recall | start | transfer | no-show |
//! complete | pause | resume`. An action with an `Idempotency-Key` header is
//! done once: the same key again answers the first response.

use super::{counter_number, ApiJson, AppState, HttpError};
use crate::centre::api::{
    ConsoleView, CounterActionResponse, CounterCommand, CounterRatingRequest, CountersResponse, PauseRequest,
    RatingReceipt, TransferRequest,
};
use crate::centre::core::SessionInfo;
use crate::domain::access::{Action, Principal, Scope};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
        .route("/api/v1/counters/{n}/rating", post(rate))
}

/// The citizen's rating on the counter's screen (`auth.rs`: a counter device
/// of counter `n`): 201 new, 200 the same key again.
async fn rate(
    State(st): State<AppState>,
    caller: Principal,
    Path(n): Path<String>,
    ApiJson(req): ApiJson<CounterRatingRequest>,
) -> Result<Response, HttpError> {
    let n = counter_number(&n)?;
    let out = st.centre.rate_at_counter(n, caller.id().to_string(), req).await?;
    let status = if out.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json::<RatingReceipt>(out.receipt)).into_response())
}

async fn list(State(st): State<AppState>) -> Result<Json<CountersResponse>, HttpError> {
    Ok(Json(st.centre.counters().await?))
}

/// Who may read it is decided by `auth.rs` (seeing the citizen at that counter).
async fn console(State(st): State<AppState>, Path(n): Path<String>) -> Result<Json<ConsoleView>, HttpError> {
    let n = counter_number(&n)?;
    Ok(Json(st.centre.console(n).await?))
}

/// The caller of an action, its officer session if any, and its idempotency key.
struct Ctx {
    caller: Principal,
    session: Option<SessionInfo>,
    key: Option<String>,
}

impl Ctx {
    fn new(
        caller: Principal,
        session: Option<Extension<SessionInfo>>,
        headers: &HeaderMap,
    ) -> Result<Ctx, HttpError> {
        let key = match headers.get("idempotency-key") {
            Some(v) => Some(
                v.to_str()
                    .map_err(|_| HttpError::bad_request("Idempotency-Key must be visible ASCII"))?
                    .to_string(),
            ),
            None => None,
        };
        Ok(Ctx { caller, session: session.map(|Extension(s)| s), key })
    }
}

/// Runs a counter action (the caller may act at this counter: `auth.rs`). The
/// citizen's identity goes back only to whom may see it at this counter.
async fn act(
    st: &AppState,
    n: &str,
    cmd: CounterCommand,
    ctx: Ctx,
) -> Result<Json<CounterActionResponse>, HttpError> {
    let n = counter_number(n)?;
    let actor = ctx.session.as_ref().map(|s| s.actor()).unwrap_or_default();
    let mut r = st.centre.counter_action_as(n, cmd, actor, ctx.key).await?;
    if !ctx.caller.allows(Action::SeeCitizen, Scope::Counter(Some(n))) {
        if let Some(t) = r.ticket.as_mut() {
            t.citizen = None;
        }
    }
    Ok(Json(r))
}

macro_rules! action {
    ($name:ident, $cmd:expr) => {
        async fn $name(
            State(st): State<AppState>,
            caller: Principal,
            session: Option<Extension<SessionInfo>>,
            Path(n): Path<String>,
            headers: HeaderMap,
        ) -> Result<Json<CounterActionResponse>, HttpError> {
            act(&st, &n, $cmd, Ctx::new(caller, session, &headers)?).await
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
    caller: Principal,
    session: Option<Extension<SessionInfo>>,
    Path(n): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PauseRequest>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &n, CounterCommand::Pause { reason: req.reason }, Ctx::new(caller, session, &headers)?).await
}

async fn transfer(
    State(st): State<AppState>,
    caller: Principal,
    session: Option<Extension<SessionInfo>>,
    Path(n): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<Json<CounterActionResponse>, HttpError> {
    act(&st, &n, CounterCommand::Transfer(req), Ctx::new(caller, session, &headers)?).await
}
