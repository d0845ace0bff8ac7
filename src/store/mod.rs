//! Durable state behind one trait, [`Store`], whose methods are whole use
//! cases: each runs in its own transaction and leaves the data consistent on
//! its own. Knows `domain` and SQL; never HTTP, never the clock (callers pass
//! `now`); the ids it makes itself (leases, and the deliveries of expiry and
//! supersession) come from the [`crate::clock::Mint`] it was opened with.
//! What the methods take and give is in [`records`]. Every statement is
//! written once, in [`sql`]; the backends (SQLite, with group commit, and
//! PostgreSQL) only run it. The backend is
//! picked once from the database URL by [`open`]; both pass the same
//! conformance story.

mod batch;
mod delegations;
mod error;
mod log;
mod migrations;
mod on_call;
mod open;
mod postgres;
mod records;
mod rules;
pub mod sql;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{DeliveryId, Pause, PauseId, TokenHash};
use crate::receipts::{PublicKey, Receipt};
use crate::tlog::dsse::{DsseKey, DsseSigner};
use crate::tlog::merkle::Hash;
use crate::tlog::note::Verifier;
use crate::tlog::proof::TlogProof;

pub use delegations::DelegationStore;
pub use error::StoreError;
pub use log::{Integration, LogCheckpoint};
pub use on_call::OnCallStore;
pub use open::{ReceiptSetup, open, open_minting, open_with};
pub use postgres::PostgresBackend;
pub use records::*;
pub use sqlite::SqliteBackend;

