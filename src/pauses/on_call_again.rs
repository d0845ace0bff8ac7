//! On-call schedules read again when a pause escalates. A pause with
//! `oncall:` approvers and `escalate_after` also queues, at its escalation
//! time, one email delivery per schedule addressed to the schedule itself
//! (`oncall:pagerduty:P1`). When the outbox reaches one, the schedule is
//! read again: whoever it names now and the pause does not ask yet joins
//! its approvers and is emailed, and `rules.on_call` records the reading
//! (with the fallback, and why, when the service cannot be read).

use chrono::{DateTime, Utc};

use super::{PauseError, Pauses};
use crate::domain::{DeliveryKind, Event, NewDelivery, PauseId, Rules};

/// The deliveries that read each of `rules`' schedules again at `at`, the
/// pause's escalation, each with an id from `next_id`.
pub(super) fn rereads_at(
    rules: Option<&Rules>,
    at: DateTime<Utc>,
    next_id: &dyn Fn() -> crate::domain::DeliveryId,
) -> Vec<NewDelivery> {
    let schedules = rules.map(|r| r.on_call.as_slice()).unwrap_or_default();
    (schedules.iter())
        .map(|reading| NewDelivery {
            not_before: Some(at),
            ..NewDelivery::new(
                next_id(),
                DeliveryKind::Email,
                &reading.schedule,
                Event::Escalated,
            )
        })
        .collect()
}

impl Pauses {
    /// Reads `schedule` (an `oncall:` approver of pause `id`) again, and
    /// asks whoever it names now whom the pause does not ask yet; those
    /// people. Nobody once the pause is settled.
    pub async fn ask_on_call_again(
        &self,
        id: &PauseId,
        schedule: &str,
    ) -> Result<Vec<String>, PauseError> {
        let now = self.clock.now();
        let reading = self.resolve("approvers", schedule, now).await?;
        let emails = (reading.people.iter())
            .map(|person| {
                let id = self.mint.delivery_id();
                NewDelivery::new(id, DeliveryKind::Email, person, Event::Escalated)
            })
            .collect();
        let added = self.store.ask_on_call(id, reading, emails, now).await?;
        if !added.is_empty() {
            tracing::info!(pause = %id, schedule, asked = ?added, "asked who is on call now");
            self.deliveries_waiting.notify_one();
        }
        Ok(added)
    }
}

#[async_trait::async_trait]
impl crate::outbox::OnCallAgain for Pauses {
    async fn ask_again(&self, id: &PauseId, schedule: &str) -> Result<(), String> {
        self.ask_on_call_again(id, schedule)
            .await
            .map(|_| ())
            .map_err(|error| format!("{schedule} could not be read again: {error}"))
    }
}
