//! The JSON API, for pipelines and tools: the management endpoints (behind
//! an API key or token), the endpoints a review token opens, and the
//! public, read-only transparency log. Each
//! handler is a short list of steps over the `pauses` use cases.

pub(super) mod attestation;
pub(super) mod delegations;
pub(super) mod deliveries;
pub(super) mod log;
mod params;
pub(super) mod pauses;
mod query;
pub(super) mod receipts;
pub(super) mod redeem;
pub(super) mod tokens;

use axum::Router;
use axum::middleware;
use axum::routing::{delete, get, post};

use super::{AppState, auth};

pub(super) use attestation::{public_keys as attestation_keys, public_keys_pem as attestation_pem};
pub(crate) use pauses::{CreatedBody, answer_created};
pub(super) use receipts::jwks;

/// The management API (behind the key) and the token endpoints.
pub(super) fn router(state: &AppState) -> Router<AppState> {
    let management = Router::new()
        .route("/api/v1/pauses", post(pauses::create).get(pauses::list))
        .route("/api/v1/pauses/{id}", get(pauses::get))
        .route("/api/v1/pauses/{id}/approve", post(pauses::approve))
        .route("/api/v1/pauses/{id}/reject", post(pauses::reject))
        .route("/api/v1/pauses/{id}/cancel", post(pauses::cancel))
        .route("/api/v1/pauses/{id}/redeem", post(redeem::redeem))
        .route("/api/v1/pauses/{id}/release", post(redeem::release))
        .route("/api/v1/pauses/{id}/wait", get(pauses::wait))
        .route("/api/v1/pauses/{id}/receipt", get(receipts::receipt))
        .route(
            "/api/v1/delegations",
            post(delegations::create).get(delegations::list),
        )
        .route("/api/v1/delegations/{id}", delete(delegations::remove))
        .route(
            "/api/v1/pauses/{id}/attestation",
            get(attestation::attestation),
        )
        .route(
            "/api/v1/pauses/{id}/deliveries/{delivery}/retry",
            post(deliveries::retry),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ));
    Router::new()
        .merge(management)
        .route("/api/v1/decisions", post(tokens::decide))
        .route("/api/v1/lookup", post(tokens::lookup))
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/vkey", get(log::vkey))
        .route("/log/tile/{*path}", get(log::tile))
}
