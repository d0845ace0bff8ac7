//! Supersession: a pause with a `group` cancels the older pending pauses of
//! the same group when it is created, records itself as what superseded
//! them, and wakes whoever waits on them; a stale link then decides
//! nothing. On SQLite and PostgreSQL.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::pg::PgDatabase;

async fn newer_pause_cancels_the_older_of_its_group(app: TestApp) {
    let (_, older) = app
        .api
        .create(json!({"title": "Deploy 1.0?", "group": "deploy:prod"}))
        .await;
    let (_, other) = app
        .api
        .create(json!({"title": "Deploy to staging?", "group": "deploy:staging"}))
        .await;
    let older_id = older["id"].as_str().unwrap().to_owned();
    let older_token = older["token"].as_str().unwrap().to_owned();
    let waiting = app
        .api
        .request(
            Method::GET,
            &format!("/api/v1/pauses/{older_id}/wait?timeout=20s"),
        )
        .send();
    let waiter = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let pause: Value = waiting.await.unwrap().json().await.unwrap();
        (pause, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, newer) = app
        .api
        .create(json!({"title": "Deploy 1.1?", "group": "deploy:prod"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (waited, took) = waiter.await.unwrap();
    assert_eq!(waited["state"], "cancelled", "the waiter hears it");
    assert!(
        took < Duration::from_secs(10),
        "woken, not timed out: {took:?}"
    );
    let older = app.api.pause(&older_id).await;
    assert_eq!(older["state"], "cancelled");
    assert_eq!(older["superseded_by"], newer["id"]);
    let (status, _) = app
        .api
        .submit(&older_token, &[("decision", "approve")])
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a stale request cannot be approved"
    );
    assert_eq!(
        app.api.pause(newer["id"].as_str().unwrap()).await["state"],
        "pending"
    );
    assert_eq!(
        app.api.pause(other["id"].as_str().unwrap()).await["state"],
        "pending"
    );
}

#[tokio::test]
async fn a_newer_pause_supersedes_the_older_of_its_group_on_sqlite() {
    newer_pause_cancels_the_older_of_its_group(TestApp::builder().start().await).await;
}

#[tokio::test]
async fn a_newer_pause_supersedes_the_older_of_its_group_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    newer_pause_cancels_the_older_of_its_group(app).await;
}

#[tokio::test]
async fn a_bad_group_is_refused_naming_the_field() {
    let app = TestApp::builder().start().await;
    let (status, body) = app
        .api
        .create(json!({"title": "x", "group": "has space"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("group"), "{body}");
}
