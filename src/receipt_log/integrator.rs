//! The integrator: every [`INTERVAL`], the replica holding the log's lease
//! gives the receipts signed since the last batch their indexes, at most
//! [`BATCH`] per checkpoint, back to back while more wait. Every replica
//! runs one; the others only try for the lease, which is a row with an
//! expiry (see `store::sql::log`), so when the holder dies another takes
//! over within [`LEASE`] and carries on from the last checkpoint.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::store::{Integration, Store, StoreError};

/// How often a batch is integrated.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// The most receipts one checkpoint adds.
pub const BATCH: u32 = 256;

/// How long a lease lasts unless renewed (every batch renews it).
pub const LEASE: Duration = Duration::from_secs(3);

/// One replica's integrator.
pub struct Integrator {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// This replica's name on the lease: unique per process.
    holder: String,
}

impl Integrator {
    /// An integrator for `store`, naming itself `holder` on the lease.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, holder: String) -> Self {
        Self {
            store,
            clock,
            holder,
        }
    }

    /// Integrates every [`INTERVAL`] until `stopping` is cancelled.
    pub async fn run(self: Arc<Self>, stopping: CancellationToken) {
        loop {
            if let Err(error) = self.round().await {
                tracing::warn!(%error, "integrating receipts into the log failed; trying again");
            }
            tokio::select! {
                () = stopping.cancelled() => return,
                () = tokio::time::sleep(INTERVAL) => {}
            }
        }
    }

    /// Gives up the lease (when stopping cleanly), so another replica
    /// takes over at once instead of after [`LEASE`].
    pub async fn release(&self) {
        if let Err(error) = self.store.release_log_lease(&self.holder).await {
            tracing::warn!(%error, "could not give up the log's lease; it will expire");
        }
    }

    /// One round: takes or renews the lease, then integrates until no
    /// receipt waits. The log's size afterwards, or `None` when another
    /// replica holds the lease.
    #[tracing::instrument(skip(self), fields(holder = %self.holder))]
    pub async fn round(&self) -> Result<Option<u64>, StoreError> {
        let lease = chrono::Duration::from_std(LEASE).expect("a short lease");
        let now = self.clock.now();
        if !self
            .store
            .hold_log_lease(&self.holder, now, now + lease)
            .await?
        {
            return Ok(None);
        }
        loop {
            let now = self.clock.now();
            let step = self.store.integrate(&self.holder, BATCH, now, now + lease);
            match step.await? {
                Integration::NotHolder => return Ok(None),
                Integration::UpToDate { size } => return Ok(Some(size)),
                Integration::Grew { from, to } => {
                    tracing::debug!(from, to, "receipts integrated");
                    if to - from < u64::from(BATCH) {
                        return Ok(Some(to));
                    }
                }
            }
        }
    }
}
