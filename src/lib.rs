//! pausegate stops a pipeline until a person (or a check) says "go ahead",
//! then starts the next pipeline with the data the first one left.
//!
//! # A tour
//!
//! The layers, from the outside in; each module's own docs say what it owns.
//!
//! - [`cli`]: the `pausegate` command: `serve`, and (later) client commands.
//! - [`config`]: settings (flag > env > file > default), targets, channels, secrets.
//! - [`server`]: wires a store, the use cases and the HTTP app together and
//!   runs them until shutdown, with the expiry sweep beside them.
//! - [`http`]: the router: the management API, the token endpoints, the
//!   review pages, errors, auth, request logs.
//! - [`pauses`]: the use cases: create, review, decide, cancel, expire, wait.
//! - [`store`]: the [`store::Store`] trait, one atomic method per use case,
//!   and its SQLite implementation.
//! - [`domain`]: pure types and rules: pauses, states, tokens, validation.
//! - [`clock`]: the one source of "now", replaceable in tests.
//!
//! # A request's path
//!
//! ```text
//! POST /api/v1/pauses ─► http::api ─► pauses::create ─► store (pause + token hash) ─► 201 {token, review_url}
//! GET  /r/{token}     ─► http::pages ─► pauses::review (reads only) ─► review page
//! POST /r/{token}     ─► http::pages ─► pauses::decide_by_token ─► store::settle (first wins) ─► result page
//! GET  /api/v1/pauses/{id}/wait ─► pauses::wait ─► woken by the decision ─► the pause
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod notify;
pub mod outbox;
pub mod pauses;
pub mod render;
pub mod server;
pub mod store;
pub mod targets;
pub mod telemetry;
