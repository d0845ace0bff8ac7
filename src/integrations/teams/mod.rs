//! Microsoft Teams: channels posted to through an incoming webhook
//! (`[channels.NAME] kind = "teams"`, an Adaptive Card with a link per
//! message, see [`message`]), and pausegate as a Teams bot (`[teams_app]`)
//! posting cards with Approve and Reject (`Action.Execute`) to
//! `teams_app` channels through the Bot Connector and taking their clicks
//! at `POST /integrations/teams/messages`. Each file cites the documents
//! it follows.

mod app;
mod card;
mod channel;
mod click;
mod connector;
mod mention;
mod message;
mod messages;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::kit::{Kit, Notice, Poster, post_to_webhook, webhook_url};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::Secret;
use crate::domain::Voucher;
use crate::outbox::{SendError, Sent};
use connector::Connector;

/// How a decision by a Teams member's click is recorded as identified.
const VOUCHER: Voucher = match Voucher::from_static("teams") {
    Some(voucher) => voucher,
    None => panic!("a plain name"),
};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

/// `kind = "teams"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFile {
    /// The variable holding the incoming webhook's URL.
    webhook_url_env: Option<String>,
}

/// `kind = "teams_app"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppChannelFile {
    /// The conversation the bot posts to (a channel's `19:…@thread.tacv2`).
    conversation: Option<String>,
}

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let file = sections
        .take("teams_app")
        .map(|raw| raw.parse("teams_app"))
        .transpose()?;
    let connector = app::resolve(file, setup.env)?.map(|app| Arc::new(Connector::new(app)));
    let posting = connector.clone();
    registry.channel_kind("teams_app", move |name, raw, _| {
        let file: AppChannelFile = raw.parse(&format!("channels.{name}"))?;
        let Some(connector) = posting.clone() else {
            return Err(format!(
                "channels.{name}: a teams_app channel needs a [teams_app] section"
            ));
        };
        let conversation =
            channel::conversation(name, file.conversation, &connector.app().service_url)?;
        Ok(Arc::new(channel::AppChannel {
            connector,
            name: name.to_owned(),
            conversation,
        }) as Arc<dyn Poster>)
    });
    let bot = messages::Bot(connector.map(|c| Arc::new(messages::BotParts::new(c))));
    registry.routes(move |_| messages::router(bot.clone()));
    registry.channel_kind("teams", |name, raw, env| {
        let file: ChannelFile = raw.parse(&format!("channels.{name}"))?;
        let Some(variable) = file.webhook_url_env else {
            let key = format!("channels.{name}.webhook_url_env");
            return Err(format!("{key}: required for a teams channel"));
        };
        let url = webhook_url(name, &variable, env)?;
        Ok(Arc::new(IncomingWebhook(url)) as Arc<dyn Poster>)
    });
    Ok(())
}

/// Posts through an incoming webhook.
struct IncomingWebhook(Secret);

#[async_trait]
impl Poster for IncomingWebhook {
    fn kind(&self) -> &'static str {
        "teams"
    }

    async fn post(&self, kit: &Kit, notice: Notice<'_>) -> Result<Sent, SendError> {
        let about = kit.renderer.about(notice.pause);
        let body = message::message(notice, &about, kit.clock.now());
        post_to_webhook(kit, "Teams", &self.0, &body).await
    }
}