/// The durable state of pausegate. Each method is one atomic use case.
#[async_trait]
pub trait Store: DelegationStore + OnCallStore + Send + Sync + 'static {
    /// Stores a pause with its creator token, or, when its idempotency key
    /// was used before, adds the token to the earlier pause.
    async fn create_pause(&self, record: NewPauseRecord) -> Result<Created, StoreError>;

    /// The pause with its decisions and deliveries.
    async fn pause(&self, id: &PauseId) -> Result<Option<Pause>, StoreError>;

    /// The token with this hash and the pause it opens, in one read.
    async fn token(&self, hash: &TokenHash) -> Result<Option<(TokenRecord, Pause)>, StoreError>;

    /// The pause made for the callback whose idempotency key is `key`.
    async fn pause_by_key(&self, key: &str) -> Result<Option<Pause>, StoreError>;

    /// A page of pauses, newest first.
    async fn list_pauses(&self, query: &ListQuery) -> Result<PausePage, StoreError>;

    /// Applies `settlement` if the pause is still pending and on the allowed
    /// side of its expiry, dropping requests and reminders not yet sent:
    /// the first caller wins, every later one is refused and changes
    /// nothing. `None` if there is no such pause.
    async fn settle(
        &self,
        id: &PauseId,
        settlement: Settlement,
        now: DateTime<Utc>,
    ) -> Result<Option<Settled>, StoreError>;

    /// Settles up to `limit` pending pauses whose expiry has passed, oldest
    /// expiry first, each as `plan` says, in one transaction. Returns them
    /// as settled.
    async fn expire_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        plan: ExpiryPlan,
    ) -> Result<Vec<Pause>, StoreError>;

    /// When the next pending pause expires, if any pause is pending.
    async fn next_expiry(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Up to `limit` pending pauses, the soonest to expire first (an inbox).
    async fn pending_soonest(&self, limit: u32) -> Result<Vec<Pause>, StoreError>;

    /// When the next pending delivery comes due, if any is pending.
    async fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Leases due deliveries to the caller, oldest due first. Deliveries
    /// over their hourly limit are postponed instead.
    async fn claim_deliveries(
        &self,
        request: &ClaimRequest,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;

    /// Extends the caller's lease on `delivery` to `until`; false when the
    /// lease is no longer the caller's.
    async fn renew_lease(
        &self,
        delivery: &ClaimedDelivery,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Records how an attempt ended, if the caller still holds the lease.
    /// Returns false when the lease was lost (it ran out and another worker
    /// claimed the delivery).
    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Stores the token a delivery is about to carry, discarding the token
    /// an earlier, failed attempt of the same delivery minted. Returns false,
    /// storing nothing, when the caller no longer holds the lease.
    async fn replace_delivery_token(
        &self,
        token: &DeliveryToken,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Puts a failed delivery of `pause` back in the queue, due at `now`.
    async fn redeliver(
        &self,
        pause: &PauseId,
        delivery: &DeliveryId,
        now: DateTime<Utc>,
    ) -> Result<Redelivery, StoreError>;

    /// How many pauses and deliveries there are, by state.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Succeeds when the database would take a write now.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Up to `limit` receipts after number `after_seq`, in chain order.
    async fn receipts(&self, after_seq: i64, limit: u32) -> Result<Vec<Receipt>, StoreError>;

    /// Settled pauses that have no receipt, with when they settled.
    async fn unreceipted(&self) -> Result<Vec<(PauseId, DateTime<Utc>)>, StoreError>;

    /// Every key that signed receipts here, the current one first.
    async fn receipt_keys(&self) -> Result<Vec<PublicKey>, StoreError>;

    /// The receipt of pause `id`, with its log index once integrated.
    async fn receipt(&self, id: &PauseId) -> Result<Option<Receipt>, StoreError>;

    /// Takes the log integrator's lease for `holder` until `until`, or
    /// renews it: whether `holder` holds it.
    async fn hold_log_lease(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// As lease holder `holder` (its lease extended to `until`), gives up
    /// to `max` receipts not yet in the log their indexes, extends the
    /// tree and signs a checkpoint, all in one transaction.
    async fn integrate(
        &self,
        holder: &str,
        max: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Integration, StoreError>;

    /// The newest checkpoint, if anything was integrated.
    async fn log_checkpoint(&self) -> Result<Option<LogCheckpoint>, StoreError>;

    /// The `count` stored hashes at `tile_level` from `start` (one tile's
    /// contents); an error if the log lacks any.
    async fn log_hashes(
        &self,
        tile_level: u8,
        start: u64,
        count: u64,
    ) -> Result<Vec<Hash>, StoreError>;

    /// The entries (receipt JWSs) at indexes `start..start + count` that
    /// the database holds, with their indexes, in order.
    async fn log_entries(&self, start: u64, count: u64) -> Result<Vec<(u64, String)>, StoreError>;

    /// Every checkpoint signed, smallest first.
    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>, StoreError>;

    /// Gives up `holder`'s lease, if it holds it, so another replica need
    /// not wait for it to expire (a replica stopping cleanly).
    async fn release_log_lease(&self, holder: &str) -> Result<(), StoreError>;

    /// The inclusion proof of pause `id`'s receipt in the newest
    /// checkpoint; `None` until it is integrated.
    async fn log_proof(&self, id: &PauseId) -> Result<Option<TlogProof>, StoreError>;

    /// The consistency proof from the tree of `first` entries to `second`.
    async fn log_consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, StoreError>;

    /// The key the log's checkpoints are signed with, as verifiers hold it.
    fn log_verifier(&self) -> Verifier;

    /// The key that signs attestations, chosen when the store was opened;
    /// `None` for a store opened only to read.
    fn attester(&self) -> Option<std::sync::Arc<DsseSigner>>;

    /// Every key that signed attestations here, the current one first.
    async fn attestation_keys(&self) -> Result<Vec<DsseKey>, StoreError>;

    /// Starts telling `watcher` about pauses settled by other processes
    /// sharing the database (none for SQLite, which has one process).
    fn watch_settled(&self, watcher: SettledWatcher);

    /// Closes the connections, waiting for queries under way.
    async fn close(&self);

    /// Records that sign-in session `id`, valid until `expires_at`, was
    /// ended by signing out; forgets ended sessions expired by `now`.
    async fn end_session(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Whether sign-in session `id` was ended by signing out.
    async fn session_ended(&self, id: &str) -> Result<bool, StoreError>;

    /// Makes what a change window holds of pause `id` due at `now`,
    /// recording `released` (JSON: who and when); how many deliveries.
    async fn release_held(
        &self,
        id: &PauseId,
        released: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Redeems settled pause `id` for `by` at `at`: its outcome is used
    /// once, and a later call hears who came first.
    async fn redeem(
        &self,
        id: &PauseId,
        by: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Redemption, StoreError>;
}

/// What [`Store::redeem`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// Redeemed by this call.
    Now,
    /// Redeemed before, at `at` by `by`.
    Earlier {
        /// When.
        at: DateTime<Utc>,
        /// By whom (`None`: the server's own key).
        by: Option<String>,
    },
}
