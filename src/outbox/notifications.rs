//! Sending a notification delivery. Requests and reminders carry a review
//! link whose token is minted now, as the message goes out, and stored only
//! as a hash tied to this delivery: a retry mints a new one and discards the
//! old. Follow-ups to channels carry no link.

use crate::domain::{DeliveryKind, Event, Pause};
use crate::integrations::kit::Notice;
use crate::store::{ClaimedDelivery, DeliveryToken, TokenKind};

use super::{Outbox, SendError, Sent};

impl Outbox {
    /// Sends an email or a channel post; `Ok(None)` when a request or
    /// reminder is no longer needed because the pause was settled first.
    pub(super) async fn notify(
        &self,
        delivery: &ClaimedDelivery,
        pause: &Pause,
    ) -> Result<Option<Sent>, SendError> {
        let asks_for_decision = matches!(
            delivery.event,
            Event::Requested | Event::Reminder | Event::Escalated
        );
        if asks_for_decision && !pause.is_open(self.clock.now()) {
            return Ok(None);
        }
        let link = if asks_for_decision {
            Some(self.mint_link(delivery, pause).await?)
        } else {
            None
        };
        let notice = Notice {
            event: delivery.event,
            pause,
            link: link.as_deref(),
        };
        self.senders
            .tell(delivery.kind, &delivery.destination, notice)
            .await
            .map(Some)
    }

    /// A fresh review link for this delivery; only its hash is stored.
    async fn mint_link(
        &self,
        delivery: &ClaimedDelivery,
        pause: &Pause,
    ) -> Result<String, SendError> {
        let token = self.mint.token();
        let (kind, actor) = match delivery.kind {
            DeliveryKind::Email => (TokenKind::Recipient, Some(delivery.destination.clone())),
            _ => (TokenKind::Channel, None),
        };
        let record = DeliveryToken {
            delivery_id: delivery.id.clone(),
            lease_id: delivery.lease_id.clone(),
            pause_id: pause.id.clone(),
            hash: token.hash(),
            kind,
            actor,
        };
        let stored = self
            .store
            .replace_delivery_token(&record, self.clock.now())
            .await
            .map_err(|e| SendError::retry(format!("cannot store the link token: {e:#}")))?;
        if !stored {
            // Another worker took the delivery over; it sends its own link.
            return Err(SendError::retry("the lease ran out before sending"));
        }
        Ok(format!(
            "{}/r/{}",
            self.senders.kit.public_url,
            token.expose()
        ))
    }
}
