//! What a bad message gets from `POST /mcp`: the JSON-RPC error the
//! specifications name (with the argument in `data.field`), the HTTP status
//! 2026-07-28 maps it to, and nothing stored; a missing key is a 401 naming
//! the protected-resource metadata.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};

/// POSTs `body` to `/mcp` with `headers`; the status and the JSON answer.
async fn post(app: &TestApp, body: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/mcp", app.base))
        .bearer_auth(API_KEY)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn call(arguments: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "request_approval", "arguments": arguments}})
    .to_string()
}

/// A request in the 2026-07-28 envelope, with its version `version`.
fn modern(method: &str, version: &str) -> String {
    json!({"jsonrpc": "2.0", "id": "m", "method": method, "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string()
}

#[tokio::test]
async fn malformed_messages_unknown_methods_tools_and_arguments_get_the_named_errors_and_store_nothing()
 {
    let app = TestApp::builder().manual().start().await;
    let (status, answer) = post(&app, "{not json", &[]).await;
    assert_eq!(
        (status, &answer["error"]["code"], &answer["id"]),
        (StatusCode::BAD_REQUEST, &json!(-32700), &Value::Null)
    );
    assert_eq!(post(&app, "[]", &[]).await.1["error"]["code"], -32600);
    let unknown = r#"{"jsonrpc":"2.0","id":1,"method":"prompts/list"}"#;
    assert_eq!(post(&app, unknown, &[]).await.1["error"]["code"], -32601);
    let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    assert_eq!(post(&app, note, &[]).await.0, StatusCode::ACCEPTED);

    let no_tool =
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "rm_rf"}});
    let (_, answer) = post(&app, &no_tool.to_string(), &[]).await;
    assert_eq!(
        (&answer["error"]["code"], &answer["error"]["data"]["field"]),
        (&json!(-32602), &json!("name"))
    );
    for (arguments, field) in [
        (json!({"title": 5}), "title"),
        (
            json!({"title": "Go", "approvers": ["ana@example.com", 3]}),
            "approvers[1]",
        ),
        (json!({"title": "Go", "expires": "1h"}), "expires"),
        (json!({"title": ""}), "title"),
        (
            json!({"title": "Go", "notify": {"email": ["not an address"]}}),
            "notify.email[0]",
        ),
        (
            json!({"title": "Go", "approvals_required": 0}),
            "approvals_required",
        ),
    ] {
        let (status, answer) = post(&app, &call(arguments.clone()), &[]).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the handshake revisions answer errors with 200"
        );
        assert_eq!(answer["error"]["code"], -32602, "{arguments}: {answer}");
        assert_eq!(
            answer["error"]["data"]["field"], field,
            "{arguments}: {answer}"
        );
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    let (_, listed) = app.api.list("").await;
    assert_eq!(
        listed["items"],
        json!([]),
        "nothing stored for a refused request"
    );
}

#[tokio::test]
async fn the_2026_envelope_checks_its_version_and_routing_headers_with_their_statuses() {
    let app = TestApp::builder().manual().start().await;
    let headers = |version: &'static str, method: &'static str| {
        [("mcp-protocol-version", version), ("mcp-method", method)]
    };
    let (status, answer) = post(
        &app,
        &modern("server/discover", "2026-07-28"),
        &headers("2026-07-28", "server/discover"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["result"]["resultType"], "complete");
    assert!(
        answer["result"]["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2026-07-28"))
    );
    assert_eq!(
        answer["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );

    let (status, answer) = post(
        &app,
        &modern("tools/list", "2099-01-01"),
        &headers("2099-01-01", "tools/list"),
    )
    .await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!(-32022))
    );
    assert_eq!(answer["error"]["data"]["supported"], json!(["2026-07-28"]));
    let (status, answer) = post(
        &app,
        &modern("tools/list", "2026-07-28"),
        &headers("2026-07-28", "tools/call"),
    )
    .await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!(-32020))
    );
    let (status, answer) = post(
        &app,
        &modern("prompts/list", "2026-07-28"),
        &headers("2026-07-28", "prompts/list"),
    )
    .await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!(-32601))
    );
}

#[tokio::test]
async fn a_request_without_a_key_gets_a_401_naming_the_protected_resource_metadata() {
    let app = TestApp::builder().manual().start().await;
    let answer = reqwest::Client::new()
        .post(format!("{}/mcp", app.base))
        .header("content-type", "application/json")
        .body(modern("tools/list", "2026-07-28"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let metadata_url = format!("{}/.well-known/oauth-protected-resource/mcp", app.base);
    let challenge = answer.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(
        challenge,
        format!("Bearer resource_metadata=\"{metadata_url}\"")
    );
    let metadata: Value = reqwest::get(&metadata_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], format!("{}/mcp", app.base));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));

    let stream = reqwest::get(format!("{}/mcp", app.base)).await.unwrap();
    assert_eq!(stream.status(), StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = post(
        &app,
        &modern("tools/list", "2026-07-28"),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another site's page cannot drive it"
    );
}
