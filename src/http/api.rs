//! The management API: create, read, list, decide, cancel and wait on
//! pauses. Every route here sits behind the API key.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::body::JsonBody;
use super::error::ApiError;
use crate::domain::{DecisionInput, Pause, PauseId, PauseRequest, Verdict, parse_duration};

/// Longest a single wait request may hold.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Wait time when the request names none.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// The create answer: the pause, plus the token and link shown only here.
#[derive(Serialize)]
pub struct CreatedBody {
    #[serde(flatten)]
    pause: Pause,
    token: String,
    review_url: String,
}

/// `POST /api/v1/pauses`: 201 with a new pause, or 200 with the earlier
/// pause (and a fresh token) when the idempotency key was seen before.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(mut request): JsonBody<PauseRequest>,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    request.idempotency_key = merge_idempotency_key(&headers, request.idempotency_key)?;
    let created = state.pauses.create(request).await?;
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
    Ok((status, Json(body)))
}

/// The key from the `Idempotency-Key` header or the body; both must agree.
fn merge_idempotency_key(
    headers: &HeaderMap,
    from_body: Option<String>,
) -> Result<Option<String>, ApiError> {
    let from_header = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
            ApiError::Invalid("Idempotency-Key header must be printable ASCII".to_owned())
        })?),
    };
    match (from_header, from_body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::Invalid(
            "idempotency_key in the body differs from the Idempotency-Key header".to_owned(),
        )),
        (h, b) => Ok(h.or(b)),
    }
}

/// `GET /api/v1/pauses/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.get(&PauseId::from_stored(id)).await?))
}

/// Query of the list.
#[derive(Deserialize)]
pub struct ListParams {
    state: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A page of the list.
#[derive(Serialize)]
pub struct ListBody {
    items: Vec<Pause>,
    next_cursor: Option<String>,
}

/// `GET /api/v1/pauses?state=&limit=&cursor=`.
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ListBody>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::Invalid(e.body_text()))?;
    let listing = state
        .pauses
        .list(
            params.state.as_deref(),
            params.limit,
            params.cursor.as_deref(),
        )
        .await?;
    Ok(Json(ListBody {
        items: listing.items,
        next_cursor: listing.next_cursor,
    }))
}

/// `POST /api/v1/pauses/{id}/approve`.
pub async fn approve(
    state: State<AppState>,
    id: Path<String>,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    decide(state, id, Verdict::Approve, body).await
}

/// `POST /api/v1/pauses/{id}/reject`.
pub async fn reject(
    state: State<AppState>,
    id: Path<String>,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    decide(state, id, Verdict::Reject, body).await
}

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    verdict: Verdict,
    body: Option<JsonBody<DecisionInput>>,
) -> Result<Json<Pause>, ApiError> {
    let input = body.map(|JsonBody(input)| input).unwrap_or_default();
    let id = PauseId::from_stored(id);
    Ok(Json(state.pauses.decide_by_id(&id, verdict, input).await?))
}

/// `POST /api/v1/pauses/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.cancel(&PauseId::from_stored(id)).await?))
}

/// Query of the wait.
#[derive(Deserialize)]
pub struct WaitParams {
    timeout: Option<String>,
}

/// `GET /api/v1/pauses/{id}/wait?timeout=30s`: the pause once decided, or
/// as it stands when the timeout passes (or the server begins to stop).
pub async fn wait(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<WaitParams>, QueryRejection>,
) -> Result<Json<Pause>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::Invalid(e.body_text()))?;
    let timeout = wait_timeout(params.timeout.as_deref())?;
    let id = PauseId::from_stored(id);
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
        .map_err(|why| ApiError::Invalid(format!("timeout: {why}")))?
        .to_std()
        .unwrap_or(MAX_WAIT);
    // Longer asks are held for the most a proxy will usually allow.
    Ok(timeout.min(MAX_WAIT))
}
