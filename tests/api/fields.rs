//! Every kind of 400 the API gives names the field it is about, as data:
//! `{"error": {"code": "invalid_request", "field": "notify.email[1]", …}}`.
//! One table of bad requests across creating (nested paths into the body,
//! headers), deciding by the API and by a token, listing (query
//! parameters) and the integrations' own endpoints (headers, the recipe's
//! parameters, the unsubscribe body); each must be refused naming exactly
//! its field, and nothing may be stored or decided by any of them.

mod cases;
mod create_cases;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::azure_recipe::recipe_config;
use crate::helpers::{Answer, TestApp};
use cases::{Body, CI_BOT_KEY, Case, decide_cases, list_and_integration_cases};
use create_cases::create_cases;

fn config() -> String {
    let extra = "[channels.ops]\nkind = \"slack\"\nwebhook_url_env = \"SLACK_URL\"\n\n\
                 [callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n\n\
                 [api_keys.ci-bot]\nkey_env = \"CI_BOT_KEY\"\n";
    format!("{}\n{extra}", recipe_config("http://127.0.0.1:9"))
}

/// Sends `case` with the test pause's id and token in its path and body.
async fn send(app: &TestApp, case: &Case, id: &str, token: &str) -> (StatusCode, Value) {
    let path = case.path.replace("{id}", id);
    let mut request = app
        .api
        .as_key(case.bearer)
        .request(case.method.clone(), &path);
    for (name, value) in &case.headers {
        request = request.header(*name, value.clone());
    }
    request = match &case.body {
        Some(Body::Json(body)) => {
            let text = body.to_string().replace("{token}", token);
            request
                .header("content-type", "application/json")
                .body(text)
        }
        Some(Body::Raw(text)) => request.body(*text),
        None => request,
    };
    request.answer().await
}

/// A server with the recipe's target, a channel, callback hosts and the
/// named key, and a pending pause with two input fields: its id and token.
async fn app_with_a_pause() -> (TestApp, String, String) {
    let app = TestApp::builder()
        .config(&config())
        .env(&[
            ("CI_BOT_KEY", CI_BOT_KEY),
            ("SLACK_URL", "http://127.0.0.1:9/slack"),
        ])
        .manual()
        .start()
        .await;
    let fields = json!([
        {"name": "ticket", "type": "text", "pattern": "CHG-[0-9]+", "required": true},
        {"name": "rows", "type": "number", "min": 0, "max": 100}
    ]);
    let created = app
        .api
        .created(json!({"title": "Load?", "input_fields": fields}))
        .await;
    let text = |key: &str| created[key].as_str().unwrap().to_owned();
    let (id, token) = (text("id"), text("token"));
    (app, id, token)
}

#[tokio::test]
async fn each_of_many_bad_requests_across_the_api_names_its_field() {
    let (app, id, token) = app_with_a_pause().await;
    let cases: Vec<Case> = [create_cases(), decide_cases(), list_and_integration_cases()]
        .into_iter()
        .flatten()
        .collect();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let (status, answer) = send(&app, case, &id, &token).await;
        let error = &answer["error"];
        let named = (status, error["code"].as_str(), error["field"].as_str());
        let expected = (
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            Some(case.field),
        );
        if named != expected {
            wrong.push(format!(
                "{} {} -> {status} {answer}",
                case.method, case.path
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "expected each field named:\n{}",
        wrong.join("\n")
    );

    let listed = app.api.get_json("/api/v1/pauses").await;
    let stored = listed["items"].as_array().unwrap().len();
    assert_eq!(stored, 1, "nothing more was stored");
    let pause = app.api.pause(&id).await;
    assert_eq!(
        (&pause["state"], &pause["decisions"]),
        (&json!("pending"), &json!([])),
        "nothing was decided"
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_without_a_field() {
    let app = TestApp::builder().manual().start().await;
    for body in ["[\"t\"]", "{not json", ""] {
        let (status, answer) = app
            .api
            .request(Method::POST, "/api/v1/pauses")
            .body(body)
            .answer()
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(answer["error"]["code"], "invalid_request");
        assert_eq!(answer["error"].get("field"), None, "{body:?}: {answer}");
    }
    let (status, answer) = app.api.get("/api/v1/pauses/pau_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer["error"].get("field"),
        None,
        "only a 400 names a field"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_field_of_an_error() {
    let app = TestApp::builder().manual().start().await;
    let (status, doc) = app.api.anonymous().get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    let field = &detail["properties"]["field"];
    assert!(
        field["description"]
            .as_str()
            .unwrap_or_default()
            .contains("path"),
        "{detail}"
    );
    let required = detail["required"].as_array().unwrap();
    assert!(
        !required.contains(&json!("field")),
        "field is optional: {detail}"
    );
}
