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

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::duration::parse_duration;
use super::input::ValidationError;
use super::pause::{Pause, PauseState};

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
pub struct DevopsTask {
    /// `JobId`.
    pub job_id: String,
    /// `TaskInstanceId`.
    pub task_id: String,
    /// `AuthToken`, scoped to the run: a secret.
    pub auth_token: String,
}

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

/// `callback` as sent: `{"kind": "logic_apps", "url": "…"}` or
/// `{"kind": "step_functions", "task_token": "…", "aws": "prod"}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// `adf_webhook`, `logic_apps` or `step_functions`.
    pub kind: String,
    /// The URL the orchestrator handed out (`listCallbackUrl()`).
    #[serde(default)]
    pub url: Option<String>,
    /// Step Functions: `$$.Task.Token`.
    #[serde(default)]
    pub task_token: Option<String>,
    /// Step Functions: which configured `[aws.NAME]` to answer through.
    #[serde(default)]
    pub aws: Option<String>,
    /// Azure DevOps: the check's job, task and access token (the
    /// `/integrations/azure-devops` endpoint fills this from its headers).
    #[serde(default)]
    pub devops: Option<DevopsTask>,
}

/// Longest task token Step Functions hands out.
const MAX_TASK_TOKEN: usize = 2_048;

/// Reads the callback of a request: ADF's `callBackUri`, or `callback`.
pub fn parse_callback(
    call_back_uri: Option<String>,
    callback: Option<CallbackRequest>,
    policy: &CallbackPolicy,
) -> Result<Option<Callback>, ValidationError> {
    let (kind, url, field) = match (call_back_uri, callback) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ValidationError::new(
                "callback",
                "give callBackUri (ADF) or callback, not both",
            ));
        }
        (Some(url), None) => (CallbackKind::AdfWebhook, url, "callBackUri"),
        (None, Some(request)) => {
            let kind = match request.kind.as_str() {
                "adf_webhook" => CallbackKind::AdfWebhook,
                "logic_apps" => CallbackKind::LogicApps,
                "step_functions" => return parse_step_functions(request, policy).map(Some),
                "azure_devops" => CallbackKind::AzureDevops,
                other => {
                    return Err(ValidationError::new(
                        "callback.kind",
                        format!(
                            "callback.kind must be adf_webhook, logic_apps, step_functions or \
                             azure_devops, got {other:?}"
                        ),
                    ));
                }
            };
            let url = request.url.ok_or_else(|| {
                ValidationError::new("callback.url", "callback.url is required for this kind")
            })?;
            policy.check("callback.url", &url)?;
            let devops = match kind {
                CallbackKind::AzureDevops => Some(parse_devops(request.devops)?),
                _ => None,
            };
            return Ok(Some(Callback {
                kind,
                url,
                task_token: None,
                aws: None,
                devops,
                github: None,
            }));
        }
    };
    policy.check(field, &url)?;
    Ok(Some(Callback {
        kind,
        url,
        task_token: None,
        aws: None,
        devops: None,
        github: None,
    }))
}

/// The Azure DevOps task: ids as Azure DevOps writes them, a token.
fn parse_devops(task: Option<DevopsTask>) -> Result<DevopsTask, ValidationError> {
    let task = task.ok_or_else(|| {
        ValidationError::new(
            "callback.devops",
            "callback.devops (job_id, task_id, auth_token) is required",
        )
    })?;
    for (field, value) in [
        ("callback.devops.job_id", &task.job_id),
        ("callback.devops.task_id", &task.task_id),
    ] {
        if value.is_empty()
            || value.len() > 64
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ValidationError::new(
                field,
                format!("{field} must be an id like 3a7e60dc-c5b0-5009-86eb-0f217c12e2ea"),
            ));
        }
    }
    if task.auth_token.is_empty()
        || task.auth_token.len() > 16_384
        || task.auth_token.chars().any(char::is_control)
    {
        return Err(ValidationError::new(
            "callback.devops.auth_token",
            "callback.devops.auth_token must be the check's $(system.AccessToken)",
        ));
    }
    Ok(task)
}

