//! A span per request, and one log line when it is answered. The span
//! (`request{id method route path}`) wraps the whole handler, so every
//! line logged while answering, a handler's own warnings included, carries
//! the request's id; the answer gives the same id as `x-request-id`, so a
//! caller can quote it. Token paths are redacted, in the span as in the
//! line; query strings, headers and bodies are never logged. Errors are
//! logged here once, never while the response is built (as axum's own
//! examples do).
//!
//! A caller's `x-request-id` (as proxies and load balancers pass it on) is
//! kept only when it is a short safe token, so what a caller sends can
//! neither forge log fields nor carry a review token (86 characters) into
//! the logs; otherwise a fresh id is made.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::error::InternalCause;

/// The header that carries a request's id, both ways.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest caller-given request id that is kept.
const MAX_REQUEST_ID: usize = 64;

/// Replaces the token in `/r/{token}` paths; other paths carry no secret.
pub fn redact_path(path: &str) -> String {
    if path.starts_with("/r/") {
        "/r/[redacted]".to_owned()
    } else {
        path.to_owned()
    }
}

/// The caller's `x-request-id` if it is 1 to 64 letters, digits, `-`, `_`
/// or `.`; otherwise a fresh one.
fn request_id(headers: &HeaderMap) -> String {
    let given = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=MAX_REQUEST_ID).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    given.map_or_else(new_request_id, str::to_owned)
}

/// `req_` and 24 hex digits from the OS random source: unique enough to
/// find one request in the logs, and no secret.
fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    format!("req_{}", hex::encode(bytes))
}

/// Middleware: runs the request inside its span, then logs it once
/// answered and gives its id as `x-request-id`.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let method = request.method().clone();
    // The route template (`/r/{token}`), never the path: no ids or tokens
    // in metric labels.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let span = tracing::info_span!(
        "request",
        %id,
        method = %method_label(&method),
        %route,
        path = %redact_path(request.uri().path()),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let header = HeaderValue::from_str(&id).expect("request ids are visible ASCII");
    response.headers_mut().insert(REQUEST_ID, header);
    let status = response.status().as_u16();
    record(&method, route, status, started);
    // Milliseconds to one decimal place.
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    span.in_scope(|| {
        if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
            tracing::error!(status, ms, %cause, "request failed");
        } else {
            tracing::info!(status, ms, "request");
        }
    });
    response
}

/// Counts the request and its time, labelled by route template.
fn record(method: &axum::http::Method, route: String, status: u16, started: Instant) {
    let labels = [
        ("method", method_label(method).to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("pausegate_http_requests_total", &labels).increment(1);
    metrics::histogram!("pausegate_http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
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

    fn with_id(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_str(id).unwrap());
        headers
    }

    #[test]
    fn a_short_safe_request_id_is_kept_and_anything_else_replaced() {
        let kept = "4f2c-build_42.step";
        assert_eq!(request_id(&with_id(kept)), kept);
        let token_sized = "a".repeat(86);
        for refused in ["two words", "a=b", "", token_sized.as_str()] {
            let made = request_id(&with_id(refused));
            assert!(made.starts_with("req_") && made.len() == 28, "{made}");
        }
        assert_ne!(request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
    }
}
