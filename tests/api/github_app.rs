//! pausegate as a GitHub App answering custom deployment protection rules.
//! Webhooks are signed here with Python's hmac, the App's key is made with
//! Python's cryptography, and the stand-in (tests/standins/github.py)
//! verifies the App JWT with PyJWT: implementations independent of the
//! service's own.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::python;

const NEEDS: &[(&str, &str)] = &[("jwt", "pyjwt"), ("cryptography", "cryptography")];
const HOOK_SECRET: &str = "webhook secret from the App settings";

struct Github {
    child: Child,
    base: String,
    log: PathBuf,
    private_key: String,
    python: PathBuf,
    dir: tempfile::TempDir,
}

impl Github {
    fn start(fail_first_reviews: u32) -> Self {
        let python = python::with(NEEDS);
        let dir = tempfile::tempdir().unwrap();
        let keys = "from cryptography.hazmat.primitives.asymmetric import rsa\n\
            from cryptography.hazmat.primitives import serialization as s\n\
            import sys\n\
            k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
            open(sys.argv[1], 'wb').write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()))\n\
            open(sys.argv[2], 'wb').write(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))\n";
        let (private, public) = (dir.path().join("app.pem"), dir.path().join("app.pub"));
        let made = Command::new(&python)
            .args(["-c", keys])
            .arg(&private)
            .arg(&public)
            .status();
        assert!(made.unwrap().success());
        let log = dir.path().join("requests.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standins/github.py");
        let mut child = Command::new(&python)
            .arg(script)
            .arg(&log)
            .arg("4242")
            .arg(&public)
            .arg(fail_first_reviews.to_string())
            // The test clock runs ahead of the stand-in's by up to 2 minutes.
            .arg("180")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        Self {
            child,
            base: format!("http://127.0.0.1:{}", port.trim()),
            log,
            private_key: std::fs::read_to_string(private).unwrap(),
            python,
            dir,
        }
    }

    /// Every request so far, each without problems; (kind, body).
    fn requests(&self) -> Vec<(String, Value)> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .map(|line| {
                let entry: Value = serde_json::from_str(line).unwrap();
                assert_eq!(entry["problems"], json!([]), "{entry}");
                (
                    entry["kind"].as_str().unwrap().to_owned(),
                    entry["body"].clone(),
                )
            })
            .collect()
    }

    async fn app(&self, extra: &str) -> TestApp {
        let config = format!(
            "[github_app]\napp_id = \"4242\"\nprivate_key_env = \"GH_APP_KEY\"\n\
             webhook_secret_env = \"GH_HOOK_SECRET\"\napi_url = \"{}\"\n{extra}\
             [github_app.environments.production]\nemail = [\"ana@example.com\"]\n",
            self.base
        );
        let env = [
            ("GH_APP_KEY", self.private_key.as_str()),
            ("GH_HOOK_SECRET", HOOK_SECRET),
        ];
        TestApp::builder()
            .config(&config)
            .env(&env)
            .manual()
            .start()
            .await
    }

    /// `X-Hub-Signature-256` for `body`, computed by Python's hmac.
    fn sign(&self, body: &str) -> String {
        let file = self.dir.path().join("payload.json");
        std::fs::write(&file, body).unwrap();
        let code = "import hmac, hashlib, sys\n\
            print('sha256=' + hmac.new(sys.argv[1].encode(), open(sys.argv[2], 'rb').read(), hashlib.sha256).hexdigest())";
        let out = Command::new(&self.python)
            .args(["-c", code, HOOK_SECRET])
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// A `deployment_protection_rule` event as GitHub sends it.
    fn event(&self, run: u64, environment: &str) -> String {
        json!({
            "action": "requested", "environment": environment, "event": "push",
            "ref": "refs/heads/main", "sha": "1a2b3c",
            "deployment_callback_url": format!(
                "{}/repos/acme/app/actions/runs/{run}/deployment_protection_rule", self.base),
            "deployment": {"id": run, "environment": environment},
            "repository": {"full_name": "acme/app"},
            "installation": {"id": 77},
            "sender": {"login": "octocat"},
        })
        .to_string()
    }
}

