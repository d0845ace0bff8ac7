//! The outbox worker: claims due deliveries with a short lease, sends each
//! with no transaction open, and records the outcome. A delivery whose
//! worker died mid-send is claimed again once its lease runs out, with the
//! same id, so receivers can de-duplicate. Wakes when a decision enqueues
//! work, and on a tick for retries that come due.

mod dispatch;
mod lease;
mod notifications;
mod retry;
mod send;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Mint};
use crate::config::Settings;
use crate::store::{ClaimRequest, ClaimedDelivery, DeliveryOutcome, Store};

pub use retry::{RetryPolicy, random_jitter};
pub use send::{SendError, Sent, check, retry_after, transport};

/// Most deliveries claimed in one round by `run_once`.
const BATCH: u32 = 16;
/// Most sends under way at once in the worker.
const IN_FLIGHT: usize = 64;
/// How often the worker looks for retries that came due.
const TICK: StdDuration = StdDuration::from_secs(1);

pub use dispatch::Senders;

/// Reads an on-call schedule again when a pause escalates, asking whoever
/// it names now (see `pauses::on_call_again`); the outbox reaches it through
/// an escalation's email addressed to the schedule itself.
#[async_trait::async_trait]
pub trait OnCallAgain: Send + Sync {
    /// Reads `schedule` of pause `id` again; why not, when it could not.
    async fn ask_again(&self, id: &crate::domain::PauseId, schedule: &str) -> Result<(), String>;
}

/// Sends what the store's outbox holds.
pub struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mint: Mint,
    senders: Senders,
    policy: RetryPolicy,
    hourly_limits: BTreeMap<String, u32>,
    wake: Arc<Notify>,
    on_call_again: Option<Arc<dyn OnCallAgain>>,
}

