//! `POST /api/v1/pauses/{id}/deliveries/{delivery}/retry`: an operator
//! sends a failed delivery again, under the same delivery id.

use axum::Json;
use axum::extract::{Path, State};

use super::AppState;
use crate::domain::{Pause, PauseId};
use crate::http::error::{ApiError, ErrorBody};

/// Queues a new attempt of a failed delivery; the pause as it is then.
#[utoipa::path(post, path = "/api/v1/pauses/{id}/deliveries/{delivery}/retry", tag = "pauses",
    params(
        ("id" = String, Path, description = "pau_…"),
        ("delivery" = String, Path, description = "del_…, from the pause's deliveries"),
    ),
    responses(
        (status = 200, description = "Queued: the delivery is pending again, due now", body = Pause),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause or delivery", body = ErrorBody),
        (status = 409, description = "The delivery has not failed", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn retry(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Json<Pause>, ApiError> {
    let not_found = || ApiError::NotFound("no pause has that id".to_owned());
    let id = PauseId::parse(&id).ok_or_else(not_found)?;
    Ok(Json(state.pauses.redeliver(&id, &delivery).await?))
}
