//! Long-polling for a decision.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, error_message};

#[tokio::test]
async fn wait_returns_within_100_ms_of_a_decision() {
    let app = TestApp::builder().start().await;
    let id = app.api.create_ok("hold on").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = app
        .api
        .request(
            Method::GET,
            &format!("/api/v1/pauses/{id}/wait?timeout=30s"),
        )
        .send();
    let waiter = tokio::spawn(async move {
        let response = waiting.await.unwrap();
        let answered = Instant::now();
        (
            response.status(),
            response.json::<Value>().await.unwrap(),
            answered,
        )
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "it waits while the pause is pending");

    let decided = Instant::now();
    assert_eq!(app.api.approve(&id).await.0, StatusCode::OK);
    let (status, pause, answered) = waiter.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "approved");
    let lag = answered.saturating_duration_since(decided);
    assert!(
        lag < Duration::from_millis(100),
        "answered {lag:?} after the decision"
    );
}

#[tokio::test]
async fn wait_returns_the_pending_pause_at_its_timeout() {
    let app = TestApp::builder().start().await;
    let id = app.api.create_ok("nobody comes").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    let (status, pause) = app.api.wait(&id, "1s").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "pending");
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn wait_answers_at_once_for_a_settled_pause_and_refuses_a_bad_timeout() {
    let app = TestApp::builder().start().await;
    let id = app.api.create_ok("done already").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.api.cancel(&id).await;
    let response = app
        .api
        .request(
            Method::GET,
            &format!("/api/v1/pauses/{id}/wait?timeout=60s"),
        )
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["state"],
        "cancelled"
    );

    let (status, body) = app.api.wait(&id, "soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("timeout"));
}
