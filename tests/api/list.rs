//! Listing with a state filter and cursor pagination.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, error_message};

#[tokio::test]
async fn pages_walk_every_pause_once_newest_first() {
    let app = TestApp::builder().start().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            app.api.create_ok(&format!("pause {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let (status, page) = app.api.list(&query).await;
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
    let app = TestApp::builder().start().await;
    let decided = app.api.create_ok("decided").await;
    app.api.create_ok("waiting").await;
    app.api.approve(decided["id"].as_str().unwrap()).await;

    let (_, pending) = app.api.list("?state=pending").await;
    let titles: Vec<&str> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["waiting"]);
    let (_, approved) = app.api.list("?state=approved").await;
    assert_eq!(approved["items"][0]["title"], "decided");
    assert_eq!(approved["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_bad_state_limit_or_cursor_is_named() {
    let app = TestApp::builder().start().await;
    for (query, field) in [
        ("?state=done", "state"),
        ("?limit=0", "limit"),
        ("?limit=abc", "limit"),
        ("?cursor=zzz", "cursor"),
    ] {
        let (status, body) = app.api.list(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(error_message(&body).contains(field), "{query}: {body}");
    }
}

#[tokio::test]
async fn an_empty_cursor_is_the_first_page() {
    let app = TestApp::builder().start().await;
    app.api.create_ok("first").await;
    let (status, page) = app.api.list("?limit=1&cursor=").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["title"], "first");
}

#[tokio::test]
async fn tags_are_kept_and_the_list_filters_and_pages_by_tag() {
    let app = TestApp::builder().start().await;
    let mut tagged = Vec::new();
    for i in 0..5 {
        let tags = if i % 2 == 0 {
            serde_json::json!(["team:data", "prod"])
        } else {
            serde_json::json!(["team:web"])
        };
        let (status, created) = app
            .api
            .create(serde_json::json!({"title": format!("pause {i}"), "tags": tags}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(created["tags"], tags);
        if i % 2 == 0 {
            tagged.push(created["id"].as_str().unwrap().to_owned());
        }
        app.clock.advance(chrono::Duration::seconds(1));
    }
    tagged.reverse();
    let (_, first) = app.api.list("?tag=team:data&limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .api
        .list(&format!("?tag=team:data&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["next_cursor"], Value::Null);
    let seen: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(seen, tagged, "each tagged pause once, newest first");

    app.api.decide_ok(&tagged[0], "approve").await;
    let (_, pending) = app.api.list("?tag=prod&state=pending").await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 2);
    let (_, none) = app.api.list("?tag=nobody").await;
    assert_eq!(none["items"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_tags_are_refused_naming_the_field() {
    let app = TestApp::builder().start().await;
    let (status, body) = app.api.list("?tag=has%20space").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("tag"), "{body}");
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let (status, body) = app
        .api
        .create(serde_json::json!({"title": "x", "tags": eleven}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("tags"), "{body}");
}
