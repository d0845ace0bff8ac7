//! `pausegate mcp-gate` in front of a small MCP server of the tests' own
//! (`tests/standins/mcp_upstream.py`, the Python SDK), which writes down
//! every call it gets: an unguarded tool passes straight through; a
//! guarded call waits, is approved and is forwarded exactly once with the
//! approved arguments; a replay, a changed argument, a rejection and an
//! expiry never reach the upstream server; an upstream reached by URL
//! works the same.

use std::path::Path;

use serde_json::{Value, json};

use super::{Via, agent};
use crate::helpers::TestApp;

const UPSTREAM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/standins/mcp_upstream.py"
);

/// A Python with the MCP SDK.
async fn python() -> std::path::PathBuf {
    tokio::task::spawn_blocking(|| crate::python::with(&[("mcp", "mcp")]))
        .await
        .unwrap()
}

/// Writes `gate.toml` (guarding `delete_*`, and `read_file` under
/// `/secret` by policy) into `dir`; the upstream logs to `upstream.log`.
async fn gate_in(dir: &Path) {
    let (python, upstream) = (python().await, UPSTREAM);
    let policy = "package pausegate.gate\n\nguard if {\n\tinput.tool == \"read_file\"\n\
                  \tstartswith(input.arguments.path, \"/secret\")\n}\n";
    std::fs::write(dir.join("guard.rego"), policy).unwrap();
    let config = format!(
        "name = \"files\"\n[upstream]\ncommand = [{python:?}, {upstream:?}]\n\
         [guard]\ntools = [\"delete_*\"]\npolicy = \"guard.rego\"\nhold = \"2s\"\n",
        python = python.display().to_string()
    );
    std::fs::write(dir.join("gate.toml"), config).unwrap();
}

