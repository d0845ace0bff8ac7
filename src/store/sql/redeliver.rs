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

/// Makes the triggers and callbacks of `pause` a change window holds due
/// at `now`, and records who released them (`released`, JSON); how many.
pub async fn release<C: Conn>(
    c: &mut C,
    pause: &PauseId,
    released: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let freed = c
        .execute(
            "UPDATE deliveries SET next_attempt_at = $2, updated_at = $2 \
             WHERE pause_id = $1 AND state = 'pending' AND attempts = 0 \
               AND kind IN ('trigger', 'callback') AND next_attempt_at > $2"
                .into(),
            args![pause.as_str(), to_millis(now)],
        )
        .await?;
    if freed > 0 {
        c.execute(
            "UPDATE pauses SET released = $2 WHERE id = $1".into(),
            args![pause.as_str(), released],
        )
        .await?;
    }
    Ok(freed)
}
