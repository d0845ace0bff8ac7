//! What the store keeps when an on-call schedule is read again as a pause
//! escalates: the people it names now join the pause's approvers, the
//! reading joins `rules.on_call`, and the new people's emails are queued,
//! all at once. Its SQL is `sql::on_call`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{NewDelivery, OnCallResolution, PauseId};

/// The on-call method of every store.
#[async_trait]
pub trait OnCallStore: Send + Sync {
    /// Adds to pending pause `id` the people `reading` names whom it does
    /// not ask yet, records `reading`, and queues those of `emails` that go
    /// to the people added, in one transaction with the pause's row held;
    /// whom it added (nobody once the pause is settled).
    async fn ask_on_call(
        &self,
        id: &PauseId,
        reading: OnCallResolution,
        emails: Vec<NewDelivery>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;
}