impl Drop for Github {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn deliver(app: &TestApp, body: &str, signature: Option<&str>) -> (StatusCode, Value) {
    let mut request = app
        .api
        .anonymous()
        .request(Method::POST, "/integrations/github")
        .header("X-GitHub-Event", "deployment_protection_rule")
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature-256", signature);
    }
    let response = request.send().await.unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_signed_protection_rule_pauses_and_the_decision_is_posted_as_the_app() {
    let github = Github::start(0);
    let app = github.app("").await;
    let event = github.event(1001, "production");
    let (status, created) = deliver(&app, &event, Some(&github.sign(&event))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, again) = deliver(&app, &event, Some(&github.sign(&event))).await;
    assert_eq!(again["id"], id, "a redelivered event: the same pause");
    let pause = app.api.pause(&id).await;
    assert_eq!(
        pause["title"],
        "Deploy acme/app refs/heads/main to production?"
    );
    assert_eq!(pause["notify"]["email"], json!(["ana@example.com"]));

    let rejected_event = github.event(1002, "staging");
    deliver(&app, &rejected_event, Some(&github.sign(&rejected_event))).await;
    let (_, rejected) = app.api.list("?state=pending").await;
    let other = rejected["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] != id.as_str())
        .unwrap();
    let said = json!({"actor": "ana", "comment": "ok"});
    app.api.decide_ok_with(&id, "approve", said.clone()).await;
    let other = other["id"].as_str().unwrap();
    app.api.decide_ok_with(other, "reject", said).await;
    app.drain_outbox().await;

    let requests = github.requests();
    let tokens = requests.iter().filter(|(kind, _)| kind == "token").count();
    assert_eq!(tokens, 1, "the installation token is cached");
    let reviews: Vec<&Value> = requests
        .iter()
        .filter(|(k, _)| k == "review")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(reviews.len(), 2);
    let review = |environment: &str| {
        reviews
            .iter()
            .find(|r| r["environment_name"] == environment)
            .copied()
            .unwrap()
            .clone()
    };
    assert_eq!(review("production")["state"], "approved");
    assert_eq!(review("staging")["state"], "rejected");
    assert!(
        review("staging")["comment"]
            .as_str()
            .unwrap()
            .contains("ana")
    );
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_events_are_401_and_store_nothing() {
    let github = Github::start(0);
    let app = github.app("").await;
    let event = github.event(2001, "production");
    let wrong = format!("sha256={}", "0".repeat(64));
    for signature in [None, Some(wrong.as_str()), Some("sha1=abc")] {
        let (status, _) = deliver(&app, &event, signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}");
    }
    let tampered = event.replace("production", "prod-uction");
    let (status, _) = deliver(&app, &tampered, Some(&github.sign(&event))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a changed body");
    let (_, list) = app.api.list("").await;
    assert_eq!(list["items"], json!([]));
    assert!(github.requests().is_empty());
}

#[tokio::test]
async fn an_expired_rule_is_rejected_and_a_503_is_retried_with_the_same_review() {
    let github = Github::start(1);
    let app = github.app("expires_in = \"1m\"\n").await;
    let event = github.event(3001, "production");
    let (status, _) = deliver(&app, &event, Some(&github.sign(&event))).await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock.advance(Duration::minutes(1));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;
    app.clock.advance(Duration::seconds(50));
    app.drain_outbox().await;
    let reviews: Vec<Value> = github
        .requests()
        .into_iter()
        .filter(|(kind, _)| kind == "review")
        .map(|(_, body)| body)
        .collect();
    assert_eq!(reviews.len(), 2, "a 503, then the same review again");
    assert_eq!(reviews[0], reviews[1]);
    assert_eq!(reviews[0]["state"], "rejected");
    assert!(reviews[0]["comment"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_rule_waits_just_under_githubs_thirty_days_by_default() {
    let github = Github::start(0);
    let app = github.app("").await;
    let event = github.event(4001, "production");
    let (_, created) = deliver(&app, &event, Some(&github.sign(&event))).await;
    let pause = app.api.pause(created["id"].as_str().unwrap()).await;
    let at =
        |field: &str| chrono::DateTime::parse_from_rfc3339(pause[field].as_str().unwrap()).unwrap();
    assert_eq!(
        at("expires_at") - at("created_at"),
        Duration::days(30) - Duration::minutes(1)
    );
}

#[tokio::test]
async fn a_callback_url_off_the_configured_api_is_refused() {
    let github = Github::start(0);
    let app = github.app("").await;
    let event = github
        .event(5001, "production")
        .replace(&github.base, "https://evil.example.com");
    let (status, error) = deliver(&app, &event, Some(&github.sign(&event))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(github.requests().is_empty());
}
