//! The three tools an agent sees: `request_approval`, `get_approval` and
//! `cancel_approval`; their input schemas, their arguments read into the
//! use cases' commands (an unknown or mistyped argument is -32602 naming
//! it), and a pause shown as a tool result.
//!
//! Tool definitions and results (`inputSchema`, `content`,
//! `structuredContent`, `isError` for errors the model should see):
//! <https://modelcontextprotocol.io/specification/2025-11-25/server/tools>.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::jsonrpc::RpcError;
use crate::domain::{InputField, Pause, PauseId, PauseState};
use crate::pauses::{NotifyRequest, PauseRequest, SubjectRequest};

/// `tools/list`'s `tools`.
pub(crate) fn definitions() -> Value {
    let id = json!({"type": "string", "description": "The id request_approval answered (pau_…)."});
    json!([
        {
            "name": "request_approval",
            "title": "Ask a person to approve",
            "description": "Asks people to approve something before you do it, and waits for their \
    decision. Describe exactly what you are about to do in title, description and data. A policy may \
    settle it at once; otherwise the answer is a task (clients with the tasks extension) or a \
    pause_id to pass to get_approval.",
            "inputSchema": request_schema(),
        },
        {
            "name": "get_approval",
            "title": "Read an approval",
            "description": "The state of an approval: pending, or the decision (outcome, who, \
    inputs, signed receipt). wait_seconds (up to 60) waits for a decision first.",
            "inputSchema": {"type": "object", "additionalProperties": false,
                "required": ["pause_id"],
                "properties": {"pause_id": id,
                    "wait_seconds": {"type": "integer", "minimum": 0, "maximum": 60}}},
        },
        {
            "name": "cancel_approval",
            "title": "Withdraw an approval request",
            "description": "Withdraws a pending approval request; nobody can approve it afterwards.",
            "inputSchema": {"type": "object", "additionalProperties": false,
                "required": ["pause_id"], "properties": {"pause_id": id}},
        },
    ])
}

fn request_schema() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object", "additionalProperties": false, "required": ["title"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 200,
                "description": "One line: what will happen once approved."},
            "description": {"type": "string", "maxLength": 10000},
            "data": {"description": "Any JSON the approvers should see (up to 256 KiB)."},
            "subjects": {"type": "array", "maxItems": 64, "items": {"type": "object",
                "required": ["name", "digest"], "properties": {"name": {"type": "string"},
                "digest": {"type": "object", "properties": {"sha256": {"type": "string"}}}}}},
            "approvers": {"type": "array", "maxItems": 50, "items": {"type": "string"},
                "description": "Who may decide: addresses, *@domain, or API caller names."},
            "approvals_required": {"type": "integer", "minimum": 1, "maximum": 20},
            "notify": {"type": "object", "additionalProperties": false,
                "properties": {"email": strings, "channels": strings}},
            "expires_in": {"type": ["string", "integer"], "description": "\"2h\" or seconds."},
            "on_expire": {"type": "string", "enum": ["expire", "approve", "reject"]},
            "input_fields": {"type": "array", "maxItems": 20, "items": {"type": "object"}},
            "tags": {"type": "array", "maxItems": 10, "items": {"type": "string"}},
            "group": {"type": "string", "maxLength": 50},
            "idempotency_key": {"type": "string", "maxLength": 200,
                "description": "The same key again answers the first request."},
        },
    })
}

/// `request_approval`'s arguments.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestArgs {
    title: Option<String>,
    description: Option<String>,
    data: Option<Value>,
    subjects: Option<Vec<SubjectRequest>>,
    approvers: Option<Vec<String>>,
    approvals_required: Option<u32>,
    notify: Option<NotifyRequest>,
    expires_in: Option<Value>,
    on_expire: Option<String>,
    input_fields: Option<Vec<InputField>>,
    tags: Option<Vec<String>>,
    group: Option<String>,
    idempotency_key: Option<String>,
}

/// `request_approval`'s arguments as the create command.
pub(crate) fn request(arguments: Map<String, Value>) -> Result<PauseRequest, RpcError> {
    let args: RequestArgs = read(arguments)?;
    Ok(PauseRequest {
        title: args.title,
        description: args.description,
        data: args.data,
        subjects: args.subjects,
        approvers: args.approvers,
        approvals_required: args.approvals_required,
        notify: args.notify,
        expires_in: args.expires_in,
        on_expire: args.on_expire,
        input_fields: args.input_fields,
        tags: args.tags,
        group: args.group,
        idempotency_key: args.idempotency_key,
        ..PauseRequest::default()
    })
}

