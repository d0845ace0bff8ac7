//! Outbox rules both backends apply the same way: which follow-ups to
//! skip, which hourly limit applies, when a limited target has room again,
//! and what an outcome writes. Pure functions; the backends hold only SQL.

use chrono::{DateTime, Duration, Utc};

use super::sql::rows::from_millis;
use super::{ClaimRequest, ClaimedDelivery, DeliveryOutcome};
use crate::domain::{DeliveryKind, NewDelivery};

/// Attempts older than this no longer count against any limit.
pub(crate) const ATTEMPT_WINDOW: Duration = Duration::hours(1);

/// The deliveries to enqueue on settling, less follow-ups to channels that
/// were never asked.
pub(crate) fn without_followups_to(
    deliveries: &[NewDelivery],
    unasked: &[String],
) -> Vec<NewDelivery> {
    deliveries
        .iter()
        .filter(|d| !(d.kind == DeliveryKind::Channel && unasked.contains(&d.destination)))
        .cloned()
        .collect()
}

/// The hourly limit on this delivery's destination, if any (triggers only).
pub(crate) fn hourly_limit(delivery: &ClaimedDelivery, request: &ClaimRequest) -> Option<u32> {
    match delivery.kind {
        DeliveryKind::Trigger => request.hourly_limits.get(&delivery.destination).copied(),
        DeliveryKind::Email | DeliveryKind::Channel | DeliveryKind::Callback => None,
    }
}

/// Given the newest `limit` attempts in the window (newest first, as
/// stored millis), when a slot frees; `None` if one is free now.
pub(crate) fn slot_free_at(
    newest_attempts: &[i64],
    limit: u32,
) -> Result<Option<DateTime<Utc>>, super::StoreError> {
    if newest_attempts.len() < limit as usize {
        return Ok(None);
    }
    // The limit-th newest attempt is the one whose ageing out frees a slot.
    let oldest_counted = from_millis(newest_attempts[newest_attempts.len() - 1])?;
    Ok(Some(
        oldest_counted + ATTEMPT_WINDOW + Duration::milliseconds(1),
    ))
}

/// What an outcome writes to its delivery's row. Text from receivers has
/// NUL removed: PostgreSQL cannot store it, and an outcome that cannot be
/// recorded would be sent again and again.
pub(crate) struct OutcomeColumns {
    pub state: &'static str,
    pub last_error: Option<String>,
    pub external_id: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
}

fn storable(text: &str) -> String {
    text.replace('\0', "")
}

/// The columns an outcome writes; `None` for `Dropped`, which deletes the
/// delivery instead.
pub(crate) fn outcome_columns(
    outcome: &DeliveryOutcome,
    now: DateTime<Utc>,
) -> Option<OutcomeColumns> {
    let (state, last_error, external_id, next_attempt_at) = match outcome {
        DeliveryOutcome::Delivered { external_id } => {
            ("delivered", None, external_id.as_deref(), now)
        }
        DeliveryOutcome::Retry { at, error } => ("pending", Some(error.as_str()), None, *at),
        DeliveryOutcome::Failed { error } => ("failed", Some(error.as_str()), None, now),
        DeliveryOutcome::Dropped => return None,
    };
    Some(OutcomeColumns {
        state,
        last_error: last_error.map(storable),
        external_id: external_id.map(storable),
        next_attempt_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_text_is_stored_without_nul() {
        let outcome = DeliveryOutcome::Failed {
            error: "bad\0answer".to_owned(),
        };
        let columns = outcome_columns(&outcome, Utc::now()).unwrap();
        assert_eq!(columns.last_error.as_deref(), Some("badanswer"));
    }

    #[test]
    fn a_slot_frees_an_hour_after_the_oldest_counted_attempt() {
        assert_eq!(slot_free_at(&[5_000], 2).unwrap(), None);
        let at = slot_free_at(&[9_000, 5_000], 2).unwrap().unwrap();
        assert_eq!(at.timestamp_millis(), 5_000 + 3_600_000 + 1);
    }
}
