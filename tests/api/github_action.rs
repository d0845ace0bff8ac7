//! The GitHub Action (`action.yml`): its steps run as a runner runs them
//! (`tests/action/run_action.py`) against a real server, with the binary
//! already on PATH (`install: none`); `.ci/python.sh` runs the pip install
//! step with the built wheel.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};
use crate::python;

/// Runs the action with `inputs`; returns its JSON answer and what the
/// steps printed (standing in for the job log).
fn run_action(inputs: Value) -> (Value, String) {
    let python = python::with(&[("yaml", "pyyaml")]);
    let root = env!("CARGO_MANIFEST_DIR");
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_pausegate")).parent().unwrap();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap()
    );
    let output = Command::new(python)
        .arg(Path::new(root).join("tests/action/run_action.py"))
        .arg(root)
        .arg(inputs.to_string())
        .env("PATH", path)
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_JOB", format!("job-{}", rand_suffix()))
        .env_remove("PAUSEGATE_URL")
        .env_remove("PAUSEGATE_API_KEY")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    let answer = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no answer from the runner ({e}); log:\n{log}"));
    (answer, log)
}

fn rand_suffix() -> String {
    pausegate::domain::PauseId::generate().as_str()[4..].to_owned()
}

fn inputs(app: &TestApp, extra: Value) -> Value {
    let mut inputs = json!({
        "url": app.base,
        "api-key": API_KEY,
        "title": "Deploy abc1234 to production?",
        "data": r#"{"sha": "abc1234"}"#,
        "email": "ana@example.com,\nbo@example.com",
        "install": "none",
        "timeout": "30s",
    });
    inputs
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    inputs
}

/// Runs the action in the background, decides its pause with `verdict` as
/// Ana, and returns the action's answer, its log and the pause.
async fn run_and_decide(app: &TestApp, extra: Value, verdict: &str) -> (Value, String, Value) {
    let running = tokio::task::spawn_blocking({
        let inputs = inputs(app, extra);
        move || run_action(inputs)
    });
    let id = pending_pause(app).await;
    app.decide_with(&id, verdict, json!({"actor": "Ana", "comment": "go"}))
        .await;
    let (answer, log) = running.await.unwrap();
    (answer, log, app.get_pause(&id).await)
}

async fn pending_pause(app: &TestApp) -> String {
    for _ in 0..300 {
        let list: Value = app
            .api(reqwest::Method::GET, "/api/v1/pauses?state=pending")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(id) = list["items"][0]["id"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the action created no pause");
}

#[tokio::test]
async fn the_action_waits_for_approval_and_outputs_the_pause_outcome_and_actor() {
    let app = TestApp::spawn().await;
    let (answer, log, pause) = run_and_decide(&app, json!({}), "approve").await;
    assert_eq!(answer["status"], 0, "{log}");
    let outputs = &answer["outputs"];
    assert_eq!(outputs["pause-id"], pause["id"]);
    assert_eq!(outputs["outcome"], "approved");
    assert_eq!(outputs["actor"], "Ana");
    let receipt = &app.get_pause(pause["id"].as_str().unwrap()).await["receipt"];
    assert_eq!(&outputs["receipt"], receipt, "the signed receipt");
    assert_eq!(pause["data"], json!({"sha": "abc1234"}));
    assert_eq!(pause["title"], "Deploy abc1234 to production?");
    let emails: Vec<&str> = pause["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "email")
        .map(|d| d["destination"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{pause}");
    assert!(
        !log.contains("/r/"),
        "the review link stays out of the job log:\n{log}"
    );
}

#[tokio::test]
async fn a_rejection_fails_the_step_unless_told_otherwise() {
    let app = TestApp::spawn().await;
    let (answer, log, _) = run_and_decide(&app, json!({}), "reject").await;
    assert_eq!(answer["status"], 1, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "rejected");
    assert_eq!(answer["outputs"]["actor"], "Ana");

    let lenient = json!({"fail-when-not-approved": "false"});
    let (answer, log, _) = run_and_decide(&app, lenient, "reject").await;
    assert_eq!(answer["status"], 0, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "rejected");
}

#[tokio::test]
async fn giving_up_at_the_timeout_cancels_the_pause_and_says_so() {
    let app = TestApp::spawn().await;
    let (answer, log) = tokio::task::spawn_blocking({
        let inputs = inputs(&app, json!({"timeout": "1s"}));
        move || run_action(inputs)
    })
    .await
    .unwrap();
    assert_eq!(answer["status"], 3, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "timed-out");
    let id = answer["outputs"]["pause-id"].as_str().unwrap();
    assert_eq!(app.get_pause(id).await["state"], "cancelled");
}

#[tokio::test]
async fn a_refused_key_is_an_error_outcome_not_a_rejection() {
    let app = TestApp::spawn().await;
    let (answer, log) = tokio::task::spawn_blocking({
        let inputs = inputs(&app, json!({"api-key": "wrong"}));
        move || run_action(inputs)
    })
    .await
    .unwrap();
    assert_eq!(answer["status"], 2, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "error");
    assert!(log.contains("refused"), "{log}");
}
