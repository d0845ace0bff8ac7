//! The GitHub Action (`action.yml`): its steps run as a runner runs them
//! (`tests/action/run_action.py`) against a real server. The approval test
//! installs the wheel from a stand-in of the action's own release
//! (`action_release`), checked against its SHA256SUMS, with the binary
//! nowhere else on PATH; the others use `install: none` with the built
//! binary on PATH. `PIP_INDEX_URL` points at the stand-in, which records
//! every request, so any package-index lookup would show. The install
//! step's failures and overrides are in `action_install`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::action_release::{Release, version};
use crate::helpers::{API_KEY, TestApp};
use crate::python;

/// How a run of the action is set up beyond its inputs.
pub(crate) struct Runner {
    /// The runner's `github` context (empty: as when used from a path).
    github: Value,
    /// Put the built binary on PATH (for `install: none`).
    binary_on_path: bool,
    /// RUNNER_TEMP, kept so a test can look inside.
    temp: TempDir,
    /// The package index pip would ask (`PIP_INDEX_URL`), if any.
    index_url: Option<String>,
}

impl Runner {
    /// A runner with `pausegate` already on PATH.
    pub(crate) fn with_binary() -> Self {
        Self {
            github: json!({}),
            binary_on_path: true,
            temp: tempfile::tempdir().unwrap(),
            index_url: None,
        }
    }

    /// A runner with no `pausegate`, using the action from `release`.
    pub(crate) fn using(release: &Release) -> Self {
        Self {
            github: release.github_context(),
            binary_on_path: false,
            temp: tempfile::tempdir().unwrap(),
            index_url: Some(release.index_url()),
        }
    }

    /// A runner with no `pausegate` and no release in its `github`
    /// context, as when the action is used from a local path; pip would
    /// still ask `release`'s stand-in index.
    pub(crate) fn without_release_context(release: &Release) -> Self {
        Self {
            github: json!({}),
            ..Self::using(release)
        }
    }

    /// Where the install step puts the binary.
    pub(crate) fn installed(&self) -> PathBuf {
        self.temp.path().join("pausegate/bin/pausegate")
    }

    /// Runs the action with `inputs`; its JSON answer and what the steps
    /// printed (standing in for the job log).
    fn run(&self, inputs: Value) -> (Value, String) {
        let python = python::with(&[("yaml", "pyyaml")]);
        let root = env!("CARGO_MANIFEST_DIR");
        let mut path = std::env::var("PATH").unwrap();
        if self.binary_on_path {
            let binary_dir = Path::new(env!("CARGO_BIN_EXE_pausegate")).parent().unwrap();
            path = format!("{}:{path}", binary_dir.display());
        }
        let mut command = Command::new(python);
        command
            .arg(Path::new(root).join("tests/action/run_action.py"))
            .arg(root)
            .arg(inputs.to_string())
            .arg(self.github.to_string())
            .env("PATH", path)
            .env("RUNNER_TEMP", self.temp.path())
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_JOB", format!("job-{}", rand_suffix()))
            .env_remove("PAUSEGATE_URL")
            .env_remove("PAUSEGATE_API_KEY");
        if let Some(index) = &self.index_url {
            command.env("PIP_INDEX_URL", index).env("PIP_NO_INPUT", "1");
        }
        let output = command.output().unwrap();
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        let answer = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("no answer from the runner ({e}); log:\n{log}"));
        (answer, log)
    }

    /// [`Runner::run`] on a blocking thread, so the test's servers go on.
    pub(crate) async fn run_in_background(self, inputs: Value) -> (Value, String, Self) {
        tokio::task::spawn_blocking(move || {
            let (answer, log) = self.run(inputs);
            (answer, log, self)
        })
        .await
        .unwrap()
    }
}

fn rand_suffix() -> String {
    pausegate::clock::Mint::system().pause_id().as_str()[4..].to_owned()
}

pub(crate) fn inputs(app: &TestApp, extra: Value) -> Value {
    let mut inputs = json!({
        "url": app.base,
        "api-key": API_KEY,
        "title": "Deploy abc1234 to production?",
        "data": r#"{"sha": "abc1234"}"#,
        "email": "ana@example.com,\nbo@example.com",
        "install": "none",
        "timeout": "2m",
    });
    inputs
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    inputs
}

