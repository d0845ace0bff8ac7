//! `[channels.NAME] kind = "teams_app"`: a conversation the bot posts its
//! card to. A request, reminder or escalation posts a card (its activity id
//! is the delivery's external id); when the pause settles, however it was
//! decided, every card already posted to the channel is replaced by the
//! settled one, or, when none was posted, the settled card is posted.

use std::sync::Arc;

use super::card::{self, View};
use super::connector::{Connector, Conversation, Http};
use crate::domain::{DeliveryKind, DeliveryState, Event, IdentifiedBy, Pause};
use crate::integrations::kit::{Kit, Notice, Poster};
use crate::outbox::{SendError, Sent};
use async_trait::async_trait;

/// Posts the bot's card to one conversation.
pub(crate) struct AppChannel {
    pub connector: Arc<Connector>,
    /// The channel's name in the config, which deliveries carry.
    pub name: String,
    pub conversation: Conversation,
}

#[async_trait]
impl Poster for AppChannel {
    fn kind(&self) -> &'static str {
        "teams_app"
    }

    async fn post(&self, kit: &Kit, notice: Notice<'_>) -> Result<Sent, SendError> {
        let http = Http {
            client: &kit.client,
            clock: kit.clock.as_ref(),
        };
        let pause = notice.pause;
        let asks = matches!(
            notice.event,
            Event::Requested | Event::Reminder | Event::Escalated
        );
        let copies = self.copies(pause);
        if !asks && !copies.is_empty() {
            let activity = card::activity(card::settled(pause));
            for activity_id in copies {
                self.connector
                    .update(http, &self.conversation, activity_id, &activity)
                    .await?;
            }
            return Ok(Sent::default());
        }
        let about = kit.renderer.about(pause);
        let approvers = self.approvers_here(http, pause, kit.clock.now()).await;
        let view = match approvers.is_empty() {
            true => View::Buttons,
            false => View::Status(None),
        };
        let card = card::card(pause, &about, kit.clock.now(), view, &approvers);
        let id = self
            .connector
            .send(http, &self.conversation, &card::activity(card))
            .await?;
        Ok(Sent {
            external_id: Some(id),
        })
    }
}

impl AppChannel {
    /// The activity ids of the cards already posted here for `pause`.
    fn copies<'a>(&self, pause: &'a Pause) -> Vec<&'a str> {
        pause
            .deliveries
            .iter()
            .filter(|d| d.kind == DeliveryKind::Channel && d.destination == self.name)
            .filter(|d| d.state == DeliveryState::Delivered)
            .filter_map(|d| d.external_id.as_deref())
            .collect()
    }

    /// The members of the conversation the pause's approvers admit, or
    /// whom it asked as delegates, when it names approvers: they see the
    /// buttons, others the status. None
    /// (everyone sees the buttons, and a click is checked) when it names no
    /// one, when no member is among them, or when the roster is out of
    /// reach: a card nobody can act on would stall the pause.
    async fn approvers_here(
        &self,
        http: Http<'_>,
        pause: &Pause,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<String> {
        let Some(rules) = pause.rules.as_ref().filter(|r| !r.approvers.is_empty()) else {
            return Vec::new();
        };
        let members = match self.connector.members(http, &self.conversation).await {
            Ok(members) => members,
            Err(error) => {
                tracing::warn!(%error, channel = %self.name, "could not read the roster; every member sees the buttons");
                return Vec::new();
            }
        };
        let by = IdentifiedBy::Vouched(super::VOUCHER);
        members
            .into_iter()
            .filter(|m| {
                (m.address.as_deref())
                    .is_some_and(|a| rules.admits(a, by, &[]) || rules.asks_delegate(a, now))
            })
            .map(|m| m.id)
            .take(card::MAX_REFRESH_USERS)
            .collect()
    }
}

/// Reads `[channels.NAME]` of kind `teams_app`.
pub(crate) fn conversation(
    name: &str,
    given: Option<String>,
    service_url: &str,
) -> Result<Conversation, String> {
    let key = format!("channels.{name}.conversation");
    let id = given
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            format!("{key}: a teams_app channel needs the conversation id (19:…@thread.tacv2)")
        })?;
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "{key}: a conversation id has no spaces or control characters"
        ));
    }
    let service_url = service_url
        .parse()
        .map_err(|e| format!("teams_app.service_url: {e}"))?;
    Ok(Conversation { service_url, id })
}
