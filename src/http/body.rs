//! The JSON body extractor of the API. It reads any body as JSON whatever
//! its content type (so a plain `curl -d` works), answers 413 over the size
//! limit and 408 to a client that takes too long to send it, insists on a
//! JSON object (serde would otherwise fill a struct from an array), and
//! names the field a type error is in.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Largest request body accepted, in bytes: room for 256 KiB of `data` and
/// a 10,000-character description with JSON's escaping.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest a client may take to send a request body.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A request body parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read(request, state).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// `Option<JsonBody<T>>`: `None` when the body is empty, for endpoints
/// whose body is optional.
impl<T, S> OptionalFromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let bytes = read(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        parse(&bytes).map(|value| Some(JsonBody(value)))
    }
}

/// The whole body, within the size limit and [`BODY_TIMEOUT`].
pub async fn read<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    let reading = Bytes::from_request(request, state);
    let Ok(read) = tokio::time::timeout(BODY_TIMEOUT, reading).await else {
        return Err(ApiError::Timeout(format!(
            "the request body did not arrive within {} s",
            BODY_TIMEOUT.as_secs()
        )));
    };
    read.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "request body is larger than the {MAX_BODY_BYTES} bytes allowed"
            ))
        } else {
            ApiError::Invalid(format!("cannot read the request body: {rejection}"))
        }
    })
}

/// Parses JSON, naming the field of a type error and the place of a syntax error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => {
            return Err(ApiError::Invalid(
                "request body is empty; expected a JSON object".to_owned(),
            ));
        }
        Some(b'{') => {}
        Some(_) => {
            return Err(ApiError::Invalid(
                "request body must be a JSON object ({…})".to_owned(),
            ));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // Where the JSON itself broke (too deep, a bad number), name the
        // top-level field it broke in, when there is one.
        let field = path.split(['.', '[']).next().unwrap_or_default();
        if (inner.is_syntax() || inner.is_eof()) && !field.is_empty() && path != "." {
            ApiError::Invalid(format!("{field}: not valid JSON: {inner}"))
        } else if inner.is_syntax() || inner.is_eof() {
            ApiError::Invalid(format!("request body is not valid JSON: {inner}"))
        } else if path == "." {
            ApiError::Invalid(format!("request body: {inner}"))
        } else {
            ApiError::Invalid(format!("{path}: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::Invalid(format!("request body is not valid JSON: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PauseRequest;

    fn message(body: &str) -> String {
        match parse::<PauseRequest>(body.as_bytes()) {
            Err(ApiError::Invalid(message)) => message,
            other => panic!("expected a 400, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn errors_name_the_field_or_the_syntax_problem() {
        assert!(message(r#"{"title": 5}"#).starts_with("title: invalid type"));
        assert!(message(r#"{"title": "t", "expire_in": "1h"}"#).contains("expire_in"));
        assert!(message("{not json").contains("not valid JSON"));
        assert!(message("").contains("empty"));
        assert!(message(r#"{"title": "t"} extra"#).contains("not valid JSON"));
        assert!(message(r#"{"notify": {"email": "a@b.c"}}"#).starts_with("notify.email"));
        assert!(message(r#"["t"]"#).contains("JSON object"));
        assert!(message("null").contains("JSON object"));
        assert!(message(r#"{"title": "t", "notify": ["a@b.c"]}"#).starts_with("notify"));
    }
}
