//! Sign-in and the inbox, in a real browser against a real OpenID Connect
//! provider: `oidc-provider` under Node on loopback, Debian's chromium
//! driven by playwright-core (`tests/browser/`). Ana signs in, sees her
//! inbox, approves two pauses at once, and opens one with inputs; the
//! pauses record her, identified by sign-in. Screenshots are kept in a
//! folder the test prints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use serde_json::json;

use crate::helpers::TestApp;
use pausegate::config::{Secret, SignIn};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Chromium and the node modules, installed once (cached outside the clone).
fn browser_ready() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if !*done {
        let status = Command::new("bash")
            .arg(format!("{ROOT}/.ci/browser.sh"))
            .arg("--install-only")
            .status()
            .expect("bash runs");
        assert!(status.success(), ".ci/browser.sh --install-only failed");
        *done = true;
    }
}

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn start_provider(redirect: &str, back: &str) -> Provider {
    let mut child = Command::new("node")
        .arg(format!("{ROOT}/tests/browser/oidc_provider.mjs"))
        .args([
            "--port",
            "0",
            "--client-id",
            "pausegate",
            "--client-secret",
            "s3cret-of-the-test",
        ])
        .args([
            "--redirect-uri",
            redirect,
            "--post-logout-redirect-uri",
            back,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // Keep reading: a closed pipe would stop the provider at its next line.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let issuer = line
        .trim()
        .strip_prefix("issuer ")
        .unwrap_or_else(|| panic!("the provider said {line:?}"))
        .to_owned();
    Provider { child, issuer }
}

#[tokio::test]
async fn a_person_signs_in_sees_the_inbox_and_approves_two_pauses_at_once() {
    browser_ready();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let provider = start_provider(&format!("{base}/auth/callback"), &format!("{base}/"));
    let issuer = provider.issuer.clone();
    let app = TestApp::builder()
        .adjust(move |settings| {
            settings.listen = ([127, 0, 0, 1], port).into();
            settings.sign_in = Some(SignIn {
                issuer,
                client_id: "pausegate".into(),
                client_secret: Secret::new("s3cret-of-the-test"),
                scopes: vec!["openid".into(), "email".into(), "profile".into()],
                email_claim: "email".into(),
                email_verified_claim: "email_verified".into(),
                session_key: None,
                session_lifetime: chrono::Duration::hours(8),
            });
        })
        .start()
        .await;
    let rules = json!(["*@example.com"]);
    let first = app
        .api
        .create_id(json!({"title": "Load sales?", "approvers": rules, "tags": ["team:data"]}))
        .await;
    // Ana is in this group by her sign-in's `groups` claim, not by address.
    let by_group = json!(["group:release-managers"]);
    let second = app
        .api
        .create_id(json!({"title": "Load stock?", "approvers": by_group}))
        .await;
    let with_inputs = app.api.create_id(json!({"title": "Deploy 2.0?", "approvers": rules,
        "input_fields": [{"name": "ticket", "type": "text", "label": "Change ticket", "required": true},
                         {"name": "env", "type": "choice", "options": ["staging", "prod"]}]})).await;
    let elsewhere = app
        .api
        .create_id(json!({"title": "Not for Ana", "approvers": ["bo@example.com"]}))
        .await;

    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    println!("screenshots: {}", shots.display());
    let output = tokio::process::Command::new("node")
        .arg(format!("{ROOT}/tests/browser/sign_in_and_inbox.mjs"))
        .arg(&app.base)
        .arg(&shots)
        .arg(format!("{first},{second}"))
        .arg(&with_inputs)
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser run failed: {said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for id in [&first, &second] {
        let pause = app.api.pause(id).await;
        assert_eq!(pause["state"], "approved", "{pause}");
        assert_eq!(pause["decisions"][0]["actor"], "ana@example.com");
        assert_eq!(pause["decisions"][0]["identified_by"], "sign_in");
        assert_eq!(pause["decisions"][0]["comment"], "bulk ok");
    }
    assert_eq!(app.api.pause(&with_inputs).await["state"], "pending");
    assert_eq!(app.api.pause(&elsewhere).await["state"], "pending");
    let (_, delegations) = app.api.get("/api/v1/delegations").await;
    let recorded = &delegations["items"][0];
    assert_eq!(recorded["person"], "ana@example.com", "{delegations}");
    assert_eq!(recorded["delegate"], "bo@example.com");
    assert_eq!(recorded["created_by"], "ana@example.com");
    for shot in ["inbox.png", "approved.png", "inputs.png", "away.png"] {
        assert!(shots.join(shot).exists(), "{shot} was written");
    }
    drop(provider);
}

#[tokio::test]
async fn without_a_session_the_inbox_asks_to_sign_in_and_a_stray_callback_is_refused() {
    let app = TestApp::builder()
        .adjust(|settings| {
            settings.sign_in = Some(SignIn {
                // Nothing listens there: the provider is down.
                issuer: "http://127.0.0.1:9".into(),
                client_id: "pausegate".into(),
                client_secret: Secret::new("s"),
                scopes: vec!["openid".into()],
                email_claim: "email".into(),
                email_verified_claim: "email_verified".into(),
                session_key: None,
                session_lifetime: chrono::Duration::hours(8),
            });
        })
        .start()
        .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let inbox = client
        .get(format!("{}/inbox?tag=prod", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        inbox.headers()["location"],
        "/auth/login?next=%2Finbox%3Ftag%3Dprod"
    );

    let stray = client
        .get(format!("{}/auth/callback?code=c&state=s", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), reqwest::StatusCode::BAD_REQUEST);

    let login = client
        .get(format!("{}/auth/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        reqwest::StatusCode::BAD_GATEWAY,
        "the provider is down"
    );
    assert!(login.text().await.unwrap().contains("Sign-in did not work"));

    let forged = client
        .post(format!("{}/inbox", app.base))
        .form(&[("decision", "approve"), ("pause", "pau_x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        reqwest::StatusCode::SEE_OTHER,
        "no session, no decision"
    );
}
