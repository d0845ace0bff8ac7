//! `[channels.NAME] kind = "teams_app"`: a conversation the bot posts its
//! card to. A request, reminder or escalation posts a card (its activity id
//! is the delivery's external id); when the pause settles, however it was
//! decided, every card already posted to the channel is replaced by the
//! settled one, or, when none was posted, the settled card is posted.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::card::{self, View};
use super::connector::{Connector, Conversation, Http};
use super::mention;
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
        let here = self.roster_view(http, pause, kit.clock.now()).await;
        let view = match here.approvers.is_empty() {
            true => View::Buttons,
            false => View::Status(None),
        };
        let now = kit.clock.now();
        let mut card = card::card(pause, &about, now, view, &here.approvers);
        mention::add_to(&mut card, pause, &here.delegates);
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

    /// Who of the conversation's members the pause asks, when it names
    /// approvers: the members its approvers admit or whom it asked as
    /// delegates see the buttons, others the status, and the delegates
    /// among them are mentioned by their member id. Nobody (everyone sees
    /// the buttons, a click is checked, and delegates are named but not
    /// mentioned) when it names no one, when no member is among them, or
    /// when the roster is out of reach: a card nobody can act on would
    /// stall the pause, and a mention Teams cannot resolve would refuse it.
    async fn roster_view(&self, http: Http<'_>, pause: &Pause, now: DateTime<Utc>) -> Here {
        let mut here = Here::default();
        let Some(rules) = pause.rules.as_ref().filter(|r| !r.approvers.is_empty()) else {
            return here;
        };
        let members = match self.connector.members(http, &self.conversation).await {
            Ok(members) => members,
            Err(error) => {
                tracing::warn!(%error, channel = %self.name, "could not read the roster; every member sees the buttons");
                return here;
            }
        };
        let by = IdentifiedBy::Vouched(super::VOUCHER);
        for member in members {
            let Some(address) = member.address.as_deref() else {
                continue;
            };
            let delegate = rules.asks_delegate(address, now);
            if delegate {
                here.delegates
                    .insert(address.to_lowercase(), member.id.clone());
            }
            if (delegate || rules.admits(address, by, &[]))
                && here.approvers.len() < card::MAX_REFRESH_USERS
            {
                here.approvers.push(member.id);
            }
        }
        here
    }
}

/// The members a card is for.
#[derive(Default)]
struct Here {
    /// See the buttons (`refresh.userIds`).
    approvers: Vec<String>,
    /// The delegates among them: address (lower case) to member id.
    delegates: mention::Members,
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
