//! pausegate as an Azure Functions custom handler: the host forwards every
//! HTTP request to the same paths here (`enableForwardingHttpRequest`), and
//! invokes the `sweep` timer function each minute as `POST /sweep` with a
//! JSON envelope, so a consumption plan that unloads between requests
//! still settles expired pauses and sends what is due.
//!
//! Invocation and answer shapes: "Azure Functions custom handlers",
//! learn.microsoft.com/azure/azure-functions/functions-custom-handlers
//! (request payload `{"Data": {...}, "Metadata": {...}}`, response payload
//! `{"Outputs", "Logs", "ReturnValue"}`); the timer's value is the
//! `TimerInfo` of learn.microsoft.com/azure/azure-functions/functions-bindings-timer.
//! Anyone can reach `/sweep` through the forwarded routes too; a sweep
//! settles only what is due anyway, so that is harmless.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::outbox::Outbox;

/// Deliveries one invocation sends at most, so it ends well inside the
/// host's function timeout; the rest wait for the next minute.
const MAX_SENDS: usize = 5_000;

/// `POST /sweep`: the timer function.
pub(crate) async fn sweep(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let Some(outbox) = state.functions_outbox.clone() else {
        return Err(ApiError::NotFound(
            "not running as a custom handler".to_owned(),
        ));
    };
    let envelope: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_request(format!("body is not the host's JSON invocation: {e}"))
    })?;
    if !envelope.get("Data").is_some_and(Value::is_object) {
        return Err(ApiError::invalid(
            "Data",
            "Data must be an object, as the Functions host sends it",
        ));
    }
    let expired = state.pauses.expire_due().await?;
    let sent = drain(&outbox).await.map_err(ApiError::Internal)?;
    Ok(Json(json!({
        "Outputs": {},
        "Logs": [format!("settled {expired} expired pauses; sent {sent} deliveries")],
        "ReturnValue": null,
    })))
}

/// Sends what is due until nothing is, or [`MAX_SENDS`].
async fn drain(outbox: &Arc<Outbox>) -> anyhow::Result<usize> {
    let mut sent = 0;
    while sent < MAX_SENDS {
        match outbox.run_once().await? {
            0 => break,
            claimed => sent += claimed,
        }
    }
    Ok(sent)
}
