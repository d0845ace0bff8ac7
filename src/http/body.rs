//! The JSON body extractor of the API. It reads any body as JSON whatever
//! its content type (so a plain `curl -d` works), answers 413 over the size
//! limit and 408 to a client that takes too long to send it, insists on a
//! JSON object (serde would otherwise fill a struct from an array), and
//! names the field a type error is in, as a path (`notify.email[1]`), both
//! in the message and as the error's `field`.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use super::error::ApiError;
use crate::domain::field_at;

/// Largest request body accepted, in bytes: room for 256 KiB of `data` and
/// a 10,000-character description with JSON's escaping.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest a client may take to send a request body.
pub(crate) const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

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
            ApiError::invalid_request(format!("cannot read the request body: {rejection}"))
        }
    })
}

/// Parses JSON, naming the field of a type error and the place of a syntax error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => {
            return Err(ApiError::invalid_request(
                "request body is empty; expected a JSON object",
            ));
        }
        Some(b'{') => {}
        Some(_) => {
            return Err(ApiError::invalid_request(
                "request body must be a JSON object ({…})",
            ));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(refusal)?;
    deserializer
        .end()
        .map_err(|e| ApiError::invalid_request(format!("request body is not valid JSON: {e}")))?;
    Ok(value)
}

/// The 400 for a body serde could not read: the path of the field it is
/// about, or where the JSON itself broke.
fn refusal(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.inner();
    let field = field_at("", error.path(), &inner.to_string());
    if inner.is_syntax() || inner.is_eof() {
        // Where the JSON itself broke (too deep, a bad number), name the
        // top-level field it broke in, when there is one.
        return match error.path().iter().next() {
            Some(Segment::Map { key: top }) => {
                ApiError::invalid(top, format!("{top}: not valid JSON: {inner}"))
            }
            _ => ApiError::invalid_request(format!("request body is not valid JSON: {inner}")),
        };
    }
    let message = if path == "." {
        format!("request body: {inner}")
    } else {
        format!("{path}: {inner}")
    };
    ApiError::Invalid { field, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pauses::PauseRequest;

    fn refused(body: &str) -> (Option<String>, String) {
        match parse::<PauseRequest>(body.as_bytes()) {
            Err(ApiError::Invalid { field, message }) => (field, message),
            other => panic!("expected a 400, got {:?}", other.map(|_| ())),
        }
    }

    fn message(body: &str) -> String {
        refused(body).1
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

    #[test]
    fn each_error_keeps_the_path_of_its_field() {
        let cases = [
            (r#"{"title": 5}"#, Some("title")),
            (r#"{"title": "t", "expire_in": "1h"}"#, Some("expire_in")),
            (
                r#"{"notify": {"email": ["a@b.c", 5]}}"#,
                Some("notify.email[1]"),
            ),
            (
                r#"{"notify": {"email": [], "mail": []}}"#,
                Some("notify.mail"),
            ),
            (
                r#"{"input_fields": [{"name": "a", "type": "colour"}]}"#,
                Some("input_fields[0].type"),
            ),
            (
                r#"{"input_fields": [{"type": "text"}]}"#,
                Some("input_fields[0].name"),
            ),
            (r#"{"title": "t", "data": [1, }"#, Some("data")),
            ("{not json", None),
            ("[]", None),
        ];
        for (body, field) in cases {
            assert_eq!(refused(body).0.as_deref(), field, "{body}");
        }
    }
}
