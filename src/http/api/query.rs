//! The query string extractor of the API: axum's `Query`, but a parameter
//! that does not parse is a 400 in the API's JSON shape whose `field` is
//! the parameter's name (`limit`), kept as data rather than left in text.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::field_at;
use crate::http::error::ApiError;

/// The query string parsed into `T`.
pub(crate) struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        parse(query).map(QueryParams)
    }
}

/// Reads `query` as `T`, naming the parameter that does not fit.
fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = url::form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|error| {
        let inner = error.inner().to_string();
        match field_at("", error.path(), &inner) {
            Some(field) => ApiError::invalid(&field, format!("{field}: {inner}")),
            None => ApiError::invalid_request(format!("the query string: {inner}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // Read only to be refused.
    struct Params {
        limit: Option<u32>,
        state: Option<String>,
    }

    #[test]
    fn a_parameter_that_does_not_parse_is_named() {
        for query in ["limit=abc", "limit=-1", "state=a&limit=1x"] {
            match parse::<Params>(query) {
                Err(ApiError::Invalid { field, message }) => {
                    assert_eq!(field.as_deref(), Some("limit"), "{query}");
                    assert!(message.starts_with("limit: "), "{message}");
                }
                other => panic!("{query}: {:?}", other.map(|_| ())),
            }
        }
        assert!(parse::<Params>("state=pending&limit=5").is_ok());
    }
}
