//! What processes sharing a database tell each other about settled pauses,
//! and how a process finds out which of the pauses it waits on settled.
//!
//! The wake-up carries nothing: a settling transaction commits without it
//! (a `NOTIFY` inside a transaction is queued at commit under a lock every
//! notifying transaction shares), and the backend sends one wake-up after
//! commit for however many settlements committed meanwhile. A process
//! hearing it, or polling where there is no `LISTEN`, reads in one query
//! which of the pauses waited on there have left `pending`. This is the use
//! PostgreSQL's `NOTIFY` page describes: "I changed this table, take a look
//! at it to see what's new" (<https://www.postgresql.org/docs/15/sql-notify.html>).
//! The ids go as one JSON array, unpacked by `json_array_elements_text`
//! (<https://www.postgresql.org/docs/15/functions-json.html>) or SQLite's
//! `json_each` (<https://www.sqlite.org/json1.html#jeach>), so one
//! statement serves any number of waiters.

use super::{Conn, Dialect, args};
use crate::domain::PauseId;
use crate::store::StoreError;

/// The channel settlements are announced on.
pub const SETTLED_CHANNEL: &str = "pausegate_settled";

/// One payload-free wake-up on [`SETTLED_CHANNEL`], run on its own (never
/// inside a settling transaction).
pub const NOTIFY_SETTLED: &str = "SELECT pg_notify('pausegate_settled', '')";

/// The pauses among the JSON array of ids `$1` that are no longer pending:
/// one probe of the primary key per id.
pub fn settled_among_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT p.id FROM pauses p WHERE p.state <> 'pending' AND p.id IN ({})",
        dialect.json_texts
    )
}

/// Which of `ids` have left `pending`, in one query.
pub async fn settled_among<C: Conn>(
    c: &mut C,
    ids: &[PauseId],
) -> Result<Vec<PauseId>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(&ids.iter().map(PauseId::as_str).collect::<Vec<_>>())?;
    let settled: Vec<String> = c
        .fetch_all(settled_among_sql(C::DIALECT).into(), args![list])
        .await?;
    Ok(settled.into_iter().map(PauseId::from_stored).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn of_the_pauses_waited_on_only_those_no_longer_pending_are_found() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE pauses (id TEXT PRIMARY KEY, state TEXT NOT NULL);
             INSERT INTO pauses VALUES ('a', 'pending'), ('b', 'approved'), ('c', 'expired');",
        )
        .unwrap();
        let waited = ["a", "b", "gone"].map(PauseId::from_stored);
        let settled = settled_among(&mut c, &waited).await.unwrap();
        assert_eq!(settled, vec![PauseId::from_stored("b")]);
        assert!(settled_among(&mut c, &[]).await.unwrap().is_empty());
    }
}
