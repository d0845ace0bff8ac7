//! pausegate stops a pipeline until a person (or a check) says "go ahead",
//! then starts the next pipeline with the data the first one left.
//!
//! # A tour
//!
//! The layers, from the outside in; each module's own docs say what it owns.
//!
//! - [`cli`]: the `pausegate` command: `serve`, and the client commands a
//!   CI job uses (`pause`, `wait`, `status`, `list`, `approve`, …).
//! - [`config`]: settings (flag > env > file > default), targets, channels,
//!   `[email]`, `[delivery]`, secrets from the environment.
//! - [`server`]: wires the store, the use cases, the outbox and the HTTP app
//!   together and runs them until shutdown, with the expiry sweep beside them.
//! - [`http`]: the router: the management API, the token endpoints, the
//!   review pages, the orchestrators' own entry points (GitHub's signed
//!   webhooks, Azure DevOps checks, Logic Apps' unsubscribe), the original
//!   Azure Functions recipe's `PipelinePause`/`PipelineRestart`, the Azure
//!   Functions host's timer (`/sweep`), sign-in and the inbox, Slack's
//!   button clicks, errors, auth, request logs, health, metrics, OpenAPI.
//! - [`identity`]: who is asking or deciding: API keys (the server's and
//!   named ones), OpenID Connect bearer tokens, sign-in with an OpenID
//!   Connect provider, and the signed cookies of a session.
//! - [`pauses`]: the use cases and the commands they take (`PauseRequest`,
//!   `DecisionInput`): create (asking the policies first), review,
//!   decide (by link, API, sign-in or Slack, ruled on by the pause's
//!   approver rules), cancel, expire, wait, the inbox, receipts and the
//!   chain's audit.
//! - [`outbox`]: the worker that claims deliveries with a lease, sends them
//!   with no transaction open, and records the outcome with retries.
//! - [`targets`]: one module per kind of pipeline to start (webhook, Azure
//!   Data Factory, GitHub workflow, Airflow DAG, Argo Workflows), and the
//!   callbacks that answer an orchestrator waiting for a pause (ADF, Logic
//!   Apps, Azure DevOps, Step Functions with SigV4, GitHub as an App).
//! - [`notify`]: emails (SMTP or console), Slack and Teams posts, and the
//!   Slack Web API for a Slack app's messages.
//! - [`store`]: the [`store::Store`] trait, one atomic method per use case.
//!   Its SQL is written once in [`store::sql`]; the SQLite backend runs it
//!   through a group-commit writer, the PostgreSQL one through a pool, with
//!   `LISTEN`/`NOTIFY` so several processes can share one database.
//! - [`policies`]: Rego policies asked when a pause is created, which may
//!   settle it at once (`via: "policy"`) or leave it to people.
//! - [`receipts`]: signed decision receipts (Ed25519 JWS, chained by hash):
//!   signing, verifying, walking the chain; the store keeps them.
//! - [`domain`]: pure types and rules: pauses, states, tokens, deliveries,
//!   validated values (`Title`, `EmailAddress`, `Tag`, …), the rules of a
//!   new pause, approver rules and quorum, input fields.
//! - [`render`]: the page and email templates; [`telemetry`]: logs and
//!   metrics; [`clock`]: the one source of "now", replaceable in tests.
//!
//! # A request's path
//!
//! ```text
//! POST /api/v1/pauses ─► http::api ─► pauses::create ─► store (pause + token hash + notifications) ─► 201 {token, review_url}
//! outbox worker       ─► notify::email / slack / teams (personal tokens minted at send time)
//! GET  /r/{token}     ─► http::pages ─► pauses::review (reads only) ─► review page
//! POST /r/{token}     ─► http::pages ─► pauses::decide_by_token ─► store::settle (first wins; trigger enqueued; receipt signed) ─► result page
//! outbox worker       ─► targets::{webhook, adf, github, airflow, argo} ─► external_id recorded ─► page shows the run id
//! outbox worker       ─► targets::callback ─► the waiting orchestrator hears the outcome (once, retried)
//! GET  /api/v1/pauses/{id}/wait ─► pauses::wait ─► woken by its own pause's settle (here or by NOTIFY) ─► the pause
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod identity;
pub mod integrations;
pub mod outbox;
pub mod pauses;
pub mod policies;
pub mod receipts;
pub mod render;
pub mod server;
pub mod store;
pub mod telemetry;
