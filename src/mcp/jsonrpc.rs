//! JSON-RPC 2.0 as MCP uses it: one message per HTTP body or stdio line,
//! requests with a string or number `id`, notifications without one, and
//! the error codes the specifications name.
//!
//! - JSON-RPC 2.0, sections 4–5.1: <https://www.jsonrpc.org/specification>
//! - MCP base protocol (no batches since 2025-06-18; `id` never null):
//!   <https://modelcontextprotocol.io/specification/2025-11-25/basic>
//! - MCP 2026-07-28's codes for the per-request envelope (-32020 header
//!   mismatch, -32021 missing client capability, -32022 unsupported
//!   version): <https://modelcontextprotocol.io/specification/2026-07-28/basic/index>

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON, but not a JSON-RPC request, notification or response.
pub const INVALID_REQUEST: i64 = -32600;
/// No such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// The method exists; its params do not fit (unknown tool, bad argument).
pub const INVALID_PARAMS: i64 = -32602;
/// A fault on this side, never the caller's.
pub const INTERNAL_ERROR: i64 = -32603;
/// The service is out of reach for a moment (a database outage): retry.
pub const UNAVAILABLE: i64 = -32000;
/// An HTTP routing header disagrees with the body.
pub const HEADER_MISMATCH: i64 = -32020;
/// The request needs a client capability it did not declare.
pub const MISSING_CAPABILITY: i64 = -32021;
/// The request names a protocol version this server does not speak.
pub const UNSUPPORTED_VERSION: i64 = -32022;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// One of the codes above.
    pub code: i64,
    /// A sentence for the person reading the client's log.
    pub message: String,
    /// Details a program can read (`field`, `supported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message` and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// -32602 naming the offending `field` (`arguments.title`).
    pub fn invalid_params(field: &str, message: impl Into<String>) -> Self {
        Self {
            data: Some(json!({ "field": field })),
            ..Self::new(INVALID_PARAMS, message)
        }
    }

    /// -32601 for `method`.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(METHOD_NOT_FOUND, format!("method not found: {method}"))
    }
}

/// One message as received.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A request: it is answered.
    Request {
        /// Its id, echoed in the answer.
        id: Value,
        /// The method.
        method: String,
        /// Its params (an empty object when absent).
        params: Map<String, Value>,
    },
    /// A notification: never answered.
    Notification {
        /// The method.
        method: String,
    },
    /// A response to a request of ours; this server sends none, so it is
    /// acknowledged and dropped.
    Response,
}

/// Reads one message. A refusal carries the id when one could be read, so
/// the error answers the right request.
pub fn parse(body: &[u8]) -> Result<Incoming, (Value, RpcError)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        (
            Value::Null,
            RpcError::new(PARSE_ERROR, format!("parse error: {e}")),
        )
    })?;
    let Value::Object(mut message) = value else {
        let why = "a message is one JSON object (batches are not part of MCP)";
        return Err((Value::Null, RpcError::new(INVALID_REQUEST, why)));
    };
    let id = message.remove("id");
    let invalid = |id: Option<&Value>, why: &str| {
        let id = id.cloned().unwrap_or(Value::Null);
        Err((id, RpcError::new(INVALID_REQUEST, why)))
    };
    if message.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid(id.as_ref(), "jsonrpc must be \"2.0\"");
    }
    if message.contains_key("result") || message.contains_key("error") {
        return Ok(Incoming::Response);
    }
    let Some(Value::String(method)) = message.remove("method") else {
        return invalid(id.as_ref(), "method must be a string");
    };
    let params = match message.remove("params") {
        None => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => return invalid(id.as_ref(), "params must be an object"),
    };
    match id {
        None => Ok(Incoming::Notification { method }),
        Some(id @ (Value::String(_) | Value::Number(_))) => {
            Ok(Incoming::Request { id, method, params })
        }
        Some(other) => invalid(Some(&other), "id must be a string or a number"),
    }
}

/// The answer carrying `result`.
pub fn result(id: &Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

/// The answer carrying `error`.
pub fn error(id: &Value, error: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error })
}

/// A notification to send.
pub fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> RpcError {
        parse(body.as_bytes()).unwrap_err().1
    }

    #[test]
    fn a_request_a_notification_and_a_response_are_told_apart() {
        let request = parse(br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#).unwrap();
        assert!(matches!(request, Incoming::Request { ref method, .. } if method == "tools/list"));
        let note = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert!(matches!(note, Ok(Incoming::Notification { .. })));
        let answer = parse(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#).unwrap();
        assert_eq!(answer, Incoming::Response);
    }

    #[test]
    fn malformed_messages_get_the_codes_json_rpc_names() {
        assert_eq!(refused("{not json").code, PARSE_ERROR);
        assert_eq!(refused("[]").code, INVALID_REQUEST);
        assert_eq!(refused(r#"{"id":1,"method":"x"}"#).code, INVALID_REQUEST);
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#).code,
            INVALID_REQUEST
        );
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#).code,
            INVALID_REQUEST
        );
        let (id, _) = parse(br#"{"jsonrpc":"1.0","id":"a","method":"x"}"#).unwrap_err();
        assert_eq!(
            id,
            json!("a"),
            "the refusal answers the request it could read"
        );
    }
}
