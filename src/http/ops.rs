//! Health endpoints and the answer for unknown paths.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use super::pages;
use crate::store::Counts;

/// `GET /healthz`: the process is up.
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /`: what this server is, and where to go from here.
pub(crate) async fn root() -> Json<serde_json::Value> {
    Json(json!({
        "service": "pausegate",
        "version": env!("CARGO_PKG_VERSION"),
        "about": "Pauses a pipeline until a person approves, then resumes it.",
        "links": {
            "openapi": "/api/openapi.json",
            "health": "/healthz",
            "ready": "/readyz",
            "metrics": "/metrics",
        },
    }))
}

/// `GET /readyz`: the database answers.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    match state.pauses.store().ping().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "database is not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": "database is not reachable"})),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text. Counters come from the process;
/// gauges of stored pauses and deliveries are read from the database now.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    match state.pauses.store().counts().await {
        Ok(counts) => set_stored_gauges(&counts),
        Err(error) => tracing::warn!(error = %format!("{error:#}"), "cannot count stored pauses"),
    }
    let waiting = state.pauses.waiters().waiting();
    metrics::gauge!("pausegate_waiting_requests").set(waiting as f64);
    let text = crate::telemetry::metrics().render();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

fn set_stored_gauges(counts: &Counts) {
    for state in ["pending", "approved", "rejected", "expired", "cancelled"] {
        let count = counts
            .pauses
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("pausegate_pauses", "state" => state).set(count as f64);
    }
    for kind in ["trigger", "email", "channel"] {
        for state in ["pending", "delivered", "failed"] {
            let count = counts
                .deliveries
                .iter()
                .find(|(k, s, _)| k == kind && s == state)
                .map_or(0, |(_, _, n)| *n);
            metrics::gauge!("pausegate_deliveries", "kind" => kind, "state" => state)
                .set(count as f64);
        }
    }
}

/// A known path with the wrong method.
pub(crate) async fn method_not_allowed(uri: Uri) -> Response {
    let message = format!("{} does not accept this method", uri.path());
    let body = json!({"error": {"code": "method_not_allowed", "message": message}});
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

/// Unknown paths: JSON under `/api`, a page elsewhere.
pub(crate) async fn not_found(State(state): State<AppState>, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound(format!("no endpoint at {}", uri.path())).into_response()
    } else {
        pages::notice(
            &state,
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is nothing at this address.",
        )
    }
}
