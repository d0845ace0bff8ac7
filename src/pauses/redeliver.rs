//! Sending a failed delivery again when an operator asks (the receiver
//! was down for longer than the retries lasted, a secret was rotated).

use super::{PauseError, Pauses};
use crate::domain::{DeliveryId, Pause, PauseId};
use crate::store::Redelivery;

impl Pauses {
    /// Queues the failed delivery `delivery` of pause `id` for a new
    /// attempt now, under the same delivery id; the pause as it is then.
    pub async fn redeliver(&self, id: &PauseId, delivery: &str) -> Result<Pause, PauseError> {
        let delivery = DeliveryId::parse(delivery).ok_or(PauseError::NotFound)?;
        let now = self.clock.now();
        match self.store.redeliver(id, &delivery, now).await? {
            Redelivery::Queued => self.deliveries_waiting.notify_one(),
            Redelivery::NotFound => return Err(PauseError::NotFound),
            Redelivery::NotFailed(state) => {
                return Err(PauseError::Conflict(format!(
                    "delivery {delivery} is {state}: only a failed delivery can be sent again"
                )));
            }
        }
        self.get(id).await
    }
}
