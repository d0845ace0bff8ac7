//! Endpoints orchestrators call about a callback they handed out:
//! `POST /api/v1/callbacks/unsubscribe`, the Logic Apps / Power Automate
//! HTTP Webhook action's unsubscribe call.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::body::JsonBody;
use super::error::{ApiError, ErrorBody};
use crate::domain::Pause;

/// `POST /api/v1/callbacks/unsubscribe` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeBody {
    /// The callback URL the pause was created with (`@{listCallbackUrl()}`).
    callback_url: String,
}

/// `POST /api/v1/callbacks/unsubscribe`: cancels the pending pause made
/// for this callback; a settled one is answered as it is, so the call
/// Logic Apps also makes after a finished action changes nothing.
#[utoipa::path(post, path = "/api/v1/callbacks/unsubscribe", tag = "pauses",
    request_body = UnsubscribeBody,
    responses(
        (status = 200, description = "The pause: cancelled now, or as it was settled", body = Pause),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No pause was made for this callback", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UnsubscribeBody>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.unsubscribe(&body.callback_url).await?))
}
