//! [`Store`] written once, over any [`Backend`]: each method hands the SQL
//! core's function to the backend as a read or a write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use std::sync::Arc;

use super::{
    Backend, attestation_keys, claim, outbox, pauses, receipts, redeliver, redemptions, rework,
    sessions, settle, work,
};
use crate::clock::Mint;
use crate::domain::{DeliveryId, Pause, PauseId, PauseState, TokenHash};
use crate::receipts::{Notary, PublicKey, Receipt};
use crate::store::{
    ClaimRequest, ClaimedDelivery, Counts, Created, DeliveryOutcome, DeliveryToken, ExpiryPlan,
    Integration, ListQuery, LogCheckpoint, NewPauseRecord, PausePage, Redelivery, Redemption,
    Settled, SettledWatcher, Settlement, Store, StoreError, TokenRecord,
};
use crate::tlog::merkle::Hash;
use crate::tlog::note::{Signer, Verifier};
use crate::tlog::proof::TlogProof;

/// True when a create settled pauses: older ones of its group it
/// superseded, or itself, decided by a policy at once.
fn settled_any(created: &Created) -> bool {
    match created {
        Created::New(pause, superseded) => {
            pause.state != PauseState::Pending || !superseded.is_empty()
        }
        Created::Replayed(_) | Created::KeyReused(_) => false,
    }
}
use crate::tlog::dsse::{DsseKey, DsseSigner};

/// The store over backend `B`.
pub struct SqlStore<B> {
    backend: B,
    notary: Arc<Notary>,
    log_signer: Arc<Signer>,
    mint: Mint,
    attester: Option<Arc<DsseSigner>>,
}

impl<B: Backend> SqlStore<B> {
    /// A store running its SQL on `backend`, `notary` signing the receipt
    /// of each pause that settles, `log_signer` the log's checkpoints,
    /// `mint` making the ids the store makes itself (leases, and the
    /// deliveries of expiry and supersession).
    pub fn new(backend: B, notary: Notary, log_signer: Signer, mint: Mint) -> Self {
        Self {
            backend,
            notary: Arc::new(notary),
            log_signer: Arc::new(log_signer),
            mint,
            attester: None,
        }
    }

    /// The backend, for the methods written beside their SQL.
    pub(super) fn backend(&self) -> &B {
        &self.backend
    }

    /// The log's signer, for integrating.
    pub(super) fn log_signer(&self) -> Arc<Signer> {
        self.log_signer.clone()
    }

    /// This store, `attester` signing attestations.
    pub fn with_attester(mut self, attester: Arc<DsseSigner>) -> Self {
        self.attester = Some(attester);
        self
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn create_pause(&self, record: NewPauseRecord) -> Result<Created, StoreError> {
        let (notary, mint) = (self.notary.clone(), self.mint.clone());
        let record = Arc::new(record);
        let create = rework(move |c| {
            let (record, notary, mint) = (record.clone(), notary.clone(), mint.clone());
            Box::pin(
                async move { pauses::create(c, &record, &notary, &|| mint.delivery_id()).await },
            )
        });
        self.backend.write_grouped(create, settled_any).await
    }

    async fn pause(&self, id: &PauseId) -> Result<Option<Pause>, StoreError> {
        let id = id.clone();
        self.backend
            .read(work(move |c| {
                Box::pin(async move { pauses::load(c, &id).await })
            }))
            .await
    }

    async fn pause_by_key(&self, key: &str) -> Result<Option<Pause>, StoreError> {
        let key = key.to_owned();
        self.backend
            .read(work(move |c| {
                Box::pin(async move { pauses::by_callback_key(c, &key).await })
            }))
            .await
    }

    async fn token(&self, hash: &TokenHash) -> Result<Option<(TokenRecord, Pause)>, StoreError> {
        let hash = *hash;
        self.backend
            .read(work(move |c| {
                Box::pin(async move { pauses::token(c, &hash).await })
            }))
            .await
    }

    async fn list_pauses(&self, query: &ListQuery) -> Result<PausePage, StoreError> {
        let query = query.clone();
        self.backend
            .read(work(move |c| {
                Box::pin(async move { pauses::list(c, &query).await })
            }))
            .await
    }

    async fn settle(
        &self,
        id: &PauseId,
        settlement: Settlement,
        now: DateTime<Utc>,
    ) -> Result<Option<Settled>, StoreError> {
        let (id, notary) = (id.clone(), self.notary.clone());
        let settlement = Arc::new(settlement);
        let settle = rework(move |c| {
            let (id, settlement, notary) = (id.clone(), settlement.clone(), notary.clone());
            Box::pin(async move { settle::settle(c, &id, &settlement, now, &notary).await })
        });
        let applied = |settled: &Option<Settled>| matches!(settled, Some(Settled::Applied(_)));
        self.backend.write_grouped(settle, applied).await
    }

    async fn expire_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        plan: ExpiryPlan,
    ) -> Result<Vec<Pause>, StoreError> {
        let (notary, mint) = (self.notary.clone(), self.mint.clone());
        let expire = work(move |c| {
            Box::pin(async move {
                let next_id = || mint.delivery_id();
                settle::expire_due(c, now, limit, plan, &notary, &next_id).await
            })
        });
        let any = |expired: &Vec<Pause>| !expired.is_empty();
        self.backend.write_settling(expire, any).await
    }

    async fn next_expiry(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.backend
            .read(work(|c| {
                Box::pin(async move { pauses::next_expiry(c).await })
            }))
            .await
    }