/// A Step Functions callback: a task token and a configured account.
fn parse_step_functions(
    request: CallbackRequest,
    policy: &CallbackPolicy,
) -> Result<Callback, ValidationError> {
    let token = request.task_token.unwrap_or_default();
    if token.is_empty() || token.chars().count() > MAX_TASK_TOKEN || token.contains('\0') {
        return Err(ValidationError::new(
            "callback.task_token",
            format!("callback.task_token must be 1 to {MAX_TASK_TOKEN} characters ($$.Task.Token)"),
        ));
    }
    let aws = request.aws.unwrap_or_default();
    if !policy.aws_accounts.contains(&aws) {
        let known: Vec<&str> = policy.aws_accounts.iter().map(String::as_str).collect();
        return Err(ValidationError::new(
            "callback.aws",
            format!(
                "callback.aws must name a configured [aws.NAME] section (configured: {}), got {aws:?}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    if request.url.is_some() {
        return Err(ValidationError::new(
            "callback.url",
            "callback.url is not used by step_functions: the endpoint comes from [aws.NAME]",
        ));
    }
    Ok(Callback {
        kind: CallbackKind::StepFunctions,
        url: String::new(),
        task_token: Some(token),
        aws: Some(aws),
        devops: None,
        github: None,
    })
}

/// Reads `callback_timeout`: ADF's TimeSpan (`d.hh:mm:ss`, `hh:mm:ss`) or
/// a duration like `12h`.
pub fn parse_callback_timeout(text: Option<String>) -> Result<Option<Duration>, ValidationError> {
    let Some(text) = text else { return Ok(None) };
    let invalid = || {
        ValidationError::new(
            "callback_timeout",
            format!(
                "callback_timeout must be a TimeSpan like \"0.12:00:00\" or a duration like \"12h\", got {text:?}"
            ),
        )
    };
    if !text.contains(':') {
        return parse_duration(&text).map(Some).map_err(|_| invalid());
    }
    let (days, clock) = match text.split_once('.') {
        Some((days, clock)) => (days.parse::<i64>().map_err(|_| invalid())?, clock),
        None => (0, text.as_str()),
    };
    let parts: Vec<i64> = clock
        .split(':')
        .map(|part| part.parse::<i64>().map_err(|_| invalid()))
        .collect::<Result<_, _>>()?;
    let [hours, minutes, seconds] = parts[..] else {
        return Err(invalid());
    };
    if !(0..24).contains(&hours) || !(0..60).contains(&minutes) || !(0..60).contains(&seconds) {
        return Err(invalid());
    }
    let total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
    if !(1..=100 * 365 * 86_400).contains(&total) {
        return Err(invalid());
    }
    Ok(Some(Duration::seconds(total)))
}

/// A pause's expiry for an orchestrator that gives up after `timeout`: a
/// little under it, so the orchestrator hears "expired" before it stops
/// listening.
pub fn just_under(timeout: Duration) -> Duration {
    let margin = (timeout / 10).min(Duration::minutes(1));
    (timeout - margin).max(Duration::seconds(1))
}

/// One entry of `[callbacks] allowed_hosts`: a host pattern where `*`
/// stands for exactly one label (`*.logic.azure.com`), optionally prefixed
/// `http://` to allow plain HTTP to it (for tests and private networks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    labels: Vec<String>,
    http: bool,
}

impl HostRule {
    /// Reads one entry.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (http, host) = match text.strip_prefix("http://") {
            Some(host) => (true, host),
            None => (false, text.strip_prefix("https://").unwrap_or(text)),
        };
        let labels: Vec<String> = host.split('.').map(str::to_ascii_lowercase).collect();
        let valid = |label: &String| {
            label == "*"
                || (!label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        };
        if host.is_empty() || !labels.iter().all(valid) {
            return Err(format!(
                "{text:?} is not a host pattern like \"*.logic.azure.com\" or \"http://127.0.0.1\""
            ));
        }
        Ok(Self { labels, http })
    }

    fn matches(&self, host: &str) -> bool {
        let host: Vec<&str> = host.split('.').collect();
        host.len() == self.labels.len()
            && self
                .labels
                .iter()
                .zip(host)
                .all(|(rule, label)| rule == "*" || rule.eq_ignore_ascii_case(label))
    }
}

/// The hosts pausegate may call back, and the AWS accounts it may answer
/// Step Functions through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallbackPolicy {
    /// Checked in order; the first match decides.
    pub allowed_hosts: Vec<HostRule>,
    /// Names of the configured `[aws.NAME]` sections.
    pub aws_accounts: std::collections::BTreeSet<String>,
}

