//! `kind = "airflow_dag"`: a DAG run through Airflow 3's REST API v2,
//! `POST {base_url}/api/v2/dags/{dag_id}/dagRuns` with
//! `{"logical_date": null, "conf": {"pause_id", "data"}}`. The answer's
//! `dag_run_id` becomes the delivery's `external_id`.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::json;

use super::response::{SendError, Sent, check, transport};
use super::{Trigger, join_path};
use crate::config::{AirflowTarget, Target};

#[derive(Deserialize)]
struct DagRun {
    dag_run_id: Option<String>,
}

/// Triggers the DAG run.
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    airflow: &AirflowTarget,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let dag_id = trigger.setting(target, "dag_id", &airflow.dag_id);
    let url = join_path(&airflow.base_url, &["api", "v2", "dags", dag_id, "dagRuns"]);
    let body = json!({
        "logical_date": null,
        "conf": {"pause_id": trigger.pause.id.as_str(), "data": trigger.pause.data},
    });
    let mut request = client
        .post(url)
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json");
    if let Some(token) = &airflow.token {
        request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
    }
    let response = request
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport("Airflow", e))?;
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
