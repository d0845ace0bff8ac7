//! The outbox half of the PostgreSQL store. Claims skip rows another
//! worker holds (`FOR UPDATE SKIP LOCKED`); the hourly limit of a target is
//! checked under an advisory lock on that target, so two processes cannot
//! both take its last slot.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::{NewDelivery, PauseId};
use crate::store::rows::{ClaimRow, to_millis};
use crate::store::rules::{self, ATTEMPT_WINDOW, hourly_limit, outcome_columns};
use crate::store::{ClaimRequest, ClaimedDelivery, DeliveryOutcome};

/// Deletes requests and reminders never attempted: once a pause is settled
/// nobody needs to be asked any more. Returns the channels whose request
/// was dropped, which therefore need no follow-up either.
pub(super) async fn drop_unsent_requests(
    conn: &mut PgConnection,
    pause_id: &PauseId,
) -> anyhow::Result<Vec<String>> {
    let dropped: Vec<(String, String, String)> = sqlx::query_as(
        "DELETE FROM deliveries WHERE pause_id = $1 \
         AND event IN ('pause.requested', 'pause.reminder') AND kind <> 'trigger' \
         AND state = 'pending' AND attempts = 0 \
         RETURNING kind, destination, event",
    )
    .bind(pause_id.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(dropped
        .into_iter()
        .filter(|(kind, _, event)| kind == "channel" && event == "pause.requested")
        .map(|(_, destination, _)| destination)
        .collect())
}

/// Inserts deliveries for `pause_id`, due at once or at their `not_before`.
pub(super) async fn enqueue(
    conn: &mut PgConnection,
    pause_id: &PauseId,
    deliveries: &[NewDelivery],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for delivery in deliveries {
        sqlx::query(
            "INSERT INTO deliveries (id, pause_id, kind, destination, event, state, \
             next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $7)",
        )
        .bind(delivery.id.as_str())
        .bind(pause_id.as_str())
        .bind(delivery.kind.as_str())
        .bind(&delivery.destination)
        .bind(delivery.event.as_str())
        .bind(to_millis(delivery.not_before.unwrap_or(now)))
        .bind(to_millis(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl PostgresStore {
    pub(super) async fn claim(
        &self,
        request: &ClaimRequest,
    ) -> anyhow::Result<Vec<ClaimedDelivery>> {
        let now = to_millis(request.now);
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM delivery_attempts WHERE at < $1")
            .bind(to_millis(request.now - ATTEMPT_WINDOW * 2))
            .execute(&mut *tx)
            .await?;
        let due: Vec<ClaimRow> = sqlx::query_as(
            "SELECT id, pause_id, kind, destination, event, attempts FROM deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $1 \
               AND (lease_until IS NULL OR lease_until <= $1) \
             ORDER BY next_attempt_at, created_at LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .bind(i64::from(request.limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(due.len());
        let mut full = Vec::new();
        for row in due {
            let Some(delivery) = decode_or_fail(&mut tx, row, request.now).await? else {
                continue;
            };
            if full.contains(&delivery.destination) {
                continue;
            }
            let limit = hourly_limit(&delivery, request);
            match slot_free_at(&mut tx, &delivery, limit, request.now).await? {
                Slot::Free => claimed.push(lease(&mut tx, delivery, request).await?),
                Slot::FreeAt(at) => {
                    postpone_target(&mut tx, &delivery.destination, at, request.now).await?;
                    full.push(delivery.destination);
                }
                // Another process is checking this target: next round.
                Slot::Busy => full.push(delivery.destination),
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    pub(super) async fn finish(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let Some(columns) = outcome_columns(outcome, now) else {
            return self.forget(delivery).await;
        };
        let updated = sqlx::query(
            "UPDATE deliveries SET state = $1, last_error = $2, \
             external_id = COALESCE($3, external_id), next_attempt_at = $4, \
             lease_until = NULL, lease_id = NULL, updated_at = $5 \
             WHERE id = $6 AND lease_id = $7",
        )
        .bind(columns.state)
        .bind(&columns.last_error)
        .bind(&columns.external_id)
        .bind(to_millis(columns.next_attempt_at))
        .bind(to_millis(now))
        .bind(delivery.id.as_str())
        .bind(&delivery.lease_id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Deletes a delivery still leased to the caller, with its attempts.
    async fn forget(&self, delivery: &ClaimedDelivery) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let held: Option<String> = sqlx::query_scalar(
            "SELECT id FROM deliveries WHERE id = $1 AND lease_id = $2 FOR UPDATE",
        )
        .bind(delivery.id.as_str())
        .bind(&delivery.lease_id)
        .fetch_optional(&mut *tx)
        .await?;
        if held.is_none() {
            return Ok(false);
        }
        for sql in [
            // Its link may have reached someone: keep it, freed from the delivery.
            "UPDATE tokens SET delivery_id = NULL WHERE delivery_id = $1",
            "DELETE FROM delivery_attempts WHERE delivery_id = $1",
            "DELETE FROM deliveries WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(delivery.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Whether a target's hourly limit leaves room for one more attempt.
enum Slot {
    Free,
    FreeAt(DateTime<Utc>),
    Busy,
}

/// Checks the hourly limit under a transaction-scoped advisory lock on the
/// target, taken without waiting: two processes claiming in different
/// orders would otherwise deadlock.
async fn slot_free_at(
    conn: &mut PgConnection,
    delivery: &ClaimedDelivery,
    limit: Option<u32>,
    now: DateTime<Utc>,
) -> anyhow::Result<Slot> {
    let Some(limit) = limit else {
        return Ok(Slot::Free);
    };
    let key = format!(
        "pausegate:{}:{}",
        delivery.kind.as_str(),
        delivery.destination
    );
    let locked: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
    if !locked {
        return Ok(Slot::Busy);
    }
    let newest: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM delivery_attempts WHERE kind = $1 AND destination = $2 AND at > $3 \
         ORDER BY at DESC LIMIT $4",
    )
    .bind(delivery.kind.as_str())
    .bind(&delivery.destination)
    .bind(to_millis(now - ATTEMPT_WINDOW))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(match rules::slot_free_at(&newest, limit)? {
        Some(at) => Slot::FreeAt(at),
        None => Slot::Free,
    })
}

/// Moves every due trigger of a full target to when it has room, at once,
/// so a backlog for one target does not crowd out the rest.
async fn postpone_target(
    conn: &mut PgConnection,
    target: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE deliveries SET next_attempt_at = $1, updated_at = $2 \
         WHERE kind = 'trigger' AND destination = $3 AND state = 'pending' \
           AND next_attempt_at < $1 AND (lease_until IS NULL OR lease_until <= $2)",
    )
    .bind(to_millis(until))
    .bind(to_millis(now))
    .bind(target)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Decodes a claimed row; one this version cannot read is marked failed
/// with the reason, rather than stopping every claim.
async fn decode_or_fail(
    conn: &mut PgConnection,
    row: ClaimRow,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<ClaimedDelivery>> {
    let id = row.id.clone();
    match row.into_claimed() {
        Ok(delivery) => Ok(Some(delivery)),
        Err(error) => {
            sqlx::query(
                "UPDATE deliveries SET state = 'failed', last_error = $1, updated_at = $2 \
                 WHERE id = $3",
            )
            .bind(format!("this version of pausegate cannot send it: {error}"))
            .bind(to_millis(now))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            Ok(None)
        }
    }
}

async fn lease(
    conn: &mut PgConnection,
    mut delivery: ClaimedDelivery,
    request: &ClaimRequest,
) -> anyhow::Result<ClaimedDelivery> {
    delivery.attempts += 1;
    sqlx::query(
        "UPDATE deliveries SET lease_until = $1, lease_id = $2, attempts = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(to_millis(request.lease_until))
    .bind(&delivery.lease_id)
    .bind(i64::from(delivery.attempts))
    .bind(to_millis(request.now))
    .bind(delivery.id.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO delivery_attempts (delivery_id, kind, destination, at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(delivery.id.as_str())
    .bind(delivery.kind.as_str())
    .bind(&delivery.destination)
    .bind(to_millis(request.now))
    .execute(&mut *conn)
    .await?;
    Ok(delivery)
}