impl CallbackPolicy {
    /// The defaults: the hosts Logic Apps and Power Automate callback URLs
    /// are served from (`prod-27.westeurope.logic.azure.com`).
    pub fn defaults() -> Vec<String> {
        vec![
            "*.*.logic.azure.com".to_owned(),
            "dev.azure.com".to_owned(),
            "*.visualstudio.com".to_owned(),
        ]
    }

    /// Checks `url` (given as `field`) against the allow-list: `https`
    /// only, unless the matching entry says `http://`; no user info.
    pub fn check(&self, field: &str, url: &str) -> Result<(), ValidationError> {
        let refuse = |why: String| ValidationError::new(field, format!("{field} {why}"));
        let parsed =
            url::Url::parse(url).map_err(|e| refuse(format!("is not an absolute URL: {e}")))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| refuse("has no host".to_owned()))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("must not carry a user name or password".to_owned()));
        }
        let Some(rule) = self.allowed_hosts.iter().find(|rule| rule.matches(host)) else {
            return Err(refuse(format!(
                "points at {host}, which is not in [callbacks] allowed_hosts"
            )));
        };
        match parsed.scheme() {
            "https" => Ok(()),
            "http" if rule.http => Ok(()),
            scheme => Err(refuse(format!(
                "must use https (got {scheme}://{host}; list \"http://{host}\" in \
                 [callbacks] allowed_hosts to allow plain HTTP)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> CallbackPolicy {
        CallbackPolicy {
            allowed_hosts: entries
                .iter()
                .map(|e| HostRule::parse(e).unwrap())
                .collect(),
            aws_accounts: Default::default(),
        }
    }

    #[test]
    fn a_wildcard_stands_for_exactly_one_label() {
        let policy = policy(&["*.*.logic.azure.com"]);
        let url = "https://prod-27.westeurope.logic.azure.com:443/workflows/x?sig=s";
        assert!(policy.check("callback", url).is_ok());
        assert!(
            policy
                .check("callback", "https://prod.logic.azure.com/w")
                .is_err()
        );
        assert!(
            policy
                .check("callback", "https://a.b.logic.azure.com.evil.io/")
                .is_err()
        );
        assert!(
            policy
                .check("callback", "https://a.evil.io/logic.azure.com")
                .is_err()
        );
    }

    #[test]
    fn plain_http_needs_its_own_entry() {
        let https_only = policy(&["127.0.0.1"]);
        let error = https_only
            .check("callBackUri", "http://127.0.0.1:9/x")
            .unwrap_err();
        assert_eq!(error.field, "callBackUri");
        assert!(error.message.contains("https"), "{}", error.message);
        assert!(
            policy(&["http://127.0.0.1"])
                .check("callBackUri", "http://127.0.0.1:9/x")
                .is_ok()
        );
    }

    #[test]
    fn user_info_and_unknown_hosts_are_refused_naming_the_field() {
        let policy = policy(&["example.com"]);
        for url in [
            "https://u:p@example.com/",
            "https://other.com/",
            "not a url",
        ] {
            let error = policy.check("callback.url", url).unwrap_err();
            assert!(
                error.message.starts_with("callback.url "),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn adf_timespans_and_durations_are_read() {
        let read = |t: &str| parse_callback_timeout(Some(t.to_owned())).map(|d| d.unwrap());
        assert_eq!(read("00:10:00").unwrap(), Duration::minutes(10));
        assert_eq!(read("1.02:00:00").unwrap(), Duration::hours(26));
        assert_eq!(read("12h").unwrap(), Duration::hours(12));
        for bad in ["1:2", "00:61:00", "x.00:10:00", "00:00:00", ""] {
            assert_eq!(read(bad).unwrap_err().field, "callback_timeout", "{bad}");
        }
        assert_eq!(just_under(Duration::minutes(10)), Duration::minutes(9));
        assert_eq!(just_under(Duration::seconds(30)), Duration::seconds(27));
    }

    #[test]
    fn a_bad_pattern_is_refused() {
        assert!(HostRule::parse("exa mple.com").is_err());
        assert!(HostRule::parse("").is_err());
    }
}
