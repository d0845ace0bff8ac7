//! `POST /mcp`: the MCP server ([`crate::mcp`]) over Streamable HTTP, for
//! the same callers as the management API (API keys, OpenID Connect
//! bearer tokens). One message per POST, answered as JSON, or as an
//! event stream when `get_approval` waits with progress; there is no
//! server-to-client stream, so `GET` and `DELETE` are 405, and no session.
//! A refused credential is a 401 whose `WWW-Authenticate` names the
//! protected-resource metadata (RFC 9728) served beside it.
//!
//! - Streamable HTTP (POST, `Accept`, 202 for notifications, SSE, the
//!   `Origin` check against DNS rebinding):
//!   <https://modelcontextprotocol.io/specification/2025-11-25/basic/transports>
//!   and, for 2026-07-28's routing headers and error statuses,
//!   <https://modelcontextprotocol.io/specification/2026-07-28/basic/transports>
//! - Authorization: <https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization>;
//!   metadata: RFC 9728, sections 2, 3.1 and 5.1.

use std::convert::Infallible;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, ORIGIN, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::AppState;
use super::auth::identify;
use super::error::ApiError;
use crate::mcp::jsonrpc::{self, METHOD_NOT_FOUND, PARSE_ERROR, RpcError};
use crate::mcp::{Headers, Reply};

/// `POST /mcp`.
pub(super) async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = foreign_origin(&state, &headers) {
        return refusal;
    }
    if !accepts_json(&headers) {
        let why = "Accept must include application/json and text/event-stream";
        return (StatusCode::NOT_ACCEPTABLE, Json(json!({"error": why}))).into_response();
    }
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let caller = match identify(&state, authorization).await {
        Ok(caller) => caller,
        Err(ApiError::Unauthorized(why)) => return unauthorized(&state, why),
        Err(other) => return other.into_response(),
    };
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let routing = Headers {
        version: text("mcp-protocol-version"),
        method: text("mcp-method"),
        name: text("mcp-name"),
    };
    match state.mcp.handle(&caller, &body, &routing).await {
        Reply::Accepted => StatusCode::ACCEPTED.into_response(),
        Reply::One {
            message,
            error,
            modern,
        } => (status(error, modern), Json(message)).into_response(),
        Reply::Stream(messages) => event_stream(messages),
    }
}

/// `GET` and `DELETE /mcp`: no stream to open, no session to end.
pub(super) async fn no_stream() -> Response {
    let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
    response
        .headers_mut()
        .insert("allow", HeaderValue::from_static("POST"));
    response
}

/// `GET /.well-known/oauth-protected-resource[/mcp]` (RFC 9728 section 2).
pub(super) async fn resource_metadata(State(state): State<AppState>) -> Json<Value> {
    let mut metadata = json!({
        "resource": format!("{}/mcp", state.public_url),
        "bearer_methods_supported": ["header"],
        "resource_name": "pausegate",
        "resource_documentation": format!("{}/api/openapi.json", state.public_url),
    });
    let issuers = state.callers.issuers();
    if !issuers.is_empty() {
        metadata["authorization_servers"] = json!(issuers);
    }
    Json(metadata)
}

fn unauthorized(state: &AppState, why: String) -> Response {
    let challenge = format!(
        "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
        state.public_url
    );
    let mut response = ApiError::Unauthorized(why).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// A browser page on another site must not drive this endpoint (DNS
/// rebinding): an `Origin` other than this server's own is refused.
fn foreign_origin(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(ORIGIN)?.to_str().unwrap_or_default();
    let own = url::Url::parse(&state.public_url)
        .ok()?
        .origin()
        .ascii_serialization();
    (origin != own).then(|| {
        let error = RpcError::new(
            jsonrpc::INVALID_REQUEST,
            format!("origin {origin} is not allowed"),
        );
        (
            StatusCode::FORBIDDEN,
            Json(jsonrpc::error(&Value::Null, &error)),
        )
            .into_response()
    })
}

fn accepts_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    [
        "application/json",
        "text/event-stream",
        "*/*",
        "application/*",
    ]
    .iter()
    .any(|kind| accept.contains(kind))
}

/// The HTTP status of an answer: 200, except that malformed bodies are
/// 400 and, for requests in the 2026-07-28 envelope, the errors that
/// revision maps (bad params or headers 400, unknown method 404).
fn status(error: Option<i64>, modern: bool) -> StatusCode {
    match error {
        Some(PARSE_ERROR) => StatusCode::BAD_REQUEST,
        Some(METHOD_NOT_FOUND) if modern => StatusCode::NOT_FOUND,
        Some(code)
            if modern && (code == jsonrpc::INVALID_REQUEST || code == jsonrpc::INVALID_PARAMS) =>
        {
            StatusCode::BAD_REQUEST
        }
        Some(-32022..=-32020) if modern => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// Each message as a server-sent event, the answer last.
fn event_stream(messages: mpsc::Receiver<Value>) -> Response {
    let events = futures_util::stream::unfold(messages, |mut messages| async move {
        let message = messages.recv().await?;
        let event = format!("event: message\ndata: {message}\n\n");
        Some((Ok::<_, Infallible>(Bytes::from(event)), messages))
    });
    let mut response = Body::from_stream(events).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert("cache-control", HeaderValue::from_static("no-cache"));
    response
}
