//! Hostile and odd input, each case found by an adversarial run: the
//! answer is the documented status in the documented shape, naming the
//! field, and nothing stored is changed by it.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Answer, TestApp, error_message};
use crate::pg::PgDatabase;
use crate::standins;

/// Every id-taking route with an id that is not one, and the cursor.
async fn odd_ids_and_cursors_are_404_and_400(app: &TestApp) {
    for id in ["%00", "pau_x%00", "pau_%FF", "..%2F"] {
        let base = format!("/api/v1/pauses/{id}");
        for (method, path) in [
            (Method::GET, base.clone()),
            (Method::POST, format!("{base}/approve")),
            (Method::POST, format!("{base}/reject")),
            (Method::POST, format!("{base}/cancel")),
            (Method::GET, format!("{base}/wait?timeout=1s")),
        ] {
            let (status, body) = app.api.request(method, &path).answer().await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(body["error"]["code"], "not_found", "{path}: {body}");
        }
    }
    use base64::Engine;
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("123:pau_\0x");
    let (status, body) = app
        .api
        .request(Method::GET, &format!("/api/v1/pauses?cursor={cursor}"))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("cursor"), "{body}");
}

#[tokio::test]
async fn a_nul_or_garbage_in_an_id_or_cursor_is_404_or_400_on_sqlite() {
    let app = TestApp::builder().start().await;
    odd_ids_and_cursors_are_404_and_400(&app).await;
}

#[tokio::test]
async fn a_nul_or_garbage_in_an_id_or_cursor_is_404_or_400_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    odd_ids_and_cursors_are_404_and_400(&app).await;
    app.stop().await;
    drop(database);
}

