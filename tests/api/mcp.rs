//! The MCP server, driven by an independent client: the official MCP
//! Python SDK (`tests/standins/mcp_agent.py`), over Streamable HTTP
//! (`POST /mcp`) and over stdio (`pausegate mcp`, relaying to the
//! server). An agent lists the tools, asks for an approval, and the task
//! completes with the decision made through a person's own link and a
//! receipt an independent verifier accepts; rejection, expiry,
//! cancellation through `tasks/cancel`, and a policy that decides at once.
//! Bad messages get the JSON-RPC errors the specifications name, and
//! nothing is stored for them; a second replica answers for a task made on
//! the first (PostgreSQL).

mod errors;
mod gate;
mod listen;

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};
use crate::pg::PgDatabase;
use crate::receipts::python_verifies;
use crate::smtp::{SmtpServer, email_config};

/// How the agent reaches the server.
#[derive(Clone, Copy)]
enum Via<'a> {
    Http,
    Stdio,
    /// Through `pausegate mcp-gate` with `gate.toml` in this folder, whose
    /// upstream logs each call it gets to `upstream.log` there.
    Gate(&'a std::path::Path),
}

/// Runs one step of the Python agent against the server at `base`; what it printed.
async fn agent(base: &str, via: Via<'_>, step: &[&str]) -> Value {
    let python = tokio::task::spawn_blocking(|| {
        crate::python::with(&[
            ("mcp", "mcp"),
            ("jwt", "PyJWT"),
            ("cryptography", "cryptography"),
        ])
    })
    .await
    .unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standins/mcp_agent.py");
    let binary = env!("CARGO_BIN_EXE_pausegate");
    let transport = match via {
        Via::Http => format!("http:{base}/mcp"),
        Via::Stdio => format!("stdio:{binary}"),
        Via::Gate(dir) => format!("gate:{binary}:{}", dir.join("gate.toml").display()),
    };
    let log = match via {
        Via::Gate(dir) => dir.join("upstream.log"),
        _ => std::path::PathBuf::from("/dev/null"),
    };
    let run = tokio::process::Command::new(python)
        .arg(script)
        .env("UPSTREAM_LOG", log)
        .arg(transport)
        .args(step)
        .env("PAUSEGATE_API_KEY", API_KEY)
        .env("PAUSEGATE_URL", base)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the agent finishes")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
}

/// Two servers on one PostgreSQL database, as two replicas.
async fn two_replicas(database: &PgDatabase) -> (TestApp, TestApp) {
    let replica = || TestApp::builder().database(&database.url).manual().start();
    (replica().await, replica().await)
}

/// The task made by asking for `arguments` with the Tasks extension declared.
async fn request_task(app: &TestApp, via: Via<'_>, arguments: Value) -> Value {
    let task = agent(&app.base, via, &["request-tasks", &arguments.to_string()]).await;
    assert_eq!(task["resultType"], "task", "{task}");
    assert_eq!(task["status"], "working", "{task}");
    task
}

async fn task(app: &TestApp, via: Via<'_>, id: &str) -> Value {
    agent(&app.base, via, &["task", id]).await
}

#[tokio::test]
async fn an_agent_lists_the_three_tools_over_http_stdio_and_the_initialize_handshake() {
    let app = TestApp::builder().manual().start().await;
    let tools = json!(["request_approval", "get_approval", "cancel_approval"]);
    for via in [Via::Http, Via::Stdio] {
        let listed = agent(&app.base, via, &["list"]).await;
        assert_eq!(listed, json!({"version": "2026-07-28", "tools": tools}));
    }
    let legacy = agent(&app.base, Via::Http, &["legacy-list"]).await;
    assert_eq!(legacy, json!({"version": "2025-11-25", "tools": tools}));
}

