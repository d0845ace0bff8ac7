//! An Azure DevOps "Invoke REST API" check in callback mode: the check's
//! request (its default headers, a pause request as body) creates the
//! pause; settling posts `TaskCompleted` to the plan's events endpoint with
//! basic auth carrying the run's access token, as the checks documentation
//! and the "Events - Post Event" reference describe.

use base64::Engine;
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, error_message};
use crate::standins::{self, Log};

const PROJECT: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const PLAN: &str = "4b4b0d2f-3cbb-4b4a-8e0e-6b3b0a0e0f0a";
const JOB: &str = "3a7e60dc-c5b0-5009-86eb-0f217c12e2ea";

async fn check_request(
    app: &TestApp,
    plan_url: &str,
    task: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app
        .api
        .request(Method::POST, "/integrations/azure-devops")
        .header("PlanUrl", plan_url)
        .header("ProjectId", PROJECT)
        .header("HubName", "checks")
        .header("PlanId", PLAN)
        .header("JobId", JOB)
        .header("TimelineId", "5c3b0f9e-0000-0000-0000-000000000000")
        .header("TaskInstanceId", task)
        .header("AuthToken", "run-scoped-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// The one event posted for `task`, checked as documented.
fn task_completed(log: &Log, task: &str) -> Value {
    let events: Vec<_> = log
        .requests()
        .into_iter()
        .filter(|r| r.json()["taskId"] == task)
        .collect();
    assert_eq!(events.len(), 1, "exactly one TaskCompleted for {task}");
    let event = &events[0];
    let path = format!("/org/{PROJECT}/_apis/distributedtask/hubs/checks/plans/{PLAN}/events");
    assert_eq!(event.path, path);
    assert_eq!(event.query["api-version"], "2.0-preview.1");
    let basic = base64::engine::general_purpose::STANDARD.encode(":run-scoped-token");
    assert_eq!(event.header("authorization"), format!("Basic {basic}"));
    let body = event.json();
    assert_eq!(
        (&body["name"], &body["jobId"]),
        (&json!("TaskCompleted"), &json!(JOB))
    );
    body
}

async fn setup() -> (TestApp, String, Log) {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config("[callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n")
        .manual()
        .start()
        .await;
    (app, format!("{receiver}/org/"), log)
}

#[tokio::test]
async fn a_check_in_callback_mode_completes_its_task_succeeded_or_failed() {
    let (app, plan_url, log) = setup().await;
    let body = json!({"title": "Deploy to prod?", "callback_timeout": "1d"});
    let (status, approved) = check_request(&app, &plan_url, "task-ok", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{approved}");
    assert!(!approved.to_string().contains("run-scoped-token"));
    let (again, same) = check_request(&app, &plan_url, "task-ok", body.clone()).await;
    assert_eq!(
        (again, &same["id"]),
        (StatusCode::OK, &approved["id"]),
        "re-evaluated: same pause"
    );
    let (_, rejected) = check_request(&app, &plan_url, "task-no", body.clone()).await;
    let late = json!({"title": "t", "expires_in": "1m"});
    check_request(&app, &plan_url, "task-late", late).await;

    for (pause, verdict) in [(&approved, "approve"), (&rejected, "reject")] {
        let path = format!("/api/v1/pauses/{}/{verdict}", pause["id"].as_str().unwrap());
        assert_eq!(app.api.post_empty(&path).await.0, StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(2));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;

    assert_eq!(task_completed(&log, "task-ok")["result"], "succeeded");
    assert_eq!(task_completed(&log, "task-no")["result"], "failed");
    assert_eq!(task_completed(&log, "task-late")["result"], "failed");
    assert_eq!(log.requests().len(), 3);
}

#[tokio::test]
async fn a_503_from_azure_devops_is_retried_with_the_same_event() {
    let (app, plan_url, log) = setup().await;
    log.script(&[(503, &[("Retry-After", "0")], "busy")]);
    let (_, pause) = check_request(&app, &plan_url, "task-retry", json!({"title": "t"})).await;
    app.api.approve(pause["id"].as_str().unwrap()).await;
    app.drain_outbox().await;
    app.clock.advance(Duration::minutes(5));
    app.drain_outbox().await;
    let requests = log.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn a_check_without_its_headers_or_off_the_allow_list_stores_nothing() {
    let (app, plan_url, log) = setup().await;
    let (status, error) = app
        .api
        .request(Method::POST, "/integrations/azure-devops")
        .header("PlanUrl", &plan_url)
        .json(&json!({"title": "t"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_message(&error).contains("HubName header is missing"),
        "{error}"
    );
    let (status, error) = check_request(
        &app,
        "https://dev.azure.com/org/",
        "t",
        json!({"title": "t"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "dev.azure.com is not listed here"
    );
    assert!(error_message(&error).contains("allowed_hosts"), "{error}");
    let (_, list) = app.api.list("").await;
    assert_eq!(list["items"], json!([]));
    assert!(log.requests().is_empty());
}
