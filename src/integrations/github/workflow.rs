//! `[targets.NAME] kind = "github_workflow"`: a `workflow_dispatch` through
//! GitHub's REST API ("Create a workflow dispatch event"), `POST
//! {api_url}/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`
//! with `{"ref", "inputs": {"pause_id", "data": "<data as a JSON string>"}}`.
//! GitHub answers 204 and gives no run id; should it answer 200 with a
//! `workflow_run_id` (newer API versions do), that id is kept.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::json;

use crate::config::{Env, Secret, parse_url};
use crate::integrations::kit::{Kit, Raw, Starter, Target, TargetParts, Trigger, join_path};
use crate::outbox::{SendError, Sent, check, retry_after, transport};

/// The REST API version these requests are written against.
pub(crate) const API_VERSION: &str = "2022-11-28";

/// The target kind.
pub(crate) const KIND: &str = "github_workflow";

/// `kind = "github_workflow"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GithubFile {
    owner: String,
    repo: String,
    workflow: String,
    #[serde(rename = "ref")]
    git_ref: String,
    token_env: String,
    #[serde(default)]
    overridable: Vec<String>,
    api_url: Option<String>,
    max_per_hour: Option<u32>,
    /// Send the receipt as the workflow input `receipt` (the workflow
    /// must declare it: GitHub refuses undeclared inputs).
    #[serde(default)]
    send_receipt: bool,
}

/// A GitHub Actions workflow.
#[derive(Debug, Clone)]
struct GithubTarget {
    owner: String,
    repo: String,
    workflow: String,
    git_ref: String,
    token: Secret,
    /// `https://api.github.com`, or a GitHub Enterprise API root.
    api_url: Url,
    /// Whether the `receipt` input is sent.
    send_receipt: bool,
}

/// Reads `[targets.NAME]` of this kind.
pub(crate) fn resolve(name: &str, raw: &Raw, env: &Env) -> Result<TargetParts, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let f: GithubFile = raw.parse(&format!("targets.{name}"))?;
    let github = GithubTarget {
        token: env.secret(&key("token_env"), &f.token_env)?,
        api_url: parse_url(
            &key("api_url"),
            f.api_url.as_deref().unwrap_or("https://api.github.com"),
        )?,
        owner: f.owner,
        repo: f.repo,
        workflow: f.workflow,
        git_ref: f.git_ref,
        send_receipt: f.send_receipt,
    };
    Ok(TargetParts {
        starter: Arc::new(Workflow(github)),
        overridable: f.overridable,
        max_per_hour: f.max_per_hour,
        allowed: &["ref", "workflow"],
    })
}

struct Workflow(GithubTarget);

#[async_trait]
impl Starter for Workflow {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "GitHub Actions workflow"
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

/// The workflow's inputs: the pause id and data, the approver's inputs
/// when the pause asked for some, the receipt when the target says.
fn inputs(github: &GithubTarget, trigger: Trigger<'_>) -> serde_json::Value {
    let mut inputs = json!({
        "pause_id": trigger.pause.id.as_str(),
        "data": trigger.pause.data.to_string(),
    });
    // A workflow refuses inputs it does not declare: this one only when the
    // pause asked for input fields, so its workflow expects it.
    if let Some(values) = &trigger.pause.inputs {
        inputs["inputs"] =
            serde_json::Value::String(serde_json::Value::Object(values.clone()).to_string());
    }
    if let Some(receipt) = trigger
        .pause
        .receipt
        .as_ref()
        .filter(|_| github.send_receipt)
    {
        inputs["receipt"] = receipt.as_str().into();
    }
    inputs
}

/// Dispatches the workflow.
async fn send(
    client: &reqwest::Client,
    target: &Target,
    github: &GithubTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let workflow = trigger.setting(target, "workflow", &github.workflow);
    let git_ref = trigger.setting(target, "ref", &github.git_ref);
    let url = join_path(
        &github.api_url,
        &[
            "repos",
            &github.owner,
            &github.repo,
            "actions",
            "workflows",
            workflow,
            "dispatches",
        ],
    );
    let inputs = inputs(github, trigger);
    let body = json!({"ref": git_ref, "inputs": inputs});
    let response = client
        .post(url)
        .header(ACCEPT, "application/vnd.github+json")
        .header(AUTHORIZATION, format!("Bearer {}", github.token.expose()))
        .header("X-GitHub-Api-Version", API_VERSION)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport("GitHub", e))?;
    if let Some(wait) = rate_limited(response.status(), response.headers()) {
        return Err(SendError::Retryable {
            message: format!("GitHub rate limit reached ({})", response.status()),
            retry_after: Some(wait),
        });
    }
    let response = check("GitHub", response).await?;
    let external_id = match response.status() {
        StatusCode::OK => response
            .json::<DispatchDetails>()
            .await
            .ok()
            .and_then(|details| details.workflow_run_id)
            .map(|id| id.to_string()),
        _ => None,
    };
    Ok(Sent { external_id })
}

#[derive(serde::Deserialize)]
struct DispatchDetails {
    workflow_run_id: Option<u64>,
}

/// GitHub signals an exhausted rate limit with 403 or 429 and either
/// `retry-after` or `x-ratelimit-remaining: 0` with the reset time.
fn rate_limited(status: StatusCode, headers: &HeaderMap) -> Option<std::time::Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let now = chrono::Utc::now();
    if let Some(wait) = retry_after(headers, now) {
        return Some(wait);
    }
    let header = |name: &str| headers.get(name)?.to_str().ok()?.parse::<i64>().ok();
    if header("x-ratelimit-remaining") != Some(0) {
        return None;
    }
    let reset = header("x-ratelimit-reset")?;
    Some(std::time::Duration::from_secs(
        reset.saturating_sub(now.timestamp()).max(1) as u64,
    ))
}
