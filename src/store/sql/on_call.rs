//! An on-call schedule read again as a pause escalates, in SQL: the
//! pause's row is held (`FOR UPDATE` on PostgreSQL; SQLite has one
//! writer) while its rules gain the people named now, so a decision being
//! counted, or another schedule's reading, waits for it and sees it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::store::SqlStore;
use super::{Backend, Conn, args, outbox, work};
use crate::domain::{EmailAddress, NewDelivery, OnCallResolution, PauseId, Rules};
use crate::store::{OnCallStore, StoreError};

async fn ask<C: Conn>(
    c: &mut C,
    id: &PauseId,
    reading: OnCallResolution,
    emails: Vec<NewDelivery>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "SELECT state, rules FROM pauses WHERE id = $1{}",
        C::DIALECT.for_update
    );
    let row: Option<(String, Option<String>)> =
        c.fetch_optional(sql.into(), args![id.as_str()]).await?;
    let Some(("pending", Some(rules))) = row.as_ref().map(|(s, r)| (s.as_str(), r.clone())) else {
        return Ok(Vec::new());
    };
    let mut rules: Rules = serde_json::from_str(&rules)?;
    let added: Vec<String> = (reading.people.iter())
        .filter(|p| !rules.approvers.iter().any(|a| EmailAddress::same(a, p)))
        .cloned()
        .collect();
    rules.approvers.extend(added.iter().cloned());
    rules.on_call.push(reading);
    c.execute(
        "UPDATE pauses SET rules = $2 WHERE id = $1".into(),
        args![id.as_str(), serde_json::to_string(&rules)?],
    )
    .await?;
    let emails: Vec<NewDelivery> = (emails.into_iter())
        .filter(|e| added.iter().any(|p| EmailAddress::same(p, &e.destination)))
        .collect();
    outbox::enqueue(c, id, &emails, now).await?;
    Ok(added)
}

#[async_trait]
impl<B: Backend> OnCallStore for SqlStore<B> {
    async fn ask_on_call(
        &self,
        id: &PauseId,
        reading: OnCallResolution,
        emails: Vec<NewDelivery>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let id = id.clone();
        let job = work(move |c| Box::pin(async move { ask(c, &id, reading, emails, now).await }));
        self.backend().write(job).await
    }
}
