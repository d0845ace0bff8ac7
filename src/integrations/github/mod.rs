//! GitHub: dispatching a workflow on approval (target kind
//! `github_workflow`), and pausegate as a GitHub App (`[github_app]`)
//! answering custom deployment protection rules: the signed webhook
//! (`POST /integrations/github`) makes the pause, and its deployment
//! callback (kind `github`) is answered with an installation token. Each
//! file cites the GitHub documents it follows.

mod app;
mod callback;
mod rules;
mod workflow;

use std::sync::Arc;

use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    registry.target_kind(workflow::KIND, workflow::resolve);
    let file = sections
        .take("github_app")
        .map(|raw| raw.parse("github_app"))
        .transpose()?;
    let app = app::resolve(file, setup.env)?;
    registry.callback_kind(callback::DeploymentRule::new(app.clone()));
    let routes = rules::App(app.map(Arc::new));
    registry.routes(move |_| rules::router(routes.clone()));
    Ok(())
}
