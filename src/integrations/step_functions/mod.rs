//! AWS Step Functions: answering a task that waits with
//! `.waitForTaskToken` (callback kind `step_functions`: a task token and a
//! configured `[aws.NAME]` account). Built from "Wait for a Callback with
//! the Task Token" and the API reference of `SendTaskSuccess` (`taskToken`,
//! `output`: a JSON text) and `SendTaskFailure` (`taskToken`, `error` ≤ 256
//! characters, `cause` ≤ 32,768), called as [`sign`] describes.

mod accounts;
mod sign;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::kit::{CallbackKind, Kit, details};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::domain::{
    Callback, CallbackPolicy, CallbackRequest, DeliveryId, Pause, ValidationError, failure,
    from_json, outcome, outcome_message,
};
use crate::outbox::{SendError, Sent};
use accounts::AwsAccount;

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

/// The callback kind.
const KIND: &str = "step_functions";

/// Longest task token Step Functions hands out.
const MAX_TASK_TOKEN: usize = 2_048;

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let files = sections
        .take("aws")
        .map(|raw| raw.parse("aws"))
        .transpose()?
        .unwrap_or_default();
    let accounts = accounts::resolve_aws(files, setup.env)?;
    registry.callback_kind(Arc::new(TaskToken { accounts }));
    Ok(())
}

/// A callback's own part: the token and the account, by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Details {
    task_token: Option<String>,
    aws: Option<String>,
}

/// Answers tasks through the configured accounts.
struct TaskToken {
    accounts: BTreeMap<String, AwsAccount>,
}

#[async_trait]
impl CallbackKind for TaskToken {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "Step Functions task"
    }

    fn parse(
        &self,
        request: CallbackRequest,
        _: &CallbackPolicy,
    ) -> Result<Callback, ValidationError> {
        let fields: Details = from_json("callback", Value::Object(request.details))?;
        let token = task_token(fields.task_token)?;
        let aws = self.account(fields.aws)?;
        if request.url.is_some() {
            return Err(ValidationError::new(
                "callback.url",
                "callback.url is not used by step_functions: the endpoint comes from [aws.NAME]",
            ));
        }
        let mut details = Map::new();
        details.insert("task_token".to_owned(), json!(token));
        details.insert("aws".to_owned(), json!(aws));
        Ok(Callback {
            kind: KIND.to_owned(),
            url: String::new(),
            shown: BTreeMap::from([("aws".to_owned(), aws)]),
            details,
        })
    }

    fn identity(&self, callback: &Callback) -> String {
        callback.detail("task_token").unwrap_or_default().to_owned()
    }

    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError> {
        let fields = details::<Details>(callback);
        let name = fields
            .as_ref()
            .and_then(|f| f.aws.clone())
            .unwrap_or_default();
        let account = self.accounts.get(&name).ok_or_else(|| SendError::Fatal {
            message: format!("[aws.{name}] is no longer configured"),
        })?;
        let token = fields.and_then(|f| f.task_token).unwrap_or_default();
        let call = call(&token, pause);
        sign::send(&kit.no_redirects, &*kit.clock, account, call, delivery).await
    }
}

impl TaskToken {
    /// `aws` if it names a configured account.
    fn account(&self, aws: Option<String>) -> Result<String, ValidationError> {
        let aws = aws.unwrap_or_default();
        if self.accounts.contains_key(&aws) {
            return Ok(aws);
        }
        let known: Vec<&str> = self.accounts.keys().map(String::as_str).collect();
        let known = match known.is_empty() {
            true => "none".to_owned(),
            false => known.join(", "),
        };
        Err(ValidationError::new(
            "callback.aws",
            format!(
                "callback.aws must name a configured [aws.NAME] section (configured: {known}), \
                 got {aws:?}"
            ),
        ))
    }
}

/// A task token as Step Functions hands them out.
fn task_token(token: Option<String>) -> Result<String, ValidationError> {
    let token = token.unwrap_or_default();
    if token.is_empty() || token.chars().count() > MAX_TASK_TOKEN || token.contains('\0') {
        return Err(ValidationError::new(
            "callback.task_token",
            format!("callback.task_token must be 1 to {MAX_TASK_TOKEN} characters ($$.Task.Token)"),
        ));
    }
    Ok(token)
}

/// `SendTaskSuccess` with the decision as `output` when approved,
/// `SendTaskFailure` with `error` and `cause` otherwise.
fn call(token: &str, pause: &Pause) -> (&'static str, Value) {
    match failure(pause.state) {
        None => (
            "SendTaskSuccess",
            json!({"taskToken": token, "output": outcome(pause).to_string()}),
        ),
        Some((_, code)) => {
            let cause: String = outcome_message(pause).chars().take(32_768).collect();
            (
                "SendTaskFailure",
                json!({"taskToken": token, "error": code, "cause": cause}),
            )
        }
    }
}
