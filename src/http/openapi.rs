//! `GET /api/openapi.json`: the OpenAPI 3.1 description of `/api/v1`,
//! generated from the handlers' and types' annotations so it cannot drift
//! from the code.

use std::sync::OnceLock;

use axum::Json;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api::{
    attestation as attestation_api, delegations as delegations_api, deliveries, log as log_api,
    pauses as api, receipts as receipts_api, redeem as redeem_api, tokens as token_api,
};
use deliveries as deliveries_api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pausegate",
        description = "Pause a pipeline until a person approves, then resume it.",
    ),
    paths(
        api::create, api::list, api::get, api::approve, api::reject, api::cancel, api::wait,
        redeem_api::redeem, redeem_api::release, delegations_api::create, delegations_api::list,
        delegations_api::remove,
        token_api::decide, token_api::lookup, deliveries_api::retry,
        receipts_api::receipt, receipts_api::jwks, attestation_api::attestation,
        attestation_api::public_keys_pem, attestation_api::public_keys, log_api::checkpoint,
        log_api::vkey, log_api::tile,
    ),
    tags(
        (name = "pauses", description = "Management API: needs the API key"),
        (name = "tokens", description = "Endpoints a review token opens: no key"),
        (name = "receipts", description = "Keys that verify decision receipts and attestations: no key"),
        (name = "log", description = "The transparency log of receipts, as C2SP tlog-tiles: \
            no key"),
    )
)]
struct ApiDoc;

/// Declares the bearer API key the management endpoints name.
struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The server's API key, a named key from [api_keys], or an OpenID Connect \
                     token from an issuer in [oidc_callers]",
                ))
                .build(),
        );
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("api_key", scheme);
        }
    }
}

/// What any operation may answer besides its own outcomes, and the
/// decision bodies that may be left out.
struct EveryOperation;

impl Modify for EveryOperation {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder};
        let error = || {
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let common = [
            ("408", "The request body did not arrive within 10 s"),
            ("413", "Body too large"),
            (
                "429",
                "Too many failed requests from this address; see Retry-After",
            ),
            (
                "503",
                "The database is unavailable (code unavailable: nothing changed) or was lost \
                 while saving (code outcome_unknown: retry with the same Idempotency-Key); \
                 see Retry-After",
            ),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            let decision = path.ends_with("/approve") || path.ends_with("/reject");
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                for (status, description) in common {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content("application/json", error())
                        .build();
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert(RefOr::T(response));
                }
                if let Some(RefOr::T(body)) = operation.request_body.as_mut().filter(|_| decision) {
                    body.required = Some(utoipa::openapi::Required::False);
                }
            }
        }
    }
}

/// Links from a created pause to what can be done with it, so a client
/// (and a schema-driven tester) knows where its `id` and `token` go.
struct CreatedLinks;

impl Modify for CreatedLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, link::LinkBuilder};
        let by_id = [
            "get",
            "wait",
            "approve",
            "reject",
            "cancel",
            "receipt",
            "attestation",
        ]
        .map(|operation| {
            let link = LinkBuilder::new()
                .operation_id(operation)
                .parameter("id", "$response.body#/id");
            (operation, link.build())
        });
        let token = serde_json::json!({"token": "$response.body#/token"});
        let by_token = [
            ("lookup", token.clone()),
            (
                "decide",
                serde_json::json!({"token": "$response.body#/token", "decision": "approve"}),
            ),
        ]
        .map(|(operation, body)| {
            let link = LinkBuilder::new()
                .operation_id(operation)
                .request_body(Some(body));
            (operation, link.build())
        });
        let Some(create) = openapi
            .paths
            .paths
            .get_mut("/api/v1/pauses")
            .and_then(|item| item.post.as_mut())
        else {
            return;
        };
        for status in ["200", "201"] {
            if let Some(RefOr::T(response)) = create.responses.responses.get_mut(status) {
                for (name, link) in by_id.iter().chain(by_token.iter()) {
                    response
                        .links
                        .insert((*name).to_owned(), RefOr::T(link.clone()));
                }
            }
        }
    }
}

/// The document, built once.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // The integrations' endpoints join before the modifiers run, so
        // theirs get the common answers too.
        let mut openapi = ApiDoc::openapi();
        for part in crate::integrations::openapi_parts() {
            openapi.merge(part);
        }
        for modifier in [&ApiKeyScheme as &dyn Modify, &EveryOperation, &CreatedLinks] {
            modifier.modify(&mut openapi);
        }
        let mut document = serde_json::to_value(openapi).unwrap_or_default();
        document["info"]["version"] = env!("CARGO_PKG_VERSION").into();
        document
    })
}

/// `GET /api/openapi.json`.
pub(crate) async fn serve() -> impl IntoResponse {
    Json(document())
}
