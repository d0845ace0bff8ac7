//! What the store keeps of delegations ([`crate::domain::Delegation`]):
//! recorded atomically against overlapping ones, found by delegate or by
//! person at a time, listed and withdrawn. Its SQL is `sql::delegations`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{Delegation, DelegationId};

/// The delegation methods of every store.
#[async_trait]
pub trait DelegationStore: Send + Sync {
    /// Records `delegation` unless one of the same person's overlaps it
    /// (see [`Delegation::overlaps`]); then that one comes back instead.
    /// Two overlapping ones recorded at once cannot both pass.
    async fn add_delegation(
        &self,
        delegation: Delegation,
    ) -> Result<Result<Delegation, Delegation>, StoreError>;

    /// The delegations to `delegate` that hold at `at`.
    async fn delegations_to(
        &self,
        delegate: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Delegation>, StoreError>;

    /// The delegations of any of `people` that hold at `at`.
    async fn delegations_of(
        &self,
        people: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<Delegation>, StoreError>;

    /// Every delegation that has not ended by `at`, soonest start first;
    /// only those for or to `involving` when given.
    async fn current_delegations(
        &self,
        at: DateTime<Utc>,
        involving: Option<&str>,
    ) -> Result<Vec<Delegation>, StoreError>;

    /// Withdraws delegation `id`, only if it is `of` that person when
    /// given; whether there was one.
    async fn remove_delegation(
        &self,
        id: &DelegationId,
        of: Option<&str>,
    ) -> Result<bool, StoreError>;
}
