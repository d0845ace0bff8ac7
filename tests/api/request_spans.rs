//! The logs of the real binary: every line a request logs, a warning from
//! inside its handler included, carries the request's id, which the answer
//! also gives as `x-request-id`; a caller's own id is kept only when it is a
//! short safe token. Every line a delivery attempt logs, the sender's own
//! warnings and the failure warning included, carries the delivery's id.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode as AxumStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};

const API_KEY: &str = "span-test-key-0123456789";

/// `pausegate serve` with `RUST_LOG=info`, and all it has printed.
struct Served {
    child: Child,
    base: String,
    output: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Served {
    fn start(dir: &Path, config: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .current_dir(dir)
            .env("PAUSEGATE_API_KEY", API_KEY)
            .env("RUST_LOG", "info")
            .env("OIDC_SECRET", "client-secret")
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
            .unwrap_or_else(|_| panic!("no listening line: {}", output.lock().unwrap()));
        Self {
            child,
            base,
            output,
        }
    }

    /// `POST {path}` with the API key and `body`; the answer.
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    fn lines(&self) -> Vec<String> {
        let output = self.output.lock().unwrap();
        output.lines().map(str::to_owned).collect()
    }

    /// The lines after the first `from`, once one of them satisfies `done`.
    async fn lines_until(&self, from: usize, done: impl Fn(&str) -> bool) -> Vec<String> {
        for _ in 0..200 {
            let lines = self.lines().split_off(from);
            if lines.iter().any(|l| done(l)) {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never logged; output:\n{}", self.output.lock().unwrap());
    }
}

fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
    found: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            // Kept before it is announced, so lines counted after start-up
            // are the test's own.
            output.lock().unwrap().push_str(&format!("{line}\n"));
            if let (Some(found), Some(at)) = (&found, line.find("listening on http://")) {
                let url = line[at + "listening on ".len()..].split_whitespace();
                found.send(url.into_iter().next().unwrap().to_owned()).ok();
            }
        }
    });
}

/// An Airflow API server that is unavailable at first, then starts the run
/// but answers with something other than JSON (which the sender warns about).
async fn flaky_airflow() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let router = Router::new().fallback(move || {
        let calls = calls.clone();
        async move {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => (AxumStatus::SERVICE_UNAVAILABLE, "{}"),
                _ => (AxumStatus::OK, "started"),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// A loopback address nobody listens on: a provider that is down.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

async fn serve_with_airflow_and_a_dead_provider() -> (tempfile::TempDir, Served) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pausegate.toml");
    let text = format!(
        "[targets.nightly]\nkind = \"airflow_dag\"\nbase_url = \"{}\"\ndag_id = \"nightly\"\n\n\
         [sign_in]\nissuer = \"{}\"\nclient_id = \"pausegate\"\nclient_secret_env = \"OIDC_SECRET\"\n",
        flaky_airflow().await,
        closed_port()
    );
    std::fs::write(&config, text).unwrap();
    let served = Served::start(dir.path(), &config);
    (dir, served)
}

/// `GET /auth/login` with `x-request-id: sent`: the status and the answer's id.
async fn login(base: &str, sent: Option<&str>) -> (StatusCode, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(format!("{base}/auth/login"));
    if let Some(sent) = sent {
        request = request.header("x-request-id", sent);
    }
    let response = request.send().await.unwrap();
    let id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), id.expect("the answer names its request"))
}

fn is_warning(line: &str) -> bool {
    line.contains(" WARN ")
}

#[tokio::test]
async fn every_line_a_request_logs_carries_its_id_a_handlers_warning_included() {
    let (_dir, served) = serve_with_airflow_and_a_dead_provider().await;
    let from = served.lines().len();
    let (status, id) = login(&served.base, Some("build-42.step_3")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "the provider is down");
    assert_eq!(id, "build-42.step_3", "a safe id of the caller's is kept");
    let lines = served
        .lines_until(from, |l| l.contains(&id) && l.contains("status=502"))
        .await;
    assert!(
        lines
            .iter()
            .any(|l| is_warning(l) && l.contains("sign-in failed")),
        "the handler warned: {lines:#?}"
    );
    for line in &lines {
        assert!(line.contains(&id), "a line without the request id: {line}");
    }

    let (_, generated) = login(&served.base, None).await;
    assert!(
        (8..=64).contains(&generated.len())
            && generated
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "{generated}"
    );
    let (_, again) = login(&served.base, None).await;
    assert_ne!(generated, again, "each request gets its own id");
}

#[tokio::test]
async fn a_callers_request_id_is_replaced_unless_it_is_a_short_safe_token() {
    let (_dir, served) = serve_with_airflow_and_a_dead_provider().await;
    let long = "a".repeat(65);
    for unsafe_id in ["two words", "<script>", "a\"b", "", long.as_str()] {
        let (_, id) = login(&served.base, Some(unsafe_id)).await;
        assert_ne!(id, unsafe_id);
        assert!(
            id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{id}"
        );
    }
    let output = served.output.lock().unwrap().clone();
    for unsafe_id in ["two words", "<script>", "a\"b", long.as_str()] {
        assert!(!output.contains(unsafe_id), "{unsafe_id} was logged");
    }
}

#[tokio::test]
async fn every_line_a_delivery_attempt_logs_carries_its_id_the_failure_included() {
    let (_dir, served) = serve_with_airflow_and_a_dead_provider().await;
    let from = served.lines().len();
    let body = json!({"title": "Load the night's data?", "target": "nightly"});
    let created = served.post("/api/v1/pauses", body).await;
    let pause = created["id"].as_str().unwrap();
    let approve = format!("/api/v1/pauses/{pause}/approve");
    let approved = served.post(&approve, json!({"actor": "ci-bot"})).await;
    let delivery = approved["deliveries"][0]["id"].as_str().unwrap().to_owned();
    let lines = served
        .lines_until(from, |l| l.contains(&delivery) && l.contains(" INFO "))
        .await;
    let warnings: Vec<&String> = lines.iter().filter(|l| is_warning(l)).collect();
    assert!(
        warnings.len() >= 2,
        "the failed attempt and the sender's warning: {lines:#?}"
    );
    for warning in warnings {
        assert!(
            warning.contains(&delivery),
            "a delivery's warning without its id: {warning}\nall: {lines:#?}"
        );
    }
}
