//! `/api/v1/delegations`: an operator records that someone is away and
//! who decides for them meanwhile, lists what holds or is to come, and
//! withdraws one. The rules are `domain::Delegation`'s.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::AppState;
use crate::domain::Delegation;
use crate::http::body::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::identity::{Caller, CallerKind};
use crate::pauses::DelegationRequest;

/// Delegations and early releases change who decides and when a pipeline
/// starts: only the operator's key, the server's own, may make them, never
/// a pipeline's named key or token.
pub(super) fn operator_only(caller: &Caller, what: &str) -> Result<(), ApiError> {
    match caller.how {
        CallerKind::ServerKey => Ok(()),
        CallerKind::NamedKey | CallerKind::Oidc => Err(ApiError::Forbidden(format!(
            "only the server's own API key may {what}"
        ))),
    }
}

/// The delegations that have not ended.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DelegationList {
    items: Vec<Delegation>,
}

/// `POST /api/v1/delegations`.
#[utoipa::path(post, path = "/api/v1/delegations", tag = "pauses",
    request_body = DelegationRequest,
    responses(
        (status = 201, description = "Recorded", body = Delegation),
        (status = 400, description = "A field is wrong, the delegate is the person, or it overlaps \
            another delegation of the same person; the message names the field", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 403, description = "Not the server's own key", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<DelegationRequest>,
) -> Result<(StatusCode, Json<Delegation>), ApiError> {
    operator_only(&caller, "record delegations")?;
    let delegation = state.pauses.delegate(request, caller.name.clone()).await?;
    Ok((StatusCode::CREATED, Json(delegation)))
}

/// `GET /api/v1/delegations`.
#[utoipa::path(get, path = "/api/v1/delegations", tag = "pauses",
    responses(
        (status = 200, description = "Those holding now or later, soonest first", body = DelegationList),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<DelegationList>, ApiError> {
    let items = state.pauses.delegations().await?;
    Ok(Json(DelegationList { items }))
}

/// `DELETE /api/v1/delegations/{id}`.
#[utoipa::path(delete, path = "/api/v1/delegations/{id}", tag = "pauses",
    params(("id" = String, Path, description = "dlg_…")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 403, description = "Not the server's own key", body = ErrorBody),
        (status = 404, description = "No such delegation", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    operator_only(&caller, "withdraw delegations")?;
    state.pauses.withdraw_delegation(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
