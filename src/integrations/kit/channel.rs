//! Channels and mail: how people are told. A channel (`[channels.NAME]`)
//! is posted to by a [`Poster`] its integration supplies for its `kind`;
//! personal links go out through the one [`Mail`] the registry holds.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use super::Kit;
use crate::config::{Env, Secret, parse_url};
use crate::domain::{Event, Pause, Via};
use crate::outbox::{SendError, Sent, check, transport};

/// What one notification says.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    /// What it announces.
    pub event: Event,
    /// The pause, as it stands.
    pub pause: &'a Pause,
    /// The review link, for requests and reminders.
    pub link: Option<&'a str>,
}

/// A configured channel.
#[derive(Clone)]
pub struct Channel {
    /// The name pauses use.
    pub name: String,
    /// Where its messages go and how.
    pub poster: Arc<dyn Poster>,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("name", &self.name)
            .field("kind", &self.poster.kind())
            .finish()
    }
}

/// Posts notices to one channel.
#[async_trait]
pub trait Poster: Send + Sync + 'static {
    /// The `kind` the config names.
    fn kind(&self) -> &'static str;
    /// Posts `notice`; the external id it returns (a message's id) lets a
    /// later post replace it.
    async fn post(&self, kit: &Kit, notice: Notice<'_>) -> Result<Sent, SendError>;
}

/// Sends personal emails.
#[async_trait]
pub trait Mail: Send + Sync + 'static {
    /// Emails `to` about `notice`.
    async fn email(&self, kit: &Kit, to: &str, notice: Notice<'_>) -> Result<Sent, SendError>;
}

/// The short line channels get when a pause settles: "Approved by Ana".
pub fn outcome_line(pause: &Pause) -> String {
    let decision = pause.decision();
    let who = decision.and_then(|d| d.actor.as_ref().map(ToString::to_string));
    match (pause.state.as_str(), decision.map(|d| d.via)) {
        ("approved", Some(Via::Timeout)) => "Approved automatically at expiry".to_owned(),
        ("rejected", Some(Via::Timeout)) => "Rejected automatically at expiry".to_owned(),
        ("approved", _) => format!("Approved by {}", who.unwrap_or_else(|| "a reviewer".into())),
        ("rejected", _) => format!("Rejected by {}", who.unwrap_or_else(|| "a reviewer".into())),
        ("expired", _) => "Expired without a decision".to_owned(),
        ("cancelled", _) => "Cancelled".to_owned(),
        _ => "Still waiting".to_owned(),
    }
}

/// The incoming-webhook URL `[channels.NAME] webhook_url_env` names: a
/// secret (anyone holding it can post), which must be an http(s) URL.
pub fn webhook_url(name: &str, variable: &str, env: &Env) -> Result<Secret, String> {
    let key = format!("channels.{name}.webhook_url_env");
    let url = env.secret(&key, variable)?;
    parse_url(&key, url.expose()).map_err(|_| {
        format!("{key}: environment variable {variable} does not hold an http(s) URL")
    })?;
    Ok(url)
}

/// POSTs `body` as JSON to an incoming-webhook `url`, which never appears
/// in an error (its path is the secret); `what` names the receiver.
pub async fn post_to_webhook(
    kit: &Kit,
    what: &str,
    url: &Secret,
    body: &serde_json::Value,
) -> Result<Sent, SendError> {
    let response = kit
        .client
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport(what, e))?;
    check(what, response).await?;
    Ok(Sent::default())
}
