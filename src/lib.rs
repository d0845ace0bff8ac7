//! pausegate stops a pipeline until a person (or a check) says "go ahead",
//! then starts the next pipeline with the data the first one left.
//!
//! # A tour
//!
//! The layers, from the outside in; each module's own docs say what it owns.
//!
//! - [`cli`]: the `pausegate` command: `serve`, the client commands a
//!   CI job uses (`pause`, `wait`, `status`, `list`, `approve`, …), and
//!   the verifiers (`verify`, `log verify`, `audit verify`).
//! - [`config`]: the core's settings (flag > env > file > default),
//!   `[delivery]`, `[callbacks]`, secrets from the environment; the
//!   integrations' sections (`[email]`, `[github_app]`, `[slack_app]`,
//!   `[teams_app]`, `[aws]`, `[azure_recipe]`) and `[targets]`/`[channels]` tables are
//!   handed, as TOML, to the integration that reads them.
//! - [`server`]: wires the store, the use cases, the integrations, the
//!   outbox and the HTTP app together and runs them until shutdown, with
//!   the expiry sweep and the log's integrator beside them.
//! - [`http`]: the core's web face, by audience: `http::api` (the JSON
//!   API: management and token endpoints) and `http::pages` (the review
//!   page, the inbox, sign-in), with errors that keep their field, auth,
//!   request spans (`x-request-id`), health, metrics and OpenAPI beside
//!   them; it merges the integrations' routes.
//! - [`mcp`]: the same pauses for AI agents, through the Model Context
//!   Protocol: the `request_approval`, `get_approval` and
//!   `cancel_approval` tools, a pause as a task of the Tasks extension,
//!   served at `POST /mcp` (`http::mcp`) and over stdio by `pausegate mcp`.
//! - [`identity`]: who is asking or deciding: API keys (the server's and
//!   named ones), OpenID Connect bearer tokens, sign-in with an OpenID
//!   Connect provider, and the signed cookies of a session.
//! - [`pauses`]: the use cases and the commands they take (`PauseRequest`,
//!   `DecisionInput`): create (asking the policies first), review,
//!   decide (by link, API, sign-in or a chat's button, ruled on by the
//!   pause's approver rules, refused during a refusing freeze), cancel,
//!   expire, wait, the inbox, receipts, attestations and the audit; what a
//!   settlement starts is held until its target's change window opens.
//! - [`outbox`]: the worker that claims deliveries with a lease, sends them
//!   with no transaction open through the integrations, and records the
//!   outcome (`Sent`, or a `Retryable`/`Fatal` [`outbox::SendError`]).
//! - [`integrations`]: one folder per outside system, listed once in
//!   `integrations::ALL`: `webhook`, `azure_data_factory` (pipelines, the
//!   WebHook activity, the recipe's endpoints), `github` (workflows, the
//!   App's deployment rules), `airflow`, `argo`, `slack` (incoming webhooks
//!   and the app's buttons), `teams` (incoming webhooks and the bot's
//!   `Action.Execute` cards), `email` (SMTP), `azure_devops` (checks),
//!   `logic_apps` (HTTP Webhook actions), `step_functions` (task tokens,
//!   SigV4), `pagerduty` and `opsgenie` (on-call schedules for `oncall:`
//!   approvers), with `entra` the token client the Azure ones share. Each
//!   owns its config section, the target, channel and callback kinds or
//!   schedules it brings, its inbound routes and token caches; [`integrations::kit`] is all it sees of the core. **A new
//!   integration is one new folder and one line in `ALL`.**
//! - [`store`]: the [`store::Store`] trait, one atomic method per use case.
//!   Its SQL is written once in [`store::sql`]; the SQLite backend runs it
//!   through a group-commit writer, the PostgreSQL one through a pool
//!   (creates and decisions through group-commit lanes), with
//!   a payload-free `NOTIFY` after commit (or polling where it is switched
//!   off) so several processes can share one database.
//! - [`policies`]: Rego policies asked when a pause is created, which may
//!   settle it at once (`via: "policy"`) or leave it to people.
//! - [`receipts`]: signed decision receipts (Ed25519 JWS), each signed on
//!   its own as its pause settles: signing, verifying, and walking the
//!   chain that came before the log; the store keeps them.
//! - [`receipt_log`]: the transparency log of receipts: the integrator
//!   (one replica at a time, by a lease row) folds new receipts into an
//!   RFC 9162 Merkle tree with signed checkpoints; the tiles, proofs and
//!   the log's audit. [`tlog`] is its pure library of formats (C2SP
//!   checkpoints, tiles, tlog-proof; DSSE and in-toto).
//! - [`attestation`]: a settled pause's decision as an in-toto statement
//!   in a DSSE envelope (ECDSA P-256), about the artefacts it named, for
//!   a deploy to check; the store keeps its keys.
//! - [`domain`]: pure types and rules: pauses, states, tokens, deliveries,
//!   validated values (`Title`, `EmailAddress`, `Tag`, …), the rules of a
//!   new pause, approver rules and quorum, input fields, change windows
//!   (weekly hours and freezes in a time zone).
//! - [`render`]: the page and email templates; [`telemetry`]: logs and
//!   metrics; [`clock`]: the one source of "now" and of randomness for ids
//!   and tokens, replaceable in tests.
//!
//! # A request's path
//!
//! ```text
//! POST /api/v1/pauses ─► http::api ─► pauses::create ─► store (pause + token hash + notifications) ─► 201 {token, review_url}
//! outbox worker       ─► integrations' Mail / Poster (personal tokens minted at send time)
//! GET  /r/{token}     ─► http::pages ─► pauses::review (reads only) ─► review page
//! POST /r/{token}     ─► http::pages ─► pauses::decide_by_token ─► store::settle (first wins; trigger enqueued; receipt signed) ─► result page
//! integrator (500 ms) ─► receipt_log ─► store::integrate (indexes, tree hashes, signed checkpoint) ─► GET /log/… serves them
//! outbox worker       ─► the target's Starter (its integration) ─► external_id recorded ─► page shows the run id
//! outbox worker       ─► the callback's CallbackKind ─► the waiting orchestrator hears the outcome (once, retried)
//! POST /mcp tools/call request_approval ─► http::mcp ─► mcp ─► pauses::create ─► a task (id = pause id); tasks/get ─► pauses::get
//! GET  /api/v1/pauses/{id}/wait ─► pauses::wait ─► woken by its own pause's settle (here, or found settled after a NOTIFY or a poll) ─► the pause
//! ```
#![forbid(unsafe_code)]

pub mod attestation;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod identity;
pub mod integrations;
pub mod mcp;
pub mod outbox;
pub mod pauses;
pub mod policies;
pub mod receipt_log;
pub mod receipts;
pub mod render;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tlog;
