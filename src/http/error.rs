//! The API's one error type and its JSON shape:
//! `{"error": {"code": "…", "field": "…", "message": "…"}}`. A 400 names
//! the field it is about as a path into the request (`notify.email[1]`,
//! `input_fields[0].label`, a header's or a query parameter's name), kept
//! as data from where the rule was broken to the JSON, never recovered
//! from the message. Internal causes are attached to the response for the
//! request log, never sent to the caller.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::{Pause, ValidationError, time::rfc3339};
use crate::pauses::PauseError;

/// Why an API request failed.
#[derive(Debug)]
pub enum ApiError {
    /// 400: bad input: the field it is about (absent when the request as
    /// a whole is wrong, such as a body that is not JSON), and a sentence
    /// naming it.
    Invalid {
        /// Where in the request: a path into the JSON body
        /// (`notify.email[1]`), a header's name or a query parameter's.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// 401: no key, a wrong key, or no key configured.
    Unauthorized(String),
    /// 404.
    NotFound(String),
    /// 409: decided or cancelled already.
    AlreadySettled(String),
    /// 409: the request does not fit the state of what it names.
    Conflict(String),
    /// 422: an idempotency key sent again with a different request.
    KeyReused(String),
    /// 403: the pause's rules do not let this caller decide it.
    Forbidden(String),
    /// 410: past its expiry.
    Expired(String),
    /// 408: the body did not arrive in time.
    Timeout(String),
    /// 413.
    TooLarge(String),
    /// 503: the database is out of reach; nothing was written. Retry later.
    Unavailable(String),
    /// 503: the write may or may not have been stored; retry with the
    /// same idempotency key.
    OutcomeUnknown(String),
    /// 500: a bug or an outage; the cause goes to the log only.
    Internal(anyhow::Error),
}

/// The JSON every error answers with (documented in the OpenAPI).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// `invalid_request`, `unauthorized`, `not_found`, `already_decided`, `conflict`,
    /// `idempotency_key_reused`, `expired`, `request_timeout`, `body_too_large`, `method_not_allowed`, `unavailable`,
    /// `outcome_unknown` or `internal`.
    code: String,
    /// With `invalid_request`, the field the error is about, as a path into
    /// the request: `notify.email[1]`, `input_fields[0].label`,
    /// `callback.devops.job_id`, a header's name (`Idempotency-Key`) or a
    /// query parameter's (`limit`). Absent when the request as a whole is
    /// wrong (a body that is not JSON) and with the other codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "notify.email[1]")]
    field: Option<String>,
    /// A sentence naming the field or the reason.
    message: String,
}

/// The cause of a 500, carried to the request-log middleware.
#[derive(Debug, Clone)]
pub(crate) struct InternalCause(pub String);

impl ApiError {
    /// A 400 about `field` (a path into the request, a header or a query
    /// parameter).
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A 400 about the request as a whole, which no one field is to blame
    /// for (a body that is not JSON, or not an object).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::Invalid {
            field: None,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::AlreadySettled(_) => (StatusCode::CONFLICT, "already_decided"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::KeyReused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Expired(_) => (StatusCode::GONE, "expired"),
            Self::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::OutcomeUnknown(_) => (StatusCode::SERVICE_UNAVAILABLE, "outcome_unknown"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::Invalid {
            field: Some(error.field),
            message: error.message,
        }
    }
}

impl From<PauseError> for ApiError {
    fn from(error: PauseError) -> Self {
        match error {
            PauseError::NotFound => Self::NotFound("no pause or token by that name".to_owned()),
            PauseError::Invalid(e) => e.into(),
            PauseError::AlreadySettled(pause) => Self::AlreadySettled(settled_message(&pause)),
            PauseError::Expired(pause) => Self::Expired(format!(
                "pause {} expired at {}",
                pause.id,
                rfc3339(&pause.expires_at)
            )),
            PauseError::Conflict(why) => Self::Conflict(why),
            PauseError::KeyReused(why) => Self::KeyReused(why),
            PauseError::Forbidden(why) => Self::Forbidden(why),
            PauseError::Unavailable(why) => Self::Unavailable(why),
            PauseError::OutcomeUnknown(why) => Self::OutcomeUnknown(why),
            PauseError::Internal(e) => Self::Internal(e),
        }
    }
}

/// "pause pau_… was already approved by ana at …".
pub(crate) fn settled_message(pause: &Pause) -> String {
    let when = pause.decided_at.as_ref().map(rfc3339).unwrap_or_default();
    match pause.decision() {
        Some(d) => format!(
            "pause {} was already {} by {} at {when}",
            pause.id,
            pause.state.as_str(),
            d.actor.as_deref().unwrap_or(d.via.as_str())
        ),
        None => format!(
            "pause {} was already {} at {when}",
            pause.id,
            pause.state.as_str()
        ),
    }
}

impl ApiError {
    /// What the caller is told (the field, if any, and the message), and
    /// what only the log hears.
    fn told(self) -> (Option<String>, String, Option<InternalCause>) {
        match self {
            Self::Internal(e) => (
                None,
                "internal error; the server log has the details".to_owned(),
                Some(InternalCause(format!("{e:#}"))),
            ),
            Self::Unavailable(why) => (
                None,
                "the database is unavailable; nothing was changed; retry in a few seconds"
                    .to_owned(),
                Some(InternalCause(why)),
            ),
            Self::OutcomeUnknown(why) => (
                None,
                "the database connection was lost while saving: the change may or may not \
                 have been stored; retry with the same Idempotency-Key (a decision: read the \
                 pause first)"
                    .to_owned(),
                Some(InternalCause(why)),
            ),
            Self::Invalid { field, message } => (field, message, None),
            Self::Unauthorized(m)
            | Self::NotFound(m)
            | Self::AlreadySettled(m)
            | Self::Conflict(m)
            | Self::KeyReused(m)
            | Self::Forbidden(m)
            | Self::Expired(m)
            | Self::Timeout(m)
            | Self::TooLarge(m) => (None, m, None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let retry_after = matches!(self, Self::Unavailable(_) | Self::OutcomeUnknown(_));
        let (field, message, cause) = self.told();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                field,
                message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        if let Some(cause) = cause {
            response.extensions_mut().insert(cause);
        }
        response
    }
}