/// Runs the action in the background, decides its pause with `verdict` as
/// Ana once it exists, and returns the action's answer, its log and the
/// pause. There is no fixed deadline for the pause to appear: a loaded
/// machine may take long to start the runner (a shared Python set-up, the
/// install), so the wait ends when the pause exists or the action has
/// ended without one, with a generous bound only against a hang.
async fn run_and_decide(
    app: &TestApp,
    runner: Runner,
    extra: Value,
    verdict: &str,
) -> (Value, String, Value, Runner) {
    let running = tokio::spawn(runner.run_in_background(inputs(app, extra)));
    let started = Instant::now();
    let id = loop {
        if let Some(id) = first_pending(app).await {
            break id;
        }
        if running.is_finished() {
            let (answer, log, _) = running.await.unwrap();
            panic!("the action ended without making a pause: {answer}\n{log}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no pause after 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    app.api
        .decide_ok_with(&id, verdict, json!({"actor": "Ana", "comment": "go"}))
        .await;
    let (answer, log, runner) = running.await.unwrap();
    (answer, log, app.api.pause(&id).await, runner)
}

/// The in-toto statement in the envelope an `attestation` output holds
/// (its signature is checked in `attestation.rs`).
fn attested(output: &Value) -> Value {
    use base64::Engine;
    let envelope: Value = serde_json::from_str(output.as_str().unwrap()).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let payload = envelope["payload"].as_str().unwrap();
    let payload = base64::engine::general_purpose::STANDARD.decode(payload);
    serde_json::from_slice(&payload.unwrap()).unwrap()
}

pub(crate) async fn first_pending(app: &TestApp) -> Option<String> {
    let (_, list) = app.api.list("?state=pending").await;
    list["items"][0]["id"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn the_action_waits_for_approval_and_outputs_the_pause_outcome_and_actor() {
    let app = TestApp::builder().start().await;
    let release = Release::serve().await;
    let runner = Runner::using(&release);
    let digest = "ab".repeat(32);
    let subjects = format!("registry.example/app@sha256:{digest}");
    let installed = json!({"install": "release", "subjects": subjects});
    let (answer, log, pause, runner) = run_and_decide(&app, runner, installed, "approve").await;
    assert_eq!(answer["status"], 0, "{log}");
    let outputs = &answer["outputs"];
    assert_eq!(outputs["pause-id"], pause["id"]);
    assert_eq!(outputs["outcome"], "approved");
    assert_eq!(outputs["actor"], "Ana");
    assert_eq!(&outputs["receipt"], &pause["receipt"], "the signed receipt");
    let named = json!([{"name": "registry.example/app", "digest": {"sha256": digest}}]);
    assert_eq!(pause["subjects"], named);
    let statement = attested(&outputs["attestation"]);
    assert_eq!(statement["subject"], named, "the attestation is about them");
    assert_eq!(statement["predicate"]["outcome"], "approved");
    assert_eq!(pause["data"], json!({"sha": "abc1234"}));
    assert_eq!(pause["title"], "Deploy abc1234 to production?");
    let emails = pause["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "email")
        .count();
    assert_eq!(emails, 2, "{pause}");
    assert!(
        !log.contains("/r/"),
        "the review link stays out of the job log:\n{log}"
    );

    assert!(
        log.contains(&format!("pausegate {}", version())),
        "the released binary ran:\n{log}"
    );
    assert!(runner.installed().exists(), "installed under RUNNER_TEMP");
    let requests = release.requests();
    for name in ["SHA256SUMS", release.wheel.as_str()] {
        let path = format!("/acme/pausegate/releases/download/{}/{name}", release.tag);
        assert!(
            requests.contains(&path),
            "{name} came from the release: {requests:?}"
        );
    }
    assert_eq!(release.index_lookups(), Vec::<String>::new());
}

#[tokio::test]
async fn a_rejection_fails_the_step_unless_told_otherwise() {
    let app = TestApp::builder().start().await;
    let (answer, log, _, _) =
        run_and_decide(&app, Runner::with_binary(), json!({}), "reject").await;
    assert_eq!(answer["status"], 1, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "rejected");
    assert_eq!(answer["outputs"]["actor"], "Ana");
    let statement = attested(&answer["outputs"]["attestation"]);
    assert_eq!(statement["predicate"]["outcome"], "rejected");

    let lenient = json!({"fail-when-not-approved": "false"});
    let (answer, log, _, _) = run_and_decide(&app, Runner::with_binary(), lenient, "reject").await;
    assert_eq!(answer["status"], 0, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "rejected");
}

#[tokio::test]
async fn giving_up_at_the_timeout_cancels_the_pause_and_says_so() {
    let app = TestApp::builder().start().await;
    let (answer, log, _) = Runner::with_binary()
        .run_in_background(inputs(&app, json!({"timeout": "1s"})))
        .await;
    assert_eq!(answer["status"], 3, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "timed-out");
    let id = answer["outputs"]["pause-id"].as_str().unwrap();
    assert_eq!(app.api.pause(id).await["state"], "cancelled");
}

#[tokio::test]
async fn a_refused_key_is_an_error_outcome_not_a_rejection() {
    let app = TestApp::builder().start().await;
    let (answer, log, _) = Runner::with_binary()
        .run_in_background(inputs(&app, json!({"api-key": "wrong"})))
        .await;
    assert_eq!(answer["status"], 2, "{log}");
    assert_eq!(answer["outputs"]["outcome"], "error");
    assert!(log.contains("refused"), "{log}");
}
