//! `TestApp`: one server per test, on its own port and database file, with
//! a manual clock the test can move.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use pausegate::clock::ManualClock;
use pausegate::config::{Env, ServeArgs, Settings};
use pausegate::outbox::Outbox;
use pausegate::pauses::Pauses;
use pausegate::server::Server;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const API_KEY: &str = "test-key-0123456789";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub pauses: Arc<Pauses>,
    pub outbox: Arc<Outbox>,
    pub dir: TempDir,
    pub settings: Settings,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// A server with default settings on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with_config("").await
    }

    /// A server whose targets and channels come from `config` (TOML).
    pub async fn spawn_with_config(config: &str) -> Self {
        Self::spawn_configured(config, true, &[]).await
    }

    /// A server without background tasks: the test runs the outbox and the
    /// expiry sweep itself, step by step, on the manual clock.
    pub async fn spawn_manual(config: &str) -> Self {
        Self::spawn_configured(config, false, &[]).await
    }

    /// Like `spawn_manual`, with more environment variables for `*_env` keys.
    pub async fn spawn_manual_with_env(config: &str, env: &[(&str, &str)]) -> Self {
        Self::spawn_configured(config, false, env).await
    }

    /// A server on the database at `database_url` (PostgreSQL tests), the
    /// test driving the outbox.
    pub async fn spawn_on_database(database_url: &str, config: &str) -> Self {
        Self::spawn_with(Some(database_url), config, false, &[]).await
    }

    /// A server on `database` (`None`: a fresh SQLite file) with more
    /// environment variables for `*_env` keys, the test driving the outbox.
    pub async fn spawn_on_with_env(
        database: Option<&str>,
        config: &str,
        env: &[(&str, &str)],
    ) -> Self {
        Self::spawn_with(database, config, false, env).await
    }

    /// A server with default settings changed by `adjust` (for settings
    /// not in the config file, such as timeouts tests shorten).
    pub async fn spawn_adjusted(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let args = ServeArgs {
            database_url: Some(database_url(&dir)),
            api_key: Some(API_KEY.to_owned()),
            listen: Some("127.0.0.1:0".to_owned()),
            ..ServeArgs::default()
        };
        let mut settings = Settings::from_text(args, "", &Env::from_pairs([])).unwrap();
        adjust(&mut settings);
        Self::start(dir, settings, ManualClock::starting_now()).await
    }

    async fn spawn_configured(
        config: &str,
        background_tasks: bool,
        extra: &[(&str, &str)],
    ) -> Self {
        Self::spawn_with(None, config, background_tasks, extra).await
    }

    async fn spawn_with(
        database: Option<&str>,
        config: &str,
        background_tasks: bool,
        extra: &[(&str, &str)],
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let base = [
            ("TEST_SECRET", "s3cret"),
            ("GH_TOKEN", "gh-token"),
            ("AIRFLOW_TOKEN", "airflow-jwt"),
        ];
        let env = Env::from_pairs(base.into_iter().chain(extra.iter().copied()));
        let args = ServeArgs {
            database_url: Some(database.map_or_else(|| database_url(&dir), str::to_owned)),
            api_key: Some(API_KEY.to_owned()),
            listen: Some("127.0.0.1:0".to_owned()),
            ..ServeArgs::default()
        };
        let mut settings = Settings::from_text(args, config, &env).unwrap();
        settings.background_tasks = background_tasks;
        Self::start(dir, settings, ManualClock::starting_now()).await
    }

    /// Starts a server on `dir`'s database with `settings` and `clock`.
    pub async fn start(dir: TempDir, settings: Settings, clock: ManualClock) -> Self {
        let server = Server::bind(&settings, Arc::new(clock.clone()))
            .await
            .unwrap();
        let addr: SocketAddr = server.local_addr();
        let pauses = server.pauses();
        let outbox = server.outbox();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            stopped.await.ok();
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            clock,
            pauses,
            outbox,
            dir,
            settings,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has closed the database.
    pub async fn stop(mut self) -> (TempDir, Settings, ManualClock) {
        self.stop.take().unwrap().send(()).ok();
        self.task.take().unwrap().await.unwrap().unwrap();
        (self.dir, self.settings, self.clock)
    }

    /// The test clock's time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        pausegate::clock::Clock::now(&self.clock)
    }

    /// A request with the API key.
    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(API_KEY)
    }

    /// Creates a pause; returns status and body.
    pub async fn create(&self, body: Value) -> (StatusCode, Value) {
        let response = self
            .api(Method::POST, "/api/v1/pauses")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Creates a pause that must succeed; returns the body (with `token`).
    pub async fn create_ok(&self, title: &str) -> Value {
        let (status, body) = self.create(json!({"title": title})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Reads a pause by id.
    pub async fn get_pause(&self, id: &str) -> Value {
        let response = self
            .api(Method::GET, &format!("/api/v1/pauses/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// `POST {path}` with the API key and no body; the answer as JSON.
    pub async fn post_json(&self, path: &str) -> Value {
        let response = self.api(Method::POST, path).send().await.unwrap();
        response.json().await.unwrap()
    }

    /// Approves or rejects through the API; the pause afterwards.
    pub async fn decide(&self, id: &str, verdict: &str) -> Value {
        self.decide_with(id, verdict, json!({"actor": "ci-bot"}))
            .await
    }

    /// Approves or rejects through the API with `body` (actor, comment);
    /// the pause afterwards.
    pub async fn decide_with(&self, id: &str, verdict: &str, body: Value) -> Value {
        let path = format!("/api/v1/pauses/{id}/{verdict}");
        let response = self
            .api(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The pause's deliveries.
    pub async fn deliveries(&self, id: &str) -> Vec<Value> {
        self.get_pause(id).await["deliveries"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Runs outbox rounds until nothing more is due now.
    pub async fn drain_outbox(&self) {
        while self.outbox.run_once().await.unwrap() > 0 {}
    }

    /// `GET /r/{token}`: status and page.
    pub async fn open_link(&self, token: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}/r/{token}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// `POST /r/{token}` with the review form.
    pub async fn submit(&self, token: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let response = self
            .client
            .post(format!("{}/r/{token}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

/// `n` approvals of one pause at once, half through its link and half
/// through the API; the status of each, in order.
pub async fn approve_concurrently(
    app: &Arc<TestApp>,
    id: &str,
    token: &str,
    n: usize,
) -> Vec<StatusCode> {
    let attempts: Vec<_> = (0..n)
        .map(|i| {
            let (app, id, token) = (app.clone(), id.to_owned(), token.to_owned());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    app.submit(&token, &[("decision", "approve")]).await.0
                } else {
                    let path = format!("/api/v1/pauses/{id}/approve");
                    app.api(Method::POST, &path).send().await.unwrap().status()
                }
            })
        })
        .collect();
    let mut statuses = Vec::with_capacity(n);
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses
}

/// `GET {base}{path}` with the API key, as JSON.
pub async fn get_json(base: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `sqlite://…` for a database file inside `dir`.
pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("pausegate.db").display())
}

/// True if any of `files` holds `needle` as bytes.
pub fn any_file_contains(files: &[PathBuf], needle: &str) -> bool {
    files.iter().any(|path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

/// The `error.message` of an error body.
pub fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}
