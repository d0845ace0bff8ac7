//! `[slack_app]`: pausegate as a Slack app. Its bot token posts to
//! `slack_app` channels through the Web API, with Approve and Reject
//! buttons; its signing secret checks the interactions Slack sends back.

use serde::Deserialize;

use crate::config::{Env, Secret, parse_url};

/// `[slack_app]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlackAppFile {
    /// Names the variable holding the bot token (`xoxb-…`; scopes
    /// `chat:write`, `users:read`, `users:read.email`).
    pub bot_token_env: String,
    /// Names the variable holding the app's signing secret.
    pub signing_secret_env: String,
    /// The Web API's base (default `https://slack.com/api`).
    pub api_url: Option<String>,
}

/// The Slack app, checked.
#[derive(Debug, Clone)]
pub(crate) struct SlackApp {
    /// Authorizes Web API calls.
    pub bot_token: Secret,
    /// Checks `X-Slack-Signature`.
    pub signing_secret: Secret,
    /// The Web API's base, without a trailing slash.
    pub api_url: String,
}

/// Resolves `[slack_app]`.
pub(crate) fn resolve(file: Option<SlackAppFile>, env: &Env) -> Result<Option<SlackApp>, String> {
    let Some(f) = file else { return Ok(None) };
    let api_url = f
        .api_url
        .unwrap_or_else(|| "https://slack.com/api".to_owned());
    parse_url("slack_app.api_url", &api_url)?;
    Ok(Some(SlackApp {
        bot_token: env.secret("slack_app.bot_token_env", &f.bot_token_env)?,
        signing_secret: env.secret("slack_app.signing_secret_env", &f.signing_secret_env)?,
        api_url: api_url.trim_end_matches('/').to_owned(),
    }))
}
