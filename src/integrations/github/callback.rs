//! Answering a GitHub deployment protection rule as the App: an App JWT
//! (RS256, `iat` a minute back for clock drift, `exp` nine minutes ahead,
//! `iss` the App id; "Generating a JSON Web Token (JWT) for a GitHub App")
//! is exchanged for an installation token (`POST
//! /app/installations/{id}/access_tokens`, 201 `{"token", "expires_at"}`;
//! "Generating an installation access token"), cached until five minutes
//! before it expires, and the review is POSTed to the event's
//! `deployment_callback_url` ("Review custom deployment protection rules
//! for a workflow run"). Requests carry `Accept: application/vnd.github+json`
//! and `X-GitHub-Api-Version: 2022-11-28`.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::app::GithubApp;
use crate::clock::Clock;
use crate::domain::{Callback, DeliveryId, Pause, PauseState, outcome_message};
use crate::integrations::kit::{CallbackKind, Kit, details};
use crate::outbox::{SendError, Sent, check, transport};

const API_VERSION: &str = "2022-11-28";
const MEDIA_TYPE: &str = "application/vnd.github+json";

/// The callback kind.
pub(crate) const KIND: &str = "github";

/// The deployment a protection rule asked about, as the callback keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GithubDeployment {
    /// The App installation whose token answers.
    pub installation_id: u64,
    /// The environment the deployment waits for.
    pub environment: String,
}

#[derive(Deserialize)]
struct Details {
    github: GithubDeployment,
}

/// Answers deployment protection rules; made only by [`super::rules`].
pub(crate) struct DeploymentRule {
    /// The App, when configured.
    pub app: Option<GithubApp>,
    tokens: InstallationTokens,
}

impl DeploymentRule {
    /// Answers as `app`.
    pub(crate) fn new(app: Option<GithubApp>) -> Arc<Self> {
        Arc::new(Self {
            app,
            tokens: InstallationTokens::default(),
        })
    }
}

#[async_trait]
impl CallbackKind for DeploymentRule {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "GitHub deployment protection rule"
    }

    fn requestable(&self) -> bool {
        false
    }

    fn identity(&self, callback: &Callback) -> String {
        let environment = details::<Details>(callback).map(|d| d.github.environment);
        format!("{}#{}", callback.url, environment.unwrap_or_default())
    }

    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError> {
        let app = self.app.as_ref().ok_or_else(|| SendError::Fatal {
            message: "[github_app] is no longer configured".to_owned(),
        })?;
        let (client, clock) = (&kit.no_redirects, &*kit.clock);
        send(client, clock, app, &self.tokens, callback, delivery, pause).await
    }
}

/// What the deployment callback reads: the environment, approved or
/// rejected, and why.
fn body(callback: &Callback, pause: &Pause) -> Value {
    let environment = details::<Details>(callback).map(|d| d.github.environment);
    let state = match pause.state == PauseState::Approved {
        true => "approved",
        false => "rejected",
    };
    json!({"environment_name": environment, "state": state, "comment": outcome_message(pause)})
}

/// Installation tokens by installation id, with when they expire. Minting
/// holds the lock, so deliveries sent at once share one new token.
#[derive(Default)]
struct InstallationTokens {
    cached: Mutex<HashMap<u64, (String, DateTime<Utc>)>>,
}

#[derive(Deserialize)]
struct Minted {
    token: String,
    expires_at: DateTime<Utc>,
}

/// Sends the review for `pause` to its deployment callback.
async fn send(
    client: &reqwest::Client,
    clock: &dyn Clock,
    app: &GithubApp,
    tokens: &InstallationTokens,
    callback: &Callback,
    delivery_id: &DeliveryId,
    pause: &Pause,
) -> Result<Sent, SendError> {
    // Checked at intake too: the token only ever goes to the configured API.
    if !callback.url.starts_with(&format!("{}/repos/", app.api_url)) {
        return Err(SendError::Fatal {
            message: "the deployment callback is not on the configured GitHub API".to_owned(),
        });
    }
    let installation = details::<Details>(callback).map_or(0, |d| d.github.installation_id);
    let token = tokens.get(client, clock, app, installation).await?;
    let response = client
        .post(&callback.url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, MEDIA_TYPE)
        .header("X-GitHub-Api-Version", API_VERSION)
        .header("Pausegate-Delivery", delivery_id.as_str())
        .json(&body(callback, pause))
        .send()
        .await
        .map_err(|e| transport("GitHub's deployment callback", e))?;
    check("GitHub's deployment callback", response).await?;
    Ok(Sent::default())
}

impl InstallationTokens {
    /// A token for `installation`, minted when none is cached or the cached
    /// one expires within five minutes.
    async fn get(
        &self,
        client: &reqwest::Client,
        clock: &dyn Clock,
        app: &GithubApp,
        installation: u64,
    ) -> Result<String, SendError> {
        let now = clock.now();
        let mut cached = self.cached.lock().await;
        if let Some((token, expires_at)) = cached.get(&installation)
            && *expires_at - Duration::minutes(5) > now
        {
            return Ok(token.clone());
        }
        let url = format!(
            "{}/app/installations/{installation}/access_tokens",
            app.api_url
        );
        let response = client
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {}", app_jwt(app, now)?))
            .header(ACCEPT, MEDIA_TYPE)
            .header("X-GitHub-Api-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| transport("GitHub's installation token endpoint", e))?;
        let response = check("GitHub's installation token endpoint", response).await?;
        let minted: Minted = response.json().await.map_err(|e| {
            SendError::retry(format!(
                "GitHub's installation token answer is unreadable: {e}"
            ))
        })?;
        let token = minted.token.clone();
        cached.insert(installation, (minted.token, minted.expires_at));
        Ok(token)
    }
}

/// The App's JWT at `now`.
fn app_jwt(app: &GithubApp, now: DateTime<Utc>) -> Result<String, SendError> {
    let fatal = |e: jsonwebtoken::errors::Error| SendError::Fatal {
        message: format!("cannot sign the GitHub App JWT: {e}"),
    };
    let key = EncodingKey::from_rsa_pem(app.private_key.expose().as_bytes()).map_err(fatal)?;
    let claims = json!({
        "iat": (now - Duration::seconds(60)).timestamp(),
        "exp": (now + Duration::minutes(9)).timestamp(),
        "iss": app.app_id,
    });
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).map_err(fatal)
}