impl Outbox {
    /// A worker over `store`, configured by `settings`, sending through
    /// `senders`, woken through `wake`; the links it sends carry tokens
    /// made by `mint`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mint: Mint,
        settings: &Settings,
        senders: Senders,
        wake: Arc<Notify>,
    ) -> Self {
        let hourly_limits = settings
            .targets
            .values()
            .filter_map(|t| Some((t.name.clone(), t.max_per_hour?)))
            .collect();
        Self {
            senders,
            policy: RetryPolicy::new(
                settings.delivery.max_attempts,
                settings.delivery.max_backoff,
            ),
            store,
            clock,
            mint,
            hourly_limits,
            wake,
            on_call_again: None,
        }
    }

    /// This worker, reading on-call schedules again through `again` when
    /// a pause escalates.
    pub fn with_on_call_again(mut self, again: Arc<dyn OnCallAgain>) -> Self {
        self.on_call_again = Some(again);
        self
    }

    /// Sends deliveries as they come due until `stopping` is cancelled.
    /// Up to 64 sends run at once, and a slow one does not hold up
    /// the others: a slot that frees is filled at once. Sends under way
    /// when it is cancelled are finished first.
    pub async fn run(self: Arc<Self>, stopping: CancellationToken) {
        let mut sending = JoinSet::new();
        loop {
            let free = IN_FLIGHT - sending.len();
            let mut nap = TICK;
            if free > 0 && !stopping.is_cancelled() {
                match self.claim_if_due(free as u32).await {
                    Ok((claimed, until_due)) => {
                        nap = until_due;
                        for delivery in claimed {
                            let outbox = self.clone();
                            sending.spawn(async move { outbox.deliver(delivery).await });
                        }
                    }
                    Err(error) => {
                        tracing::error!(error = %format!("{error:#}"), "claiming deliveries failed")
                    }
                }
            }
            tokio::select! {
                // Stopping comes first: no new claims once it is asked for.
                biased;
                () = stopping.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(nap) => {}
                Some(finished) = sending.join_next(), if !sending.is_empty() => {
                    report(finished);
                    // Everything else that finished too, so one claim
                    // refills all the freed slots.
                    while let Some(finished) = sending.try_join_next() {
                        report(finished);
                    }
                }
            }
        }
        while let Some(finished) = sending.join_next().await {
            report(finished);
        }
    }

    /// Claims what is due now, sends it all and waits for the outcomes;
    /// returns how many were claimed. Tests drive the outbox with this.
    pub async fn run_once(self: &Arc<Self>) -> anyhow::Result<usize> {
        let claimed = self.claim(BATCH).await?;
        let count = claimed.len();
        let mut sends = JoinSet::new();
        for delivery in claimed {
            let outbox = self.clone();
            sends.spawn(async move { outbox.deliver(delivery).await });
        }
        while let Some(finished) = sends.join_next().await {
            report(finished);
        }
        Ok(count)
    }

    /// Claims up to `limit` deliveries if any is due, with how long to
    /// sleep before looking again. Looking is a read; only a claim writes.
    async fn claim_if_due(
        &self,
        limit: u32,
    ) -> anyhow::Result<(Vec<ClaimedDelivery>, StdDuration)> {
        let now = self.clock.now();
        match self.store.next_delivery_due().await? {
            None => Ok((Vec::new(), TICK)),
            Some(due) if due > now => {
                let until = (due - now).to_std().unwrap_or(TICK).min(TICK);
                Ok((Vec::new(), until))
            }
            Some(_) => Ok((self.claim(limit).await?, TICK)),
        }
    }

    async fn claim(&self, limit: u32) -> anyhow::Result<Vec<ClaimedDelivery>> {
        let now = self.clock.now();
        let request = ClaimRequest {
            now,
            lease_until: now + lease::LEASE,
            limit,
            hourly_limits: self.hourly_limits.clone(),
        };
        Ok(self.store.claim_deliveries(&request).await?)
    }

    /// Sends one delivery, holding its lease meanwhile, and records how it
    /// went, all inside the attempt's span: every line the attempt, the
    /// lease and the sender log carries the delivery's id and destination.
    /// An outcome that could not be recorded is logged here, in the span;
    /// its lease will run out and it will be sent again.
    #[tracing::instrument(
        name = "delivery",
        skip_all,
        fields(
            id = %delivery.id,
            kind = %delivery.kind.as_str(),
            destination = %delivery.destination,
            attempt = delivery.attempts,
        ),
    )]
    async fn deliver(&self, delivery: ClaimedDelivery) {
        if let Err(error) = self.attempt(&delivery).await {
            tracing::error!(error = %format!("{error:#}"), "recording a delivery failed");
        }
    }

    async fn attempt(&self, delivery: &ClaimedDelivery) -> anyhow::Result<()> {
        let result = tokio::select! {
            result = self.send(delivery) => result,
            // The lease is lost: the send is dropped mid-way, and whoever
            // holds the delivery now sends it.
            () = self.hold_lease(delivery) => return Ok(()),
        };
        let outcome = self.outcome(delivery, result);
        let name = match &outcome {
            DeliveryOutcome::Delivered { .. } => "delivered",
            DeliveryOutcome::Retry { .. } => "retry",
            DeliveryOutcome::Failed { .. } => "failed",
            DeliveryOutcome::Dropped => "dropped",
        };
        let labels = [("kind", delivery.kind.as_str()), ("outcome", name)];
        metrics::counter!("pausegate_deliveries_total", &labels).increment(1);
        match &outcome {
            DeliveryOutcome::Delivered { external_id } => tracing::info!(
                external_id = external_id.as_deref().unwrap_or("-"),
                "delivered"
            ),
            DeliveryOutcome::Retry { at, error } => {
                tracing::warn!(retry_at = %at, %error, "delivery failed; will retry")
            }
            DeliveryOutcome::Failed { error } => {
                tracing::error!(%error, "delivery failed for good")
            }
            DeliveryOutcome::Dropped => tracing::info!("not sent: the pause was settled first"),
        }
        let recorded = self
            .store
            .finish_delivery(delivery, &outcome, self.clock.now())
            .await?;
        if !recorded {
            tracing::warn!("lease ran out before the outcome was recorded");
        }
        Ok(())
    }

    /// What to record for an attempt's result.
    fn outcome(
        &self,
        delivery: &ClaimedDelivery,
        result: Result<Option<Sent>, SendError>,
    ) -> DeliveryOutcome {
        match result {
            Ok(Some(sent)) => DeliveryOutcome::Delivered {
                external_id: sent.external_id,
            },
            Ok(None) => DeliveryOutcome::Dropped,
            Err(SendError::Fatal { message }) => DeliveryOutcome::Failed { error: message },
            Err(SendError::Retryable {
                message,
                retry_after,
            }) => {
                match self
                    .policy
                    .delay(delivery.attempts, retry_after, random_jitter())
                {
                    Some(delay) => DeliveryOutcome::Retry {
                        at: self.clock.now() + delay,
                        error: message,
                    },
                    None => DeliveryOutcome::Failed {
                        error: format!("gave up after {} attempts: {message}", delivery.attempts),
                    },
                }
            }
        }
    }
}

/// Logs a send that panicked; its lease will run out and it will be sent
/// again.
fn report(finished: Result<(), tokio::task::JoinError>) {
    if let Err(error) = finished {
        tracing::error!(%error, "a delivery's send stopped unexpectedly");
    }
}
