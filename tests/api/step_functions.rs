//! Step Functions `.waitForTaskToken`: a pause made with a task token
//! answers `SendTaskSuccess` or `SendTaskFailure`, signed with SigV4.
//! The stand-in (tests/standins/step_functions.py) checks each request
//! against botocore's service model and recomputes the signature with
//! botocore, an implementation independent of the one that signed it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::python;

/// The stand-in process and its request log.
struct StepFunctions {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl StepFunctions {
    fn start(fail_first: u32) -> Self {
        let python = python::with(&[("botocore", "botocore")]);
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/standins/step_functions.py"
        );
        let mut child = Command::new(python)
            .arg(script)
            .arg(&log)
            .args(["AKIDPAUSEGATE", "secret/key+test", "eu-west-1"])
            .arg(fail_first.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the stand-in prints its port");
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// Every request so far, each checked: no problems found.
    fn requests(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let requests: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for request in &requests {
            assert_eq!(request["problems"], json!([]), "{request}");
        }
        requests
    }

    async fn app(&self) -> TestApp {
        let config = format!(
            "[aws.prod]\nregion = \"eu-west-1\"\naccess_key_id_env = \"AWS_KEY\"\n\
             secret_access_key_env = \"AWS_SECRET\"\nendpoint = \"http://127.0.0.1:{}/\"\n",
            self.port
        );
        let env = [
            ("AWS_KEY", "AKIDPAUSEGATE"),
            ("AWS_SECRET", "secret/key+test"),
        ];
        TestApp::builder()
            .config(&config)
            .env(&env)
            .manual()
            .start()
            .await
    }
}

impl Drop for StepFunctions {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// What Ana says when she decides.
fn checked() -> serde_json::Value {
    json!({"actor": "ana", "comment": "checked"})
}

async fn create(app: &TestApp, token: &str) -> String {
    let callback = json!({"kind": "step_functions", "task_token": token, "aws": "prod"});
    let (status, pause) = app
        .api
        .create(json!({"title": "Deploy?", "data": {"v": 2}, "callback": callback}))
        .await;
    assert!(status.is_success(), "{pause}");
    assert_eq!(
        pause["callback"],
        json!({"kind": "step_functions", "aws": "prod"})
    );
    assert!(
        !pause.to_string().contains(token),
        "the task token is never shown"
    );
    pause["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn approving_sends_one_signed_send_task_success_with_the_decision() {
    let aws = StepFunctions::start(0);
    let app = aws.app().await;
    let id = create(&app, "token-approve").await;
    assert_eq!(
        create(&app, "token-approve").await,
        id,
        "a retried request: the same pause"
    );
    app.api.decide_ok_with(&id, "approve", checked()).await;
    app.drain_outbox().await;

    let requests = aws.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["operation"], "SendTaskSuccess");
    assert_eq!(requests[0]["body"]["taskToken"], "token-approve");
    let output: Value =
        serde_json::from_str(requests[0]["body"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&output["state"], &output["actor"]),
        (&json!("approved"), &json!("ana"))
    );
    assert_eq!(output["data"]["v"], 2);
    assert_eq!(app.api.deliveries(&id).await[0]["state"], "delivered");
}

#[tokio::test]
async fn rejecting_and_expiring_send_task_failure_with_error_and_cause() {
    let aws = StepFunctions::start(0);
    let app = aws.app().await;
    let rejected = create(&app, "token-reject").await;
    app.api.decide_ok_with(&rejected, "reject", checked()).await;
    let callback = json!({"kind": "step_functions", "task_token": "token-expire", "aws": "prod"});
    app.api
        .create(json!({"title": "Late?", "expires_in": "1m", "callback": callback}))
        .await;
    app.clock.advance(Duration::minutes(2));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;

    let requests = aws.requests();
    let failure = |token: &str| {
        let request = requests
            .iter()
            .find(|r| r["body"]["taskToken"] == token)
            .unwrap();
        assert_eq!(request["operation"], "SendTaskFailure");
        request["body"].clone()
    };
    let rejection = failure("token-reject");
    assert_eq!(rejection["error"], "Rejected");
    let cause = rejection["cause"].as_str().unwrap();
    assert!(
        cause.contains("ana") && cause.contains("checked"),
        "{cause}"
    );
    assert_eq!(failure("token-expire")["error"], "Expired");
    assert_eq!(requests.len(), 2);
}

#[tokio::test]
async fn a_503_from_step_functions_is_retried_with_the_same_content() {
    let aws = StepFunctions::start(1);
    let app = aws.app().await;
    let id = create(&app, "token-retry").await;
    app.api.decide_ok_with(&id, "approve", checked()).await;
    app.drain_outbox().await;
    app.clock.advance(Duration::minutes(5));
    app.drain_outbox().await;

    let requests = aws.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["body"], requests[1]["body"]);
    assert_eq!(requests[0]["delivery"], requests[1]["delivery"]);
    assert_eq!(app.api.deliveries(&id).await[0]["state"], "delivered");
}

#[tokio::test]
async fn an_unknown_account_or_a_missing_token_is_refused_naming_the_field() {
    let aws = StepFunctions::start(0);
    let app = aws.app().await;
    for (callback, field) in [
        (
            json!({"kind": "step_functions", "task_token": "t", "aws": "dev"}),
            "callback.aws",
        ),
        (
            json!({"kind": "step_functions", "aws": "prod"}),
            "callback.task_token",
        ),
    ] {
        let (status, error) = app
            .api
            .create(json!({"title": "t", "callback": callback}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_message(&error).starts_with(field), "{error}");
    }
    assert!(aws.requests().is_empty());
}
