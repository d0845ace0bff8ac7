//! Telling people: emails with personal links (through SMTP, or printed to
//! standard output when no `[email]` is configured) and posts to Slack and
//! Microsoft Teams with a shared link. Knows the config, the templates and
//! the domain, never the store: the outbox mints the link token, stores its
//! hash, and hands the link in.

mod email;
mod mailer;
pub mod slack;
mod slack_api;
mod teams;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Channel, ChannelDestination, ChannelKind, Settings};
use crate::domain::{Event, Pause, Via};
use crate::render::Renderer;
use crate::targets::{SendError, Sent};

pub use email::data_summary;
pub use mailer::Mailer;
pub use slack_api::SlackApi;

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

/// Sends emails and channel posts.
pub struct Notifiers {
    mailer: Mailer,
    slack: Option<Arc<SlackApi>>,
    channels: BTreeMap<String, Channel>,
    client: reqwest::Client,
    renderer: Arc<Renderer>,
    clock: Arc<dyn Clock>,
}

impl Notifiers {
    /// Notifiers for `settings`, posting through `client`.
    pub fn new(
        settings: &Settings,
        client: reqwest::Client,
        renderer: Arc<Renderer>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            mailer: Mailer::new(settings.email.as_ref(), settings.delivery.timeout)?,
            slack: settings
                .slack_app
                .clone()
                .map(|app| Arc::new(SlackApi::new(app, client.clone()))),
            channels: settings.channels.clone(),
            client,
            renderer,
            clock,
        })
    }

    /// Emails `to` about the notice.
    pub async fn email(&self, to: &str, notice: Notice<'_>) -> Result<Sent, SendError> {
        let email = email::compose(&self.renderer, to, notice, self.clock.now())?;
        self.mailer.send(email).await
    }

    /// Posts the notice to the channel named `channel`.
    pub async fn post(&self, channel: &str, notice: Notice<'_>) -> Result<Sent, SendError> {
        let channel = self.channels.get(channel).ok_or_else(|| SendError::Fatal {
            message: format!("channel {channel:?} is no longer configured"),
        })?;
        let now = self.clock.now();
        let about = self.renderer.about(notice.pause);
        let webhook_url = match &channel.destination {
            ChannelDestination::Webhook(url) => url,
            ChannelDestination::SlackChannel(id) => {
                let slack = self.slack.as_ref().ok_or_else(|| SendError::Fatal {
                    message: "a slack_app channel needs [slack_app]".to_owned(),
                })?;
                let ts = slack
                    .post_message(id, &slack::app_message(notice, &about, now))
                    .await?;
                return Ok(Sent {
                    external_id: Some(format!("{id}:{ts}")),
                });
            }
        };
        let body = match channel.kind {
            ChannelKind::Teams => teams::message(notice, &about, now),
            ChannelKind::Slack | ChannelKind::SlackApp => slack::message(notice, &about, now),
        };
        let what = match channel.kind {
            ChannelKind::Teams => "Teams",
            ChannelKind::Slack | ChannelKind::SlackApp => "Slack",
        };
        let response = self
            .client
            .post(webhook_url.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| crate::targets::transport(what, e))?;
        crate::targets::check(what, response).await?;
        Ok(Sent::default())
    }
}

/// The short line channels get when a pause settles: "Approved by Ana".
pub fn outcome_line(pause: &Pause) -> String {
    let decision = pause.decision();
    let who = decision.and_then(|d| d.actor.clone());
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
