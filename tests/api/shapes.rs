//! Every object-typed field of the create and decide bodies given an array
//! (serde's derived structs would read a sequence as the fields in order):
//! each is answered 400 naming the field, and nothing is stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};

const CONFIG: &str = "[targets.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\n\n\
                      [callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n";

/// Each object-typed field of a create body, given as an array.
fn create_bodies() -> Vec<(&'static str, Value)> {
    vec![
        ("notify", json!({"title": "t", "notify": ["a@example.com"]})),
        (
            "escalate_to",
            json!({"title": "t", "escalate_after": "1h", "escalate_to": ["a@example.com"]}),
        ),
        (
            "callback",
            json!({"title": "t", "callback": ["logic_apps", "http://127.0.0.1:9/cb"]}),
        ),
        (
            "callback.devops",
            json!({"title": "t", "callback": {"kind": "azure_devops", "url": "http://127.0.0.1:9/cb",
                   "devops": ["3a7e60dc", "5c3b0f9e", "token"]}}),
        ),
        (
            "input_fields[0]",
            json!({"title": "t", "input_fields": [["ticket", "text"]]}),
        ),
        (
            "target_params",
            json!({"title": "t", "target": "hook", "target_params": ["x"]}),
        ),
    ]
}

fn assert_names(status: StatusCode, answer: &Value, field: &str, way: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{way} {field}: {answer}");
    let message = error_message(answer);
    assert!(
        message.starts_with(field),
        "{way}: {message:?} should name {field}"
    );
}

#[tokio::test]
async fn an_array_given_for_any_object_field_is_refused_naming_it() {
    let app = TestApp::builder().config(CONFIG).manual().start().await;
    for (field, body) in create_bodies() {
        let (status, answer) = app.api.create(body).await;
        assert_names(status, &answer, field, "create");
    }
    let listed = app.api.get_json("/api/v1/pauses").await;
    assert_eq!(listed["items"], json!([]), "nothing was stored");

    // The same fields as objects are taken.
    let (status, created) = app
        .api
        .create(
            json!({"title": "t", "callback": {"kind": "logic_apps", "url": "http://127.0.0.1:9/cb"},
                       "input_fields": [{"name": "ticket", "type": "text"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    let response = app
        .api
        .request(Method::POST, &format!("/api/v1/pauses/{id}/approve"))
        .json(&json!({"inputs": ["CHG-1"]}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_names(status, &response.json().await.unwrap(), "inputs", "approve");
    let response = app
        .api
        .anonymous()
        .request(Method::POST, "/api/v1/decisions")
        .json(&json!({"token": token, "decision": "approve", "inputs": ["CHG-1"]}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_names(status, &response.json().await.unwrap(), "inputs", "token");
    assert_eq!(
        app.api.pause(id).await["decisions"],
        json!([]),
        "nothing decided"
    );
}
