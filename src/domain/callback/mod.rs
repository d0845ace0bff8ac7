//! Callbacks: how to answer an orchestrator that waits inside its own run
//! for this pause, the allow-list a caller-given callback URL must pass, and
//! the body each orchestrator reads. Pure; `targets::callback` sends.
//!
//! Built from the orchestrators' own documents:
//! - Azure Data Factory, "Webhook activity", section "Additional notes"
//!   (learn.microsoft.com/azure/data-factory/control-flow-webhook-activity):
//!   the activity adds `callBackUri` to the JSON body it POSTs, waits up to
//!   its `timeout` (default 10 minutes) for a POST there with a JSON body,
//!   and with `reportStatusOnCallBack` reads `Output`, `Error` (`ErrorCode`,
//!   `Message`) and `StatusCode` (a string; ≥ 400 fails the activity).
//! - Azure Logic Apps / Power Automate, "HTTP Webhook" action (workflow
//!   definition language reference, logic-apps-workflow-actions-triggers,
//!   and connectors-native-webhook): `subscribe` sends a body holding
//!   `@{listCallbackUrl()}`; a POST to that URL resumes the action with the
//!   POSTed body as its output; `unsubscribe` is called when the action ends,
//!   when the run is cancelled, and before the run times out.
//! - Azure DevOps, "Invoke Azure Function / REST API checks" (callback
//!   completion event) and the REST reference "Events - Post Event": the
//!   check sends `PlanUrl`, `ProjectId`, `HubName`, `PlanId`, `JobId`,
//!   `TaskInstanceId` and `AuthToken` as headers; the decision is `POST
//!   {PlanUrl}/{ProjectId}/_apis/distributedtask/hubs/{HubName}/plans/{PlanId}/events?api-version=2.0-preview.1`
//!   with `{"name": "TaskCompleted", "taskId", "jobId", "result":
//!   "succeeded" | "failed"}`, authenticated with basic auth whose password
//!   is the `AuthToken`.
//! - GitHub, "Using custom deployment protection rules" and the REST
//!   reference "Review custom deployment protection rules for a workflow
//!   run": the `deployment_protection_rule` event's `deployment_callback_url`
//!   takes `{"environment_name", "state": "approved" | "rejected",
//!   "comment"}` from the App's installation.
//! - AWS Step Functions, "Wait for a Callback with the Task Token"
//!   (`.waitForTaskToken`) and the API reference of `SendTaskSuccess`
//!   (`taskToken`, `output`: a JSON text) and `SendTaskFailure`
//!   (`taskToken`, `error` ≤ 256 characters, `cause` ≤ 32,768), called
//!   with the JSON 1.0 protocol: `POST /`, `X-Amz-Target:
//!   AWSStepFunctions.<Operation>`, `Content-Type: application/x-amz-json-1.0`.

mod hosts;
mod request;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::pause::{Pause, PauseState};

pub use hosts::{CallbackPolicy, HostRule};
pub use request::{CallbackRequest, just_under, parse_callback, parse_callback_timeout};

/// Which orchestrator waits, and so which body it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// ADF's WebHook activity (`callBackUri`).
    AdfWebhook,
    /// A Logic Apps or Power Automate HTTP Webhook action (`listCallbackUrl()`).
    LogicApps,
    /// A Step Functions task state with `.waitForTaskToken`.
    StepFunctions,
    /// An Azure DevOps "Invoke REST API" check in callback mode.
    AzureDevops,
    /// A GitHub custom deployment protection rule (this service as an App).
    Github,
}

impl CallbackKind {
    /// The kind as named in requests and deliveries.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdfWebhook => "adf_webhook",
            Self::LogicApps => "logic_apps",
            Self::StepFunctions => "step_functions",
            Self::AzureDevops => "azure_devops",
            Self::Github => "github",
        }
    }
}

/// A stored callback. The URL and the task token carry their own
/// authority, so they are secrets: only [`CallbackView`] is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// Which orchestrator.
    pub kind: CallbackKind,
    /// Where the answer goes (ADF, Logic Apps); passed the allow-list.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// Step Functions: the task token to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    /// Step Functions: the `[aws.NAME]` account to answer through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<String>,
    /// Azure DevOps: the check's job, task and access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devops: Option<DevopsTask>,
    /// GitHub: which installation answers, for which environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GithubDeployment>,
}

/// The deployment a GitHub protection rule asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubDeployment {
    /// The App installation whose token answers.
    pub installation_id: u64,
    /// The environment the deployment waits for.
    pub environment: String,
}

/// The Azure DevOps task a check's decision completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(remote = "Self")]
pub struct DevopsTask {
    /// `JobId`.
    pub job_id: String,
    /// `TaskInstanceId`.
    pub task_id: String,
    /// `AuthToken`, scoped to the run: a secret.
    pub auth_token: String,
}

super::object_only::object_only!(
    DevopsTask,
    "a JSON object with job_id, task_id and auth_token"
);

/// What the API shows of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallbackView {
    /// Which orchestrator waits.
    pub kind: CallbackKind,
    /// The host answered; the rest of the URL is a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The `[aws.NAME]` a Step Functions callback answers through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<String>,
}

