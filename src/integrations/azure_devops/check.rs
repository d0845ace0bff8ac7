//! `POST /integrations/azure-devops`: an Azure DevOps "Invoke REST API"
//! check in callback mode. The check's body is a pause request; its run's
//! ids and access token arrive as the headers the check documents (see the
//! module doc of [`super`]), and become the pause's callback.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{Map, json};

use super::{DevopsTask, KIND};
use crate::domain::{CallbackPolicy, CallbackRequest, SecretText};
use crate::http::{
    ApiError, AppState, CreatedBody, ErrorBody, JsonBody, answer_created, require_api_key,
};
use crate::identity::Caller;
use crate::pauses::{PauseRequest, Requester};

/// The check's endpoint, behind the API key.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/integrations/azure-devops", post(azure_devops))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ))
}

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
pub(crate) async fn azure_devops(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonBody(mut request): JsonBody<PauseRequest>,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    request.callback = Some(callback(&Headers(&headers), &state.kit.callbacks)?);
    let created = state
        .pauses
        .create(request, Requester::caller(&caller))
        .await?;
    Ok(answer_created(&state, created))
}

/// The check's callback, from its headers; an error names the header.
fn callback(headers: &Headers<'_>, hosts: &CallbackPolicy) -> Result<CallbackRequest, ApiError> {
    let path = DEVOPS_EVENTS
        .replace("{hub}", &headers.id("HubName")?)
        .replace("{plan}", &headers.id("PlanId")?);
    let plan_url = headers.value("PlanUrl")?;
    let url = format!(
        "{}/{}/{path}",
        plan_url.trim_end_matches('/'),
        headers.id("ProjectId")?
    );
    let task = DevopsTask {
        job_id: headers.id("JobId")?,
        task_id: headers.id("TaskInstanceId")?,
        auth_token: SecretText::new(headers.value("AuthToken")?),
    };
    // Checked here too, so that a refusal names the header the URL came from.
    hosts.check("PlanUrl", &url)?;
    let mut details = Map::new();
    details.insert("devops".to_owned(), json!(task));
    Ok(CallbackRequest {
        kind: KIND.to_owned(),
        url: Some(url),
        details,
    })
}

/// The check's headers.
struct Headers<'a>(&'a HeaderMap);

impl Headers<'_> {
    /// Header `name`, which must be there.
    fn value(&self, name: &str) -> Result<String, ApiError> {
        let value = self
            .0
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim();
        if value.is_empty() {
            return Err(ApiError::invalid(
                name,
                format!("{name} header is missing: send the check's default headers"),
            ));
        }
        Ok(value.to_owned())
    }

    /// Header `name`, an id or a hub name.
    fn id(&self, name: &str) -> Result<String, ApiError> {
        let value = self.value(name)?;
        let plain = value.len() <= 64
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        plain.then_some(value).ok_or_else(|| {
            ApiError::invalid(name, format!("{name} header must be an id or a hub name"))
        })
    }
}
