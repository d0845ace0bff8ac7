//! One MCP message in, its answer out: the protocol's own methods
//! (`initialize` for clients of the handshake revisions, `server/discover`
//! and the per-request `_meta` envelope of 2026-07-28, `ping`,
//! `tools/list`) here, the tools and tasks in [`super::calls`]. Stateless:
//! every answer comes from the message and the database, so any replica
//! answers any message.
//!
//! - Lifecycle (`initialize`, version negotiation):
//!   <https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle>
//! - The per-request envelope (`io.modelcontextprotocol/protocolVersion`,
//!   `…/clientCapabilities`), `resultType`, and the checks of the HTTP
//!   routing headers against the body:
//!   <https://modelcontextprotocol.io/specification/2026-07-28/basic/index>,
//!   <https://modelcontextprotocol.io/specification/2026-07-28/server/discover>

use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::approvals;
use super::jsonrpc::{self, HEADER_MISMATCH, Incoming, RpcError, UNSUPPORTED_VERSION};
use super::task::EXTENSION;
use crate::identity::Caller;
use crate::pauses::Pauses;

/// Revisions reached through the `initialize` handshake.
const HANDSHAKE_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
/// Revisions whose every request carries its own envelope.
const MODERN_VERSIONS: [&str; 1] = ["2026-07-28"];
const VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";

const INSTRUCTIONS: &str = "Before an action that deletes, pays, deploys or sends, call \
request_approval describing exactly what you will do, and act only once it is approved.";

/// The MCP server: the use cases and where review links point.
#[derive(Clone)]
pub struct McpServer {
    pub(super) pauses: Arc<Pauses>,
    pub(super) public_url: Arc<str>,
    pub(super) shutdown: CancellationToken,
}

/// The HTTP routing headers that came with a message (`MCP-Protocol-Version`,
/// `Mcp-Method`, `Mcp-Name`); checked against the body when the body
/// carries the 2026-07-28 envelope.
#[derive(Debug, Default, Clone)]
pub struct Headers {
    /// `MCP-Protocol-Version`.
    pub version: Option<String>,
    /// `Mcp-Method`.
    pub method: Option<String>,
    /// `Mcp-Name`.
    pub name: Option<String>,
}

/// What to send back.
#[derive(Debug)]
pub enum Reply {
    /// Nothing: the message was a notification or a response (HTTP 202).
    Accepted,
    /// One answer; `error` is its error code, if it is one, and `modern`
    /// says whether the request came in the 2026-07-28 envelope (whose
    /// HTTP mapping gives errors a status of their own).
    One {
        /// The JSON-RPC response.
        message: Value,
        /// The error code, for an error.
        error: Option<i64>,
        /// The request used the per-request envelope.
        modern: bool,
    },
    /// Progress notifications, then the answer, as they come.
    Stream(mpsc::Receiver<Value>),
}

/// What one request said about itself.
pub(super) struct Call<'a> {
    pub(super) caller: &'a Caller,
    /// The client declared the Tasks extension on this request.
    pub(super) tasks: bool,
    /// `_meta.progressToken`, if the client wants progress.
    pub(super) progress: Option<Value>,
    pub(super) modern: bool,
}

impl McpServer {
    /// A server over `pauses`, linking to `public_url`; long waits end at
    /// `shutdown`.
    pub fn new(pauses: Arc<Pauses>, public_url: &str, shutdown: CancellationToken) -> Self {
        Self {
            pauses,
            public_url: public_url.trim_end_matches('/').into(),
            shutdown,
        }
    }

    /// Answers one message from `caller`.
    pub async fn handle(&self, caller: &Caller, body: &[u8], headers: &Headers) -> Reply {
        let (id, method, params) = match jsonrpc::parse(body) {
            Ok(Incoming::Request { id, method, params }) => (id, method, params),
            Ok(Incoming::Notification { .. } | Incoming::Response) => return Reply::Accepted,
            Err((id, error)) => return one(&id, Err(error), false),
        };
        let meta = params.get("_meta").and_then(Value::as_object);
        let modern = meta.is_some_and(|m| m.contains_key(VERSION_KEY));
        let call = match envelope(&method, &params, meta, headers) {
            Ok(()) => Call {
                caller,
                tasks: declares_tasks(meta),
                progress: meta.and_then(|m| m.get("progressToken")).cloned(),
                modern,
            },
            Err(error) => return one(&id, Err(error), modern),
        };
        match method.as_str() {
            "tools/call" => return self.call_tool(&call, id, params).await,
            "subscriptions/listen" => return self.listen(&call, id, &params).await,
            "tasks/get" | "tasks/cancel" | "tasks/update" => {
                let answer = self.task_method(&method, &params).await;
                return one(&id, answer, modern);
            }
            _ => {}
        }
        one(&id, protocol_method(&method, &params, modern), modern)
    }
}

