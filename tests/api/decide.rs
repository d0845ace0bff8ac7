//! Deciding: the first decision wins, every later one gets 409.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, approve_concurrently, error_message};

fn readable(at: &Value) -> String {
    let at: DateTime<Utc> = at.as_str().unwrap().parse().unwrap();
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[tokio::test]
async fn twenty_views_leave_it_pending_then_one_approval_wins_and_a_second_click_gets_409() {
    let app = TestApp::spawn().await;
    let created = app.create_ok("Load 2026-11-23 sales?").await;
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    for _ in 0..20 {
        let (status, page) = app.open_link(token).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Load 2026-11-23 sales?"));
    }
    assert_eq!(app.get_pause(id).await["state"], "pending");

    let form = [
        ("decision", "approve"),
        ("name", "Ana"),
        ("comment", "numbers look right"),
    ];
    let (status, page) = app.submit(token, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Approved by Ana"), "{page}");

    let pause = app.get_pause(id).await;
    assert_eq!(pause["state"], "approved");
    let decisions = pause["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["via"], "link");
    assert_eq!(decisions[0]["actor"], "Ana");
    assert_eq!(decisions[0]["comment"], "numbers look right");
    assert!(pause["decided_at"].is_string());

    let (status, page) = app
        .submit(token, &[("decision", "reject"), ("name", "Bo")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("Ana"), "the 409 page names who decided");
    assert!(page.contains(&readable(&pause["decided_at"])), "and when");
    assert_eq!(
        app.get_pause(id).await["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (status, page) = app.open_link(token).await;
    assert_eq!(status, StatusCode::OK, "a decided link shows the outcome");
    assert!(page.contains("Approved by Ana"));
}

#[tokio::test]
async fn a_hundred_concurrent_approvals_record_exactly_one_decision() {
    let app = Arc::new(TestApp::spawn().await);
    let created = app.create_ok("Deploy?").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();

    let statuses = approve_concurrently(&app, &id, &token, 100).await;

    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, 99), "{statuses:?}");
    let pause = app.get_pause(&id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_api_approves_rejects_and_cancels_with_the_actor_it_is_given() {
    let app = TestApp::spawn().await;
    let first = app.create_ok("one").await;
    let second = app.create_ok("two").await;
    let third = app.create_ok("three").await;

    let path = format!("/api/v1/pauses/{}/approve", first["id"].as_str().unwrap());
    let response = app
        .api(Method::POST, &path)
        .json(&json!({"actor": "ci-bot", "comment": "checks passed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pause: Value = response.json().await.unwrap();
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"][0]["actor"], "ci-bot");
    assert_eq!(pause["decisions"][0]["via"], "api");

    let path = format!("/api/v1/pauses/{}/reject", second["id"].as_str().unwrap());
    let pause = app.post_json(&path).await;
    assert_eq!(pause["state"], "rejected");

    let path = format!("/api/v1/pauses/{}/cancel", third["id"].as_str().unwrap());
    let pause = app.post_json(&path).await;
    assert_eq!(pause["state"], "cancelled");
    assert_eq!(pause["decisions"], json!([]));

    let response = app.api(Method::POST, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "already_decided");
    assert!(error_message(&body).contains("cancelled"));

    let (status, _) = app
        .submit(third["token"].as_str().unwrap(), &[("decision", "approve")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_token_decides_and_looks_up_through_the_json_endpoints() {
    let app = TestApp::spawn().await;
    let (_, created) = app
        .create(json!({"title": "t", "data": {"rows": 12}}))
        .await;
    let token = created["token"].as_str().unwrap();

    let response = app
        .client
        .post(format!("{}/api/v1/lookup", app.base))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pause: Value = response.json().await.unwrap();
    assert_eq!(pause["data"], json!({"rows": 12}));
    assert!(
        pause.get("token").is_none(),
        "the token is shown only at creation"
    );

    let decide = |decision: &'static str| {
        app.client
            .post(format!("{}/api/v1/decisions", app.base))
            .json(&json!({"token": token, "decision": decision, "comment": "fine"}))
            .send()
    };
    let response = decide("maybe").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(error_message(&body).contains("decision"));

    let response = decide("reject").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pause: Value = response.json().await.unwrap();
    assert_eq!(pause["state"], "rejected");
    assert_eq!(pause["decisions"][0]["via"], "link");
    assert_eq!(
        decide("approve").await.unwrap().status(),
        StatusCode::CONFLICT
    );

    let response = app
        .client
        .post(format!("{}/api/v1/lookup", app.base))
        .json(&json!({"token": "x".repeat(86)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
