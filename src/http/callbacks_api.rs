//! Endpoints orchestrators call with their own request shapes:
//! `POST /integrations/azure-devops`, an Azure DevOps "Invoke REST API"
//! check in callback mode (its run's ids and access token arrive as the
//! headers the check documents: see `domain::callback`), and `POST
//! /api/v1/callbacks/unsubscribe`, the Logic Apps / Power Automate HTTP
//! Webhook action's unsubscribe call.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::AppState;
use super::api::{CreatedBody, answer_created, asked_by};
use super::body::JsonBody;
use super::error::{ApiError, ErrorBody};
use crate::domain::{CallbackRequest, DevopsTask, Pause, PauseRequest};
use crate::identity::Caller;

/// The events endpoint a check's decision is posted to.
const DEVOPS_EVENTS: &str =
    "_apis/distributedtask/hubs/{hub}/plans/{plan}/events?api-version=2.0-preview.1";

/// `POST /integrations/azure-devops`: the check's body is a pause request;
/// its headers say which task to complete when the pause settles.
#[utoipa::path(post, path = "/integrations/azure-devops", tag = "pauses",
    params(
        ("PlanUrl" = String, Header, description = "$(system.CollectionUri)"),
        ("ProjectId" = String, Header, description = "$(system.TeamProjectId)"),
        ("HubName" = String, Header, description = "$(system.HostType)"),
        ("PlanId" = String, Header, description = "$(system.PlanId)"),
        ("JobId" = String, Header, description = "$(system.JobId)"),
        ("TaskInstanceId" = String, Header, description = "$(system.TaskInstanceId)"),
        ("AuthToken" = String, Header, description = "$(system.AccessToken)"),
    ),
    request_body = PauseRequest,
    responses(
        (status = 201, description = "Created", body = CreatedBody),
        (status = 200, description = "The check asked again: the same pause", body = CreatedBody),
        (status = 400, description = "A missing or malformed header, or invalid input", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub async fn azure_devops(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonBody(mut request): JsonBody<PauseRequest>,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    let header = |name: &str| -> Result<String, ApiError> {
        let value = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim();
        if value.is_empty() {
            return Err(ApiError::Invalid(format!(
                "{name} header is missing: send the check's default headers"
            )));
        }
        Ok(value.to_owned())
    };
    let id = |name: &str| -> Result<String, ApiError> {
        let value = header(name)?;
        let plain = value.len() <= 64
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        plain
            .then_some(value)
            .ok_or_else(|| ApiError::Invalid(format!("{name} header must be an id or a hub name")))
    };
    let path = DEVOPS_EVENTS
        .replace("{hub}", &id("HubName")?)
        .replace("{plan}", &id("PlanId")?);
    let url = format!(
        "{}/{}/{path}",
        header("PlanUrl")?.trim_end_matches('/'),
        id("ProjectId")?
    );
    request.callback = Some(CallbackRequest {
        kind: "azure_devops".to_owned(),
        url: Some(url),
        devops: Some(DevopsTask {
            job_id: id("JobId")?,
            task_id: id("TaskInstanceId")?,
            auth_token: header("AuthToken")?,
        }),
        ..CallbackRequest::default()
    });
    asked_by(&mut request, caller);
    let created = state.pauses.create(request).await?;
    Ok(answer_created(&state, created))
}

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