/// Every call the upstream got, in order.
fn upstream_calls(dir: &Path) -> Vec<Value> {
    let log = std::fs::read_to_string(dir.join("upstream.log")).unwrap_or_default();
    log.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn call(app: &TestApp, dir: &Path, tool: &str, arguments: Value) -> Value {
    agent(
        &app.base,
        Via::Gate(dir),
        &["call", tool, &arguments.to_string()],
    )
    .await
}

/// `delete_file` with `arguments`, from a client declaring the Tasks extension.
async fn call_tasks(app: &TestApp, dir: &Path, arguments: Value) -> Value {
    let arguments = arguments.to_string();
    agent(
        &app.base,
        Via::Gate(dir),
        &["call-tasks", "delete_file", &arguments],
    )
    .await
}

/// The held answer's pause id, checking the call was held.
fn held(answer: &Value) -> String {
    assert_eq!(answer["isError"], true, "{answer}");
    assert_eq!(answer["structuredContent"]["state"], "pending", "{answer}");
    answer["structuredContent"]["pause_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_guarded_call_is_forwarded_once_approved_exactly_once_and_a_replay_or_changed_argument_is_held()
 {
    let app = TestApp::builder().manual().start().await;
    let dir = tempfile::tempdir().unwrap();
    gate_in(dir.path()).await;
    let read = call(&app, dir.path(), "read_file", json!({"path": "/etc/motd"})).await;
    assert_eq!(
        read["content"][0]["text"], "contents of /etc/motd",
        "{read}"
    );

    let delete = json!({"path": "/data/old.csv"});
    let first = held(&call(&app, dir.path(), "delete_file", delete.clone()).await);
    let pause = app.api.pause(&first).await;
    assert_eq!(pause["data"]["mcp"]["tool"], "delete_file");
    assert_eq!(
        pause["data"]["mcp"]["arguments"], delete,
        "approvers see the arguments"
    );
    let retried = held(&call(&app, dir.path(), "delete_file", delete.clone()).await);
    assert_eq!(retried, first, "the same call retried finds the same pause");

    app.api.decide_ok(&first, "approve").await;
    let ran = call(&app, dir.path(), "delete_file", delete.clone()).await;
    assert_eq!(ran["content"][0]["text"], "deleted /data/old.csv", "{ran}");
    assert_eq!(ran["_meta"]["pausegate/pause_id"], first);
    assert_eq!(
        ran["_meta"]["pausegate/receipt"],
        app.api.receipt(&first).await["receipt"]
    );

    let replay = held(&call(&app, dir.path(), "delete_file", delete.clone()).await);
    assert_ne!(replay, first, "a replay needs a new approval");
    let changed = json!({"path": "/data/old.csv", "recursive": true});
    let other = held(&call(&app, dir.path(), "delete_file", changed).await);
    assert_ne!(other, replay, "a changed argument is another call");
    let secret = held(
        &call(
            &app,
            dir.path(),
            "read_file",
            json!({"path": "/secret/keys"}),
        )
        .await,
    );
    assert_eq!(
        app.api.pause(&secret).await["data"]["mcp"]["tool"],
        "read_file",
        "the policy guards it"
    );

    let calls = upstream_calls(dir.path());
    assert_eq!(
        calls,
        [
            json!({"tool": "read_file", "arguments": {"path": "/etc/motd"}}),
            json!({"tool": "delete_file", "arguments": {"path": "/data/old.csv", "recursive": false}}),
        ]
    );
}

#[tokio::test]
async fn as_a_task_a_guarded_call_completes_with_the_result_and_a_rejection_or_expiry_never_reaches_the_upstream()
 {
    let app = TestApp::builder().manual().start().await;
    let dir = tempfile::tempdir().unwrap();
    gate_in(dir.path()).await;
    let task = call_tasks(&app, dir.path(), json!({"path": "/tmp/a"})).await;
    assert_eq!(
        (&task["resultType"], &task["status"]),
        (&json!("task"), &json!("working")),
        "{task}"
    );
    let id = task["taskId"].as_str().unwrap().to_owned();
    app.api.decide_ok(&id, "approve").await;
    let done = agent(&app.base, Via::Gate(dir.path()), &["task", &id]).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "deleted /tmp/a");

    let rejected = call_tasks(&app, dir.path(), json!({"path": "/tmp/b"})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.api
        .decide_ok_with(
            &rejected,
            "reject",
            json!({"actor": "bo", "comment": "not today"}),
        )
        .await;
    let refused = agent(&app.base, Via::Gate(dir.path()), &["task", &rejected]).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(text, "Not run: the call was rejected by bo: not today");

    let expiring = json!({"path": "/tmp/c"});
    held(&call(&app, dir.path(), "delete_file", expiring.clone()).await);
    app.clock.advance(chrono::Duration::hours(25));
    app.pauses.expire_due().await.unwrap();
    let expired = call(&app, dir.path(), "delete_file", expiring).await;
    assert_eq!(
        expired["structuredContent"]["outcome"], "expired",
        "{expired}"
    );

    let deleted: Vec<Value> = upstream_calls(dir.path())
        .into_iter()
        .map(|c| c["arguments"]["path"].clone())
        .collect();
    assert_eq!(
        deleted,
        [json!("/tmp/a")],
        "only the approved call reached the upstream"
    );
}

#[tokio::test]
async fn an_upstream_reached_by_url_gets_unguarded_calls_at_once_and_a_guarded_one_once_approved() {
    let app = TestApp::builder().manual().start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _upstream = tokio::process::Command::new(python().await)
        .arg(UPSTREAM)
        .env("UPSTREAM_PORT", port.to_string())
        .env("UPSTREAM_LOG", dir.path().join("upstream.log"))
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let config = format!(
        "name = \"files\"\n[upstream]\nurl = \"http://127.0.0.1:{port}/mcp\"\n\
         [guard]\ntools = [\"delete_*\"]\nhold = \"1s\"\n"
    );
    std::fs::write(dir.path().join("gate.toml"), config).unwrap();
    let read = call(&app, dir.path(), "read_file", json!({"path": "/a"})).await;
    assert_eq!(read["content"][0]["text"], "contents of /a", "{read}");
    let id = held(&call(&app, dir.path(), "delete_file", json!({"path": "/b"})).await);
    app.api.decide_ok(&id, "approve").await;
    let ran = call(&app, dir.path(), "delete_file", json!({"path": "/b"})).await;
    assert_eq!(ran["content"][0]["text"], "deleted /b", "{ran}");
    let tools: Vec<Value> = upstream_calls(dir.path())
        .into_iter()
        .map(|c| c["tool"].clone())
        .collect();
    assert_eq!(tools, [json!("read_file"), json!("delete_file")]);
}
