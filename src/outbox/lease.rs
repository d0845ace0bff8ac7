//! Holding a delivery's lease while it is sent. A claim leases a delivery
//! for [`LEASE`]; while the send is under way the worker renews it every
//! [`RENEW_EVERY`]. A worker that dies stops renewing, and another takes
//! the delivery over within [`LEASE`] of its last renewal (seconds, not
//! minutes). A worker that cannot renew in time (the database is out of
//! reach) abandons its send before the lease can run out, so two live
//! workers never send the same delivery at once (given clocks that agree
//! to within a few seconds).

use std::time::Duration as StdDuration;

use chrono::Duration;
use tokio::time::Instant;

use super::Outbox;
use crate::store::ClaimedDelivery;

/// How long a claim or a renewal holds a delivery.
pub(crate) const LEASE: Duration = Duration::seconds(15);

/// How often a lease under way is renewed.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(5);

/// Room left before a lease runs out at which a send is abandoned.
const MARGIN: StdDuration = StdDuration::from_secs(3);

impl Outbox {
    /// Keeps renewing `delivery`'s lease; returns only when it can no
    /// longer be shown to be ours: another worker holds it, or the
    /// database could not be reached in time.
    pub(super) async fn hold_lease(&self, delivery: &ClaimedDelivery) {
        let lease = LEASE.to_std().expect("a positive lease");
        let mut held_until = Instant::now() + lease;
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let asked = Instant::now();
            let now = self.clock.now();
            match self.store.renew_lease(delivery, now + LEASE, now).await {
                Ok(true) => held_until = asked + lease,
                Ok(false) => {
                    tracing::warn!(delivery = %delivery.id, "another worker took the delivery over");
                    return;
                }
                Err(error) if Instant::now() + RENEW_EVERY + MARGIN >= held_until => {
                    tracing::error!(delivery = %delivery.id, %error,
                        "cannot renew the lease before it runs out; abandoning the send");
                    return;
                }
                Err(error) => {
                    tracing::warn!(delivery = %delivery.id, %error, "cannot renew the lease; trying again")
                }
            }
        }
    }
}
