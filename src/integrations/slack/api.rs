//! The Slack Web API, as the `[slack_app]` uses it: `chat.postMessage` and
//! `chat.update` (JSON bodies, `Authorization: Bearer` with the bot token),
//! `users.info` and `users.lookupByEmail` (GETs with the query: they do not
//! read JSON bodies; `users.lookupByEmail` answers `user.id`, or
//! `users_not_found`), and a
//! click's `response_url` for a reply only the clicker sees.
//!
//! Followed: docs.slack.dev/apis/web-api (answers carry `ok`, failures
//! `error`; 429 with `Retry-After`), docs.slack.dev/reference/methods/
//! chat.postMessage, chat.update, users.info (`user.profile.email` needs
//! `users:read.email`), users.lookupByEmail (the same scope), and
//! docs.slack.dev/interactivity/
//! handling-user-interaction (`response_url`: JSON, ephemeral by default).

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};

use super::app::SlackApp;
use crate::domain::Pause;
use crate::outbox::{SendError, check, transport};

/// The Web API with the app's bot token, called through the client each
/// call is given.
pub(crate) struct SlackApi {
    app: SlackApp,
}

impl SlackApi {
    /// Calls the API of `app`.
    pub(crate) fn new(app: SlackApp) -> Self {
        Self { app }
    }

    /// The app's signing secret, for checking interactions.
    pub(crate) fn signing_secret(&self) -> &str {
        self.app.signing_secret.expose()
    }

    /// `chat.postMessage` of `message` (text and blocks) to `channel`; the
    /// message's timestamp, its id for later updates.
    pub(crate) async fn post_message(
        &self,
        client: &reqwest::Client,
        channel: &str,
        message: &Value,
    ) -> Result<String, SendError> {
        let mut body = message.clone();
        body["channel"] = json!(channel);
        let answer = self.call_json(client, "chat.postMessage", &body).await?;
        Ok(answer["ts"].as_str().unwrap_or_default().to_owned())
    }

    /// `chat.update` of the message `ts` in `channel`.
    pub(crate) async fn update(
        &self,
        client: &reqwest::Client,
        channel: &str,
        ts: &str,
        message: &Value,
    ) -> Result<(), SendError> {
        let mut body = message.clone();
        body["channel"] = json!(channel);
        body["ts"] = json!(ts);
        self.call_json(client, "chat.update", &body)
            .await
            .map(|_| ())
    }

    /// The address of the Slack user `user` (`users.info`).
    pub(crate) async fn user_email(
        &self,
        client: &reqwest::Client,
        user: &str,
    ) -> Result<String, SendError> {
        let request = client
            .get(format!("{}/users.info", self.app.api_url))
            .query(&[("user", user)])
            .header(
                AUTHORIZATION,
                format!("Bearer {}", self.app.bot_token.expose()),
            );
        let answer = self.answer("users.info", request).await?;
        answer["user"]["profile"]["email"]
            .as_str()
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| SendError::Fatal {
                message: "users.info gave no email: the app needs the users:read.email scope"
                    .to_owned(),
            })
    }

    /// The Slack user ids of the delegates `pause` asked, by address; one
    /// that cannot be found (or a failing lookup) is left out, and the
    /// message names them by address instead: a mention is a courtesy,
    /// never a reason not to post.
    pub(crate) async fn delegate_ids(
        &self,
        client: &reqwest::Client,
        pause: &Pause,
    ) -> HashMap<String, String> {
        let mut ids = HashMap::new();
        let asked = pause.rules.as_ref().map(|r| r.delegates.as_slice());
        for delegate in asked.unwrap_or_default() {
            let request = client
                .get(format!("{}/users.lookupByEmail", self.app.api_url))
                .query(&[("email", delegate.delegate.as_str())])
                .header(
                    AUTHORIZATION,
                    format!("Bearer {}", self.app.bot_token.expose()),
                );
            match self.answer("users.lookupByEmail", request).await {
                Ok(answer) => match answer["user"]["id"].as_str() {
                    Some(id) => ids.insert(delegate.delegate.clone(), id.to_owned()),
                    None => None,
                },
                Err(error) => {
                    tracing::warn!(%error, "no Slack user for a delegate; named by address");
                    None
                }
            };
        }
        ids
    }

    /// Tells only the person who clicked, through the click's `response_url`.
    pub(crate) async fn reply_privately(
        &self,
        client: &reqwest::Client,
        response_url: &str,
        text: &str,
    ) -> Result<(), SendError> {
        let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
        let response = client
            .post(response_url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| transport("Slack", e))?;
        check("Slack", response).await.map(|_| ())
    }

    async fn call_json(
        &self,
        client: &reqwest::Client,
        method: &str,
        body: &Value,
    ) -> Result<Value, SendError> {
        let request = client
            .post(format!("{}/{method}", self.app.api_url))
            .header(
                AUTHORIZATION,
                format!("Bearer {}", self.app.bot_token.expose()),
            )
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body.to_string());
        self.answer(method, request).await
    }

    /// Sends `request`; its JSON if `ok`, else why not (a 429 is retried).
    async fn answer(
        &self,
        method: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, SendError> {
        let response = request
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| transport("Slack", e))?;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            return Err(SendError::Retryable {
                message: format!("Slack {method}: rate limited"),
                retry_after: wait.map(Duration::from_secs),
            });
        }
        let response = check("Slack", response).await?;
        let answer: Value = response.json().await.map_err(|e| SendError::Fatal {
            message: format!("Slack {method} answered something other than JSON: {e}"),
        })?;
        if answer["ok"] == json!(true) {
            return Ok(answer);
        }
        let error = answer["error"].as_str().unwrap_or("no error given");
        Err(SendError::Fatal {
            message: format!("Slack {method} refused: {error}"),
        })
    }
}
