//! One log line per request: method, path, status, time. Token paths are
//! redacted; query strings, headers and bodies are never logged.

use std::time::Instant;

use axum::extract::Request;
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
    let response = next.run(request).await;
    let status = response.status().as_u16();
    // Milliseconds to one decimal place.
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%method, %path, status, ms, %cause, "request failed");
    } else {
        tracing::info!(%method, %path, status, ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths_are_redacted_and_others_kept() {
        assert_eq!(redact_path("/r/abcdef"), "/r/[redacted]");
        assert_eq!(redact_path("/r/abc/def"), "/r/[redacted]");
        assert_eq!(redact_path("/api/v1/pauses/pau_1"), "/api/v1/pauses/pau_1");
    }
}