/// `get_approval`'s and `cancel_approval`'s arguments.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Target {
    pause_id: String,
    #[serde(default)]
    wait_seconds: u8,
}

impl Target {
    /// Reads the arguments; `wait_seconds` is allowed only where it means something.
    pub(crate) fn read(arguments: Map<String, Value>, may_wait: bool) -> Result<Self, RpcError> {
        let target: Self = read(arguments)?;
        if target.wait_seconds > 60 || (!may_wait && target.wait_seconds > 0) {
            let why = "wait_seconds must be a whole number from 0 to 60 (get_approval only)";
            return Err(RpcError::invalid_params("wait_seconds", why));
        }
        Ok(target)
    }

    /// The pause it names.
    pub(crate) fn id(&self) -> Result<PauseId, RpcError> {
        pause_id(&self.pause_id, "pause_id")
    }

    /// How long to wait for a decision.
    pub(crate) fn wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.wait_seconds.into())
    }
}

/// `text` as a pause id, or -32602 naming `field`.
pub(crate) fn pause_id(text: &str, field: &str) -> Result<PauseId, RpcError> {
    PauseId::parse(text).ok_or_else(|| {
        RpcError::invalid_params(field, format!("{field} {text:?} names no approval"))
    })
}

/// Reads `arguments` into `T`; a refusal names the argument (`approvers[1]`).
fn read<T: DeserializeOwned>(arguments: Map<String, Value>) -> Result<T, RpcError> {
    serde_path_to_error::deserialize(Value::Object(arguments)).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            unknown_field(e.inner())
        } else {
            path
        };
        RpcError::invalid_params(&field, format!("arguments: {field}: {}", e.inner()))
    })
}

/// The argument serde named in an "unknown field" or "missing field" message.
fn unknown_field(error: &serde_json::Error) -> String {
    let text = error.to_string();
    text.split('`').nth(1).unwrap_or("arguments").to_owned()
}

/// What an agent reads about `pause`: its state and, once settled, the
/// decision with its signed receipt.
pub(crate) fn view(pause: &Pause) -> Value {
    let mut view = json!({"pause_id": pause.id, "state": pause.state.as_str(),
        "title": pause.title, "expires_at": pause.expires_at});
    if pause.state == PauseState::Pending {
        let approvals = pause.decisions.len();
        view["approvals"] = json!(approvals);
        return view;
    }
    let decision = pause.decision();
    view["outcome"] = json!(pause.state.as_str());
    view["decided_at"] = json!(pause.decided_at);
    view["decided_by"] = json!(decision.and_then(|d| d.actor.as_deref()));
    view["via"] = json!(decision.map(|d| d.via.as_str()));
    view["comment"] = json!(decision.and_then(|d| d.comment.as_deref()));
    view["inputs"] = json!(pause.inputs);
    view["receipt"] = json!(pause.receipt);
    if let Some(newer) = &pause.superseded_by {
        view["superseded_by"] = json!(newer);
    }
    view
}

/// A sentence saying what `view` says.
fn summary(view: &Value) -> String {
    let id = view["pause_id"].as_str().unwrap_or_default();
    match (view["state"].as_str(), view["decided_by"].as_str()) {
        (Some("pending"), _) => format!("Approval {id} is pending: nobody has decided yet."),
        (Some(state), Some(who)) => format!("Approval {id} was {state} by {who}."),
        (Some(state), None) => format!("Approval {id} is {state}."),
        (None, _) => format!("Approval {id}."),
    }
}

/// A `CallToolResult` showing `view`; `is_error` for results the model
/// should read as a refusal of what it asked.
pub(crate) fn tool_result(view: Value, is_error: bool) -> Value {
    json!({"content": [{"type": "text", "text": summary(&view)}],
        "structuredContent": view, "isError": is_error})
}

/// A `CallToolResult` that only says `message`, as an error.
pub(crate) fn tool_error(message: &str) -> Value {
    json!({"content": [{"type": "text", "text": message}], "isError": true})
}
