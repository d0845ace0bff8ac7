//! The outbox: enqueue deliveries, claim them with a lease (per-target
//! hourly limits applied), record outcomes, and mint the tokens that
//! notifications carry. A claim moves `next_attempt_at` to the end of its
//! lease, so the due-index range skips leased rows by itself and a
//! delivery whose worker died comes due again when the lease runs out.

use chrono::{DateTime, Utc};

use super::rows::{ClaimRow, from_millis, to_millis};
use super::{Args, Conn, Dialect, args};
use crate::domain::{LeaseId, NewDelivery, PauseId};
use crate::store::rules::{self, ATTEMPT_WINDOW, hourly_limit, outcome_columns};
use crate::store::sql::pauses::{TokenRow, insert_token};
use crate::store::{ClaimRequest, ClaimedDelivery, DeliveryOutcome, DeliveryToken, StoreError};

/// What settling removed from a pause's outbox.
pub struct Dropped {
    /// Ids of the deleted deliveries.
    pub ids: Vec<String>,
    /// Channels whose request was never posted: they need no follow-up.
    pub unasked_channels: Vec<String>,
}

/// Deletes requests and reminders never attempted: once a pause is settled
/// nobody needs to be asked any more.
pub async fn drop_unsent_requests<C: Conn>(
    c: &mut C,
    pause_id: &PauseId,
) -> Result<Dropped, StoreError> {
    let rows: Vec<(String, String, String)> = c
        .fetch_all(
            "DELETE FROM deliveries WHERE pause_id = $1 \
             AND event IN ('pause.requested', 'pause.reminder', 'pause.escalated') \
             AND kind <> 'trigger' \
             AND state = 'pending' AND attempts = 0 \
             RETURNING id, kind || ':' || event, destination"
                .into(),
            args![pause_id.as_str()],
        )
        .await?;
    let unasked_channels = rows
        .iter()
        .filter(|(_, what, _)| what == "channel:pause.requested")
        .map(|(_, _, destination)| destination.clone())
        .collect();
    Ok(Dropped {
        ids: rows.into_iter().map(|(id, _, _)| id).collect(),
        unasked_channels,
    })
}

/// Inserts deliveries for `pause_id` in one statement, each due at once or
/// at its `not_before`.
pub async fn enqueue<C: Conn>(
    c: &mut C,
    pause_id: &PauseId,
    deliveries: &[NewDelivery],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut values: Args = args![pause_id.as_str(), to_millis(now)];
    let mut rows = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        let n = values.len();
        rows.push(format!(
            "(${}, $1, ${}, ${}, ${}, 'pending', ${}, $2, $2)",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5
        ));
        values.extend(args![
            delivery.id.as_str(),
            delivery.kind.as_str(),
            delivery.destination.as_str(),
            delivery.event.as_str(),
            to_millis(delivery.not_before.unwrap_or(now)),
        ]);
    }
    let sql = format!(
        "INSERT INTO deliveries (id, pause_id, kind, destination, event, state, \
         next_attempt_at, created_at, updated_at) VALUES {}",
        rows.join(", ")
    );
    c.execute(sql.into(), values).await?;
    Ok(())
}

/// Leases due deliveries, oldest due first, under one lease id. A target
/// at its hourly limit has its whole due backlog postponed to when a slot
/// frees, and is left for another round when another process is checking it.
pub async fn claim<C: Conn>(
    c: &mut C,
    request: &ClaimRequest,
    lease: &LeaseId,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let now = to_millis(request.now);
    if !request.hourly_limits.is_empty() {
        c.execute(
            "DELETE FROM delivery_attempts WHERE at < $1".into(),
            args![to_millis(request.now - ATTEMPT_WINDOW * 2)],
        )
        .await?;
    }
    let due: Vec<ClaimRow> = c
        .fetch_all(
            claim_sql(C::DIALECT).into(),
            args![now, i64::from(request.limit)],
        )
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    let mut full: Vec<String> = Vec::new();
    for row in due {
        let Some(delivery) = decode_or_fail(c, row, lease, request.now).await? else {
            continue;
        };
        let Some(limit) = hourly_limit(&delivery, request) else {
            claimed.push(delivery);
            continue;
        };
        if full.contains(&delivery.destination) {
            continue;
        }
        match slot(c, &delivery, limit, request.now).await? {
            Slot::Free => {
                record_attempt(c, &delivery, request.now).await?;
                claimed.push(delivery);
            }
            Slot::FreeAt(at) => {
                postpone_target(c, &delivery.destination, at, request.now).await?;
                full.push(delivery.destination);
            }
            Slot::Busy => full.push(delivery.destination),
        }
    }
    lease_all(c, &claimed, request).await?;
    Ok(claimed)
}

