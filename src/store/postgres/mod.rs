//! The PostgreSQL backend, for running several pausegate processes on one
//! database. Row locks decide races: a settle is one conditional `UPDATE`,
//! so of many concurrent decisions exactly one changes the row; deliveries
//! are claimed with `FOR UPDATE SKIP LOCKED`, so two workers never take the
//! same one. Decisions made by another process reach long polls through
//! their periodic re-read.

mod outbox;

use std::str::FromStr;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::rows::{DecisionRow, DeliveryRow, PauseRow, to_millis};
use super::{
    ClaimRequest, ClaimedDelivery, Counts, Created, Cursor, Deadline, DeliveryOutcome,
    DeliveryToken, ListQuery, NewPauseRecord, PausePage, Settlement, Store, TokenKind, TokenRecord,
    migrations,
};
use crate::domain::{DeliveryId, Pause, PauseId, TokenHash};

/// Connections per process.
const CONNECTIONS: u32 = 10;

const PAUSE_COLUMNS: &str = "id, state, title, description, data, target, target_params, \
     on_reject, on_expire, notify, created_at, expires_at, decided_at";

/// A snapshot for reads that span several statements.
const READ_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// pausegate's state in a PostgreSQL database.
pub struct PostgresStore {
    pool: PgPool,
}

/// A `tokens` row to insert.
struct TokenRow<'a> {
    pause_id: &'a PauseId,
    hash: &'a TokenHash,
    kind: TokenKind,
    actor: Option<&'a str>,
    delivery_id: Option<&'a DeliveryId>,
}