impl Callback {
    /// The idempotency key of a pause made for the callback whose URL or
    /// task token is `secret`: an orchestrator that retries its request
    /// gets the same pause. Hashed, because the secret is one.
    pub fn key(secret: &str) -> String {
        format!(
            "callback-{}",
            hex::encode(Sha256::digest(secret.as_bytes()))
        )
    }

    /// The URL or task token that identifies this callback (with the
    /// task, for Azure DevOps: one events URL serves a whole run).
    pub fn secret(&self) -> String {
        match (&self.task_token, &self.devops, &self.github) {
            (Some(token), _, _) => token.clone(),
            (None, Some(task), _) => format!("{}#{}", self.url, task.task_id),
            (None, None, Some(github)) => format!("{}#{}", self.url, github.environment),
            (None, None, None) => self.url.clone(),
        }
    }

    /// The callback as the API shows it.
    pub fn view(&self) -> CallbackView {
        let host = url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        CallbackView {
            kind: self.kind,
            host,
            aws: self.aws.clone(),
        }
    }

    /// The Step Functions operation and body answering for `pause`:
    /// `SendTaskSuccess` with the decision as `output` when approved,
    /// `SendTaskFailure` with `error` and `cause` otherwise.
    pub fn step_functions_call(&self, pause: &Pause) -> (&'static str, Value) {
        let token = self.task_token.clone().unwrap_or_default();
        match failure(pause.state) {
            None => (
                "SendTaskSuccess",
                json!({"taskToken": token, "output": outcome(pause).to_string()}),
            ),
            Some((_, code)) => {
                let cause: String = message(pause).chars().take(32_768).collect();
                (
                    "SendTaskFailure",
                    json!({"taskToken": token, "error": code, "cause": cause}),
                )
            }
        }
    }

    /// The JSON body this callback's orchestrator reads for `pause`, which
    /// has settled.
    pub fn body(&self, pause: &Pause) -> Value {
        let outcome = outcome(pause);
        match self.kind {
            CallbackKind::LogicApps | CallbackKind::StepFunctions => outcome,
            CallbackKind::Github => {
                let environment = self.github.as_ref().map(|g| g.environment.clone());
                let state = if pause.state == PauseState::Approved {
                    "approved"
                } else {
                    "rejected"
                };
                json!({"environment_name": environment, "state": state, "comment": message(pause)})
            }
            CallbackKind::AzureDevops => {
                let task = self.devops.clone().unwrap_or_else(|| DevopsTask {
                    job_id: String::new(),
                    task_id: String::new(),
                    auth_token: String::new(),
                });
                let result = if pause.state == PauseState::Approved {
                    "succeeded"
                } else {
                    "failed"
                };
                json!({"name": "TaskCompleted", "taskId": task.task_id, "jobId": task.job_id,
                       "result": result})
            }
            CallbackKind::AdfWebhook => match failure(pause.state) {
                None => json!({"Output": outcome, "StatusCode": "200"}),
                Some((status, code)) => json!({
                    "Output": outcome,
                    "Error": {"ErrorCode": code, "Message": message(pause)},
                    "StatusCode": status,
                }),
            },
        }
    }
}

/// The decision as every orchestrator gets it.
fn outcome(pause: &Pause) -> Value {
    let last = pause.decisions.last();
    json!({
        "pause_id": pause.id,
        "state": pause.state,
        "approved": pause.state == PauseState::Approved,
        "actor": last.and_then(|d| d.actor.clone()),
        "comment": last.and_then(|d| d.comment.clone()),
        "via": last.map(|d| d.via),
        "decided_at": pause.decided_at.map(|at| super::time::rfc3339(&at)),
        "data": pause.data,
        "inputs": pause.inputs,
        "receipt": pause.receipt,
    })
}

/// ADF's `StatusCode` and `ErrorCode` for an outcome that must fail the
/// activity, so the pipeline's failure path runs.
fn failure(state: PauseState) -> Option<(&'static str, &'static str)> {
    match state {
        PauseState::Approved | PauseState::Pending => None,
        PauseState::Rejected => Some(("403", "Rejected")),
        PauseState::Expired => Some(("408", "Expired")),
        PauseState::Cancelled => Some(("409", "Cancelled")),
    }
}

/// One sentence: what happened, who, why.
fn message(pause: &Pause) -> String {
    let last = pause.decisions.last();
    let who = last
        .and_then(|d| d.actor.as_deref())
        .map(|actor| format!(" by {actor}"))
        .unwrap_or_default();
    let why = last
        .and_then(|d| d.comment.as_deref())
        .map(|comment| format!(": {comment}"))
        .unwrap_or_default();
    let what = match pause.state {
        PauseState::Rejected => "rejected",
        PauseState::Expired => "expired with nobody deciding",
        PauseState::Cancelled => "cancelled",
        PauseState::Approved | PauseState::Pending => "approved",
    };
    format!("\"{}\" was {what}{who}{why}", pause.title)
}