#[tokio::test]
async fn a_task_completes_with_the_decision_made_through_the_personal_link_and_a_receipt_that_verifies()
 {
    let smtp = SmtpServer::start();
    let app = TestApp::builder()
        .config(&email_config(smtp.addr))
        .manual()
        .start()
        .await;
    let arguments = json!({"title": "Delete the staging bucket", "data": {"bucket": "stg-logs"},
        "approvers": ["ana@example.com"], "notify": {"email": ["ana@example.com"]}});
    let created = request_task(&app, Via::Http, arguments).await;
    let id = created["taskId"].as_str().unwrap();
    assert_eq!(task(&app, Via::Stdio, id).await["status"], "working");

    app.drain_outbox().await;
    let link = smtp.wait_for(1).await[0].link();
    let token = link.rsplit('/').next().unwrap();
    app.api.submit(token, &[("decision", "approve")]).await;

    let done = task(&app, Via::Http, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let decision = &done["result"]["structuredContent"];
    assert_eq!(decision["outcome"], "approved");
    assert_eq!(decision["decided_by"], "ana@example.com");
    assert_eq!(decision["via"], "link");
    let receipt = decision["receipt"].as_str().unwrap();
    let jwks = app.api.get_json("/.well-known/jwks.json").await;
    let pause = app.api.pause(id).await;
    let seen = python_verifies(app.dir.path(), &jwks, &[receipt], &[pause]);
    assert!(seen.contains(&format!("{id} approved")), "{seen}");
}

#[tokio::test]
async fn a_rejection_and_an_expiry_complete_their_tasks_with_that_outcome() {
    let app = TestApp::builder().manual().start().await;
    let rejected = request_task(&app, Via::Stdio, json!({"title": "Pay invoice 7"})).await;
    let rejected = rejected["taskId"].as_str().unwrap();
    app.api
        .decide_ok_with(
            rejected,
            "reject",
            json!({"actor": "bo", "comment": "wrong amount"}),
        )
        .await;
    let done = task(&app, Via::Stdio, rejected).await;
    assert_eq!(done["status"], "completed");
    let decision = &done["result"]["structuredContent"];
    assert_eq!(
        (&decision["outcome"], &decision["comment"]),
        (&json!("rejected"), &json!("wrong amount"))
    );
    assert!(
        done["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("rejected by bo")
    );

    let expiring = request_task(
        &app,
        Via::Http,
        json!({"title": "Email all users", "expires_in": "1h"}),
    )
    .await;
    let expiring = expiring["taskId"].as_str().unwrap();
    app.clock.advance(chrono::Duration::minutes(61));
    app.pauses.expire_due().await.unwrap();
    let done = task(&app, Via::Http, expiring).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["structuredContent"]["outcome"], "expired");
}

#[tokio::test]
async fn tasks_cancel_cancels_the_pause_and_the_task_reads_cancelled() {
    let app = TestApp::builder().manual().start().await;
    let created = request_task(&app, Via::Http, json!({"title": "Deploy 41"})).await;
    let id = created["taskId"].as_str().unwrap();
    let ack = agent(&app.base, Via::Http, &["cancel", id]).await;
    assert_eq!(ack, json!({"resultType": "complete"}));
    assert_eq!(app.api.pause(id).await["state"], "cancelled");
    assert_eq!(task(&app, Via::Stdio, id).await["status"], "cancelled");
    let again = agent(&app.base, Via::Http, &["cancel", id]).await;
    assert_eq!(
        again,
        json!({"resultType": "complete"}),
        "a settled task acknowledges"
    );
}

#[tokio::test]
async fn a_policy_that_approves_at_once_answers_the_call_itself_without_a_task() {
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/small_loads.rego"
    );
    let config = format!("[policies.small_loads]\nfile = \"{policy}\"\n");
    let app = TestApp::builder().config(&config).manual().start().await;
    let arguments = json!({"title": "Load sales", "data": {"rows": 10, "env": "dev"}});
    let answer = agent(
        &app.base,
        Via::Http,
        &["request-tasks", &arguments.to_string()],
    )
    .await;
    assert_eq!(answer["resultType"], "complete", "{answer}");
    let decision = &answer["structuredContent"];
    assert_eq!(
        (&decision["outcome"], &decision["via"]),
        (&json!("approved"), &json!("policy"))
    );
    assert!(
        decision["receipt"]
            .as_str()
            .is_some_and(|r| r.split('.').count() == 3)
    );
}

#[tokio::test]
async fn without_the_tasks_extension_the_answer_is_pending_with_a_link_and_get_approval_waits_with_progress()
 {
    let app = TestApp::builder().manual().start().await;
    let arguments = json!({"title": "Rotate keys"}).to_string();
    let answer = agent(&app.base, Via::Stdio, &["request", &arguments]).await;
    let pending = &answer["structuredContent"];
    assert_eq!(pending["state"], "pending", "{answer}");
    let id = pending["pause_id"].as_str().unwrap();
    let review_url = pending["review_url"].as_str().unwrap();
    assert!(review_url.starts_with(&format!("{}/r/", app.base)));

    let waited = agent(&app.base, Via::Stdio, &["get", id, "6"]).await;
    assert_eq!(waited["result"]["structuredContent"]["state"], "pending");
    assert_eq!(
        waited["progress"].as_array().unwrap().len(),
        1,
        "one report at 5 s: {waited}"
    );

    let token = review_url.rsplit('/').next().unwrap();
    app.api.submit(token, &[("decision", "approve")]).await;
    let decided = agent(&app.base, Via::Http, &["get", id, "30"]).await;
    assert_eq!(
        decided["result"]["structuredContent"]["outcome"], "approved",
        "{decided}"
    );
    assert_eq!(
        decided["progress"],
        json!([]),
        "a settled pause answers at once"
    );
}

#[tokio::test]
async fn a_second_replica_answers_tasks_get_for_a_task_made_on_the_first_on_postgres() {
    let database = PgDatabase::create().await;
    let (first, second) = two_replicas(&database).await;
    let created = request_task(&first, Via::Http, json!({"title": "Drop table t"})).await;
    let id = created["taskId"].as_str().unwrap();
    assert_eq!(task(&second, Via::Http, id).await["status"], "working");
    first.api.decide_ok(id, "approve").await;
    let done = task(&second, Via::Stdio, id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["structuredContent"]["outcome"], "approved");
}
