//! JSON endpoints a review token opens, with no API key: decide, and look a
//! pause up (so a pipeline holding only a token can read its data).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::body::JsonBody;
use super::error::ApiError;
use crate::domain::{Pause, Verdict};
use crate::pauses::TokenDecision;

/// `POST /api/v1/decisions` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    token: String,
    decision: String,
    #[serde(default)]
    comment: Option<String>,
    /// The decider's name, for a shared link; a personal link's actor is its recipient.
    #[serde(default)]
    actor: Option<String>,
}

/// `POST /api/v1/decisions`: decides the pause the token opens.
pub async fn decide(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<Pause>, ApiError> {
    let verdict = Verdict::parse(&body.decision).ok_or_else(|| {
        ApiError::Invalid(format!(
            "decision must be \"approve\" or \"reject\", got {:?}",
            body.decision
        ))
    })?;
    let decision = TokenDecision {
        verdict,
        name: body.actor,
        comment: body.comment,
    };
    Ok(Json(
        state.pauses.decide_by_token(&body.token, decision).await?,
    ))
}

/// `POST /api/v1/lookup` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    token: String,
}

/// `POST /api/v1/lookup`: the pause the token opens.
pub async fn lookup(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<LookupBody>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.review(&body.token).await?.pause))
}
