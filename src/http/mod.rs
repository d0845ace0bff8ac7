//! The HTTP face of pausegate: the management API (API key), the endpoints a
//! token opens, the review pages, and health checks. Knows the `pauses` use
//! cases, never SQL. Request logs and security headers wrap every route.

mod api;
mod auth;
mod body;
mod error;
mod functions;
mod listen;
mod logging;
mod mcp;
mod openapi;
mod ops;
mod pages;
mod security;
mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;

use crate::config::{NamedKey, OidcCaller, Secret};
use crate::identity::Callers;
use crate::integrations::Integrations;
use crate::integrations::kit::Kit;
use crate::outbox::Outbox;
use crate::pauses::Pauses;
use crate::receipt_log::ReceiptLog;
use crate::render::Renderer;

pub(crate) use api::{CreatedBody, answer_created};
pub use auth::{identify, require_api_key};
pub use body::{JsonBody, MAX_BODY_BYTES, parse as parse_json_body, read as read_body};
pub use error::{ApiError, ErrorBody};
pub use listen::{HEADER_TIMEOUT, serve};
pub use logging::redact_path;
pub use openapi::document as openapi_document;
pub use pages::{ReviewForm, parse_review_form};
pub(crate) use pages::{decide_token, review_token};
pub use throttle::Throttle;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub pauses: Arc<Pauses>,
    /// The transparency log of receipts, read-only.
    pub log: ReceiptLog,
    /// The page templates.
    pub renderer: Arc<Renderer>,
    /// Who may call the management API.
    pub callers: Arc<Callers>,
    /// Base of review links, without a trailing slash.
    pub public_url: Arc<str>,
    /// Cancelled when the server begins to shut down; ends long polls early.
    pub shutdown: CancellationToken,
    /// Failed requests per client, to slow down guessing.
    pub throttle: Arc<Throttle>,
    /// The integrations: their routes are served beside the core's.
    pub integrations: Arc<Integrations>,
    /// Clients and clock for what handlers send (a reply to a chat click).
    pub kit: Arc<Kit>,
    /// Sign-in to the pages, when a provider is configured.
    pub sign_in: Option<Arc<pages::SignInState>>,
    /// The MCP server behind `POST /mcp`.
    pub mcp: crate::mcp::McpServer,
    /// The outbox, when running as an Azure Functions custom handler whose
    /// timer function drives it.
    pub functions_outbox: Option<Arc<Outbox>>,
}

impl AppState {
    /// Builds the state; `api_key` of `None` makes the management API
    /// refuse everything. `kit` holds the clients and the public URL.
    pub fn new(
        pauses: Arc<Pauses>,
        kit: Arc<Kit>,
        integrations: Arc<Integrations>,
        api_key: Option<&Secret>,
        max_failures_per_minute: u32,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            log: ReceiptLog::new(pauses.store().clone()),
            mcp: crate::mcp::McpServer::new(
                pauses.clone(),
                kit.public_url.as_str(),
                shutdown.clone(),
            ),
            pauses,
            renderer: kit.renderer.clone(),
            callers: Arc::new(Callers::new(api_key, &[], Vec::new())),
            public_url: kit.public_url.as_str().into(),
            shutdown,
            throttle: Arc::new(Throttle::new(max_failures_per_minute)),
            integrations,
            kit,
            functions_outbox: None,
            sign_in: None,
        }
    }

    /// Lets people sign in with `provider`.
    pub fn with_sign_in(mut self, settings: Option<&crate::config::SignIn>) -> Self {
        self.sign_in = settings.map(|settings| {
            Arc::new(pages::SignInState {
                signed_out: crate::identity::SignedOut::new(self.pauses.store().clone()),
                key: crate::identity::session::CookieKey::new(settings.session_key.as_ref()),
                provider: crate::identity::Provider::new(settings.clone()),
                secure: self.public_url.starts_with("https://"),
            })
        });
        self
    }

    /// Answers the Azure Functions host's timer with a sweep of `outbox`.
    pub fn with_functions_timer(mut self, outbox: Option<Arc<Outbox>>) -> Self {
        self.functions_outbox = outbox;
        self
    }

    /// Also accepts the `named` keys and the `oidc` issuers' tokens.
    pub fn with_callers(
        mut self,
        api_key: Option<&Secret>,
        named: &[NamedKey],
        oidc: Vec<OidcCaller>,
    ) -> Self {
        self.callers = Arc::new(Callers::new(api_key, named, oidc));
        self
    }

    /// The review link a token opens.
    pub fn review_url(&self, token: &str) -> String {
        format!("{}/r/{token}", self.public_url)
    }
}

/// The whole application as one router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(api::router(&state))
        .merge(pages::router())
        .merge(state.integrations.router(&state))
        .route("/sweep", post(functions::sweep))
        .route("/", get(ops::root))
        .route("/.well-known/jwks.json", get(api::jwks))
        .route(
            "/.well-known/pausegate-attestation.pub",
            get(api::attestation_pem),
        )
        .route(
            "/.well-known/pausegate-attestation-keys.json",
            get(api::attestation_keys),
        )
        .route(
            "/mcp",
            post(mcp::post).get(mcp::no_stream).delete(mcp::no_stream),
        )
        .route(
            "/.well-known/oauth-protected-resource",
            get(mcp::resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(mcp::resource_metadata),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/openapi.json", get(openapi::serve))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            throttle::limit_failures,
        ))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn(logging::log_request))
        .with_state(state)
}