#[tokio::test]
async fn a_json_array_is_not_taken_for_an_object() {
    let app = TestApp::builder().start().await;
    let id = app.api.create_ok("arrays").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let send = |method: Method, path: String, body: &'static str| {
        app.api
            .request(method, &path)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (path, body) in [
        ("/api/v1/pauses".to_owned(), r#"["t"]"#),
        (
            "/api/v1/pauses".to_owned(),
            r#"{"title": "t", "notify": ["a@b.c"]}"#,
        ),
        (format!("/api/v1/pauses/{id}/approve"), "[]"),
        (format!("/api/v1/pauses/{id}/approve"), "null"),
        ("/api/v1/decisions".to_owned(), r#"["x", "approve"]"#),
    ] {
        let response = send(Method::POST, path.clone(), body).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    }
    assert_eq!(
        app.api.pause(&id).await["state"],
        "pending",
        "nothing decided"
    );
}

#[tokio::test]
async fn large_and_precise_numbers_in_data_come_back_exactly() {
    let app = TestApp::builder().start().await;
    let body = r#"{"title": "n", "data": {"big": 123456789012345678901234567890, "f": 0.1000000000000000055511151231257827, "e": 1e400}}"#;
    let created: Value = app
        .api
        .request(Method::POST, "/api/v1/pauses")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let text = app
        .api
        .request(Method::GET, &format!("/api/v1/pauses/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("123456789012345678901234567890"), "{text}");
    assert!(
        text.contains("0.1000000000000000055511151231257827"),
        "{text}"
    );
    assert!(text.contains("1e400") || text.contains("1e+400"), "{text}");
}

#[tokio::test]
async fn errors_name_the_field_the_caller_sent_in_the_json_shape() {
    let app = TestApp::builder().start().await;
    let token = app.api.create_ok("names").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer: Value = app
        .api
        .anonymous()
        .request(Method::POST, "/api/v1/decisions")
        .json(&json!({"token": token, "decision": "approve", "actor": "two\nlines"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(error_message(&answer).starts_with("actor"), "{answer}");

    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let body = format!(r#"{{"title": "t", "data": {deep}}}"#);
    let (status, answer) = app
        .api
        .request(Method::POST, "/api/v1/pauses")
        .body(body)
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&answer).contains("data"), "{answer}");

    // Invalid UTF-8 in a path: the API's JSON, not text.
    let response = app
        .api
        .request(Method::GET, "/api/v1/pauses/pau_%C3%28")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
}

#[tokio::test]
async fn the_review_form_is_read_strictly_and_broken_text_is_not_stored() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("form").await;
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let post = |content_type: &'static str, body: &'static str| {
        app.api
            .anonymous()
            .request(Method::POST, &format!("/r/{token}"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    for (content_type, body) in [
        (form, "decision=approve&comment=%FF%FE"),
        (form, "decision=approve&decision=reject"),
        ("application/json", r#"{"decision": "approve"}"#),
    ] {
        let response = post(content_type, body).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{content_type} {body}"
        );
        assert!(response.text().await.unwrap().contains("<html"));
    }
    assert_eq!(
        app.api.pause(id).await["state"],
        "pending",
        "nothing decided"
    );
    let response = post(form, "decision=approve&comment=M%C3%BCller+ok")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.api.pause(id).await["decisions"][0]["comment"],
        "Müller ok"
    );
}

#[tokio::test]
async fn target_params_refuse_controls_and_keep_real_refs_with_slashes() {
    let (github, log) = standins::github("gh-token").await;
    let config = format!(
        "[targets.release]\nkind = \"github_workflow\"\nowner = \"acme\"\nrepo = \"app\"\n\
         workflow = \"deploy.yml\"\nref = \"main\"\ntoken_env = \"GH_TOKEN\"\n\
         api_url = \"{github}\"\noverridable = [\"ref\", \"workflow\"]\n"
    );
    let app = TestApp::builder().config(&config).manual().start().await;
    let (status, answer) = app
        .api
        .create(json!({"title": "t", "target": "release", "target_params": {"workflow": "a\tb"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_message(&answer).contains("target_params.workflow"),
        "{answer}"
    );

    let (status, created) = app
        .api
        .create(json!({"title": "t", "target": "release", "target_params": {"ref": "release/1.2"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    app.api
        .decide_ok(created["id"].as_str().unwrap(), "approve")
        .await;
    app.drain_outbox().await;
    assert_eq!(log.requests()[0].json()["ref"], "release/1.2");
}

#[tokio::test]
async fn bidirectional_controls_are_refused_where_people_read_text() {
    let app = TestApp::builder().start().await;
    for body in [
        json!({"title": "invoice\u{202E}fdp.exe"}),
        json!({"title": "t", "description": "a\u{2067}b"}),
    ] {
        let (status, answer) = app.api.create(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(error_message(&answer).contains("bidirectional"), "{answer}");
    }
    let id = app.api.create_ok("ok").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .api
        .request(Method::POST, &format!("/api/v1/pauses/{id}/approve"))
        .json(&json!({"comment": "fine\u{202E}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_burst_of_bad_tokens_is_held_to_the_failure_limit() {
    let app = TestApp::builder()
        .config("max_failures_per_minute = 60")
        .start()
        .await;
    let attempts: Vec<_> = (0..200)
        .map(|_| {
            let request = app
                .api
                .anonymous()
                .request(Method::POST, "/api/v1/lookup")
                .json(&json!({"token": "x".repeat(86)}))
                .send();
            tokio::spawn(async move { request.await.unwrap().status() })
        })
        .collect();
    let mut answered = 0;
    for attempt in attempts {
        answered += usize::from(attempt.await.unwrap() != StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(answered <= 60, "{answered} answers before 429 (limit 60)");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_off() {
    let app = TestApp::builder()
        .adjust(|s| s.header_timeout = Duration::from_secs(1))
        .start()
        .await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closed the connection");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn a_body_that_trickles_in_too_slowly_gets_408() {
    let app = TestApp::builder().start().await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = "POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{\"tok";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut answer))
        .await
        .expect("an answer within the body timeout")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}