impl PostgresStore {
    /// Connects to the database at `url` and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await?;
        migrations::postgres()
            .run(&pool)
            .await
            .context("cannot apply the database migrations")?;
        Ok(Self { pool })
    }

    async fn insert_token(
        conn: &mut PgConnection,
        token: &TokenRow<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO tokens (hash, pause_id, kind, actor, delivery_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.hash.as_bytes().as_slice())
        .bind(token.pause_id.as_str())
        .bind(token.kind.as_str())
        .bind(token.actor)
        .bind(token.delivery_id.map(|d| d.as_str()))
        .bind(to_millis(now))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Inserts the pause unless its idempotency key is taken; true if inserted.
    async fn insert_pause(
        conn: &mut PgConnection,
        record: &NewPauseRecord,
    ) -> anyhow::Result<bool> {
        let pause = &record.pause;
        let inserted = sqlx::query(
            "INSERT INTO pauses (id, state, title, description, data, target, target_params, \
             on_reject, on_expire, notify, idempotency_key, created_at, expires_at) \
             VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(record.id.as_str())
        .bind(&pause.title)
        .bind(&pause.description)
        .bind(pause.data.to_string())
        .bind(&pause.target)
        .bind(pause.target_params.as_ref().map(|p| p.to_string()))
        .bind(&pause.on_reject)
        .bind(pause.on_expire.as_str())
        .bind(serde_json::to_string(&pause.notify)?)
        .bind(&pause.idempotency_key)
        .bind(to_millis(record.created_at))
        .bind(to_millis(record.expires_at))
        .execute(&mut *conn)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn load_pause(&self, id: &str) -> anyhow::Result<Option<Pause>> {
        let mut tx = self.pool.begin_with(READ_SNAPSHOT).await?;
        let sql = format!("SELECT {PAUSE_COLUMNS} FROM pauses WHERE id = $1");
        let Some(row) = sqlx::query_as::<_, PauseRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let pause = complete(&mut tx, row).await?;
        tx.commit().await?;
        Ok(Some(pause))
    }
}

/// Adds the decisions and deliveries to a pause row.
async fn complete(conn: &mut PgConnection, row: PauseRow) -> anyhow::Result<Pause> {
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT id, kind, destination, state, attempts, last_error, external_id, \
         next_attempt_at, updated_at FROM deliveries WHERE pause_id = $1 ORDER BY created_at, id",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let decisions: Vec<DecisionRow> = sqlx::query_as(
        "SELECT decision, actor, via, comment, at FROM decisions WHERE pause_id = $1",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    row.into_pause(decisions, deliveries)
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_pause(&self, record: NewPauseRecord) -> anyhow::Result<Created> {
        let mut tx = self.pool.begin().await?;
        let inserted = Self::insert_pause(&mut tx, &record).await?;
        let pause_id = if inserted {
            record.id.clone()
        } else {
            // ON CONFLICT waited for the other insert to commit; read it.
            let id: String = sqlx::query_scalar("SELECT id FROM pauses WHERE idempotency_key = $1")
                .bind(&record.pause.idempotency_key)
                .fetch_one(&mut *tx)
                .await?;
            PauseId::from_stored(id)
        };
        let creator = TokenRow {
            pause_id: &pause_id,
            hash: &record.creator_token,
            kind: TokenKind::Creator,
            actor: None,
            delivery_id: None,
        };
        Self::insert_token(&mut tx, &creator, record.created_at).await?;
        if inserted {
            outbox::enqueue(&mut tx, &pause_id, &record.deliveries, record.created_at).await?;
        }
        tx.commit().await?;
        let pause = self
            .load_pause(pause_id.as_str())
            .await?
            .context("a pause just stored cannot be read back")?;
        Ok(if inserted {
            Created::New(pause)
        } else {
            Created::Replayed(pause)
        })
    }

    async fn pause(&self, id: &PauseId) -> anyhow::Result<Option<Pause>> {
        self.load_pause(id.as_str()).await
    }

    async fn token(&self, hash: &TokenHash) -> anyhow::Result<Option<TokenRecord>> {
        let row: Option<(String, String, Option<String>)> =
            sqlx::query_as("SELECT pause_id, kind, actor FROM tokens WHERE hash = $1")
                .bind(hash.as_bytes().as_slice())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(pause_id, kind, actor)| {
            Ok(TokenRecord {
                pause_id: PauseId::from_stored(pause_id),
                kind: TokenKind::parse(&kind)?,
                actor,
            })
        })
        .transpose()
    }

    async fn list_pauses(&self, query: &ListQuery) -> anyhow::Result<PausePage> {
        // Keyset pagination: stable while pauses are added, no OFFSET scans.
        let sql = format!(
            "SELECT {PAUSE_COLUMNS} FROM pauses \
             WHERE ($1::TEXT IS NULL OR state = $1) \
               AND ($2::BIGINT IS NULL OR created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        let after = query.after.as_ref();
        let mut tx = self.pool.begin_with(READ_SNAPSHOT).await?;
        let rows = sqlx::query_as::<_, PauseRow>(sqlx::AssertSqlSafe(sql))
            .bind(query.state.map(|s| s.as_str()))
            .bind(after.map(|c| to_millis(c.created_at)))
            .bind(after.map(|c| c.id.as_str()))
            .bind(i64::from(query.limit) + 1)
            .fetch_all(&mut *tx)
            .await?;
        let has_more = rows.len() > query.limit as usize;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(query.limit as usize) {
            items.push(complete(&mut tx, row).await?);
        }
        tx.commit().await?;
        let next = match items.last() {
            Some(last) if has_more => Some(Cursor {
                created_at: last.created_at,
                id: last.id.clone(),
            }),
            _ => None,
        };
        Ok(PausePage { items, next })
    }

    async fn settle(
        &self,
        id: &PauseId,
        settlement: &Settlement,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let sql = match settlement.deadline {
            Deadline::BeforeExpiry => {
                "UPDATE pauses SET state = $1, decided_at = $2 \
                 WHERE id = $3 AND state = 'pending' AND expires_at > $2"
            }
            Deadline::AfterExpiry => {
                "UPDATE pauses SET state = $1, decided_at = $2 \
                 WHERE id = $3 AND state = 'pending' AND expires_at <= $2"
            }
        };
        let mut tx = self.pool.begin().await?;
        // Concurrent settles queue on the row lock; after the first commits,
        // the others see `state` no longer pending and change nothing.
        let updated = sqlx::query(sql)
            .bind(settlement.state.as_str())
            .bind(to_millis(now))
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        let unasked = outbox::drop_unsent_requests(&mut tx, id).await?;
        if let Some(decision) = &settlement.decision {
            sqlx::query(
                "INSERT INTO decisions (pause_id, decision, actor, via, comment, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.as_str())
            .bind(decision.decision.as_str())
            .bind(&decision.actor)
            .bind(decision.via.as_str())
            .bind(&decision.comment)
            .bind(to_millis(decision.at))
            .execute(&mut *tx)
            .await?;
        }
        let deliveries = super::without_followups_to(&settlement.deliveries, &unasked);
        outbox::enqueue(&mut tx, id, &deliveries, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> anyhow::Result<Vec<PauseId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM pauses WHERE state = 'pending' AND expires_at <= $1 \
             ORDER BY expires_at LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(PauseId::from_stored).collect())
    }

    async fn claim_deliveries(
        &self,
        request: &ClaimRequest,
    ) -> anyhow::Result<Vec<ClaimedDelivery>> {
        self.claim(request).await
    }

    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        self.finish(delivery, outcome, now).await
    }

    async fn replace_delivery_token(
        &self,
        token: &DeliveryToken,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let held: Option<String> = sqlx::query_scalar(
            "SELECT id FROM deliveries WHERE id = $1 AND lease_id = $2 FOR UPDATE",
        )
        .bind(token.delivery_id.as_str())
        .bind(&token.lease_id)
        .fetch_optional(&mut *tx)
        .await?;
        if held.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM tokens WHERE delivery_id = $1")
            .bind(token.delivery_id.as_str())
            .execute(&mut *tx)
            .await?;
        let row = TokenRow {
            pause_id: &token.pause_id,
            hash: &token.hash,
            kind: token.kind,
            actor: token.actor.as_deref(),
            delivery_id: Some(&token.delivery_id),
        };
        Self::insert_token(&mut tx, &row, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn counts(&self) -> anyhow::Result<Counts> {
        let mut tx = self.pool.begin_with(READ_SNAPSHOT).await?;
        let pauses = sqlx::query_as("SELECT state, COUNT(*) FROM pauses GROUP BY state")
            .fetch_all(&mut *tx)
            .await?;
        let deliveries =
            sqlx::query_as("SELECT kind, state, COUNT(*) FROM deliveries GROUP BY kind, state")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Counts { pauses, deliveries })
    }

    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
