//! The [`crate::store::Store`] methods of the transparency log, over any
//! backend: integration runs as a write, everything else as a read.

use chrono::{DateTime, Utc};

use super::super::store::SqlStore;
use super::super::{Backend, receipts, work};
use crate::domain::PauseId;
use crate::receipts::Receipt;
use crate::store::{Integration, LogCheckpoint, StoreError};
use crate::tlog::merkle::Hash;
use crate::tlog::proof::TlogProof;
use crate::tlog::tiles::StoredRange;

impl<B: Backend> SqlStore<B> {
    pub(in crate::store::sql) async fn receipt_of(
        &self,
        id: &PauseId,
    ) -> Result<Option<Receipt>, StoreError> {
        let id = id.clone();
        let job = work(move |c| Box::pin(async move { receipts::of_pause(c, &id).await }));
        self.backend().read(job).await
    }

    pub(in crate::store::sql) async fn lease(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let holder = holder.to_owned();
        let job =
            work(move |c| Box::pin(async move { super::hold_lease(c, &holder, now, until).await }));
        self.backend().write(job).await
    }

    pub(in crate::store::sql) async fn integrate_batch(
        &self,
        holder: &str,
        max: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Integration, StoreError> {
        let (holder, signer) = (holder.to_owned(), self.log_signer());
        let job = work(move |c| {
            Box::pin(async move { super::integrate(c, &signer, &holder, max, now, until).await })
        });
        self.backend().write(job).await
    }

    pub(in crate::store::sql) async fn release(&self, holder: &str) -> Result<(), StoreError> {
        let holder = holder.to_owned();
        let job = work(move |c| Box::pin(async move { super::release(c, &holder).await }));
        self.backend().write(job).await
    }

    pub(in crate::store::sql) async fn every_checkpoint(
        &self,
    ) -> Result<Vec<LogCheckpoint>, StoreError> {
        let job = work(|c| Box::pin(async move { super::checkpoints(c).await }));
        self.backend().read(job).await
    }

    pub(in crate::store::sql) async fn newest_checkpoint(
        &self,
    ) -> Result<Option<LogCheckpoint>, StoreError> {
        let job = work(|c| Box::pin(async move { super::checkpoint(c).await }));
        self.backend().read(job).await
    }

    pub(in crate::store::sql) async fn hashes(
        &self,
        tile_level: u8,
        start: u64,
        count: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let range = StoredRange {
            tile_level,
            start,
            count,
        };
        let job = work(move |c| Box::pin(async move { super::read_ranges(c, &[range]).await }));
        Ok(self.backend().read(job).await?.remove(0))
    }

    pub(in crate::store::sql) async fn entries_from(
        &self,
        start: u64,
        count: u64,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let job = work(move |c| Box::pin(async move { super::entries(c, start, count).await }));
        self.backend().read(job).await
    }

    pub(in crate::store::sql) async fn proof_of(
        &self,
        id: &PauseId,
    ) -> Result<Option<TlogProof>, StoreError> {
        let id = id.clone();
        let job = work(move |c| Box::pin(async move { super::proof(c, &id).await }));
        self.backend().read(job).await
    }

    pub(in crate::store::sql) async fn consistency_between(
        &self,
        first: u64,
        second: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let job =
            work(move |c| Box::pin(async move { super::consistency(c, first, second).await }));
        self.backend().read(job).await
    }
}
