//! The pause id in a management path, checked at the edge: only text
//! shaped like an id reaches the use cases. Anything else (a NUL, invalid
//! UTF-8, a made-up name) names no pause, and is answered 404 in the API's
//! JSON shape without a lookup.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::domain::PauseId;
use crate::http::error::ApiError;

/// `{id}` of `/api/v1/pauses/{id}/…`.
pub(crate) struct IdParam(pub PauseId);

impl<S: Send + Sync> FromRequestParts<S> for IdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let not_found = || ApiError::NotFound("no pause has that id".to_owned());
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        PauseId::parse(&id).map(IdParam).ok_or_else(not_found)
    }
}
