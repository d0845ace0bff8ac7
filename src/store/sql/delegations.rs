//! Delegations in SQL, and the store's delegation methods over any
//! backend. Recording one first takes its person's row in
//! `delegation_turns` (an upsert holds the row until commit on PostgreSQL;
//! SQLite has one writer), so the overlap check and the insert of two
//! racing requests for the same person run one after the other.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::rows::{from_millis, to_millis};
use super::store::SqlStore;
use super::{Args, Backend, Columns, Conn, FromColumns, args, work};
use crate::domain::{Delegation, DelegationId, Pause};
use crate::store::{DelegationStore, StoreError};

const COLUMNS: &str = "id, person, delegate, starts_at, ends_at, tag, created_by, created_at";

impl FromColumns for Delegation {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            id: DelegationId::from_stored(row.text(0)?),
            person: row.text(1)?,
            delegate: row.text(2)?,
            starts_at: from_millis(row.int(3)?)?,
            ends_at: from_millis(row.int(4)?)?,
            tag: row.opt_text(5)?,
            created_by: row.opt_text(6)?,
            created_at: from_millis(row.int(7)?)?,
        })
    }
}

async fn add<C: Conn>(
    c: &mut C,
    new: Delegation,
) -> Result<Result<Delegation, Delegation>, StoreError> {
    c.execute(
        "INSERT INTO delegation_turns (person) VALUES ($1) \
         ON CONFLICT (person) DO UPDATE SET person = excluded.person"
            .into(),
        args![new.person.as_str()],
    )
    .await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM delegations WHERE person = $1 AND ends_at > $2 AND starts_at < $3"
    );
    let values = args![
        new.person.as_str(),
        to_millis(new.starts_at),
        to_millis(new.ends_at)
    ];
    let near: Vec<Delegation> = c.fetch_all(sql.into(), values).await?;
    if let Some(overlapping) = near.into_iter().find(|d| d.overlaps(&new)) {
        return Ok(Err(overlapping));
    }
    c.execute(
        format!("INSERT INTO delegations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .into(),
        args![
            new.id.as_str(),
            new.person.as_str(),
            new.delegate.as_str(),
            to_millis(new.starts_at),
            to_millis(new.ends_at),
            new.tag.as_deref(),
            new.created_by.as_deref(),
            to_millis(new.created_at),
        ],
    )
    .await?;
    Ok(Ok(new))
}

async fn holding<C: Conn>(
    c: &mut C,
    column: &str,
    values: &[String],
    at: DateTime<Utc>,
) -> Result<Vec<Delegation>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut bound: Args = args![to_millis(at)];
    let mut placeholders = Vec::with_capacity(values.len());
    for value in values {
        bound.push(value.to_lowercase().into());
        placeholders.push(format!("${}", bound.len()));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM delegations WHERE {column} IN ({}) \
         AND starts_at <= $1 AND ends_at > $1 ORDER BY starts_at, id",
        placeholders.join(", ")
    );
    c.fetch_all(sql.into(), bound).await
}

/// Whether a delegation of `person` to `delegate` covering `pause` holds
/// at `at`; on PostgreSQL its row is held until the transaction ends, so a
/// withdrawal waits for the decision relying on it (or the decision sees it
/// gone).
pub(super) async fn still_holds<C: Conn>(
    c: &mut C,
    pause: &Pause,
    person: &str,
    delegate: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM delegations WHERE person = $1 AND delegate = $2 \
         AND starts_at <= $3 AND ends_at > $3{}",
        C::DIALECT.for_share
    );
    let values = args![
        person.to_lowercase(),
        delegate.to_lowercase(),
        to_millis(at)
    ];
    let found: Vec<Delegation> = c.fetch_all(sql.into(), values).await?;
    Ok(found.iter().any(|d| d.covers(pause)))
}

/// Those not ended by `at`; only those for or to `involving` when given.
async fn current<C: Conn>(
    c: &mut C,
    at: DateTime<Utc>,
    involving: Option<String>,
) -> Result<Vec<Delegation>, StoreError> {
    let (only, values) = match involving {
        Some(email) => (
            " AND (person = $2 OR delegate = $2)",
            args![to_millis(at), email.to_lowercase()],
        ),
        None => ("", args![to_millis(at)]),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM delegations WHERE ends_at > $1{only} \
         ORDER BY starts_at, id LIMIT 1000"
    );
    c.fetch_all(sql.into(), values).await
}

/// Deletes delegation `id` (only if it is `of` that person, when given).
async fn remove<C: Conn>(c: &mut C, id: &str, of: Option<String>) -> Result<bool, StoreError> {
    let removed = match of {
        Some(person) => {
            let sql = "DELETE FROM delegations WHERE id = $1 AND person = $2";
            c.execute(sql.into(), args![id, person.to_lowercase()])
                .await?
        }
        None => {
            let sql = "DELETE FROM delegations WHERE id = $1";
            c.execute(sql.into(), args![id]).await?
        }
    };
    Ok(removed == 1)
}

#[async_trait]
impl<B: Backend> DelegationStore for SqlStore<B> {
    async fn add_delegation(
        &self,
        delegation: Delegation,
    ) -> Result<Result<Delegation, Delegation>, StoreError> {
        let job = work(move |c| Box::pin(async move { add(c, delegation).await }));
        self.backend().write(job).await
    }

    async fn delegations_to(
        &self,
        delegate: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Delegation>, StoreError> {
        let values = vec![delegate.to_owned()];
        let job = work(move |c| Box::pin(async move { holding(c, "delegate", &values, at).await }));
        self.backend().read(job).await
    }

    async fn delegations_of(
        &self,
        people: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<Delegation>, StoreError> {
        let values = people.to_vec();
        let job = work(move |c| Box::pin(async move { holding(c, "person", &values, at).await }));
        self.backend().read(job).await
    }

    async fn current_delegations(
        &self,
        at: DateTime<Utc>,
        involving: Option<&str>,
    ) -> Result<Vec<Delegation>, StoreError> {
        let involving = involving.map(str::to_owned);
        let job = work(move |c| Box::pin(async move { current(c, at, involving).await }));
        self.backend().read(job).await
    }

    async fn remove_delegation(
        &self,
        id: &DelegationId,
        of: Option<&str>,
    ) -> Result<bool, StoreError> {
        let (id, of) = (id.as_str().to_owned(), of.map(str::to_owned));
        let job = work(move |c| Box::pin(async move { remove(c, &id, of).await }));
        self.backend().write(job).await
    }
}
