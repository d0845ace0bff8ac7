//! The management API: create, read, list, decide, cancel and wait on
//! pauses. Every route here sits behind the API key.

use std::time::Duration;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::params::IdParam;
use super::query::QueryParams;
use crate::domain::{Pause, Verdict, parse_duration};
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::error::ErrorBody;
use crate::identity::Caller;
use crate::pauses::{DecisionInput, PauseRequest, Requester};

/// Longest a single wait request may hold.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Wait time when the request names none.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// The create answer: the pause, plus the token and link shown only here.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedBody {
    #[serde(flatten)]
    pause: Pause,
    /// The creator's link token (86 characters); shown only in this answer.
    token: String,
    /// `{public_url}/r/{token}`.
    review_url: String,
}

/// `POST /api/v1/pauses`: 201 with a new pause, or 200 with the earlier
/// pause (and a fresh token) when the idempotency key was seen before.
#[utoipa::path(post, path = "/api/v1/pauses", tag = "pauses",
    params(("Idempotency-Key" = Option<String>, Header, description = "Same as idempotency_key in the body")),
    request_body = PauseRequest,
    responses(
        (status = 201, description = "Created", body = CreatedBody),
        (status = 200, description = "The idempotency key was used before: the earlier pause, with a fresh token", body = CreatedBody),
        (status = 400, description = "Invalid input; the message names the field", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "The idempotency key was used before by this caller with a different request (code idempotency_key_reused); nothing was stored", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonBody(mut request): JsonBody<PauseRequest>,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    request.idempotency_key = merge_idempotency_key(&headers, request.idempotency_key)?;
    let created = state
        .pauses
        .create(request, Requester::caller(&caller))
        .await?;
    Ok(answer_created(&state, created))
}

/// 201 with the new pause, or 200 with the earlier one, and the link.
pub(crate) fn answer_created(
    state: &AppState,
    created: crate::pauses::CreatedPause,
) -> (StatusCode, Json<CreatedBody>) {
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let token = created.token.expose().to_owned();
    let body = CreatedBody {
        review_url: state.review_url(&token),
        pause: created.pause,
        token,
    };
    (status, Json(body))
}

/// The key from the `Idempotency-Key` header or the body; both must agree.
fn merge_idempotency_key(
    headers: &HeaderMap,
    from_body: Option<String>,
) -> Result<Option<String>, ApiError> {
    let from_header = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
            ApiError::invalid(
                "Idempotency-Key",
                "Idempotency-Key header must be printable ASCII",
            )
        })?),
    };
    match (from_header, from_body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::invalid(
            "idempotency_key",
            "idempotency_key in the body differs from the Idempotency-Key header",
        )),
        (h, b) => Ok(h.or(b)),
    }
}

/// `GET /api/v1/pauses/{id}`.
#[utoipa::path(get, path = "/api/v1/pauses/{id}", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "The pause", body = Pause),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn get(
    State(state): State<AppState>,
    IdParam(id): IdParam,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.get(&id).await?))
}

/// Query of the list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// pending, approved, rejected, expired or cancelled.
    #[param(value_type = Option<crate::domain::PauseState>)]
    state: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only pauses with this tag.
    #[param(max_length = 50, pattern = "^[A-Za-z0-9._:/-]+$")]
    tag: Option<String>,
}

/// A page of the list.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ListBody {
    /// Newest first.
    items: Vec<Pause>,
    /// Where the next page starts; `null` on the last page.
    next_cursor: Option<String>,
}

/// `GET /api/v1/pauses?state=&tag=&limit=&cursor=`.
#[utoipa::path(get, path = "/api/v1/pauses", tag = "pauses", params(ListParams),
    responses(
        (status = 200, description = "A page of pauses, newest first", body = ListBody),
        (status = 400, description = "A bad state, tag, limit or cursor", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<ListBody>, ApiError> {
    let listing = state
        .pauses
        .list(
            params.state.as_deref(),
            params.limit,
            params.cursor.as_deref(),
            params.tag.as_deref(),
        )
        .await?;
    Ok(Json(ListBody {
        items: listing.items,
        next_cursor: listing.next_cursor,
    }))
}

/// `POST /api/v1/pauses/{id}/approve`.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/approve", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    request_body(content = DecisionInput, description = "Optional: actor and comment"),
    responses(
        (status = 200, description = "Approved", body = Pause),
        (status = 400, description = "Invalid input; the message names the field", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 403, description = "The pause's rules do not let this caller decide it", body = ErrorBody),
        (status = 409, description = "Already decided or cancelled, or this caller's approval already counts", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn approve(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: IdParam,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    decide(state, caller, id, Verdict::Approve, body).await
}

/// `POST /api/v1/pauses/{id}/reject`.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/reject", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    request_body(content = DecisionInput, description = "Optional: actor and comment"),
    responses(
        (status = 200, description = "Rejected", body = Pause),
        (status = 400, description = "Invalid input; the message names the field", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 403, description = "The pause's rules do not let this caller decide it", body = ErrorBody),
        (status = 409, description = "Already decided or cancelled", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn reject(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: IdParam,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    decide(state, caller, id, Verdict::Reject, body).await
}

async fn decide(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    IdParam(id): IdParam,
    verdict: Verdict,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    let mut input = body.map(|JsonBody(input)| input).unwrap_or_default();
    let identified_by = caller.identified_by();
    // A named caller decides as itself; only the server's unnamed key
    // passes a self-declared `actor` through.
    if let Some(name) = caller.name {
        match &input.actor {
            Some(actor) if *actor != name => {
                return Err(ApiError::invalid(
                    "actor",
                    format!("actor: this caller decides as {name:?}; leave actor out"),
                ));
            }
            _ => input.actor = Some(name),
        }
    }
    let pause = state
        .pauses
        .decide_by_id(&id, verdict, input, identified_by)
        .await?;
    Ok(Json(pause))
}

/// `POST /api/v1/pauses/{id}/cancel`.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/cancel", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "Cancelled", body = Pause),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 409, description = "Already decided or cancelled", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    IdParam(id): IdParam,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.cancel(&id).await?))
}

/// Query of the wait.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WaitParams {
    /// How long to hold the request, e.g. `30s` (default 30s, at most 60s).
    timeout: Option<String>,
}

/// `GET /api/v1/pauses/{id}/wait?timeout=30s`: the pause once decided, or
/// as it stands when the timeout passes (or the server begins to stop).
#[utoipa::path(get, path = "/api/v1/pauses/{id}/wait", tag = "pauses",
    params(("id" = String, Path, description = "pau_…"), WaitParams),
    responses(
        (status = 200, description = "The pause once it is not pending, or as it is at the timeout", body = Pause),
        (status = 400, description = "A bad timeout", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn wait(
    State(state): State<AppState>,
    IdParam(id): IdParam,
    QueryParams(params): QueryParams<WaitParams>,
) -> Result<Json<Pause>, ApiError> {
    let timeout = wait_timeout(params.timeout.as_deref())?;
    let pause = tokio::select! {
        waited = state.pauses.wait(&id, timeout) => waited?,
        () = state.shutdown.cancelled() => state.pauses.get(&id).await?,
    };
    Ok(Json(pause))
}

fn wait_timeout(text: Option<&str>) -> Result<Duration, ApiError> {
    let Some(text) = text else {
        return Ok(DEFAULT_WAIT);
    };
    let timeout = parse_duration(text)
        .map_err(|why| ApiError::invalid("timeout", format!("timeout: {why}")))?
        .to_std()
        .unwrap_or(MAX_WAIT);
    // Longer asks are held for the most a proxy will usually allow.
    Ok(timeout.min(MAX_WAIT))
}
