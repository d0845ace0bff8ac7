//! `kind = "argo_workflows"`: a workflow waits in a `suspend` node (display
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

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use super::response::{SendError, Sent, check, transport};
use super::{Trigger, join_path};
use crate::config::{ArgoTarget, Target};
use crate::domain::Event;

/// Resumes (approved) or stops (otherwise) the suspended node.
pub async fn send(
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
        "actor": last.and_then(|d| d.actor.clone()).unwrap_or_default(),
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
