//! The management API's check: `Authorization: Bearer …` must identify a
//! caller ([`crate::identity`]: the server's key, a named key or an OpenID
//! Connect token). The caller rides in the request's extensions for the
//! handlers that record who asked or decided.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use crate::identity::{Caller, Refusal};

/// The credential in an `Authorization` header value.
fn bearer(header: Option<&str>) -> Result<&str, ApiError> {
    // The scheme is case-insensitive (RFC 9110); the credential is not.
    header
        .and_then(|h| {
            let (scheme, credential) = h.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(credential.trim())
        })
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing API key: send Authorization: Bearer <api key>".to_owned(),
            )
        })
}

/// Identifies the caller presenting `header` (an `Authorization` value).
pub async fn identify(state: &AppState, header: Option<&str>) -> Result<Caller, ApiError> {
    if !state.callers.open() {
        return Err(closed());
    }
    let credential = bearer(header)?;
    state
        .callers
        .identify(credential)
        .await
        .map_err(|refusal| match refusal {
            Refusal::Closed => closed(),
            Refusal::Refused(message) => ApiError::Unauthorized(message),
            Refusal::KeysUnavailable(message) => ApiError::Unavailable(message),
        })
}

fn closed() -> ApiError {
    ApiError::Unauthorized(
        "the server has no API key configured, so the management API is closed; \
         start it with --api-key or PAUSEGATE_API_KEY"
            .to_owned(),
    )
}

/// Whether `header` holds one of the configured keys (checked without I/O).
pub(crate) fn holds_key(state: &AppState, header: Option<&str>) -> bool {
    bearer(header).is_ok_and(|credential| state.callers.holds_key(credential))
}

/// Middleware: lets a request through only from an identified caller.
pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = identify(&state, header).await?;
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer(Some("Bearer k-123")).unwrap(), "k-123");
        assert_eq!(bearer(Some("bearer k-123")).unwrap(), "k-123");
        assert!(bearer(Some("k-123")).is_err());
        assert!(bearer(Some("Basic k-123")).is_err());
        assert!(bearer(None).is_err());
    }
}
