//! Inputs: typed fields a pause declares and the approver fills in. The
//! values reach the target and the `wait` answer typed as declared; a bad
//! value shows the page again with the message and what was typed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, error_message};
use crate::standins;

fn fields() -> Value {
    json!([
        {"name": "ticket", "type": "text", "label": "Change ticket", "pattern": "CHG-[0-9]+", "required": true},
        {"name": "rows", "type": "number", "min": 0, "max": 1000000},
        {"name": "rollback", "type": "boolean"},
        {"name": "env", "type": "choice", "options": ["staging", "prod"], "default": "staging"},
        {"name": "notes", "type": "multiline", "max_length": 500}
    ])
}

async fn app() -> (TestApp, standins::Log) {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/hook\"\n");
    (
        TestApp::builder().config(&config).manual().start().await,
        log,
    )
}

#[tokio::test]
async fn inputs_reach_the_target_and_the_wait_answer_typed_as_declared() {
    let (app, log) = app().await;
    let (status, created) = app
        .api
        .create(json!({"title": "Load?", "target": "hook", "input_fields": fields()}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["input_fields"][0]["type"], "text");

    let inputs = json!({"ticket": "CHG-42", "rows": "12345", "rollback": true});
    let approved = app
        .api
        .decide_ok_with(id, "approve", json!({"actor": "ci", "inputs": inputs}))
        .await;
    let typed = json!({"ticket": "CHG-42", "rows": 12345, "rollback": true, "env": "staging"});
    assert_eq!(approved["inputs"], typed);
    let waited: Value = app
        .api
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/pauses/{id}/wait?timeout=1s"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(waited["inputs"], typed);

    app.drain_outbox().await;
    let sent = log.matching("/hook");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["pause"]["inputs"], typed);
}

#[tokio::test]
async fn a_bad_value_shows_the_page_again_with_the_message_and_what_was_typed() {
    let (app, _log) = app().await;
    let (_, created) = app
        .api
        .create(json!({"title": "Load?", "input_fields": fields()}))
        .await;
    let token = created["token"].as_str().unwrap();
    let (status, page) = app.api.open_link(token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"name="input.ticket""#) && page.contains("Change ticket"));
    assert!(
        page.contains(r#"<option selected>staging</option>"#),
        "the default is chosen"
    );

    let form = [
        ("decision", "approve"),
        ("name", "Ana"),
        ("comment", "looks fine"),
        ("input.ticket", "TICKET-1"),
        ("input.rows", "12"),
    ];
    let (status, page) = app.api.submit(token, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("inputs.ticket must match CHG-[0-9]+"),
        "{page}"
    );
    assert!(
        page.contains(r#"value="TICKET-1""#),
        "what was typed is kept"
    );
    assert!(page.contains("looks fine"), "the comment is kept");
    assert_eq!(
        app.api.pause(created["id"].as_str().unwrap()).await["state"],
        "pending"
    );

    let mut fixed = form;
    fixed[3].1 = "CHG-7";
    let (status, _) = app.api.submit(token, &fixed).await;
    assert_eq!(status, StatusCode::OK);
    let pause = app.api.pause(created["id"].as_str().unwrap()).await;
    assert_eq!(pause["inputs"]["ticket"], "CHG-7");
    assert_eq!(pause["inputs"]["rows"], 12);
}

#[tokio::test]
async fn bad_values_and_declarations_through_the_api_name_the_field() {
    let (app, _log) = app().await;
    let (status, body) = app
        .api
        .create(json!({"title": "x", "input_fields": [{"name": "Bad Name", "type": "text"}]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).contains("input_fields"), "{body}");

    let (_, created) = app
        .api
        .create(json!({"title": "x", "input_fields": fields()}))
        .await;
    let id = created["id"].as_str().unwrap();
    let (status, body) = app
        .api
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/pauses/{id}/approve"),
        )
        .json(&json!({"inputs": {"ticket": "CHG-1", "rows": 2000000}}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).starts_with("inputs.rows"), "{body}");
    let rejected = app.api.decide_ok_with(id, "reject", json!({})).await;
    assert_eq!(
        rejected["state"], "rejected",
        "a rejection needs no required input"
    );
}
