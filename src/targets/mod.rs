//! Starting the next pipeline: one module per kind of target, each turning
//! a settled pause into the request its API documents. Knows the config and
//! the domain, never the store: the outbox hands each trigger in and records
//! what comes back.

mod airflow_dag;
mod argo_workflows;
mod azure_data_factory;
mod callback;
mod github_app;
mod github_workflow;
mod response;
mod step_functions;
mod webhook;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::clock::Clock;
use crate::config::{Target, TargetSpec};
use crate::domain::{DeliveryId, Event, Pause};

pub use azure_data_factory::TokenCache;
pub use callback::Callbacks;
pub use response::{SendError, Sent, check, transport};

/// One trigger to send.
#[derive(Debug, Clone, Copy)]
pub struct Trigger<'a> {
    /// Same on every attempt; receivers de-duplicate on it.
    pub delivery_id: &'a DeliveryId,
    /// What happened to the pause.
    pub event: Event,
    /// The pause, as the API shows it.
    pub pause: &'a Pause,
}

impl Trigger<'_> {
    /// The pause's `target_params` when `target` is the one they were given
    /// for (they never apply to the `on_reject` target).
    fn overrides(&self, target: &Target) -> Option<&serde_json::Map<String, Value>> {
        if self.pause.target.as_deref() != Some(target.name.as_str()) {
            return None;
        }
        self.pause.target_params.as_ref()?.as_object()
    }

    /// The setting `key`, overridden by `target_params` if the target allows it.
    fn setting<'s>(&'s self, target: &Target, key: &str, configured: &'s str) -> &'s str {
        let allowed = target.overridable.iter().any(|k| k == key);
        self.overrides(target)
            .filter(|_| allowed)
            .and_then(|params| params.get(key))
            .and_then(Value::as_str)
            .unwrap_or(configured)
    }
}

/// Sends triggers to the configured targets.
pub struct Triggers {
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    targets: BTreeMap<String, Target>,
    adf_tokens: TokenCache,
    airflow_tokens: airflow_dag::AirflowTokens,
}

impl Triggers {
    /// Senders for `targets`, through `client`, timed by `clock` (for
    /// signatures and token lifetimes).
    pub fn new(
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
        targets: BTreeMap<String, Target>,
    ) -> Self {
        Self {
            client,
            clock,
            targets,
            adf_tokens: TokenCache::default(),
            airflow_tokens: airflow_dag::AirflowTokens::default(),
        }
    }

    /// Sends `trigger` to the target named `destination`.
    pub async fn send(&self, destination: &str, trigger: Trigger<'_>) -> Result<Sent, SendError> {
        let target = self
            .targets
            .get(destination)
            .ok_or_else(|| SendError::Fatal {
                message: format!("target {destination:?} is no longer configured"),
            })?;
        match &target.spec {
            TargetSpec::Webhook { url, secret } => {
                webhook::send(&self.client, &*self.clock, url, secret.as_ref(), trigger).await
            }
            TargetSpec::AzureDataFactory(adf) => {
                let clock = &*self.clock;
                azure_data_factory::send(
                    &self.client,
                    clock,
                    &self.adf_tokens,
                    target,
                    adf,
                    trigger,
                )
                .await
            }
            TargetSpec::GithubWorkflow(github) => {
                github_workflow::send(&self.client, target, github, trigger).await
            }
            TargetSpec::AirflowDag(airflow) => {
                let (client, tokens, clock) = (&self.client, &self.airflow_tokens, &*self.clock);
                airflow_dag::send(client, tokens, clock, target, airflow, trigger).await
            }
            TargetSpec::ArgoWorkflows(argo) => {
                argo_workflows::send(&self.client, target, argo, trigger).await
            }
        }
    }
}

/// `base` with `segments` appended, each percent-encoded, keeping any path
/// `base` already has (a GitHub Enterprise `/api/v3`).
fn join_path(base: &reqwest::Url, segments: &[&str]) -> reqwest::Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("http(s) URLs have a path")
        .pop_if_empty()
        .extend(segments);
    url
}
