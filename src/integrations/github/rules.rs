//! `POST /integrations/github`: pausegate as a GitHub App answering custom
//! deployment protection rules. Built from GitHub's documents "Validating
//! webhook deliveries" (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
//! the raw body with the webhook secret>`, compared in constant time),
//! "Webhook events and payloads: deployment_protection_rule" (`action`,
//! `environment`, `event`, `ref`, `sha`, `deployment_callback_url`,
//! `repository`, `installation`, `sender`) and "Using custom deployment
//! protection rules" (the rule must answer within 30 days). Anything
//! unsigned or wrongly signed is 401 and stores nothing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Extension, Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::app::GithubApp;
use super::callback::{GithubDeployment, KIND};
use crate::config::Secret;
use crate::domain::Callback;
use crate::http::{ApiError, AppState, parse_json_body as parse, read_body as read};
use crate::pauses::{NotifyRequest, PauseRequest, Requester};

/// The App, when `[github_app]` is configured.
#[derive(Clone)]
pub(crate) struct App(pub Option<Arc<GithubApp>>);

/// `POST /integrations/github`.
pub(crate) fn router(app: App) -> Router<AppState> {
    Router::new()
        .route("/integrations/github", post(webhook))
        .layer(Extension(app))
}

/// The parts of a `deployment_protection_rule` event pausegate reads.
#[derive(Deserialize)]
struct RuleEvent {
    action: String,
    environment: String,
    event: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    sha: Option<String>,
    deployment_callback_url: String,
    repository: Named,
    installation: Installation,
    sender: Option<Login>,
}

#[derive(Deserialize)]
struct Named {
    full_name: String,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct Login {
    login: String,
}

/// `POST /integrations/github`.
async fn webhook(
    State(state): State<AppState>,
    Extension(App(app)): Extension<App>,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Some(app) = app else {
        return Err(ApiError::NotFound(
            "no [github_app] is configured on this server".to_owned(),
        ));
    };
    let body = read(request, &state).await?;
    let signature = headers
        .get("X-Hub-Signature-256")
        .and_then(|v| v.to_str().ok());
    verify(&app.webhook_secret, signature, &body)?;
    let event = headers.get("X-GitHub-Event").and_then(|v| v.to_str().ok());
    match event {
        Some("ping") => Ok((StatusCode::OK, Json(json!({"ok": true})))),
        Some("deployment_protection_rule") => {
            let rule: RuleEvent = parse(&body)?;
            if rule.action != "requested" {
                return Ok(ignored(&format!("action {}", rule.action)));
            }
            let id = ask(&state, &app, rule).await?;
            Ok((StatusCode::CREATED, Json(json!({"id": id}))))
        }
        other => Ok(ignored(other.unwrap_or("an event without X-GitHub-Event"))),
    }
}

fn ignored(what: &str) -> (StatusCode, Json<Value>) {
    (StatusCode::ACCEPTED, Json(json!({"ignored": what})))
}

/// Checks `sha256=<hex>` against the HMAC of `body`, in constant time.
fn verify(secret: &Secret, signature: Option<&str>, body: &[u8]) -> Result<(), ApiError> {
    let refused = |why: &str| ApiError::Unauthorized(format!("X-Hub-Signature-256 {why}"));
    let hex_digest = signature
        .and_then(|s| s.strip_prefix("sha256="))
        .ok_or_else(|| refused("is missing"))?;
    let given = hex::decode(hex_digest).map_err(|_| refused("is not hex"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| refused("does not match the webhook secret"))
}

/// The pause a protection rule asks for: what is deployed where, by whom,
/// told to the environment's people.
fn pause_request(app: &GithubApp, rule: &RuleEvent, sender: Option<&str>) -> PauseRequest {
    let git_ref = rule.git_ref.clone().unwrap_or_default();
    let repository = &rule.repository.full_name;
    let title = format!("Deploy {repository} {git_ref} to {}?", rule.environment);
    let started_by = sender
        .map(|s| format!(", started by {s}"))
        .unwrap_or_default();
    let notify = app.notify_for(&rule.environment);
    PauseRequest {
        title: Some(title.chars().take(200).collect()),
        description: Some(format!(
            "GitHub Actions asks to deploy {repository} ({}) to the {} environment{started_by}.",
            rule.sha.as_deref().unwrap_or("unknown commit"),
            rule.environment,
        )),
        data: Some(json!({
            "repository": repository, "environment": rule.environment,
            "ref": git_ref, "sha": rule.sha, "event": rule.event, "sender": sender,
        })),
        notify: Some(NotifyRequest {
            email: notify.email.clone(),
            channels: notify.channels.clone(),
        }),
        // GitHub waits 30 days for a rule's answer.
        callback_timeout: Some("30d".to_owned()),
        expires_in: app.expires_in.clone().map(Value::String),
        ..PauseRequest::default()
    }
}

/// Creates (or finds) the pause for a protection rule; its id.
async fn ask(state: &AppState, app: &GithubApp, rule: RuleEvent) -> Result<String, ApiError> {
    let repos = format!("{}/repos/", app.api_url);
    if !rule.deployment_callback_url.starts_with(&repos) {
        return Err(ApiError::invalid(
            "deployment_callback_url",
            format!("deployment_callback_url is not under {repos}, the configured GitHub API"),
        ));
    }
    let sender = rule.sender.as_ref().map(|s| s.login.clone());
    let request = pause_request(app, &rule, sender.as_deref());
    let deployment = GithubDeployment {
        installation_id: rule.installation.id,
        environment: rule.environment,
    };
    let mut details = Map::new();
    details.insert("github".to_owned(), json!(deployment));
    let callback = Callback {
        kind: KIND.to_owned(),
        url: rule.deployment_callback_url,
        shown: Default::default(),
        details,
    };
    // GitHub signed the event: its sender is who asked, in GitHub's namespace.
    let requester = match &sender {
        Some(login) => Requester::integration(format!("github:{login}")),
        None => Requester::integration("github"),
    };
    let created = state
        .pauses
        .create_with_callback(request, callback, requester)
        .await?;
    Ok(created.pause.id.to_string())
}
