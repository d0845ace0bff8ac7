//! Sending a failed delivery again, on an operator's word: it goes back to
//! `pending`, due now, under the same id (receivers still de-duplicate on
//! it); its attempts keep counting.

use chrono::{DateTime, Utc};

use super::rows::to_millis;
use super::{Conn, args};
use crate::domain::{DeliveryId, PauseId};
use crate::store::{Redelivery, StoreError};

/// Puts a failed delivery of `pause` back in the queue.
pub async fn redeliver<C: Conn>(
    c: &mut C,
    pause: &PauseId,
    delivery: &DeliveryId,
    now: DateTime<Utc>,
) -> Result<Redelivery, StoreError> {
    let queued = c
        .execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = $3, lease_until = NULL, \
             lease_id = NULL, updated_at = $3 \
             WHERE id = $1 AND pause_id = $2 AND state = 'failed'"
                .into(),
            args![delivery.as_str(), pause.as_str(), to_millis(now)],
        )
        .await?;
    if queued == 1 {
        return Ok(Redelivery::Queued);
    }
    let state: Option<String> = c
        .fetch_optional(
            "SELECT state FROM deliveries WHERE id = $1 AND pause_id = $2".into(),
            args![delivery.as_str(), pause.as_str()],
        )
        .await?;
    Ok(state.map_or(Redelivery::NotFound, Redelivery::NotFailed))
}
