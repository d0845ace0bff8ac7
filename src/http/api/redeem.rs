//! `POST /api/v1/pauses/{id}/redeem`: a settled pause's outcome, used
//! once by the caller that asked for it (the MCP gateway redeems an
//! approval before it forwards the call it was for); and
//! `POST /api/v1/pauses/{id}/release`: an operator starts now what a
//! change window holds.

use axum::Json;
use axum::extract::{Extension, State};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::AppState;
use super::params::IdParam;
use crate::domain::Pause;
use crate::http::error::{ApiError, ErrorBody};
use crate::identity::Caller;
use crate::pauses::Requester;

/// The pause, and when this call redeemed it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RedeemedBody {
    #[serde(flatten)]
    pause: Pause,
    /// When it was redeemed: now.
    redeemed_at: DateTime<Utc>,
}

/// `POST /api/v1/pauses/{id}/redeem`.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/redeem", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "Redeemed by this call: act on the outcome now", body = RedeemedBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 403, description = "Another caller asked for this pause", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 409, description = "Still pending, or redeemed before (the message says when)", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn redeem(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    IdParam(id): IdParam,
) -> Result<Json<RedeemedBody>, ApiError> {
    let (pause, redeemed_at) = state
        .pauses
        .redeem(&id, &Requester::caller(&caller))
        .await?;
    Ok(Json(RedeemedBody { pause, redeemed_at }))
}

/// `POST /api/v1/pauses/{id}/release`.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/release", tag = "pauses",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "What the change window held starts now; the pause says who released it", body = Pause),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 403, description = "Not the server's own key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 409, description = "Nothing of it waits for a change window", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn release(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    IdParam(id): IdParam,
) -> Result<Json<Pause>, ApiError> {
    super::delegations::operator_only(&caller, "release a held start")?;
    Ok(Json(state.pauses.release(&id, caller.name.clone()).await?))
}
