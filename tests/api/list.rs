//! Listing with a state filter and cursor pagination.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, error_message};

async fn list(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let response = app
        .api(Method::GET, &format!("/api/v1/pauses{query}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn pages_walk_every_pause_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            app.create_ok(&format!("pause {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let (status, page) = list(&app, &query).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn the_state_filter_keeps_only_that_state() {
    let app = TestApp::spawn().await;
    let decided = app.create_ok("decided").await;
    app.create_ok("waiting").await;
    let path = format!("/api/v1/pauses/{}/approve", decided["id"].as_str().unwrap());
    app.api(Method::POST, &path).send().await.unwrap();

    let (_, pending) = list(&app, "?state=pending").await;
    let titles: Vec<&str> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["waiting"]);
    let (_, approved) = list(&app, "?state=approved").await;
    assert_eq!(approved["items"][0]["title"], "decided");
    assert_eq!(approved["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_bad_state_limit_or_cursor_is_named() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("?state=done", "state"),
        ("?limit=0", "limit"),
        ("?limit=abc", "limit"),
        ("?cursor=zzz", "cursor"),
    ] {
        let (status, body) = list(&app, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(error_message(&body).contains(field), "{query}: {body}");
    }
}

#[tokio::test]
async fn an_empty_cursor_is_the_first_page() {
    let app = TestApp::spawn().await;
    app.create_ok("first").await;
    let (status, page) = list(&app, "?limit=1&cursor=").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["title"], "first");
}
