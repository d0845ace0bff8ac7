//! Deciding: the first decision wins, every later one gets 409.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, approve_concurrently, error_message};

fn readable(at: &Value) -> String {
    let at: DateTime<Utc> = at.as_str().unwrap().parse().unwrap();
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[tokio::test]
async fn twenty_views_leave_it_pending_then_one_approval_wins_and_a_second_click_gets_409() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("Load 2026-11-23 sales?").await;
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    for _ in 0..20 {
        let (status, page) = app.api.open_link(token).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Load 2026-11-23 sales?"));
    }
    assert_eq!(app.api.pause(id).await["state"], "pending");

    let form = [
        ("decision", "approve"),
        ("name", "Ana"),
        ("comment", "numbers look right"),
    ];
    let (status, page) = app.api.submit(token, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Approved by Ana"), "{page}");

    let pause = app.api.pause(id).await;
    assert_eq!(pause["state"], "approved");
    let decisions = pause["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["via"], "link");
    assert_eq!(decisions[0]["actor"], "Ana");
    assert_eq!(decisions[0]["comment"], "numbers look right");
    assert!(pause["decided_at"].is_string());

    let (status, page) = app
        .api
        .submit(token, &[("decision", "reject"), ("name", "Bo")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("Ana"), "the 409 page names who decided");
    assert!(page.contains(&readable(&pause["decided_at"])), "and when");
    assert_eq!(
        app.api.pause(id).await["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (status, page) = app.api.open_link(token).await;
    assert_eq!(status, StatusCode::OK, "a decided link shows the outcome");
    assert!(page.contains("Approved by Ana"));
}

#[tokio::test]
async fn a_hundred_concurrent_approvals_record_exactly_one_decision() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("Deploy?").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();

    let statuses = approve_concurrently(&app.api, &id, &token, 100).await;

    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, 99), "{statuses:?}");
    let pause = app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_api_approves_rejects_and_cancels_with_the_actor_it_is_given() {
    let app = TestApp::builder().start().await;
    let first = app.api.create_ok("one").await;
    let second = app.api.create_ok("two").await;
    let third = app.api.create_ok("three").await;

    let body = json!({"actor": "ci-bot", "comment": "checks passed"});
    let (status, pause) = app
        .api
        .decide(first["id"].as_str().unwrap(), "approve", body)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"][0]["actor"], "ci-bot");
    assert_eq!(pause["decisions"][0]["via"], "api");

    let (_, pause) = app.api.reject(second["id"].as_str().unwrap()).await;
    assert_eq!(pause["state"], "rejected");

    let third_id = third["id"].as_str().unwrap();
    let (_, pause) = app.api.cancel(third_id).await;
    assert_eq!(pause["state"], "cancelled");
    assert_eq!(pause["decisions"], json!([]));

    let (status, body) = app.api.cancel(third_id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_decided");
    assert!(error_message(&body).contains("cancelled"));

    let (status, _) = app
        .api
        .submit(third["token"].as_str().unwrap(), &[("decision", "approve")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_token_decides_and_looks_up_through_the_json_endpoints() {
    let app = TestApp::builder().start().await;
    let (_, created) = app
        .api
        .create(json!({"title": "t", "data": {"rows": 12}}))
        .await;
    let token = created["token"].as_str().unwrap();

    let link = app.api.anonymous();
    let (status, pause) = link.post("/api/v1/lookup", &json!({"token": token})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["data"], json!({"rows": 12}));
    assert!(
        pause.get("token").is_none(),
        "the token is shown only at creation"
    );

    let decide = |decision: &'static str| {
        let body = json!({"token": token, "decision": decision, "comment": "fine"});
        let link = link.clone();
        async move { link.post("/api/v1/decisions", &body).await }
    };
    let (status, body) = decide("maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("decision"));

    let (status, pause) = decide("reject").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "rejected");
    assert_eq!(pause["decisions"][0]["via"], "link");
    assert_eq!(decide("approve").await.0, StatusCode::CONFLICT);

    let unknown = json!({"token": "x".repeat(86)});
    let (status, _) = link.post("/api/v1/lookup", &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