/// The methods that need nothing but the message.
fn protocol_method(
    method: &str,
    params: &Map<String, Value>,
    modern: bool,
) -> Result<Value, RpcError> {
    let capabilities = json!({"tools": {"listChanged": false}, "extensions": {EXTENSION: {}}});
    let info = json!({"name": "pausegate", "title": "pausegate approvals",
        "version": env!("CARGO_PKG_VERSION")});
    match method {
        "initialize" if !modern => {
            let asked = params.get("protocolVersion").and_then(Value::as_str);
            let version = asked
                .filter(|v| HANDSHAKE_VERSIONS.contains(v))
                .unwrap_or(HANDSHAKE_VERSIONS[3]);
            Ok(
                json!({"protocolVersion": version, "capabilities": capabilities,
                "serverInfo": info, "instructions": INSTRUCTIONS}),
            )
        }
        "server/discover" if modern => Ok(json!({
            "supportedVersions": HANDSHAKE_VERSIONS.iter().chain(&MODERN_VERSIONS).collect::<Vec<_>>(),
            "capabilities": capabilities, "instructions": INSTRUCTIONS,
            "cacheScope": "public", "ttlMs": 0,
            "_meta": {"io.modelcontextprotocol/serverInfo": info},
        })),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({"tools": approvals::definitions(),
            "cacheScope": "public", "ttlMs": 300_000})),
        _ => Err(RpcError::method_not_found(method)),
    }
}

/// Checks the 2026-07-28 envelope when the message carries one: a version
/// this server speaks, the capabilities key, and routing headers that
/// agree with the body.
fn envelope(
    method: &str,
    params: &Map<String, Value>,
    meta: Option<&Map<String, Value>>,
    headers: &Headers,
) -> Result<(), RpcError> {
    let Some(version) = meta.and_then(|m| m.get(VERSION_KEY)) else {
        if method == "server/discover" {
            let why = format!("params._meta must carry {VERSION_KEY} and {CAPABILITIES_KEY}");
            return Err(RpcError::invalid_params("_meta", why));
        }
        return Ok(());
    };
    if !meta.is_some_and(|m| m.get(CAPABILITIES_KEY).is_some_and(Value::is_object)) {
        let why = format!("params._meta.{CAPABILITIES_KEY} must be an object");
        return Err(RpcError::invalid_params(CAPABILITIES_KEY, why));
    }
    let Some(version) = version.as_str() else {
        return Err(RpcError::invalid_params(
            VERSION_KEY,
            "the protocol version must be a string",
        ));
    };
    routing_headers(method, params, version, headers)?;
    if !MODERN_VERSIONS.contains(&version) {
        return Err(RpcError {
            data: Some(json!({"supported": MODERN_VERSIONS, "requested": version})),
            ..RpcError::new(UNSUPPORTED_VERSION, "unsupported protocol version")
        });
    }
    Ok(())
}

fn routing_headers(
    method: &str,
    params: &Map<String, Value>,
    version: &str,
    headers: &Headers,
) -> Result<(), RpcError> {
    let mismatch = |header: &str| {
        let why = format!("the {header} header does not match the request body");
        Err(RpcError::new(HEADER_MISMATCH, why))
    };
    if headers.version.as_deref() != Some(version) {
        return mismatch("MCP-Protocol-Version");
    }
    if headers.method.as_deref() != Some(method) {
        return mismatch("Mcp-Method");
    }
    let named = match method {
        "tools/call" => params.get("name"),
        "tasks/get" | "tasks/cancel" | "tasks/update" => params.get("taskId"),
        _ => None,
    };
    match (&headers.name, named.and_then(Value::as_str)) {
        (Some(header), Some(body)) if header != body => mismatch("Mcp-Name"),
        _ => Ok(()),
    }
}

fn declares_tasks(meta: Option<&Map<String, Value>>) -> bool {
    meta.and_then(|m| m.get(CAPABILITIES_KEY))
        .and_then(|c| c.get("extensions"))
        .and_then(|e| e.get(EXTENSION))
        .is_some_and(Value::is_object)
}

/// The answer to request `id`; results of the 2026-07-28 envelope say
/// their `resultType`.
pub(super) fn one(id: &Value, answer: Result<Value, RpcError>, modern: bool) -> Reply {
    match answer {
        Ok(mut result) => {
            if modern && result.get("resultType").is_none() {
                result["resultType"] = json!("complete");
            }
            Reply::One {
                message: jsonrpc::result(id, result),
                error: None,
                modern,
            }
        }
        Err(error) => Reply::One {
            error: Some(error.code),
            message: jsonrpc::error(id, &error),
            modern,
        },
    }
}

/// -32602 for a missing or non-string `field` of `params`.
pub(super) fn string_param<'a>(
    params: &'a Map<String, Value>,
    field: &str,
) -> Result<&'a str, RpcError> {
    params
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params(field, format!("params.{field} must be a string")))
}
