//! The outbox: enqueue deliveries, renew and finish their leases (claiming
//! is in [`super::claim`]), record outcomes, and store the tokens that
//! notifications carry. A claim moves `next_attempt_at` to the end of its
//! lease, so the due-index range skips leased rows by itself and a
//! delivery whose worker died comes due again when the lease runs out.

use chrono::{DateTime, Utc};

use super::rows::{from_millis, to_millis};
use super::{Args, Conn, args};
use crate::domain::{NewDelivery, PauseId};
use crate::store::rules::outcome_columns;
use crate::store::sql::pauses::{TokenRow, insert_token};
use crate::store::{ClaimedDelivery, DeliveryOutcome, DeliveryToken, StoreError};

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
