//! Azure Logic Apps and Power Automate: the HTTP Webhook action (callback
//! kind `logic_apps`) and its unsubscribe call (`POST
//! /api/v1/callbacks/unsubscribe`). Built from the workflow definition
//! language reference (logic-apps-workflow-actions-triggers) and
//! connectors-native-webhook: `subscribe` sends a body holding
//! `@{listCallbackUrl()}`; a POST to that URL resumes the action with the
//! POSTed body as its output; `unsubscribe` is called when the action ends,
//! when the run is cancelled, and before the run times out.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router, middleware};
use serde::Deserialize;

use super::kit::{CallbackKind, Kit, post_to_url};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::domain::{Callback, DeliveryId, Pause, outcome};
use crate::http::{ApiError, AppState, ErrorBody, JsonBody, require_api_key};
use crate::outbox::{SendError, Sent};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: Some(openapi),
};

fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
    registry.callback_kind(Arc::new(HttpWebhook));
    registry.routes(|state| {
        Router::new()
            .route("/api/v1/callbacks/unsubscribe", post(unsubscribe))
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                require_api_key,
            ))
    });
    Ok(())
}

/// Answers HTTP Webhook actions: the outcome, as the action's output.
struct HttpWebhook;

#[async_trait]
impl CallbackKind for HttpWebhook {
    fn kind(&self) -> &'static str {
        "logic_apps"
    }

    fn what(&self) -> &'static str {
        "Logic Apps HTTP Webhook action"
    }

    fn default_hosts(&self) -> &'static [&'static str] {
        // Where Logic Apps and Power Automate serve callback URLs
        // (`prod-27.westeurope.logic.azure.com`).
        &["*.*.logic.azure.com"]
    }

    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError> {
        post_to_url(kit, callback, delivery, &outcome(pause), None).await
    }
}

/// `POST /api/v1/callbacks/unsubscribe` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnsubscribeBody {
    /// The callback URL the pause was created with (`@{listCallbackUrl()}`).
    callback_url: String,
}

/// `POST /api/v1/callbacks/unsubscribe`: cancels the pending pause made
/// for this callback; a settled one is answered as it is, so the call
/// Logic Apps also makes after a finished action changes nothing.
#[utoipa::path(post, path = "/api/v1/callbacks/unsubscribe", tag = "pauses",
    request_body = UnsubscribeBody,
    responses(
        (status = 200, description = "The pause: cancelled now, or as it was settled", body = Pause),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No pause was made for this callback", body = ErrorBody),
    ),
    security(("api_key" = [])))]
async fn unsubscribe(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UnsubscribeBody>,
) -> Result<Json<Pause>, ApiError> {
    Ok(Json(state.pauses.unsubscribe(&body.callback_url).await?))
}

/// The unsubscribe endpoint, for the OpenAPI document.
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(unsubscribe))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
