//! One log line per request: method, path, status, time. Token paths are
//! redacted; query strings, headers and bodies are never logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use super::error::InternalCause;

/// Replaces the token in `/r/{token}` paths; other paths carry no secret.
pub fn redact_path(path: &str) -> String {
    if path.starts_with("/r/") {
        "/r/[redacted]".to_owned()
    } else {
        path.to_owned()
    }
}

/// Middleware: logs the request once it is answered.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = redact_path(request.uri().path());
    // The route template (`/r/{token}`), never the path: no ids or tokens
    // in metric labels.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let labels = [
        ("method", method_label(&method).to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("pausegate_http_requests_total", &labels).increment(1);
    metrics::histogram!("pausegate_http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
    // Milliseconds to one decimal place.
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%method, %path, status, ms, %cause, "request failed");
    } else {
        tracing::info!(%method, %path, status, ms, "request");
    }
    response
}

/// A bounded method label: any method outside the standard ones is
/// `other`, so made-up methods cannot grow the metrics without end.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        let made_up = axum::http::Method::from_bytes(b"FOO1").unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
    }

    #[test]
    fn token_paths_are_redacted_and_others_kept() {
        assert_eq!(redact_path("/r/abcdef"), "/r/[redacted]");
        assert_eq!(redact_path("/r/abc/def"), "/r/[redacted]");
        assert_eq!(redact_path("/api/v1/pauses/pau_1"), "/api/v1/pauses/pau_1");
    }
}
