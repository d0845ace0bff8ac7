//! Creating pauses: the answer, bad input, auth and idempotency.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, error_message};

const CONFIG: &str = r#"
[targets.sales-part2]
kind = "webhook"
url = "http://127.0.0.1:9/resume"
"#;

#[tokio::test]
async fn a_created_pause_comes_back_with_its_token_and_link() {
    let app = TestApp::builder().config(CONFIG).start().await;
    let (status, body) = app
        .api
        .create(json!({
            "title": "Load 2026-11-23 sales?",
            "description": "12,345 rows staged, 3 rejected",
            "data": {"run_date": "2026-11-23"},
            "target": "sales-part2",
            "expires_in": "24h",
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("pau_"));
    assert_eq!(body["state"], "pending");
    assert_eq!(body["target"], "sales-part2");
    assert_eq!(body["data"], json!({"run_date": "2026-11-23"}));
    assert_eq!(body["on_reject"], Value::Null);
    assert_eq!(body["decided_at"], Value::Null);
    assert_eq!(body["decisions"], json!([]));
    assert_eq!(body["deliveries"], json!([]));
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 86);
    assert_eq!(body["review_url"], format!("{}/r/{token}", app.base));
    let created: chrono::DateTime<chrono::Utc> =
        body["created_at"].as_str().unwrap().parse().unwrap();
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - created).num_hours(), 24);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn each_bad_input_gets_its_status_and_names_the_field() {
    let app = TestApp::builder().config(CONFIG).start().await;
    let cases = [
        (json!({"description": "no title"}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "t", "expires_in": "soon"}), "expires_in"),
        (json!({"title": "t", "expires_in": "31d"}), "expires_in"),
        (json!({"title": "t", "target": "nowhere"}), "target"),
        (json!({"title": 7}), "title"),
        (json!({"title": "t", "expire_in": "1h"}), "expire_in"),
    ];
    for (body, field) in cases {
        let (status, answer) = app.api.create(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["error"]["code"], "invalid_request");
        assert!(error_message(&answer).contains(field), "{body} -> {answer}");
    }

    let (status, answer) = app
        .api
        .request(Method::POST, "/api/v1/pauses")
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_message(&answer).contains("not valid JSON"),
        "{answer}"
    );
    assert!(
        error_message(&answer).contains("line 1"),
        "the parser's reason: {answer}"
    );

    let huge = json!({"title": "t", "data": "x".repeat(2 * 1024 * 1024)});
    let (status, answer) = app.api.create(huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"]["code"], "body_too_large");

    let listed = app.api.get_json("/api/v1/pauses").await;
    assert_eq!(
        listed["items"],
        json!([]),
        "nothing was stored by any bad request"
    );
}

#[tokio::test]
async fn the_management_api_refuses_a_missing_or_wrong_key() {
    let app = TestApp::builder().start().await;
    let body = json!({"title": "t"});

    let (status, answer) = app.api.anonymous().create(body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "unauthorized");
    assert!(error_message(&answer).contains("API key"));

    let (status, answer) = app.api.as_key("wrong").create(body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_message(&answer).contains("refused"));

    let (status, _) = app.api.anonymous().list("").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_pause_with_a_new_working_token() {
    let app = TestApp::builder().start().await;
    let send = |title: &'static str| {
        app.api
            .request(Method::POST, "/api/v1/pauses")
            .header("Idempotency-Key", "adf-run-4f2c")
            .json(&json!({"title": title}))
            .answer()
    };
    let (status, first) = send("Load?").await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, again) = send("Load?").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_ne!(again["token"], first["token"]);

    let (_, by_field) = app
        .api
        .create(json!({"title": "Load?", "idempotency_key": "adf-run-4f2c"}))
        .await;
    assert_eq!(by_field["id"], first["id"]);

    for token in [&first["token"], &again["token"]] {
        let (status, page) = app.api.open_link(token.as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Load?"));
    }
    let (status, _) = app
        .api
        .submit(again["token"].as_str().unwrap(), &[("decision", "approve")])
        .await;
    assert_eq!(status, StatusCode::OK, "the new token works");
    assert_eq!(
        app.api.pause(first["id"].as_str().unwrap()).await["state"],
        "approved"
    );

    let listed = app.api.get_json("/api/v1/pauses").await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "one pause, not three"
    );
}

#[tokio::test]
async fn unknown_ids_and_paths_get_404() {
    let app = TestApp::builder().start().await;
    let (status, answer) = app.api.get("/api/v1/pauses/pau_nothere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "not_found");
    let response = app
        .api
        .request(Method::GET, "/api/v1/nothing")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
