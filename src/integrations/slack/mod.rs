//! Slack: channels posted to through an incoming webhook (`[channels.NAME]
//! kind = "slack"`), and pausegate as a Slack app (`[slack_app]`) posting
//! Approve and Reject buttons to `slack_app` channels through the Web API
//! and taking their clicks at `POST /integrations/slack/actions`. Each file
//! cites the Slack documents it follows.

mod actions;
mod api;
mod app;
mod message;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::kit::{Kit, Notice, Poster, post_to_webhook, webhook_url};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::Secret;
use crate::domain::Voucher;
use crate::outbox::{SendError, Sent};
use api::SlackApi;

/// How a decision by a Slack user's click is recorded as identified.
const VOUCHER: Voucher = match Voucher::from_static("slack") {
    Some(voucher) => voucher,
    None => panic!("a plain name"),
};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

/// `kind = "slack"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookChannelFile {
    /// The variable holding the incoming webhook's URL.
    webhook_url_env: Option<String>,
}

/// `kind = "slack_app"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppChannelFile {
    /// The Slack channel id (`C…`) the app posts to.
    channel: Option<String>,
}

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let file = sections
        .take("slack_app")
        .map(|raw| raw.parse("slack_app"))
        .transpose()?;
    let app = app::resolve(file, setup.env)?.map(|app| Arc::new(SlackApi::new(app)));
    registry.channel_kind("slack", |name, raw, env| {
        let file: WebhookChannelFile = raw.parse(&format!("channels.{name}"))?;
        let Some(variable) = file.webhook_url_env else {
            let key = format!("channels.{name}.webhook_url_env");
            return Err(format!("{key}: required for a slack channel"));
        };
        let url = webhook_url(name, &variable, env)?;
        Ok(Arc::new(IncomingWebhook(url)) as Arc<dyn Poster>)
    });
    let posting = app.clone();
    registry.channel_kind("slack_app", move |name, raw, _| {
        let file: AppChannelFile = raw.parse(&format!("channels.{name}"))?;
        let Some(api) = posting.clone() else {
            return Err(format!(
                "channels.{name}: a slack_app channel needs a [slack_app] section"
            ));
        };
        match file.channel.as_deref().map(str::trim) {
            Some(channel) if !channel.is_empty() => Ok(Arc::new(AppChannel {
                api,
                channel: channel.to_owned(),
            }) as Arc<dyn Poster>),
            _ => Err(format!(
                "channels.{name}.channel: a slack_app channel needs its channel id"
            )),
        }
    });
    let routes = actions::App(app);
    registry.routes(move |_| actions::router(routes.clone()));
    Ok(())
}

/// Posts through an incoming webhook.
struct IncomingWebhook(Secret);

#[async_trait]
impl Poster for IncomingWebhook {
    fn kind(&self) -> &'static str {
        "slack"
    }

    async fn post(&self, kit: &Kit, notice: Notice<'_>) -> Result<Sent, SendError> {
        let about = kit.renderer.about(notice.pause);
        let body = message::message(notice, &about, kit.clock.now(), &message::by_address);
        post_to_webhook(kit, "Slack", &self.0, &body).await
    }
}

/// Posts as the app, with buttons, to one channel.
struct AppChannel {
    api: Arc<SlackApi>,
    channel: String,
}

#[async_trait]
impl Poster for AppChannel {
    fn kind(&self) -> &'static str {
        "slack_app"
    }

    async fn post(&self, kit: &Kit, notice: Notice<'_>) -> Result<Sent, SendError> {
        let about = kit.renderer.about(notice.pause);
        // Only a request names its delegates; a follow-up looks nobody up.
        let asks = notice.link.is_some();
        let ids = match asks {
            true => self.api.delegate_ids(&kit.client, notice.pause).await,
            false => Default::default(),
        };
        let mention = |address: &str| match ids.get(address) {
            Some(id) => format!("<@{id}>"),
            None => message::by_address(address),
        };
        let message = message::app_message(notice, &about, kit.clock.now(), &mention);
        let ts = self
            .api
            .post_message(&kit.client, &self.channel, &message)
            .await?;
        Ok(Sent {
            external_id: Some(format!("{}:{ts}", self.channel)),
        })
    }
}
