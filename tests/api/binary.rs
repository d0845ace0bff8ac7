//! The real binary: `pausegate serve` on its defaults in an empty folder,
//! a full flow, a clean stop on SIGTERM, and no token anywhere afterwards.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API_KEY, any_file_contains, get_json};

/// A running `pausegate serve` and everything it has printed.
pub struct RunningBinary {
    pub child: Child,
    pub base: String,
    pub output: Arc<Mutex<String>>,
}

/// Starts `pausegate serve --listen 127.0.0.1:0` in `dir` and waits for its
/// "listening on" line.
pub fn spawn_serve(dir: &Path, args: &[&str]) -> RunningBinary {
    spawn_serve_on(dir, "127.0.0.1:0", args)
}

/// Starts `pausegate serve` on `listen` in `dir` and waits until it listens.
pub fn spawn_serve_on(dir: &Path, listen: &str, args: &[&str]) -> RunningBinary {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .arg("serve")
        .args(["--listen", listen])
        .args(args)
        .current_dir(dir)
        .env("PAUSEGATE_API_KEY", API_KEY)
        .env("RUST_LOG", "debug")
        .env_remove("PAUSEGATE_CONFIG")
        .env_remove("PAUSEGATE_DATABASE_URL")
        .env_remove("PAUSEGATE_PUBLIC_URL")
        .env_remove("PAUSEGATE_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pausegate binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (found, listening) = mpsc::channel();
    collect(child.stdout.take().unwrap(), output.clone(), Some(found));
    collect(child.stderr.take().unwrap(), output.clone(), None);
    let base = listening
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no listening line; output: {}", output.lock().unwrap()));
    RunningBinary {
        child,
        base,
        output,
    }
}

fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
    found: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(found), Some(at)) = (&found, line.find("listening on http://")) {
                let url = line[at + "listening on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap();
                found.send(url.to_owned()).ok();
            }
            let mut all = output.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
}

impl RunningBinary {
    /// Sends SIGTERM and returns whether the process exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
        false
    }
}

#[tokio::test]
async fn a_full_flow_leaves_no_raw_token_in_the_database_files_or_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_serve(dir.path(), &[]);
    let client = reqwest::Client::new();

    let created: Value = client
        .post(format!("{}/api/v1/pauses", server.base))
        .bearer_auth(API_KEY)
        .json(&json!({"title": "Ship it?", "data": {"build": 42}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap();
    let review = created["review_url"].as_str().unwrap();
    assert_eq!(review, format!("{}/r/{token}", server.base));

    assert_eq!(
        client.get(review).send().await.unwrap().status(),
        StatusCode::OK
    );
    let approve = client
        .post(review)
        .form(&[("decision", "approve"), ("name", "Ana")])
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::OK);
    let lookup = client
        .post(format!("{}/api/v1/lookup", server.base))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(lookup.status(), StatusCode::OK);
    let pause = get_json(&server.base, &format!("/api/v1/pauses/{id}")).await;
    assert_eq!(pause["state"], "approved");

    assert!(server.terminate(), "SIGTERM stops the server cleanly");
    let output = server.output.lock().unwrap().clone();
    assert!(
        output.contains("/r/[redacted]"),
        "requests to links are logged, redacted:\n{output}"
    );
    assert!(
        !output.contains(&token),
        "a raw token reached the logs:\n{output}"
    );
    assert!(!output.contains(API_KEY), "the API key reached the logs");

    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("pausegate.db")),
        "the default database file is pausegate.db"
    );
    assert!(
        !any_file_contains(&files, &token),
        "a raw token reached a database file"
    );
}

#[tokio::test]
async fn a_broken_config_file_stops_start_up_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pausegate.toml");
    std::fs::write(
        &config,
        "max_expires_in = \"30d\"\nmax_expire_in = \"1d\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pausegate.toml") && stderr.contains("max_expire_in"),
        "{stderr}"
    );
}

async fn create_pause(base: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/pauses"))
        .bearer_auth(API_KEY)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

impl RunningBinary {
    /// Waits until the output contains `needle`; returns the output.
    pub async fn wait_for_output(&self, needle: &str) -> String {
        for _ in 0..200 {
            let output = self.output.lock().unwrap().clone();
            if output.contains(needle) {
                return output;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{needle:?} never appeared in:\n{}",
            self.output.lock().unwrap()
        );
    }
}

#[tokio::test]
async fn with_no_email_setup_the_console_mailer_prints_each_email_and_its_link() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_serve(dir.path(), &[]);
    create_pause(
        &server.base,
        json!({"title": "Ship it?", "notify": {"email": ["ana@example.com"]}}),
    )
    .await;

    let output = server.wait_for_output("--- end of email ---").await;
    assert!(output.contains("To: ana@example.com"), "{output}");
    assert!(
        output.contains("Subject: Approval needed: Ship it?"),
        "{output}"
    );
    let at = output
        .find(&format!("{}/r/", server.base))
        .expect("the link is printed");
    let link = output[at..].split_whitespace().next().unwrap();
    let page = reqwest::get(link).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("ana@example.com"),
        "the link is Ana's own"
    );
    assert!(server.terminate());
}

#[tokio::test]
async fn after_an_email_flow_no_raw_token_is_in_the_database_files_or_the_logs() {
    let smtp = crate::smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pausegate.toml");
    std::fs::write(&config, crate::smtp::email_config(smtp.addr)).unwrap();
    let mut server = spawn_serve(dir.path(), &["--config", config.to_str().unwrap()]);
    let created = create_pause(
        &server.base,
        json!({"title": "Ship it?", "notify": {"email": ["ana@example.com", "bo@example.com"]}}),
    )
    .await;
    let mails = smtp.wait_for(2).await;
    let links: Vec<String> = mails.iter().map(|m| m.link()).collect();
    let approve = reqwest::Client::new()
        .post(&links[0])
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::OK);
    assert!(server.terminate());

    let mut tokens: Vec<String> = links
        .iter()
        .map(|l| l.rsplit('/').next().unwrap().to_owned())
        .collect();
    tokens.push(created["token"].as_str().unwrap().to_owned());
    let output = server.output.lock().unwrap().clone();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for token in &tokens {
        assert_eq!(token.len(), 86);
        assert!(
            !output.contains(token.as_str()),
            "a raw token reached the logs"
        );
        assert!(
            !any_file_contains(&files, token),
            "a raw token reached a file"
        );
    }
}
