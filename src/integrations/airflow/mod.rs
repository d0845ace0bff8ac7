//! Airflow: `[targets.NAME] kind = "airflow_dag"`, a DAG run through Airflow 3's REST API v2,
//! `POST {base_url}/api/v2/dags/{dag_id}/dagRuns` with
//! `{"logical_date": null, "conf": {"pause_id", "data"}}`. The answer's
//! `dag_run_id` becomes the delivery's `external_id`.
//!
//! With `username_env` and `password_env`, pausegate gets its own access
//! token from the API server as Airflow's auth managers document it
//! ("Generate JWT token": `POST {base_url}/auth/token` with
//! `{"username", "password"}`, answering `{"access_token"}`, a JWT living
//! `[api_auth] jwt_expiration_time`), keeps it until five minutes before
//! the `exp` it carries, and drops it when Airflow answers 401.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::kit::{Kit, Raw, Starter, Target, TargetParts, Trigger, join_path, started_id};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::clock::Clock;
use crate::config::{Env, Secret, parse_url};
use crate::outbox::{SendError, Sent, check, transport};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
    registry.target_kind("airflow_dag", resolve);
    Ok(())
}

/// `kind = "airflow_dag"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AirflowFile {
    base_url: String,
    dag_id: String,
    token_env: Option<String>,
    username_env: Option<String>,
    password_env: Option<String>,
    #[serde(default)]
    overridable: Vec<String>,
    max_per_hour: Option<u32>,
}

/// An Airflow DAG.
#[derive(Debug, Clone)]
struct AirflowTarget {
    base_url: Url,
    dag_id: String,
    token: Option<Secret>,
    /// User name and password for `POST /auth/token`: pausegate gets its
    /// own tokens and renews them before they expire.
    login: Option<(Secret, Secret)>,
}

fn resolve(name: &str, raw: &Raw, env: &Env) -> Result<TargetParts, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let f: AirflowFile = raw.parse(&format!("targets.{name}"))?;
    let login = match (f.username_env, f.password_env) {
        (Some(user), Some(password)) => Some((
            env.secret(&key("username_env"), &user)?,
            env.secret(&key("password_env"), &password)?,
        )),
        (None, None) => None,
        _ => {
            return Err(format!(
                "{}: give both username_env and password_env, or neither",
                key("username_env")
            ));
        }
    };
    if login.is_some() && f.token_env.is_some() {
        return Err(format!(
            "{}: give token_env or username_env and password_env, not both",
            key("token_env")
        ));
    }
    let airflow = AirflowTarget {
        login,
        base_url: parse_url(&key("base_url"), &f.base_url)?,
        token: f
            .token_env
            .map(|var| env.secret(&key("token_env"), &var))
            .transpose()?,
        dag_id: f.dag_id,
    };
    let starter = Dag {
        airflow,
        tokens: AirflowTokens::default(),
    };
    Ok(TargetParts {
        starter: Arc::new(starter),
        overridable: f.overridable,
        max_per_hour: f.max_per_hour,
        allowed: &["dag_id"],
    })
}

/// Starts runs of one DAG, with its own access tokens.
struct Dag {
    airflow: AirflowTarget,
    tokens: AirflowTokens,
}

#[async_trait]
impl Starter for Dag {
    fn kind(&self) -> &'static str {
        "airflow_dag"
    }

    fn what(&self) -> &'static str {
        "Airflow DAG"
    }

    async fn start(
        &self,
        kit: &Kit,
        target: &Target,
        trigger: Trigger<'_>,
    ) -> Result<Sent, SendError> {
        let (client, clock) = (&kit.client, &*kit.clock);
        send(client, &self.tokens, clock, target, &self.airflow, trigger).await
    }
}

/// Access tokens by target name, with when each expires.
#[derive(Default)]
struct AirflowTokens {
    cached: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
}

#[derive(Deserialize)]
struct DagRun {
    dag_run_id: Option<String>,
}

/// Triggers the DAG run.
async fn send(
    client: &reqwest::Client,
    tokens: &AirflowTokens,
    clock: &dyn Clock,
    target: &Target,
    airflow: &AirflowTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let dag_id = trigger.setting(target, "dag_id", &airflow.dag_id);
    let url = join_path(&airflow.base_url, &["api", "v2", "dags", dag_id, "dagRuns"]);
    let mut conf = json!({
        "pause_id": trigger.pause.id.as_str(),
        "data": trigger.pause.data,
        "receipt": trigger.pause.receipt,
    });
    if let Some(inputs) = &trigger.pause.inputs {
        conf["inputs"] = serde_json::Value::Object(inputs.clone());
    }
    let body = json!({"logical_date": null, "conf": conf});
    let mut request = client
        .post(url)
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json");
    if let Some(token) = &airflow.token {
        request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
    }
    if airflow.login.is_some() {
        let token = tokens.get(client, clock, target, airflow).await?;
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport("Airflow", e))?;
    if response.status() == StatusCode::UNAUTHORIZED && airflow.login.is_some() {
        // Revoked or the server's key changed: the next attempt logs in again.
        tokens.cached.lock().await.remove(&target.name);
        return Err(SendError::retry(
            "Airflow refused the access token; logging in again",
        ));
    }
    let response = check("Airflow", response).await?;
    Ok(started_id(response, "Airflow", |run: DagRun| run.dag_run_id).await)
}

impl AirflowTokens {
    /// A token for `target`, from the cache or a fresh login.
    async fn get(
        &self,
        client: &reqwest::Client,
        clock: &dyn Clock,
        target: &Target,
        airflow: &AirflowTarget,
    ) -> Result<String, SendError> {
        let now = clock.now();
        let mut cached = self.cached.lock().await;
        if let Some((token, expires_at)) = cached.get(&target.name)
            && *expires_at - Duration::minutes(5) > now
        {
            return Ok(token.clone());
        }
        let Some((username, password)) = &airflow.login else {
            return Err(SendError::Fatal {
                message: "no Airflow login is configured".to_owned(),
            });
        };
        let url = join_path(&airflow.base_url, &["auth", "token"]);
        let body = json!({"username": username.expose(), "password": password.expose()});
        let response = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| transport("Airflow's token endpoint", e))?;
        let response = check("Airflow's token endpoint", response).await?;
        let token = response
            .json::<AccessToken>()
            .await
            .map_err(|e| SendError::retry(format!("Airflow's token answer is unreadable: {e}")))?
            .access_token;
        // Without a readable `exp`, keep it ten minutes.
        let expires_at = expiry(&token).unwrap_or(now + Duration::minutes(10));
        cached.insert(target.name.clone(), (token.clone(), expires_at));
        Ok(token)
    }
}

/// The `exp` of a JWT, read without checking its signature: only to know
/// when to ask for a new one (Airflow checks the signature).
fn expiry(token: &str) -> Option<DateTime<Utc>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims["exp"].as_i64()?, 0)
}
