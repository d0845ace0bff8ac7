//! `kind = "azure_data_factory"`: an Entra ID client-credentials token
//! (cached until shortly before it expires, fetched again on a 401), then
//! `createRun` with api-version 2018-06-01. The answer's `runId` becomes
//! the delivery's `external_id`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::response::{SendError, Sent, check, transport};
use super::{Trigger, join_path};
use crate::clock::Clock;
use crate::config::{AdfTarget, ParameterSource, Target};

/// The Data Factory REST API version.
pub const API_VERSION: &str = "2018-06-01";
/// A cached token is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::minutes(5);

/// Access tokens by (authority, tenant, client, scope), shared by targets
/// using the same service principal.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

impl TokenCache {
    fn get(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        let tokens = self.tokens.lock().expect("token cache lock poisoned");
        let (token, renew_at) = tokens.get(key)?;
        (now < *renew_at).then(|| token.clone())
    }

    fn put(&self, key: String, token: String, renew_at: DateTime<Utc>) {
        let mut tokens = self.tokens.lock().expect("token cache lock poisoned");
        tokens.insert(key, (token, renew_at));
    }

    fn forget(&self, key: &str) {
        self.tokens
            .lock()
            .expect("token cache lock poisoned")
            .remove(key);
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Seconds,
}

/// `expires_in` is a number on the v2.0 endpoint; older endpoints sent a
/// string, so both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

impl Seconds {
    /// The lifetime, kept within a day whatever the answer says.
    fn duration(&self) -> Duration {
        let seconds = match self {
            Self::Number(n) => *n,
            Self::Text(text) => text.trim().parse().unwrap_or(3600),
        };
        Duration::seconds(seconds.min(86_400) as i64)
    }
}

#[derive(Deserialize)]
struct CreateRunResponse {
    #[serde(rename = "runId")]
    run_id: Option<String>,
}

/// Starts the pipeline run.
pub async fn send(
    client: &reqwest::Client,
    clock: &dyn Clock,
    tokens: &TokenCache,
    target: &Target,
    adf: &AdfTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let url = create_run_url(target, adf, trigger);
    let body = Value::Object(parameters(adf, trigger)).to_string();
    let principal = Principal::of(adf);
    let mut token = token(client, clock, tokens, &principal).await?;
    let mut response = create_run(client, &url, &token, &body).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        // Revoked or rotated early: fetch a fresh token once.
        tokens.forget(&principal.cache_key);
        token = self::token(client, clock, tokens, &principal).await?;
        response = create_run(client, &url, &token, &body).await?;
    }
    let response = check("Azure Data Factory", response).await?;
    let external_id = match response.json::<CreateRunResponse>().await {
        Ok(answer) => answer.run_id,
        Err(error) => {
            tracing::warn!(%error, "Data Factory started a run but its answer had no runId");
            None
        }
    };
    Ok(Sent { external_id })
}

async fn create_run(
    client: &reqwest::Client,
    url: &reqwest::Url,
    token: &str,
    body: &str,
) -> Result<reqwest::Response, SendError> {
    client
        .post(url.clone())
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| transport("Azure Data Factory", e))
}

/// `{management}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{f}/pipelines/{p}/createRun?api-version=2018-06-01`.
fn create_run_url(target: &Target, adf: &AdfTarget, trigger: Trigger<'_>) -> reqwest::Url {
    let resource_group = trigger.setting(target, "resource_group", &adf.resource_group);
    let factory = trigger.setting(target, "factory", &adf.factory);
    let pipeline = trigger.setting(target, "pipeline", &adf.pipeline);
    let mut url = join_path(
        &adf.management_endpoint,
        &[
            "subscriptions",
            &adf.subscription_id,
            "resourceGroups",
            resource_group,
            "providers",
            "Microsoft.DataFactory",
            "factories",
            factory,
            "pipelines",
            pipeline,
            "createRun",
        ],
    );
    url.query_pairs_mut()
        .append_pair("api-version", API_VERSION);
    url
}

/// The pipeline parameters, each from the source the config names.
fn parameters(adf: &AdfTarget, trigger: Trigger<'_>) -> Map<String, Value> {
    let pause = trigger.pause;
    let decision = pause.decision();
    adf.parameters
        .iter()
        .map(|(name, source)| {
            let value = match source {
                ParameterSource::PauseId => Value::from(pause.id.as_str()),
                ParameterSource::Data => pause.data.clone(),
                ParameterSource::DataKey(key) => {
                    pause.data.get(key).cloned().unwrap_or(Value::Null)
                }
                ParameterSource::Inputs => pause.inputs.clone().map_or(Value::Null, Value::Object),
                ParameterSource::InputsKey(key) => pause
                    .inputs
                    .as_ref()
                    .and_then(|inputs| inputs.get(key).cloned())
                    .unwrap_or(Value::Null),
                ParameterSource::Title => Value::from(pause.title.as_str()),
                ParameterSource::Event => Value::from(trigger.event.as_str()),
                ParameterSource::Actor => decision.and_then(|d| d.actor.clone()).into(),
                ParameterSource::Comment => decision.and_then(|d| d.comment.clone()).into(),
                ParameterSource::Receipt => pause.receipt.clone().into(),
            };
            (name.clone(), value)
        })
        .collect()
}

/// The service principal and where its tokens come from.
struct Principal<'a> {
    adf: &'a AdfTarget,
    scope: String,
    cache_key: String,
}

impl<'a> Principal<'a> {
    fn of(adf: &'a AdfTarget) -> Self {
        let scope = format!(
            "{}/.default",
            adf.management_endpoint.as_str().trim_end_matches('/')
        );
        let cache_key = format!(
            "{}|{}|{}|{scope}",
            adf.authority_host, adf.tenant_id, adf.client_id
        );
        Self {
            adf,
            scope,
            cache_key,
        }
    }
}

/// A cached token, or a new one from `{authority}/{tenant}/oauth2/v2.0/token`.
async fn token(
    client: &reqwest::Client,
    clock: &dyn Clock,
    tokens: &TokenCache,
    principal: &Principal<'_>,
) -> Result<String, SendError> {
    if let Some(token) = tokens.get(&principal.cache_key, clock.now()) {
        return Ok(token);
    }
    let adf = principal.adf;
    let url = join_path(
        &adf.authority_host,
        &[&adf.tenant_id, "oauth2", "v2.0", "token"],
    );
    let form = [
        ("client_id", adf.client_id.as_str()),
        ("scope", principal.scope.as_str()),
        ("client_secret", adf.client_secret.expose()),
        ("grant_type", "client_credentials"),
    ];
    let response = client
        .post(url)
        .header(ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| transport("Entra ID", e))?;
    let response = check("Entra ID (token request)", response).await?;
    let answer: TokenResponse = response.json().await.map_err(|e| {
        SendError::retry(format!("Entra ID answered with an unreadable token: {e}"))
    })?;
    let lifetime = answer.expires_in.duration();
    let renew_at = clock.now() + lifetime - RENEW_BEFORE.min(lifetime / 2);
    tokens.put(
        principal.cache_key.clone(),
        answer.access_token.clone(),
        renew_at,
    );
    Ok(answer.access_token)
}
