//! CTI: the contact life-cycle events of the PBX connector, the wallboard
//! and the events of a call.

use super::*;
use telephony::{AgentView, CtiEvent, EventResult, Wallboard};

/// Who sends events: the PBX/CTI connector's account.
const SENDERS: &[Role] = &[Role::Integration, Role::Admin];
/// Who watches queues and calls.
const WATCHERS: &[Role] = &[Role::Supervisor, Role::Admin];

impl From<telephony::Error> for ApiError {
    fn from(e: telephony::Error) -> Self {
        Self(AppError::from(e))
    }
}

/// One event or a batch (the schema of the request; parsed by
/// [`telephony::parse_events`]).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub(super) enum EventBody {
    /// A batch, applied in the order given.
    Batch(Vec<CtiEvent>),
    /// One event.
    One(Box<CtiEvent>),
}

/// What happened to each event, in the order sent (the schema of the
/// answer; written by [`telephony::results_json`]).
#[allow(dead_code)]
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventResults {
    /// Per event: `accepted`, `flagged`, `pending`, `duplicate` or `rejected` (with `error`).
    results: Vec<EventResult>,
    /// Events accepted now (accepted or flagged).
    accepted: usize,
    /// Events refused.
    rejected: usize,
}

/// Receives contact life-cycle events from the PBX connector (one object
/// or an array of up to 5,000), stores them raw in the `telephony` graph
/// and applies them to the ACD. Idempotent by event `id`; events of a call
/// not yet known are held for the reorder window (`pending`). The answer
/// comes once the events are durably stored. A single rejected event
/// answers 400 (or 409 for a conflict with the current state); in a batch
/// every event has its own status and the answer is 200.
#[utoipa::path(post, path = "/api/v1/cti/events", tag = "cti", request_body(content = EventBody,
    example = json!({"id": "pbx-000123", "type": "offered", "at": "2026-11-23T09:00:00Z", "call": "c-42", "caller": "+390874000000", "dialled": "800000000"})),
    responses((status = 200, body = EventResults), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn post_events(State(state): State<AppState>, user: ApiUser, body: Bytes) -> ApiResult<Response> {
    user.require(SENDERS)?;
    let (mut events, single) = telephony::parse_events(&body).map_err(|e| ApiError(AppError::BadRequest(e)))?;
    for e in &mut events {
        // The source and the server's fields are the server's to set.
        e.source = telephony::Source::Pbx;
        e.seq = 0;
        e.flags.clear();
    }
    let results = state.telephony.submit(events).await?;
    if single
        && let Some(r) = results.first()
        && r.status == "rejected"
    {
        let msg = r.error.clone().unwrap_or_default();
        return Err(ApiError(match r.reason.as_deref() {
            Some("conflict") => AppError::Conflict(msg),
            Some("not_found") => AppError::NotFound(msg),
            _ => AppError::BadRequest(msg),
        }));
    }
    let json = tokio::task::spawn_blocking(move || telephony::results_json(&results)).await.map_err(AppError::from)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// The supervisor's wallboard: per queue agents by state, waiting calls,
/// wait of the first, load, terminals, today's counters and the queue-wait chart.
#[utoipa::path(get, path = "/api/v1/cti/wallboard", tag = "cti",
    responses((status = 200, body = Wallboard), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn wallboard(State(state): State<AppState>, user: ApiUser) -> ApiResult<axum::Json<Wallboard>> {
    user.require(&[Role::Supervisor, Role::Admin, Role::Analyst])?;
    Ok(axum::Json(state.telephony.wallboard()))
}

/// Every agent known to the ACD today, with state.
#[utoipa::path(get, path = "/api/v1/cti/agents", tag = "cti",
    responses((status = 200, body = [AgentView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn agents(State(state): State<AppState>, user: ApiUser) -> ApiResult<axum::Json<Vec<AgentView>>> {
    user.require(WATCHERS)?;
    Ok(axum::Json(state.telephony.engine().agents(state.telephony.now())))
}

/// The stored events of a call, in order (personal data: operators, supervisors).
#[utoipa::path(get, path = "/api/v1/cti/calls/{id}/events", tag = "cti", params(("id" = String, Path, description = "The call id")),
    responses((status = 200, body = [CtiEvent]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn call_events(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<CtiEvent>>> {
    user.require(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin])?;
    let t = state.telephony.clone();
    let events = tokio::task::spawn_blocking(move || t.call_events(&id).map(|v| (id, v))).await.map_err(AppError::from)??;
    if events.1.is_empty() {
        return Err(ApiError(AppError::NotFound(format!("no events of call {:?}", events.0))));
    }
    Ok(axum::Json(events.1))
}
