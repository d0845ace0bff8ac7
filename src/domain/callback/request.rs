//! A callback as a request gives it: ADF's `callBackUri`, or `callback`
//! of any kind, checked against the allow-list and the configured AWS
//! accounts; and `callback_timeout`, the orchestrator's own wait.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{Callback, CallbackKind, CallbackPolicy, DevopsTask};
use crate::domain::duration::parse_duration;
use crate::domain::input::ValidationError;
use crate::domain::object_only::object_only;

/// `callback` as sent: `{"kind": "logic_apps", "url": "…"}` or
/// `{"kind": "step_functions", "task_token": "…", "aws": "prod"}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(remote = "Self")]
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

object_only!(
    CallbackRequest,
    "a JSON object with kind and url (or task_token and aws)"
);

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
            let url = policy.check("callback.url", &url)?;
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
    let url = policy.check(field, &url)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
