//! A guarded call's release: once its pause is settled and redeemed,
//! the approved call is forwarded (with the arguments the approvers saw,
//! after checking they hash as recorded) and its result carries the
//! receipt; a refusal is a tool error saying who refused and why. Also the
//! held calls' tasks (`tasks/get`, `tasks/cancel`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use super::Gate;
use super::guard::Bound;
use crate::cli::client::ClientError;
use crate::domain::PauseId;
use crate::mcp::jsonrpc::{self, RpcError, UNAVAILABLE};

impl Gate {
    /// Acts on a redeemed pause: forwards the approved call, or says who
    /// refused it.
    pub(super) async fn finish(&self, pause: &Value, meta: &Value) -> Result<Value, RpcError> {
        let call = &pause["data"]["mcp"];
        if pause["state"] != "approved" {
            return Ok(refusal(pause));
        }
        let arguments = call["arguments"].clone();
        let tool = call["tool"].as_str().unwrap_or_default();
        let rebound = Bound::new(&self.settings.name, tool, arguments.clone());
        if call["server"] != json!(self.settings.name)
            || call["arguments_sha256"] != json!(rebound.sha256)
        {
            let why = "the approved call does not match what was recorded: not forwarded";
            return Ok(tool_error(why, json!({"pause_id": pause["id"]})));
        }
        let mut forward_meta = meta.as_object().cloned().unwrap_or_default();
        forward_meta.remove("progressToken");
        let forward_id = format!(
            "pausegate-gate-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        let (sender, receiver) = oneshot::channel();
        self.forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(json!(forward_id).to_string(), sender);
        let message = json!({"jsonrpc": "2.0", "id": forward_id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments, "_meta": forward_meta}});
        self.link.send(message.to_string(), &self.inbound).await;
        let answer = receiver
            .await
            .map_err(|_| RpcError::new(UNAVAILABLE, "the upstream went away"))?;
        if let Some(error) = answer.get("error") {
            return Err(serde_json::from_value(error.clone())
                .unwrap_or_else(|_| RpcError::new(UNAVAILABLE, "the upstream failed the call")));
        }
        let mut result = answer["result"].clone();
        if !result["_meta"].is_object() {
            result["_meta"] = json!({});
        }
        result["_meta"]["pausegate/pause_id"] = pause["id"].clone();
        result["_meta"]["pausegate/receipt"] = pause["receipt"].clone();
        Ok(result)
    }

    /// `tasks/get` and `tasks/cancel` for a held call's task.
    pub(super) async fn task(
        self: Arc<Self>,
        id: Value,
        method: &str,
        task_id: PauseId,
        params: &Map<String, Value>,
    ) {
        let modern = params
            .get("_meta")
            .is_some_and(|m| m.get("io.modelcontextprotocol/protocolVersion").is_some());
        let mut answer = match method {
            "tasks/cancel" => match self.pausegate.cancel(task_id.as_str()).await {
                Ok(_) | Err(ClientError::Declined(_)) => Ok(json!({})),
                Err(other) => Err(not_found_or_unavailable(other)),
            },
            _ => {
                self.task_state(&task_id, params.get("_meta").unwrap_or(&Value::Null))
                    .await
            }
        };
        if let (Ok(result), true) = (&mut answer, modern) {
            result["resultType"] = json!("complete");
        }
        let message = match answer {
            Ok(result) => jsonrpc::result(&id, result),
            Err(error) => jsonrpc::error(&id, &error),
        };
        let _ = self.to_client.send(message.to_string()).await;
    }

    /// A held call's task; once approved, the call is forwarded with the
    /// envelope (`_meta`) of the `tasks/get` that found it so.
    async fn task_state(&self, task_id: &PauseId, meta: &Value) -> Result<Value, RpcError> {
        let cached = self
            .results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(task_id.as_str())
            .cloned();
        let pause = self
            .pausegate
            .get(task_id.as_str())
            .await
            .map_err(not_found_or_unavailable)?;
        // Only a pause this gateway asked for is its task: another pause
        // of the same key is never redeemed or forwarded from here.
        if pause["data"]["mcp"]["server"] != json!(self.settings.name) {
            let why = format!("no task {task_id} of this gateway");
            return Err(RpcError::invalid_params("taskId", why));
        }
        if let Some(result) = cached {
            return Ok(task(&pause, Some(result)));
        }
        if pause["state"] == "pending" {
            return Ok(task(&pause, None));
        }
        let result = match self.pausegate.redeem(task_id.as_str()).await {
            Ok(redeemed) => self.finish(&redeemed, meta).await?,
            Err(ClientError::Declined(why)) => {
                let why = format!(
                    "{why}: the call ran then, and its result is kept only by the gateway that ran it"
                );
                tool_error(&why, json!({"pause_id": task_id.as_str()}))
            }
            Err(other) => return Err(unavailable(other)),
        };
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(task_id.as_str().to_owned(), result.clone());
        Ok(task(&pause, Some(result)))
    }
}

/// A held call's pause as a task: working, cancelled, or completed with `result`.
pub(super) fn task(pause: &Value, result: Option<Value>) -> Value {
    let status = match (pause["state"].as_str(), &result) {
        (Some("pending"), _) => "working",
        (Some("cancelled"), None) => "cancelled",
        _ => "completed",
    };
    let mut task = json!({"taskId": pause["id"], "status": status, "createdAt": pause["created_at"],
        "lastUpdatedAt": pause["decided_at"].as_str().map_or(&pause["created_at"], |_| &pause["decided_at"]),
        "ttlMs": null, "pollIntervalMs": 2000,
        "statusMessage": format!("the call's approval is {}", pause["state"].as_str().unwrap_or("unknown"))});
    if let Some(result) = result {
        task["result"] = result;
    }
    task
}

/// "rejected by ana@example.com: not on a Friday".
fn refusal(pause: &Value) -> Value {
    let state = pause["state"].as_str().unwrap_or("not approved");
    let decision = pause["decisions"]
        .as_array()
        .and_then(|d| d.last())
        .cloned()
        .unwrap_or_default();
    let mut text = format!("Not run: the call was {state}");
    if let Some(who) = decision["actor"].as_str() {
        text += &format!(" by {who}");
    }
    if let Some(why) = decision["comment"].as_str() {
        text += &format!(": {why}");
    }
    tool_error(
        &text,
        json!({"pause_id": pause["id"], "outcome": state,
        "decided_by": decision["actor"], "comment": decision["comment"], "receipt": pause["receipt"]}),
    )
}

pub(super) fn tool_error(text: &str, details: Value) -> Value {
    json!({"content": [{"type": "text", "text": text}], "structuredContent": details, "isError": true})
}

pub(super) fn unavailable(error: ClientError) -> RpcError {
    RpcError::new(UNAVAILABLE, error.to_string())
}

fn not_found_or_unavailable(error: ClientError) -> RpcError {
    match error {
        ClientError::Api(why) => RpcError::invalid_params("taskId", why),
        other => unavailable(other),
    }
}
