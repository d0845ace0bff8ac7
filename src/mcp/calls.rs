//! `tools/call` for the three tools, and `tasks/get`, `tasks/cancel` and
//! `tasks/update` for the tasks `request_approval` makes. Each goes
//! through the same use cases as the REST API: a policy decides first, the
//! caller is recorded as the requester, and nothing is stored for a
//! refused request.
//!
//! Errors: arguments that do not fit are -32602 naming the argument; what
//! the model should read (already settled, not allowed) is a tool result
//! with `isError: true`, as
//! <https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling>
//! separates them; a database outage is -32000, to retry.
//! Progress while `get_approval` waits:
//! <https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/progress>.

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::approvals::{self, Target, tool_error, tool_result, view};
use super::jsonrpc::{self, INTERNAL_ERROR, RpcError, UNAVAILABLE};
use super::server::{Call, McpServer, Reply, one, string_param};
use super::task;
use crate::domain::{Pause, PauseId, PauseState};
use crate::pauses::{PauseError, Requester};

/// How often a waiting `get_approval` reports progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

impl McpServer {
    /// `tools/call`.
    pub(super) async fn call_tool(
        &self,
        call: &Call<'_>,
        id: Value,
        params: Map<String, Value>,
    ) -> Reply {
        let name = match string_param(&params, "name") {
            Ok(name) => name.to_owned(),
            Err(error) => return one(&id, Err(error), call.modern),
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(arguments)) => arguments.clone(),
            Some(_) => {
                let error = RpcError::invalid_params("arguments", "arguments must be an object");
                return one(&id, Err(error), call.modern);
            }
        };
        let answer = match name.as_str() {
            "request_approval" => self.request_approval(call, arguments).await,
            "get_approval" => return self.get_approval(call, id, arguments).await,
            "cancel_approval" => self.cancel_approval(arguments).await,
            other => Err(RpcError::invalid_params(
                "name",
                format!("no tool named {other:?}"),
            )),
        };
        one(&id, answer, call.modern)
    }

    async fn request_approval(
        &self,
        call: &Call<'_>,
        arguments: Map<String, Value>,
    ) -> Result<Value, RpcError> {
        let request = approvals::request(arguments)?;
        let created = match self
            .pauses
            .create(request, Requester::caller(call.caller))
            .await
        {
            Ok(created) => created,
            Err(error) => return refused(error),
        };
        let pause = created.pause;
        if pause.state != PauseState::Pending {
            return Ok(tool_result(view(&pause), false));
        }
        let review_url = format!("{}/r/{}", self.public_url, created.token.expose());
        if call.tasks {
            return Ok(task::created(&pause, &review_url));
        }
        let pending = json!({"pause_id": pause.id, "state": "pending", "review_url": review_url});
        Ok(tool_result(pending, false))
    }

    async fn cancel_approval(&self, arguments: Map<String, Value>) -> Result<Value, RpcError> {
        let id = Target::read(arguments, false)?.id()?;
        match self.pauses.cancel(&id).await {
            Ok(pause) => Ok(tool_result(view(&pause), false)),
            Err(error) => refused(error),
        }
    }

    /// `get_approval`: at once, or after waiting up to `wait_seconds` for
    /// a decision, with progress every few seconds when the client asked.
    async fn get_approval(
        &self,
        call: &Call<'_>,
        id: Value,
        arguments: Map<String, Value>,
    ) -> Reply {
        let target = match Target::read(arguments, true).and_then(|t| Ok((t.id()?, t.wait()))) {
            Ok(target) => target,
            Err(error) => return one(&id, Err(error), call.modern),
        };
        let (pause_id, wait) = target;
        let Some(token) = call.progress.clone().filter(|_| !wait.is_zero()) else {
            let answer = self.wait_for(&pause_id, wait).await;
            return one(
                &id,
                answer
                    .map(|p| tool_result(view(&p), false))
                    .or_else(refused),
                call.modern,
            );
        };
        let (sender, receiver) = mpsc::channel(4);
        let server = self.clone();
        let modern = call.modern;
        tokio::spawn(async move {
            let answer = server
                .wait_reporting(&pause_id, wait, &token, &sender)
                .await;
            let answer = answer
                .map(|p| tool_result(view(&p), false))
                .or_else(refused);
            if let Reply::One { message, .. } = one(&id, answer, modern) {
                let _ = sender.send(message).await;
            }
        });
        Reply::Stream(receiver)
    }

    /// The pause once settled, or as it is after `wait` (or at shutdown).
    async fn wait_for(&self, id: &PauseId, wait: Duration) -> Result<Pause, PauseError> {
        tokio::select! {
            pause = self.pauses.wait(id, wait) => pause,
            () = self.shutdown.cancelled() => self.pauses.get(id).await,
        }
    }

    async fn wait_reporting(
        &self,
        id: &PauseId,
        wait: Duration,
        token: &Value,
        progress: &mpsc::Sender<Value>,
    ) -> Result<Pause, PauseError> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let pause = self.wait_for(id, left.min(PROGRESS_EVERY)).await?;
            let waited = wait.saturating_sub(deadline.saturating_duration_since(Instant::now()));
            if pause.state != PauseState::Pending || waited >= wait || self.shutdown.is_cancelled()
            {
                return Ok(pause);
            }
            let note = jsonrpc::notification(
                "notifications/progress",
                json!({
                    "progressToken": token, "progress": waited.as_secs_f64(),
                    "total": wait.as_secs_f64(), "message": "waiting for people to decide",
                }),
            );
            if progress.send(note).await.is_err() {
                return Ok(pause); // the client went away
            }
        }
    }

    /// `tasks/get`, `tasks/cancel` (cancels the pause) and `tasks/update`
    /// (nothing to update: a pause never asks its client for input).
    pub(super) async fn task_method(
        &self,
        method: &str,
        params: &Map<String, Value>,
    ) -> Result<Value, RpcError> {
        let id = approvals::pause_id(string_param(params, "taskId")?, "taskId")?;
        let pause = match method {
            "tasks/cancel" => match self.pauses.cancel(&id).await {
                // Settled first: cancellation is a request, and the task
                // keeps the state it reached.
                Err(PauseError::AlreadySettled(_) | PauseError::Expired(_)) => {
                    return Ok(json!({}));
                }
                other => other,
            },
            _ => self.pauses.get(&id).await,
        };
        match (pause, method) {
            (Ok(pause), "tasks/get") => Ok(task::detailed(&pause)),
            (Ok(_), _) => Ok(json!({})),
            (Err(PauseError::NotFound), _) => {
                Err(RpcError::invalid_params("taskId", format!("no task {id}")))
            }
            // A refusal the model would read (none happens to a read or a
            // cancel) has no place in a task method's answer.
            (Err(error), _) => {
                refused(error).and(Err(RpcError::new(INTERNAL_ERROR, "internal error")))
            }
        }
    }
}

/// A use case's refusal as MCP says it.
fn refused(error: PauseError) -> Result<Value, RpcError> {
    match error {
        PauseError::Invalid(e) => Err(RpcError::invalid_params(&e.field, e.message)),
        PauseError::NotFound => Err(RpcError::invalid_params(
            "pause_id",
            "no approval has that id",
        )),
        PauseError::AlreadySettled(pause) | PauseError::Expired(pause) => {
            Ok(tool_result(view(&pause), true))
        }
        PauseError::KeyReused(why) | PauseError::Conflict(why) | PauseError::Forbidden(why) => {
            Ok(tool_error(&why))
        }
        PauseError::Unavailable(why) | PauseError::OutcomeUnknown(why) => {
            Err(RpcError::new(UNAVAILABLE, why))
        }
        PauseError::Internal(e) => {
            tracing::error!(error = %e, "an MCP request failed");
            Err(RpcError::new(INTERNAL_ERROR, "internal error"))
        }
    }
}
