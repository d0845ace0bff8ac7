//! Expiry, tested by moving the clock rather than sleeping.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn an_expired_link_gets_410_and_an_unknown_one_404() {
    let app = TestApp::builder().start().await;
    let (_, created) = app
        .api
        .create(json!({"title": "Soon gone", "expires_in": "1h"}))
        .await;
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.api.open_link(token).await.0, StatusCode::OK);

    app.clock.advance(Duration::minutes(2));
    let (status, page) = app.api.open_link(token).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
    assert!(
        page.contains("Soon gone"),
        "the page says what expired: {page}"
    );
    let expired_at = (created_at(&created) + Duration::hours(1))
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    assert!(
        page.contains(&format!("expired 1 minute ago ({expired_at})")),
        "and when ({expired_at}): {page}"
    );
    assert_eq!(
        app.api.submit(token, &[("decision", "approve")]).await.0,
        StatusCode::GONE
    );
    let (status, body) = app.api.approve(id).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["error"]["code"], "expired");

    let pause = app.api.pause(id).await;
    assert_eq!(pause["state"], "expired");
    assert_eq!(pause["decisions"], json!([]));

    let unknown = pausegate::clock::Mint::system().token();
    let (status, page) = app.api.open_link(unknown.expose()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("not valid"));
    assert_eq!(app.api.open_link("short").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api.submit("short", &[("decision", "approve")]).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn one_second_is_a_valid_expiry() {
    let app = TestApp::builder().start().await;
    let (status, created) = app
        .api
        .create(json!({"title": "blink", "expires_in": "1s"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock.advance(Duration::seconds(1));
    let pause = app.api.pause(created["id"].as_str().unwrap()).await;
    assert_eq!(pause["state"], "expired");
}

#[tokio::test]
async fn the_sweep_applies_on_expire_as_a_timeout_decision() {
    let app = TestApp::builder().start().await;
    let (_, approve) = app
        .api
        .create(json!({"title": "a", "expires_in": 60, "on_expire": "approve"}))
        .await;
    let (_, reject) = app
        .api
        .create(json!({"title": "r", "expires_in": "1m", "on_expire": "reject"}))
        .await;
    let (_, expire) = app
        .api
        .create(json!({"title": "e", "expires_in": "1m"}))
        .await;
    let (_, later) = app
        .api
        .create(json!({"title": "later", "expires_in": "2h"}))
        .await;

    app.clock.advance(Duration::minutes(5));
    // The background sweep may get there first; either way, afterwards
    // nothing is left to settle.
    app.pauses.expire_due().await.unwrap();
    assert_eq!(
        app.pauses.expire_due().await.unwrap(),
        0,
        "a second sweep finds nothing"
    );

    let approved = app.api.pause(approve["id"].as_str().unwrap()).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decisions"][0]["via"], "timeout");
    assert_eq!(approved["decisions"][0]["decision"], "approve");
    let rejected = app.api.pause(reject["id"].as_str().unwrap()).await;
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["decisions"][0]["via"], "timeout");
    assert_eq!(
        app.api.pause(expire["id"].as_str().unwrap()).await["state"],
        "expired"
    );
    assert_eq!(
        app.api.pause(later["id"].as_str().unwrap()).await["state"],
        "pending"
    );

    let token = approve["token"].as_str().unwrap();
    let (status, page) = app.api.open_link(token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a pause decided by on_expire shows its outcome"
    );
    assert!(page.contains("timeout"), "{page}");
    let (status, _) = app.api.submit(token, &[("decision", "reject")]).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "it is decided: the first decision won"
    );
    let (status, _) = app.api.open_link(expire["token"].as_str().unwrap()).await;
    assert_eq!(
        status,
        StatusCode::GONE,
        "an undecided expired pause is gone"
    );
}

fn created_at(pause: &Value) -> chrono::DateTime<chrono::Utc> {
    pause["created_at"].as_str().unwrap().parse().unwrap()
}
