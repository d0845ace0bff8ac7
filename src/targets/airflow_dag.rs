//! `kind = "airflow_dag"`: a DAG run through Airflow 3's REST API v2,
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

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::response::{SendError, Sent, check, transport};
use super::{Trigger, join_path};
use crate::clock::Clock;
use crate::config::{AirflowTarget, Target};

/// Access tokens by target name, with when each expires.
#[derive(Default)]
pub struct AirflowTokens {
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
pub async fn send(
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
    // The run exists once Airflow says 2xx; an odd answer only costs the id.
    let external_id = match response.json::<DagRun>().await {
        Ok(run) => run.dag_run_id,
        Err(error) => {
            tracing::warn!(%error, "Airflow started a run but its answer had no dag_run_id");
            None
        }
    };
    Ok(Sent { external_id })
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
