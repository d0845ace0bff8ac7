//! The outside systems pausegate talks to, one folder each, and the
//! registry that lists them once. A folder owns everything about its
//! system: its config sections and `[targets]`/`[channels]` kinds (read
//! with `deny_unknown_fields`), what it sends (targets, posts, mail,
//! callback answers, with their token caches), its inbound routes, and a
//! module doc citing the documents it follows. The core knows them only
//! through [`kit`]'s traits.
//!
//! To add an integration: a folder with a `register` function, and one
//! line in `ALL` (plus its tests, docs and any migration).

pub mod kit;

mod airflow;
mod argo;
mod azure_data_factory;
mod azure_devops;
mod email;
mod entra;
mod github;
mod logic_apps;
mod opsgenie;
mod pagerduty;
mod slack;
mod step_functions;
mod teams;
mod webhook;

mod registry;

pub use registry::{Configured, Integrations, Registry, Sections, Setup, configure, openapi_parts};

/// Every integration, once: each registers what it brings.
const ALL: &[registry::Integration] = &[
    webhook::INTEGRATION,
    azure_data_factory::INTEGRATION,
    github::INTEGRATION,
    airflow::INTEGRATION,
    argo::INTEGRATION,
    slack::INTEGRATION,
    teams::INTEGRATION,
    email::INTEGRATION,
    azure_devops::INTEGRATION,
    logic_apps::INTEGRATION,
    step_functions::INTEGRATION,
    pagerduty::INTEGRATION,
    opsgenie::INTEGRATION,
];
