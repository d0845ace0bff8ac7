//! Argo Workflows: `[targets.NAME] kind = "argo_workflows"`; a workflow waits in a `suspend` node (display
//! name `approve` unless `node` says otherwise); the pause names the
//! workflow in `target_params.workflow`. Built from the Argo Server's
//! workflow service API (`WorkflowService`, the same calls as `argo node
//! set`, `argo resume` and `argo stop`):
//! - approved: `PUT /api/v1/workflows/{namespace}/{name}/set` with
//!   `{"name", "namespace", "nodeFieldSelector": "displayName=<node>",
//!   "outputParameters": "<JSON object of strings>"}` (the suspend
//!   template's outputs with `valueFrom.supplied`), then
//!   `PUT …/resume` with `{"name", "namespace", "nodeFieldSelector"}`;
//! - rejected or expired: `PUT …/stop` with `{"name", "namespace",
//!   "nodeFieldSelector", "message"}`.
//!
//! `Authorization: Bearer <token>` when a token is configured.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::{Value, json};

use super::kit::{Kit, Raw, Starter, Target, TargetParts, Trigger, join_path};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::{Env, Secret, parse_url};
use crate::domain::Event;
use crate::outbox::{SendError, Sent, check, transport};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
    registry.target_kind("argo_workflows", resolve);
    Ok(())
}

/// `kind = "argo_workflows"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArgoFile {
    base_url: String,
    namespace: String,
    token_env: Option<String>,
    node: Option<String>,
    #[serde(default)]
    overridable: Vec<String>,
    max_per_hour: Option<u32>,
    /// Set the node's output parameter `receipt` too (the node must
    /// declare it, as it declares the others).
    #[serde(default)]
    send_receipt: bool,
}

/// The Argo Server holding suspended workflows.
#[derive(Debug, Clone)]
struct ArgoTarget {
    base_url: Url,
    namespace: String,
    token: Option<Secret>,
    /// Display name of the suspend node (default `approve`).
    node: String,
    /// Whether the `receipt` output parameter is set.
    send_receipt: bool,
}

fn resolve(name: &str, raw: &Raw, env: &Env) -> Result<TargetParts, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let f: ArgoFile = raw.parse(&format!("targets.{name}"))?;
    let argo = ArgoTarget {
        base_url: parse_url(&key("base_url"), &f.base_url)?,
        token: f
            .token_env
            .map(|var| env.secret(&key("token_env"), &var))
            .transpose()?,
        namespace: f.namespace,
        node: f.node.unwrap_or_else(|| "approve".to_owned()),
        send_receipt: f.send_receipt,
    };
    // The workflow's name differs per run, so a pause always says it.
    let mut overridable = f.overridable;
    if !overridable.iter().any(|k| k == "workflow") {
        overridable.push("workflow".to_owned());
    }
    Ok(TargetParts {
        starter: Arc::new(Suspended(argo)),
        overridable,
        max_per_hour: f.max_per_hour,
        allowed: &["workflow", "node", "namespace"],
    })
}

/// Resumes or stops the suspended node of the workflow a pause names.
struct Suspended(ArgoTarget);

#[async_trait]
impl Starter for Suspended {
    fn kind(&self) -> &'static str {
        "argo_workflows"
    }

    fn what(&self) -> &'static str {
        "Argo Workflows suspended step"
    }

    async fn start(
        &self,
        kit: &Kit,
        target: &Target,
        trigger: Trigger<'_>,
    ) -> Result<Sent, SendError> {
        send(&kit.client, target, &self.0, trigger).await
    }
}

/// Resumes (approved) or stops (otherwise) the suspended node.
async fn send(
    client: &reqwest::Client,
    target: &Target,
    argo: &ArgoTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let workflow = trigger.setting(target, "workflow", "");
    if workflow.is_empty() {
        return Err(SendError::Fatal {
            message: "target_params.workflow is required: the name of the waiting workflow"
                .to_owned(),
        });
    }
    let namespace = trigger.setting(target, "namespace", &argo.namespace);
    let node = trigger.setting(target, "node", &argo.node);
    let selector = json!({
        "name": workflow, "namespace": namespace,
        "nodeFieldSelector": format!("displayName={node}"),
    });
    let url = |action: &str| {
        join_path(
            &argo.base_url,
            &["api", "v1", "workflows", namespace, workflow, action],
        )
    };
    if trigger.event == Event::Approved {
        let mut set = selector.clone();
        let mut outputs = outputs(trigger);
        if let Some(receipt) = trigger.pause.receipt.as_ref().filter(|_| argo.send_receipt) {
            outputs["receipt"] = receipt.as_str().into();
        }
        set["outputParameters"] = outputs.to_string().into();
        put(client, argo, url("set"), set).await?;
        put(client, argo, url("resume"), selector).await?;
    } else {
        let mut stop = selector;
        stop["message"] = format!("pausegate: {}", trigger.event.as_str()).into();
        put(client, argo, url("stop"), stop).await?;
    }
    Ok(Sent {
        external_id: Some(format!("{namespace}/{workflow}")),
    })
}

/// The decision as the node's output parameters (Argo takes strings).
fn outputs(trigger: Trigger<'_>) -> Value {
    let last = trigger.pause.decisions.last();
    json!({
        "approved": "true",
        "pause_id": trigger.pause.id.as_str(),
        "actor": last.and_then(|d| d.actor.as_deref()).unwrap_or_default(),
        "comment": last.and_then(|d| d.comment.clone()).unwrap_or_default(),
    })
}

async fn put(
    client: &reqwest::Client,
    argo: &ArgoTarget,
    url: reqwest::Url,
    body: Value,
) -> Result<(), SendError> {
    let mut request = client
        .put(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(token) = &argo.token {
        request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
    }
    let response = request
        .send()
        .await
        .map_err(|e| transport("the Argo Server", e))?;
    check("the Argo Server", response).await?;
    Ok(())
}
