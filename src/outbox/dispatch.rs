//! Where each delivery goes: a trigger to its target's starter, a callback
//! to its kind's answer, an email to the mail integration, a post to its
//! channel's poster. The outbox knows them only through the integrations'
//! traits; what each sends is its integration's business.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Outbox, SendError, Sent};
use crate::config::Settings;
use crate::domain::{DeliveryKind, Pause, on_call_schedule};
use crate::integrations::Integrations;
use crate::integrations::kit::{Channel, Kit, Notice, Target, Trigger};
use crate::store::ClaimedDelivery;

/// Everything that sends, with what links are built from.
pub struct Senders {
    /// Clients, clock, templates and the public URL.
    pub kit: Arc<Kit>,
    targets: BTreeMap<String, Target>,
    channels: BTreeMap<String, Channel>,
    integrations: Arc<Integrations>,
}

impl Senders {
    /// The senders `settings` configure, sending through `kit`.
    pub fn new(settings: &Settings, kit: Arc<Kit>) -> Self {
        Self {
            kit,
            targets: settings.targets.clone(),
            channels: settings.channels.clone(),
            integrations: settings.integrations.clone(),
        }
    }

    /// Starts the target a trigger names.
    async fn trigger(&self, delivery: &ClaimedDelivery, pause: &Pause) -> Result<Sent, SendError> {
        let name = &delivery.destination;
        let target = self.targets.get(name).ok_or_else(|| SendError::Fatal {
            message: format!("target {name:?} is no longer configured"),
        })?;
        let trigger = Trigger {
            delivery_id: &delivery.id,
            event: delivery.event,
            pause,
        };
        target.starter.start(&self.kit, target, trigger).await
    }

    /// Answers the orchestrator waiting for `pause`.
    async fn callback(&self, delivery: &ClaimedDelivery, pause: &Pause) -> Result<Sent, SendError> {
        let callback = pause.callback.as_ref().ok_or_else(|| SendError::Fatal {
            message: "the pause has no callback".to_owned(),
        })?;
        let kind = self
            .integrations
            .callback_kind(&callback.kind)
            .ok_or_else(|| SendError::Fatal {
                message: format!("no integration answers {:?} callbacks", callback.kind),
            })?;
        kind.answer(&self.kit, callback, &delivery.id, pause).await
    }

    /// Emails `to`, or posts to the channel named `to`.
    pub(super) async fn tell(
        &self,
        kind: DeliveryKind,
        to: &str,
        notice: Notice<'_>,
    ) -> Result<Sent, SendError> {
        if kind == DeliveryKind::Email {
            let mail = self.integrations.mail().ok_or_else(|| SendError::Fatal {
                message: "no integration sends email".to_owned(),
            })?;
            return mail.email(&self.kit, to, notice).await;
        }
        let channel = self.channels.get(to).ok_or_else(|| SendError::Fatal {
            message: format!("channel {to:?} is no longer configured"),
        })?;
        channel.poster.post(&self.kit, notice).await
    }
}

impl Outbox {
    /// Sends the delivery; `Ok(None)` when it is no longer needed.
    pub(super) async fn send(&self, delivery: &ClaimedDelivery) -> Result<Option<Sent>, SendError> {
        let pause = self
            .store
            .pause(&delivery.pause_id)
            .await
            .map_err(|e| SendError::retry(format!("cannot read the pause: {e:#}")))?
            .ok_or_else(|| SendError::Fatal {
                message: format!("pause {} no longer exists", delivery.pause_id),
            })?;
        if delivery.kind == DeliveryKind::Email && on_call_schedule(&delivery.destination).is_some()
        {
            return self.read_on_call_again(delivery, &pause).await;
        }
        match delivery.kind {
            DeliveryKind::Trigger => self.senders.trigger(delivery, &pause).await.map(Some),
            DeliveryKind::Email | DeliveryKind::Channel => self.notify(delivery, &pause).await,
            DeliveryKind::Callback => self.senders.callback(delivery, &pause).await.map(Some),
        }
    }
}

impl Outbox {
    /// An escalation's email to a schedule: reads it again, unless the
    /// pause was decided first (then it is no longer needed). A schedule
    /// that cannot be read is tried again, as a send would be.
    async fn read_on_call_again(
        &self,
        delivery: &ClaimedDelivery,
        pause: &Pause,
    ) -> Result<Option<Sent>, SendError> {
        if !pause.is_open(self.clock.now()) {
            return Ok(None);
        }
        let again = self
            .on_call_again
            .as_ref()
            .ok_or_else(|| SendError::Fatal {
                message: "nothing reads on-call schedules here".to_owned(),
            })?;
        match again.ask_again(&pause.id, &delivery.destination).await {
            Ok(()) => Ok(Some(Sent::default())),
            Err(why) => Err(SendError::retry(why)),
        }
    }
}
