//! Claiming deliveries: leased to one worker at a time, oldest due first,
//! with each target's hourly limit applied (a target at its limit has its
//! backlog postponed to when a slot frees), and rows this version cannot
//! read marked failed rather than stopping every claim. A limit is checked
//! holding the target's row in `target_turns`, locked with `FOR UPDATE SKIP
//! LOCKED` (<https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE>):
//! a plain row lock, where engines without advisory locks have one.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::rows::{ClaimRow, to_millis};
use super::{Args, Conn, Dialect, args};
use crate::domain::LeaseId;
use crate::store::rules::{self, ATTEMPT_WINDOW, hourly_limit};
use crate::store::{ClaimRequest, ClaimedDelivery, StoreError};

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
    let mut decoded = Vec::with_capacity(due.len());
    for row in due {
        if let Some(delivery) = decode_or_fail(c, row, lease, request.now).await? {
            decoded.push(delivery);
        }
    }
    add_turns(c, &decoded, request).await?;
    let claimed = within_limits(c, decoded, request).await?;
    lease_all(c, &claimed, request).await?;
    Ok(claimed)
}

/// Of `deliveries`, those their targets' hourly limits leave room for; a
/// full target's backlog is postponed, a busy one's left for later.
async fn within_limits<C: Conn>(
    c: &mut C,
    deliveries: Vec<ClaimedDelivery>,
    request: &ClaimRequest,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let mut claimed = Vec::with_capacity(deliveries.len());
    let mut full: Vec<String> = Vec::new();
    for delivery in deliveries {
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
    /// Another process holds the target's turn: try next round.
    Busy,
}

/// Makes sure every limited target among `deliveries` has its row in
/// `target_turns`, in one statement. Sorted, so two claims adding the same
/// new rows wait for each other in one order, never crosswise.
async fn add_turns<C: Conn>(
    c: &mut C,
    deliveries: &[ClaimedDelivery],
    request: &ClaimRequest,
) -> Result<(), StoreError> {
    let targets: BTreeSet<(&str, &str)> = deliveries
        .iter()
        .filter(|d| hourly_limit(d, request).is_some())
        .map(|d| (d.kind.as_str(), d.destination.as_str()))
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let (mut values, mut rows): (Args, Vec<String>) = (Vec::new(), Vec::new());
    for (kind, destination) in targets {
        values.extend(args![kind, destination]);
        rows.push(format!("(${}, ${})", values.len() - 1, values.len()));
    }
    let sql = format!(
        "INSERT INTO target_turns (kind, destination) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    c.execute(sql.into(), values).await?;
    Ok(())
}

/// Takes target (`$1`, `$2`)'s turn, skipping it if another claim holds it.
pub fn turn_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT kind FROM target_turns WHERE kind = $1 AND destination = $2{}",
        dialect.skip_locked
    )
}

/// Checks the hourly limit holding the target's turn: a row lock, taken
/// without waiting (two processes claiming in different orders would
/// otherwise deadlock), so any engine with `SKIP LOCKED` will do; SQLite's
/// single writer needs no lock, and finds the row free.
async fn slot<C: Conn>(
    c: &mut C,
    delivery: &ClaimedDelivery,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Slot, StoreError> {
    let kind = delivery.kind.as_str();
    let values = args![kind, delivery.destination.as_str()];
    let turn: Option<String> = c
        .fetch_optional(turn_sql(C::DIALECT).into(), values)
        .await?;
    if turn.is_none() {
        return Ok(Slot::Busy);
    }
    let newest: Vec<i64> = c
        .fetch_all(
            "SELECT at FROM delivery_attempts WHERE kind = $1 AND destination = $2 AND at > $3 \
             ORDER BY at DESC LIMIT $4"
                .into(),
            args![
                kind,
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

/// What a postponed trigger's `last_error` says, so a reader (and the
/// change windows, which must not take it for a hold) can tell why it waits.
pub const POSTPONED: &str = "postponed: the target's hourly limit is reached";

/// Moves every due trigger of a full target to when it has room, at once,
/// so a backlog for one target does not crowd out the rest.
async fn postpone_target<C: Conn>(
    c: &mut C,
    target: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE deliveries SET next_attempt_at = $1, updated_at = $2, last_error = $4 \
         WHERE kind = 'trigger' AND destination = $3 AND state = 'pending' \
           AND next_attempt_at < $1 AND (lease_until IS NULL OR lease_until <= $2)"
            .into(),
        args![to_millis(until), to_millis(now), target, POSTPONED],
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