    async fn pending_soonest(&self, limit: u32) -> Result<Vec<Pause>, StoreError> {
        self.backend
            .read(work(move |c| {
                Box::pin(async move { pauses::pending_soonest(c, limit).await })
            }))
            .await
    }

    async fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.backend
            .read(work(|c| Box::pin(async move { outbox::next_due(c).await })))
            .await
    }

    async fn claim_deliveries(
        &self,
        request: &ClaimRequest,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let (request, lease) = (request.clone(), self.mint.lease_id());
        self.backend
            .write(work(move |c| {
                Box::pin(async move { claim::claim(c, &request, &lease).await })
            }))
            .await
    }

    async fn renew_lease(
        &self,
        delivery: &ClaimedDelivery,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let delivery = delivery.clone();
        self.backend
            .write(work(move |c| {
                Box::pin(async move { outbox::renew(c, &delivery, until, now).await })
            }))
            .await
    }

    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (delivery, outcome) = (delivery.clone(), outcome.clone());
        self.backend
            .write(work(move |c| {
                Box::pin(async move { outbox::finish(c, &delivery, &outcome, now).await })
            }))
            .await
    }

    async fn redeliver(
        &self,
        pause: &PauseId,
        delivery: &DeliveryId,
        now: DateTime<Utc>,
    ) -> Result<Redelivery, StoreError> {
        let (pause, delivery) = (pause.clone(), delivery.clone());
        self.backend
            .write(work(move |c| {
                Box::pin(async move { redeliver::redeliver(c, &pause, &delivery, now).await })
            }))
            .await
    }

    async fn replace_delivery_token(
        &self,
        token: &DeliveryToken,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let token = token.clone();
        self.backend
            .write(work(move |c| {
                Box::pin(async move { outbox::replace_token(c, &token, now).await })
            }))
            .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.backend
            .read(work(|c| Box::pin(async move { pauses::counts(c).await })))
            .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // An empty write: it needs a connection and, on SQLite, the file's
        // write lock, so "ready" means a decision could be recorded now.
        self.backend
            .write(work(|_| Box::pin(async { Ok(()) })))
            .await
    }

    async fn receipts(&self, after_seq: i64, limit: u32) -> Result<Vec<Receipt>, StoreError> {
        self.backend
            .read(work(move |c| {
                Box::pin(async move { receipts::page(c, after_seq, limit).await })
            }))
            .await
    }

    async fn unreceipted(&self) -> Result<Vec<(PauseId, DateTime<Utc>)>, StoreError> {
        self.backend
            .read(work(|c| {
                Box::pin(async move { receipts::unreceipted(c).await })
            }))
            .await
    }

    async fn receipt_keys(&self) -> Result<Vec<PublicKey>, StoreError> {
        self.backend
            .read(work(|c| {
                Box::pin(async move { receipts::public_keys(c).await })
            }))
            .await
    }

    async fn receipt(&self, id: &PauseId) -> Result<Option<Receipt>, StoreError> {
        self.receipt_of(id).await
    }

    async fn hold_log_lease(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.lease(holder, now, until).await
    }

    async fn integrate(
        &self,
        holder: &str,
        max: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Integration, StoreError> {
        self.integrate_batch(holder, max, now, until).await
    }

    async fn log_checkpoint(&self) -> Result<Option<LogCheckpoint>, StoreError> {
        self.newest_checkpoint().await
    }

    async fn log_hashes(&self, level: u8, start: u64, count: u64) -> Result<Vec<Hash>, StoreError> {
        self.hashes(level, start, count).await
    }

    async fn log_entries(&self, start: u64, count: u64) -> Result<Vec<(u64, String)>, StoreError> {
        self.entries_from(start, count).await
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>, StoreError> {
        self.every_checkpoint().await
    }

    async fn release_log_lease(&self, holder: &str) -> Result<(), StoreError> {
        self.release(holder).await
    }

    async fn log_proof(&self, id: &PauseId) -> Result<Option<TlogProof>, StoreError> {
        self.proof_of(id).await
    }

    async fn log_consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, StoreError> {
        self.consistency_between(first, second).await
    }

    fn log_verifier(&self) -> Verifier {
        self.log_signer.verifier().clone()
    }

    fn attester(&self) -> Option<Arc<DsseSigner>> {
        self.attester.clone()
    }

    async fn attestation_keys(&self) -> Result<Vec<DsseKey>, StoreError> {
        self.backend
            .read(work(|c| {
                Box::pin(async move { attestation_keys::public_keys(c).await })
            }))
            .await
    }

    fn watch_settled(&self, watcher: SettledWatcher) {
        self.backend.watch_settled(watcher);
    }

    async fn close(&self) {
        self.backend.close().await;
    }

    async fn end_session(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.backend
            .write(work(move |c| {
                Box::pin(async move { sessions::end(c, &id, expires_at, now).await })
            }))
            .await
    }

    async fn session_ended(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.backend
            .read(work(move |c| {
                Box::pin(async move { sessions::ended(c, &id).await })
            }))
            .await
    }

    async fn release_held(
        &self,
        id: &PauseId,
        released: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (id, released) = (id.clone(), released.to_owned());
        self.backend
            .write(work(move |c| {
                Box::pin(async move { redeliver::release(c, &id, &released, now).await })
            }))
            .await
    }

    async fn redeem(
        &self,
        id: &PauseId,
        by: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Redemption, StoreError> {
        let (id, by) = (id.clone(), by.map(str::to_owned));
        self.backend
            .write(work(move |c| {
                Box::pin(async move { redemptions::redeem(c, &id, by.as_deref(), at).await })
            }))
            .await
    }
}
