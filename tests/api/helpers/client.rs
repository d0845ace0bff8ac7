//! `Api`: the one client the tests talk to a server with, in-process or the
//! real binary alike: its address, the bearer it sends (the server's key,
//! a named key, a token, or none), the management API's common calls, the
//! review links, and the `pausegate` client commands pointed at it.

use std::future::Future;
use std::process::{Command, Output, Stdio};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::API_KEY;

/// A server's address and who the calls come from.
#[derive(Clone)]
pub(crate) struct Api {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    bearer: Option<String>,
    http: reqwest::Client,
}

/// Sends a request and reads its answer as JSON.
pub(crate) trait Answer {
    /// The status and the body; a body that is not JSON fails the test.
    fn answer(self) -> impl Future<Output = (StatusCode, Value)> + Send;
}

impl Answer for RequestBuilder {
    async fn answer(self) -> (StatusCode, Value) {
        let response = self.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        match serde_json::from_str(&text) {
            Ok(body) => (status, body),
            Err(error) => panic!("{status} with a body that is not JSON ({error}): {text:?}"),
        }
    }
}

impl Api {
    /// The server at `base`, called with the server's own key.
    pub(crate) fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            bearer: Some(API_KEY.to_owned()),
            http: reqwest::Client::new(),
        }
    }

    /// The same server, called with `bearer` (a named key or a token).
    pub(crate) fn as_key(&self, bearer: &str) -> Self {
        Self {
            bearer: Some(bearer.to_owned()),
            ..self.clone()
        }
    }

    /// The same server, called with no bearer at all.
    pub(crate) fn anonymous(&self) -> Self {
        Self {
            bearer: None,
            ..self.clone()
        }
    }

    /// The same server through `http` (for a client with its own timeouts).
    pub(crate) fn with_http(&self, http: reqwest::Client) -> Self {
        Self {
            http,
            ..self.clone()
        }
    }

    /// `base` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` with this client's bearer, for anything the
    /// calls below do not cover.
    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match &self.bearer {
            Some(bearer) => request.bearer_auth(bearer),
            None => request,
        }
    }

    /// `GET path`: status and body.
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path).answer().await
    }

    /// `GET path`'s body, whatever the status.
    pub(crate) async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.1
    }

    /// `POST path` with `body` as JSON: status and body.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.request(Method::POST, path).json(body).answer().await
    }

    /// `POST path` with no body: status and body.
    pub(crate) async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::POST, path).answer().await
    }

    /// Creates a pause: status and body.
    pub(crate) async fn create(&self, body: Value) -> (StatusCode, Value) {
        self.post("/api/v1/pauses", &body).await
    }

    /// Creates a pause that must be created; the body (with `token`).
    pub(crate) async fn create_ok(&self, title: &str) -> Value {
        self.created(json!({"title": title})).await
    }

    /// Creates a pause from `body` that must be created; the body.
    pub(crate) async fn created(&self, body: Value) -> Value {
        let (status, created) = self.create(body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    /// Creates a pause from `body` that must be created; its id.
    pub(crate) async fn create_id(&self, body: Value) -> String {
        self.created(body).await["id"].as_str().unwrap().to_owned()
    }

    /// Reads a pause that must be there.
    pub(crate) async fn pause(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/pauses/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The pause's deliveries.
    pub(crate) async fn deliveries(&self, id: &str) -> Vec<Value> {
        self.pause(id).await["deliveries"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// `GET /api/v1/pauses{query}` (query with its `?`, or empty).
    pub(crate) async fn list(&self, query: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/v1/pauses{query}")).await
    }

    /// `POST /api/v1/pauses/{id}/{verdict}` (approve, reject, cancel) with
    /// `body` (actor, comment): status and body.
    pub(crate) async fn decide(&self, id: &str, verdict: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/pauses/{id}/{verdict}"), &body)
            .await
    }

    /// [`Api::decide`] that must succeed, as `ci-bot`; the pause afterwards.
    pub(crate) async fn decide_ok(&self, id: &str, verdict: &str) -> Value {
        self.decide_ok_with(id, verdict, json!({"actor": "ci-bot"}))
            .await
    }

    /// [`Api::decide`] that must succeed; the pause afterwards.
    pub(crate) async fn decide_ok_with(&self, id: &str, verdict: &str, body: Value) -> Value {
        let (status, pause) = self.decide(id, verdict, body).await;
        assert_eq!(status, StatusCode::OK, "{pause}");
        pause
    }

    /// Approves with no body: status and body.
    pub(crate) async fn approve(&self, id: &str) -> (StatusCode, Value) {
        self.post_empty(&format!("/api/v1/pauses/{id}/approve"))
            .await
    }

    /// Rejects with no body: status and body.
    pub(crate) async fn reject(&self, id: &str) -> (StatusCode, Value) {
        self.post_empty(&format!("/api/v1/pauses/{id}/reject"))
            .await
    }

    /// Cancels with no body: status and body.
    pub(crate) async fn cancel(&self, id: &str) -> (StatusCode, Value) {
        self.post_empty(&format!("/api/v1/pauses/{id}/cancel"))
            .await
    }

    /// `GET /api/v1/pauses/{id}/wait?timeout={timeout}`: status and body.
    pub(crate) async fn wait(&self, id: &str, timeout: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/v1/pauses/{id}/wait?timeout={timeout}"))
            .await
    }

    /// The receipt of a settled pause, which must have one.
    pub(crate) async fn receipt(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/pauses/{id}/receipt")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// `GET /r/{token}`: status and page. Links carry no bearer.
    pub(crate) async fn open_link(&self, token: &str) -> (StatusCode, String) {
        let response = self.http.get(self.url(&format!("/r/{token}")));
        let response = response.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// `POST /r/{token}` with the review form: status and page.
    pub(crate) async fn submit(&self, token: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let request = self.http.post(self.url(&format!("/r/{token}"))).form(form);
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// The `pausegate` client command with `args`, pointed at this server
    /// with this client's bearer, its output captured.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pausegate"));
        command.args(args).env("PAUSEGATE_URL", &self.base);
        match &self.bearer {
            Some(bearer) => command.env("PAUSEGATE_API_KEY", bearer),
            None => command.env_remove("PAUSEGATE_API_KEY"),
        };
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    /// Runs [`Api::command`] to its end without blocking the test's runtime.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }
}
