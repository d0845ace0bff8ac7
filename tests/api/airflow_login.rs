//! The `airflow_dag` target logs in for its own access token (`POST
//! /auth/token` with a user name and password, answering a JWT) and asks
//! for a new one only when the old one is about to expire or is refused.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::standins;

/// Tokens issued so far; the dag-run endpoint takes only the newest.
#[derive(Clone, Default)]
struct Airflow {
    issued: Arc<Mutex<Vec<String>>>,
    runs: Arc<Mutex<u32>>,
}

fn jwt(n: usize, expires_in: Duration) -> String {
    let part = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = json!({"sub": "pausegate", "exp": (Utc::now() + expires_in).timestamp(), "n": n});
    format!(
        "{}.{}.signature",
        part(json!({"alg": "HS512", "typ": "JWT"})),
        part(claims)
    )
}

async fn login(
    State(airflow): State<Airflow>,
    body: axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    if body.0 != json!({"username": "pausegate", "password": "pw"}) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "Invalid credentials"})),
        );
    }
    let mut issued = airflow.issued.lock().unwrap();
    let token = jwt(issued.len(), Duration::minutes(20));
    issued.push(token.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"access_token": token})),
    )
}

async fn dag_run(
    State(airflow): State<Airflow>,
    headers: HeaderMap,
) -> (StatusCode, axum::Json<Value>) {
    let newest = airflow
        .issued
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap_or_default();
    if headers["authorization"] != format!("Bearer {newest}") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "Not authenticated"})),
        );
    }
    let mut runs = airflow.runs.lock().unwrap();
    *runs += 1;
    (
        StatusCode::OK,
        axum::Json(json!({"dag_run_id": format!("manual__{runs}")})),
    )
}

#[tokio::test]
async fn the_airflow_target_logs_in_and_renews_its_token_before_it_expires() {
    let airflow = Airflow::default();
    let router = Router::new()
        .route("/auth/token", post(login))
        .route("/api/v2/dags/{dag_id}/dagRuns", post(dag_run))
        .with_state(airflow.clone());
    let base = standins::serve(router).await;
    let config = format!(
        "[targets.nightly]\nkind = \"airflow_dag\"\nbase_url = \"{base}\"\ndag_id = \"nightly\"\n\
         username_env = \"AIRFLOW_USER\"\npassword_env = \"AIRFLOW_PASSWORD\"\n"
    );
    let env = [("AIRFLOW_USER", "pausegate"), ("AIRFLOW_PASSWORD", "pw")];
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let approve = || async {
        let (_, pause) = app
            .api
            .create(json!({"title": "Run?", "target": "nightly"}))
            .await;
        let id = pause["id"].as_str().unwrap().to_owned();
        app.api.approve(&id).await;
        app.drain_outbox().await;
        app.api.deliveries(&id).await[0]["state"].clone()
    };
    assert_eq!(approve().await, "delivered");
    assert_eq!(approve().await, "delivered");
    assert_eq!(
        airflow.issued.lock().unwrap().len(),
        1,
        "the token is reused"
    );

    app.clock.advance(Duration::minutes(16));
    assert_eq!(approve().await, "delivered");
    assert_eq!(
        airflow.issued.lock().unwrap().len(),
        2,
        "renewed five minutes before exp"
    );
    assert_eq!(*airflow.runs.lock().unwrap(), 3);
}
