//! The HTTP client behind the CLI commands: one method per API call, and
//! errors sorted by what the person at the terminal should do about them.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::ClientArgs;

/// Why a call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// No answer: the server is down, restarting or unreachable. Worth retrying.
    #[error("cannot reach pausegate at {url}: {reason}")]
    Unreachable {
        /// The server URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The API key was missing or refused.
    #[error("{0}")]
    Refused(String),
    /// The server answered with an error.
    #[error("{0}")]
    Api(String),
    /// The server declined what was asked in the state things are in
    /// (409: already settled or redeemed; 403: not this caller's).
    #[error("{0}")]
    Declined(String),
}

/// Talks to one pausegate server with one API key.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    api_key: String,
}

impl Client {
    /// A client for `args`; without an API key there is nothing to send.
    pub(crate) fn new(args: &ClientArgs) -> Result<Self, String> {
        let api_key = args
            .api_key
            .clone()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| "no API key: set PAUSEGATE_API_KEY or pass --api-key".to_owned())?;
        reqwest::Url::parse(&args.url)
            .map_err(|e| format!("--url {:?} is not a URL ({e}); set PAUSEGATE_URL", args.url))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("pausegate-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        Ok(Self {
            http,
            base: args.url.trim_end_matches('/').to_owned(),
            api_key,
        })
    }

    /// The server's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `POST /api/v1/pauses`: the pause with `token` and `review_url`.
    pub(crate) async fn create(&self, body: &Value) -> Result<Value, ClientError> {
        self.send(self.request(Method::POST, "/api/v1/pauses").json(body))
            .await
    }

    /// `GET /api/v1/pauses/{id}`.
    pub(crate) async fn get(&self, id: &str) -> Result<Value, ClientError> {
        self.send(self.request(Method::GET, &format!("/api/v1/pauses/{id}")))
            .await
    }

    /// `POST /api/v1/pauses/{id}/redeem`: the pause, now redeemed.
    pub(crate) async fn redeem(&self, id: &str) -> Result<Value, ClientError> {
        self.send(self.request(Method::POST, &format!("/api/v1/pauses/{id}/redeem")))
            .await
    }

    /// `GET /api/v1/pauses`: one page.
    pub(crate) async fn list(
        &self,
        state: Option<&str>,
        tag: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut query = vec![("limit", "200")];
        query.extend(state.map(|s| ("state", s)));
        query.extend(tag.map(|t| ("tag", t)));
        query.extend(cursor.map(|c| ("cursor", c)));
        self.send(self.request(Method::GET, "/api/v1/pauses").query(&query))
            .await
    }

    /// `POST /api/v1/pauses/{id}/approve|reject`.
    pub(crate) async fn decide(
        &self,
        id: &str,
        verdict: &str,
        actor: &str,
        comment: Option<&str>,
    ) -> Result<Value, ClientError> {
        let body = json!({"actor": actor, "comment": comment});
        let path = format!("/api/v1/pauses/{id}/{verdict}");
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }

    /// `POST` of `body` to `path`.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// `POST /api/v1/pauses/{id}/cancel`.
    pub(crate) async fn cancel(&self, id: &str) -> Result<Value, ClientError> {
        self.send(self.request(Method::POST, &format!("/api/v1/pauses/{id}/cancel")))
            .await
    }

    /// `POST /api/v1/pauses/{id}/deliveries/{delivery}/retry`.
    pub(crate) async fn redeliver(&self, id: &str, delivery: &str) -> Result<Value, ClientError> {
        let path = format!("/api/v1/pauses/{id}/deliveries/{delivery}/retry");
        self.send(self.request(Method::POST, &path)).await
    }

    /// `GET /api/v1/pauses/{id}/attestation`: the DSSE envelope.
    pub(crate) async fn attestation(&self, id: &str) -> Result<Value, ClientError> {
        let path = format!("/api/v1/pauses/{id}/attestation");
        self.send(self.request(Method::GET, &path)).await
    }

    /// `GET /api/v1/pauses/{id}/wait`: holds up to `timeout` (at most 60 s).
    pub(crate) async fn wait(&self, id: &str, timeout: Duration) -> Result<Value, ClientError> {
        let seconds = timeout.as_secs().clamp(1, 60);
        let request = self
            .request(Method::GET, &format!("/api/v1/pauses/{id}/wait"))
            .query(&[("timeout", format!("{seconds}s"))])
            .timeout(Duration::from_secs(seconds + 15));
        self.send(request).await
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
    }

    async fn send(&self, request: RequestBuilder) -> Result<Value, ClientError> {
        let unreachable = |reason: String| ClientError::Unreachable {
            url: self.base.clone(),
            reason,
        };
        let response = request.send().await.map_err(|e| unreachable(describe(e)))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let message = body["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the server answered {status}"));
        Err(match status {
            StatusCode::UNAUTHORIZED => {
                ClientError::Refused(format!("{message}; check PAUSEGATE_API_KEY or --api-key"))
            }
            // Worth waiting out, like a restart.
            StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => unreachable(format!("the server answered {status}")),
            StatusCode::CONFLICT | StatusCode::FORBIDDEN => ClientError::Declined(message),
            _ => ClientError::Api(message),
        })
    }
}

fn describe(error: reqwest::Error) -> String {
    if error.is_connect() {
        "connection refused or unreachable".to_owned()
    } else if error.is_timeout() {
        "the request timed out".to_owned()
    } else {
        error.without_url().to_string()
    }
}