/// Up to `$2` deliveries due by `$1`, oldest due first: a range on the
/// partial `deliveries_due` index (leased rows are due when their lease ends).
pub fn claim_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT id, pause_id, kind, destination, event, attempts FROM deliveries \
         WHERE state = 'pending' AND next_attempt_at <= $1 \
           AND (lease_until IS NULL OR lease_until <= $1) \
         ORDER BY next_attempt_at LIMIT $2{}",
        dialect.skip_locked
    )
}

/// Marks the claimed deliveries leased, in one statement.
async fn lease_all<C: Conn>(
    c: &mut C,
    claimed: &[ClaimedDelivery],
    request: &ClaimRequest,
) -> Result<(), StoreError> {
    let Some(first) = claimed.first() else {
        return Ok(());
    };
    let mut values: Args = args![
        to_millis(request.lease_until),
        first.lease_id.as_str(),
        to_millis(request.now),
    ];
    let mut placeholders = Vec::with_capacity(claimed.len());
    for delivery in claimed {
        values.push(delivery.id.as_str().into());
        placeholders.push(format!("${}", values.len()));
    }
    let sql = format!(
        "UPDATE deliveries SET lease_until = $1, next_attempt_at = $1, lease_id = $2, \
         attempts = attempts + 1, updated_at = $3 WHERE id IN ({})",
        placeholders.join(", ")
    );
    c.execute(sql.into(), values).await?;
    Ok(())
}

/// Whether a target's hourly limit leaves room for one more attempt.
enum Slot {
    Free,
    FreeAt(DateTime<Utc>),
    /// Another process holds the target's lock: try next round.
    Busy,
}

/// Checks the hourly limit, under the dialect's lock on the target where
/// several processes may claim at once. The lock is taken without waiting:
/// two processes claiming in different orders would otherwise deadlock.
async fn slot<C: Conn>(
    c: &mut C,
    delivery: &ClaimedDelivery,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Slot, StoreError> {
    if let Some(sql) = C::DIALECT.try_lock {
        let key = format!(
            "pausegate:{}:{}",
            delivery.kind.as_str(),
            delivery.destination
        );
        let locked: Option<bool> = c.fetch_optional(sql.into(), args![key]).await?;
        if locked != Some(true) {
            return Ok(Slot::Busy);
        }
    }
    let newest: Vec<i64> = c
        .fetch_all(
            "SELECT at FROM delivery_attempts WHERE kind = $1 AND destination = $2 AND at > $3 \
             ORDER BY at DESC LIMIT $4"
                .into(),
            args![
                delivery.kind.as_str(),
                delivery.destination.as_str(),
                to_millis(now - ATTEMPT_WINDOW),
                i64::from(limit),
            ],
        )
        .await?;
    Ok(match rules::slot_free_at(&newest, limit)? {
        Some(at) => Slot::FreeAt(at),
        None => Slot::Free,
    })
}

/// Counts an attempt against its target's hourly limit.
async fn record_attempt<C: Conn>(
    c: &mut C,
    delivery: &ClaimedDelivery,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO delivery_attempts (delivery_id, kind, destination, at) \
         VALUES ($1, $2, $3, $4)"
            .into(),
        args![
            delivery.id.as_str(),
            delivery.kind.as_str(),
            delivery.destination.as_str(),
            to_millis(now),
        ],
    )
    .await?;
    Ok(())
}

/// Moves every due trigger of a full target to when it has room, at once,
/// so a backlog for one target does not crowd out the rest.
async fn postpone_target<C: Conn>(
    c: &mut C,
    target: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE deliveries SET next_attempt_at = $1, updated_at = $2 \
         WHERE kind = 'trigger' AND destination = $3 AND state = 'pending' \
           AND next_attempt_at < $1 AND (lease_until IS NULL OR lease_until <= $2)"
            .into(),
        args![to_millis(until), to_millis(now), target],
    )
    .await?;
    Ok(())
}

