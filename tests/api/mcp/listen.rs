//! Task status notifications (`subscriptions/listen`), sent as the Tasks
//! extension's specification writes them (the SDK has no request for
//! them): the acknowledgement names the tasks followed, then each task's
//! settlement arrives as `notifications/tasks`, here made on another
//! replica of the same PostgreSQL database; the stream then ends. A
//! client that did not declare the extension gets -32021.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::two_replicas;
use crate::helpers::{API_KEY, TestApp};
use crate::pg::PgDatabase;

/// POSTs `method` with `params` in the 2026-07-28 envelope to `app`'s `/mcp`.
async fn send(app: &TestApp, method: &str, mut params: Value, tasks: bool) -> reqwest::Response {
    let extensions = if tasks {
        json!({"io.modelcontextprotocol/tasks": {}})
    } else {
        json!({})
    };
    params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": extensions}});
    reqwest::Client::new()
        .post(format!("{}/mcp", app.base))
        .bearer_auth(API_KEY)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method)
        .json(&json!({"jsonrpc": "2.0", "id": "l1", "method": method, "params": params}))
        .send()
        .await
        .unwrap()
}

/// The next whole event's message on `stream`.
async fn next_event(stream: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let data = event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap();
            return serde_json::from_str(data).unwrap();
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), stream.chunk())
            .await
            .expect("an event within 20 s")
            .unwrap()
            .expect("the stream is still open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn a_listener_on_one_replica_hears_a_task_settled_on_the_other_then_the_stream_ends() {
    let database = PgDatabase::create().await;
    let (first, second) = two_replicas(&database).await;
    let call = json!({"name": "request_approval", "arguments": {"title": "Drop table t"}});
    let created: Value = send(&first, "tools/call", call, true)
        .await
        .json()
        .await
        .unwrap();
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();

    let listen = json!({"notifications": {"taskIds": [id, "pau_unknown"]}});
    let mut stream = send(&second, "subscriptions/listen", listen, true).await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let ack = next_event(&mut stream, &mut buffer).await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([id]),
        "unknown tasks are not followed"
    );

    first.api.decide_ok(&id, "approve").await;
    let heard = next_event(&mut stream, &mut buffer).await;
    assert_eq!(heard["method"], "notifications/tasks", "{heard}");
    assert_eq!(
        (&heard["params"]["taskId"], &heard["params"]["status"]),
        (&json!(id), &json!("completed"))
    );
    assert_eq!(
        heard["params"]["result"]["structuredContent"]["outcome"],
        "approved"
    );
    assert_eq!(
        heard["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "l1"
    );
    let end = next_event(&mut stream, &mut buffer).await;
    assert_eq!(
        (&end["id"], &end["result"]["resultType"]),
        (&json!("l1"), &json!("complete"))
    );
}

#[tokio::test]
async fn listening_without_the_tasks_extension_is_refused_naming_it() {
    let app = TestApp::builder().manual().start().await;
    let listen = json!({"notifications": {"taskIds": []}});
    let answer = send(&app, "subscriptions/listen", listen, false).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32021);
    let required = &body["error"]["data"]["requiredCapabilities"]["extensions"];
    assert_eq!(required["io.modelcontextprotocol/tasks"], json!({}));
}
