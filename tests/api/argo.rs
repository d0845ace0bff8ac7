//! Argo Workflows: a workflow suspended at its `approve` node is resumed
//! with the decision as the node's output parameters when approved, and
//! stopped when rejected or expired. The stand-in checks each call as the
//! Argo Server's workflow service documents it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::put;
use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::standins;

/// Calls the stand-in took: (action, body); and how many to refuse first.
#[derive(Clone, Default)]
struct Argo {
    calls: Arc<Mutex<Vec<(String, Value)>>>,
    refuse: Arc<Mutex<u32>>,
}

async fn workflow_action(
    State(argo): State<Argo>,
    Path((namespace, name, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let body: Value = serde_json::from_slice(&body).expect("a JSON body");
    assert_eq!(headers["authorization"], "Bearer argo-token");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        (&body["name"], &body["namespace"]),
        (&json!(name), &json!(namespace))
    );
    assert_eq!(body["nodeFieldSelector"], "displayName=approve");
    let allowed: &[&str] = match action.as_str() {
        "set" => &[
            "name",
            "namespace",
            "nodeFieldSelector",
            "outputParameters",
            "phase",
            "message",
        ],
        "resume" => &["name", "namespace", "nodeFieldSelector"],
        "stop" => &["name", "namespace", "nodeFieldSelector", "message"],
        other => panic!("no {other} call expected"),
    };
    for key in body.as_object().unwrap().keys() {
        assert!(allowed.contains(&key.as_str()), "{action} takes no {key}");
    }
    argo.calls.lock().unwrap().push((action, body));
    let mut refuse = argo.refuse.lock().unwrap();
    if *refuse > 0 {
        *refuse -= 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"code": 14})),
        );
    }
    let workflow = json!({"metadata": {"name": name, "namespace": namespace}});
    (StatusCode::OK, axum::Json(workflow))
}

async fn setup(refuse: u32) -> (TestApp, Argo) {
    let argo = Argo::default();
    *argo.refuse.lock().unwrap() = refuse;
    let router = Router::new()
        .route(
            "/api/v1/workflows/{namespace}/{name}/{action}",
            put(workflow_action),
        )
        .with_state(argo.clone());
    let base = standins::serve(router).await;
    let config = format!(
        "[targets.argo]\nkind = \"argo_workflows\"\nbase_url = \"{base}\"\n\
         namespace = \"ci\"\ntoken_env = \"ARGO_TOKEN\"\n"
    );
    let app = TestApp::builder()
        .config(&config)
        .env(&[("ARGO_TOKEN", "argo-token")])
        .manual()
        .start()
        .await;
    (app, argo)
}

async fn create(app: &TestApp, workflow: &str, expires_in: &str) -> String {
    let (status, pause) = app
        .api
        .create(
            json!({"title": "Release?", "target": "argo", "on_reject": "argo",
            "target_params": {"workflow": workflow}, "expires_in": expires_in}),
        )
        .await;
    assert!(status.is_success(), "{pause}");
    pause["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_approval_sets_the_nodes_outputs_and_resumes_it() {
    let (app, argo) = setup(0).await;
    let id = create(&app, "release-x7k2p", "1h").await;
    let go = json!({"actor": "ana", "comment": "go"});
    app.api.decide(&id, "approve", go).await;
    app.drain_outbox().await;
    let calls = argo.calls.lock().unwrap().clone();
    let actions: Vec<&str> = calls.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["set", "resume"]);
    let outputs: Value =
        serde_json::from_str(calls[0].1["outputParameters"].as_str().unwrap()).unwrap();
    assert_eq!(
        outputs,
        json!({"approved": "true", "pause_id": id, "actor": "ana", "comment": "go"})
    );
    let delivery = &app.api.deliveries(&id).await[0];
    assert_eq!(delivery["external_id"], "ci/release-x7k2p");
}

#[tokio::test]
async fn a_rejection_or_an_expiry_stops_the_node() {
    let (app, argo) = setup(0).await;
    let rejected = create(&app, "release-a", "1h").await;
    create(&app, "release-b", "1m").await;
    app.api.reject(&rejected).await;
    app.clock.advance(Duration::minutes(2));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;
    let calls = argo.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    for (action, body) in &calls {
        assert_eq!(action, "stop");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("pausegate: pause.")
        );
    }
    let mut stopped: Vec<&str> = calls
        .iter()
        .map(|(_, b)| b["name"].as_str().unwrap())
        .collect();
    stopped.sort_unstable();
    assert_eq!(stopped, ["release-a", "release-b"]);
}

#[tokio::test]
async fn a_503_from_the_argo_server_is_retried_with_the_same_call() {
    let (app, argo) = setup(1).await;
    let id = create(&app, "release-r", "1h").await;
    app.api.reject(&id).await;
    app.drain_outbox().await;
    app.clock.advance(Duration::minutes(5));
    app.drain_outbox().await;
    let calls = argo.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0], calls[1]);
    assert_eq!(app.api.deliveries(&id).await[0]["state"], "delivered");
}
