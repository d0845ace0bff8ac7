//! Azure DevOps: a pipeline's "Invoke REST API" check in callback mode
//! (callback kind `azure_devops`, made at `POST /integrations/azure-devops`).
//! Built from "Invoke Azure Function / REST API checks" (callback
//! completion event) and the REST reference "Events - Post Event": the
//! check sends `PlanUrl`, `ProjectId`, `HubName`, `PlanId`, `JobId`,
//! `TaskInstanceId` and `AuthToken` as headers; the decision is `POST
//! {PlanUrl}/{ProjectId}/_apis/distributedtask/hubs/{HubName}/plans/{PlanId}/events?api-version=2.0-preview.1`
//! with `{"name": "TaskCompleted", "taskId", "jobId", "result":
//! "succeeded" | "failed"}`, authenticated with basic auth whose password
//! is the `AuthToken`.

mod check;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::kit::{CallbackKind, Kit, details, post_to_url, url_only};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::domain::{
    Callback, CallbackPolicy, CallbackRequest, DeliveryId, Pause, PauseState, SecretText,
    ValidationError, from_json,
};
use crate::outbox::{SendError, Sent};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: Some(openapi),
};

/// The callback kind.
const KIND: &str = "azure_devops";

fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
    registry.callback_kind(Arc::new(Check));
    registry.routes(check::router);
    Ok(())
}

/// The task a check's decision completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevopsTask {
    /// `JobId`.
    job_id: String,
    /// `TaskInstanceId`.
    task_id: String,
    /// `AuthToken`, scoped to the run: a secret, which `Debug` never shows.
    auth_token: SecretText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Details {
    devops: Option<Value>,
}

/// Answers checks.
struct Check;

#[async_trait]
impl CallbackKind for Check {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "Azure DevOps check"
    }

    fn default_hosts(&self) -> &'static [&'static str] {
        &["dev.azure.com", "*.visualstudio.com"]
    }

    fn parse(
        &self,
        mut request: CallbackRequest,
        hosts: &CallbackPolicy,
    ) -> Result<Callback, ValidationError> {
        let fields: Details = from_json("callback", Value::Object(request.details.clone()))?;
        let task = parse_task(fields.devops)?;
        request.details = Map::new();
        let mut callback = url_only(KIND, request, hosts)?;
        callback.details.insert("devops".to_owned(), json!(task));
        Ok(callback)
    }

    fn identity(&self, callback: &Callback) -> String {
        let task = task_of(callback).map(|t| t.task_id).unwrap_or_default();
        format!("{}#{task}", callback.url)
    }

    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError> {
        let task = task_of(callback).ok_or_else(|| SendError::Fatal {
            message: "the check's task is missing from the callback".to_owned(),
        })?;
        let result = match pause.state == PauseState::Approved {
            true => "succeeded",
            false => "failed",
        };
        let body = json!({"name": "TaskCompleted", "taskId": task.task_id, "jobId": task.job_id,
                          "result": result});
        post_to_url(
            kit,
            callback,
            delivery,
            &body,
            Some(task.auth_token.expose()),
        )
        .await
    }
}

fn task_of(callback: &Callback) -> Option<DevopsTask> {
    let fields = details::<Details>(callback)?;
    serde_json::from_value(fields.devops?).ok()
}

/// The task: ids as Azure DevOps writes them, a token.
fn parse_task(task: Option<Value>) -> Result<DevopsTask, ValidationError> {
    let task = task.ok_or_else(|| {
        ValidationError::new(
            "callback.devops",
            "callback.devops (job_id, task_id, auth_token) is required",
        )
    })?;
    if !task.is_object() {
        return Err(ValidationError::new(
            "callback.devops",
            "callback.devops: invalid type, expected a JSON object with job_id, task_id and \
             auth_token",
        ));
    }
    let task: DevopsTask = from_json("callback.devops", task)?;
    for (field, value) in [
        ("callback.devops.job_id", &task.job_id),
        ("callback.devops.task_id", &task.task_id),
    ] {
        let plain = !value.is_empty()
            && value.len() <= 64
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !plain {
            return Err(ValidationError::new(
                field,
                format!("{field} must be an id like 3a7e60dc-c5b0-5009-86eb-0f217c12e2ea"),
            ));
        }
    }
    let token = task.auth_token.expose();
    if token.is_empty() || token.len() > 16_384 || token.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "callback.devops.auth_token",
            "callback.devops.auth_token must be the check's $(system.AccessToken)",
        ));
    }
    Ok(task)
}

/// The check's endpoint, for the OpenAPI document.
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(check::azure_devops))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
