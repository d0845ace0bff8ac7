//! The management API's key check. Keys are compared as SHA-256 digests in
//! constant time, so neither length nor content leaks through timing.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use crate::config::Secret;

/// The accepted key, kept only as its digest.
pub struct ApiKey {
    digest: Option<[u8; 32]>,
}

impl ApiKey {
    /// Accepts `key`; `None` accepts nothing.
    pub fn new(key: Option<&Secret>) -> Self {
        Self {
            digest: key.map(|k| Sha256::digest(k.expose().as_bytes()).into()),
        }
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, header: Option<&str>) -> Result<(), ApiError> {
        let Some(expected) = &self.digest else {
            return Err(ApiError::Unauthorized(
                "the server has no API key configured, so the management API is closed; \
                 start it with --api-key or PAUSEGATE_API_KEY"
                    .to_owned(),
            ));
        };
        // The scheme is case-insensitive (RFC 9110); the key itself is not.
        let presented = header.and_then(|h| {
            let (scheme, key) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(key)
        });
        let Some(presented) = presented else {
            return Err(ApiError::Unauthorized(
                "missing API key: send Authorization: Bearer <api key>".to_owned(),
            ));
        };
        let presented: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        if bool::from(presented.ct_eq(expected)) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized("the API key was refused".to_owned()))
        }
    }
}

/// Middleware: lets a request through only with the right key.
pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    state.api_key.check(header)?;
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_key_passes() {
        let key = ApiKey::new(Some(&Secret::new("k-123")));
        assert!(key.check(Some("Bearer k-123")).is_ok());
        assert!(key.check(Some("bearer k-123")).is_ok());
        assert!(key.check(Some("Bearer k-124")).is_err());
        assert!(key.check(Some("k-123")).is_err());
        assert!(key.check(None).is_err());
        assert!(ApiKey::new(None).check(Some("Bearer k-123")).is_err());
    }
}
