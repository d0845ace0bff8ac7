//! Microsoft Teams: channels posted to through an incoming webhook
//! (`[channels.NAME] kind = "teams"`), an Adaptive Card per message (see
//! [`message`]).

mod message;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::kit::{Kit, Notice, Poster, post_to_webhook, webhook_url};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::Secret;
use crate::outbox::{SendError, Sent};

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

fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
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