/// Decodes a claimed row; one this version cannot read is marked failed
/// with the reason, rather than stopping every claim.
async fn decode_or_fail<C: Conn>(
    c: &mut C,
    row: ClaimRow,
    lease: &LeaseId,
    now: DateTime<Utc>,
) -> Result<Option<ClaimedDelivery>, StoreError> {
    let id = row.id.clone();
    match row.into_claimed(lease) {
        Ok(delivery) => Ok(Some(delivery)),
        Err(error) => {
            c.execute(
                "UPDATE deliveries SET state = 'failed', last_error = $1, updated_at = $2 \
                 WHERE id = $3"
                    .into(),
                args![
                    format!("this version of pausegate cannot send it: {error}"),
                    to_millis(now),
                    id,
                ],
            )
            .await?;
            Ok(None)
        }
    }
}

/// Extends the lease of `delivery` to `until`, if the caller still holds it.
pub async fn renew<C: Conn>(
    c: &mut C,
    delivery: &ClaimedDelivery,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = c
        .execute(
            "UPDATE deliveries SET lease_until = $1, next_attempt_at = $1, updated_at = $2 \
             WHERE id = $3 AND lease_id = $4 AND state = 'pending'"
                .into(),
            args![
                to_millis(until),
                to_millis(now),
                delivery.id.as_str(),
                delivery.lease_id.as_str(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Records an attempt's outcome on delivery `$6` if lease `$7` holds it.
pub const FINISH: &str = "UPDATE deliveries SET state = $1, last_error = $2, \
     external_id = COALESCE($3, external_id), next_attempt_at = $4, \
     lease_until = NULL, lease_id = NULL, updated_at = $5 \
     WHERE id = $6 AND lease_id = $7";

/// Records how an attempt ended, if `delivery`'s lease is still held.
pub async fn finish<C: Conn>(
    c: &mut C,
    delivery: &ClaimedDelivery,
    outcome: &DeliveryOutcome,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(columns) = outcome_columns(outcome, now) else {
        return forget(c, delivery).await;
    };
    let changed = c
        .execute(
            FINISH.into(),
            args![
                columns.state,
                columns.last_error,
                columns.external_id,
                to_millis(columns.next_attempt_at),
                to_millis(now),
                delivery.id.as_str(),
                delivery.lease_id.as_str(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// True if the caller still holds `delivery_id`'s lease (locking the row
/// where the dialect locks).
async fn holds_lease<C: Conn>(
    c: &mut C,
    delivery_id: &str,
    lease_id: &str,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT id FROM deliveries WHERE id = $1 AND lease_id = $2{}",
        C::DIALECT.for_update
    );
    let held: Option<String> = c
        .fetch_optional(sql.into(), args![delivery_id, lease_id])
        .await?;
    Ok(held.is_some())
}

/// Deletes a delivery still leased to the caller, with its attempts.
async fn forget<C: Conn>(c: &mut C, delivery: &ClaimedDelivery) -> Result<bool, StoreError> {
    if !holds_lease(c, delivery.id.as_str(), &delivery.lease_id).await? {
        return Ok(false);
    }
    for sql in [
        // Its link may have reached someone: keep it, freed from the delivery.
        "UPDATE tokens SET delivery_id = NULL WHERE delivery_id = $1",
        "DELETE FROM delivery_attempts WHERE delivery_id = $1",
        "DELETE FROM deliveries WHERE id = $1",
    ] {
        c.execute(sql.into(), args![delivery.id.as_str()]).await?;
    }
    Ok(true)
}

/// Replaces the token a delivery carries, if its lease is still held.
pub async fn replace_token<C: Conn>(
    c: &mut C,
    token: &DeliveryToken,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let id = token.delivery_id.as_str();
    if !holds_lease(c, id, &token.lease_id).await? {
        return Ok(false);
    }
    c.execute(
        "DELETE FROM tokens WHERE delivery_id = $1".into(),
        args![id],
    )
    .await?;
    let row = TokenRow {
        pause_id: &token.pause_id,
        hash: &token.hash,
        kind: token.kind,
        actor: token.actor.as_deref(),
        delivery_id: Some(id),
    };
    insert_token(c, &row, now).await?;
    Ok(true)
}

/// When the next pending delivery comes due: the start of the partial
/// `deliveries_due` index.
pub const NEXT_DUE: &str = "SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'pending'";

/// When the next pending delivery comes due, if any.
pub async fn next_due<C: Conn>(c: &mut C) -> Result<Option<DateTime<Utc>>, StoreError> {
    let due: Option<Option<i64>> = c.fetch_optional(NEXT_DUE.into(), Vec::new()).await?;
    due.flatten().map(from_millis).transpose()
}
