//! JSON endpoints a review token opens, with no API key: decide, and look a
//! pause up (so a pipeline holding only a token can read its data).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use crate::domain::{Pause, Verdict};
use crate::http::body::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::pauses::TokenDecision;

/// `POST /api/v1/decisions` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    /// The token from a review link.
    token: String,
    /// `approve` or `reject`.
    #[schema(value_type = Verdict)]
    decision: String,
    /// Why.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    comment: Option<String>,
    /// The decider's name, for a shared link; a personal link's actor is its recipient.
    #[serde(default)]
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    actor: Option<String>,
    /// Values for the pause's `input_fields`, by name.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    inputs: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `POST /api/v1/decisions`: decides the pause the token opens.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "tokens", request_body = DecisionBody,
    responses(
        (status = 200, description = "Decided", body = Pause),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 403, description = "The pause's rules do not let this link decide it", body = ErrorBody),
        (status = 404, description = "Unknown token", body = ErrorBody),
        (status = 409, description = "Already decided or cancelled", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody),
    ))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<Pause>, ApiError> {
    let verdict = Verdict::parse(&body.decision).ok_or_else(|| {
        ApiError::invalid(
            "decision",
            format!(
                "decision must be \"approve\" or \"reject\", got {:?}",
                body.decision
            ),
        )
    })?;
    let decision = TokenDecision {
        verdict,
        name: body.actor,
        name_field: "actor",
        comment: body.comment,
        inputs: body.inputs.unwrap_or_default(),
    };
    Ok(Json(
        state.pauses.decide_by_token(&body.token, decision).await?,
    ))
}

/// `POST /api/v1/lookup` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LookupBody {
    /// The token from a review link.
    token: String,
}

/// `POST /api/v1/lookup`: the pause the token opens.
#[utoipa::path(post, path = "/api/v1/lookup", tag = "tokens", request_body = LookupBody,
    responses(
        (status = 200, description = "The pause", body = Pause),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 404, description = "Unknown token", body = ErrorBody),
        (status = 410, description = "Expired undecided", body = ErrorBody),
    ))]
pub(crate) async fn lookup(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<LookupBody>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.review(&body.token).await?.pause))
}
