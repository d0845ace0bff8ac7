//! Settling pauses: a decision or cancellation, the expiry sweep, and the
//! supersession a new pause of a group brings. Each function runs inside
//! the caller's write transaction and commits nothing.
//!
//! # Lock, then read
//!
//! On PostgreSQL's default isolation (READ COMMITTED) a statement that
//! waits for a row lock still reads everything else, such as the
//! subqueries that gather a pause's decisions, from the snapshot it began
//! with. A `SELECT … FOR UPDATE` that also read the decisions would, after
//! waiting for another approver's transaction, miss the approval that
//! transaction just committed (the row itself was only locked, not changed,
//! so PostgreSQL does not re-read it). So every read that decides a write
//! takes its locks with a bare statement first and reads the whole pause
//! with the *next* statement, whose snapshot begins after the locks are
//! held. SQLite's single writer needs no locks, and skips that statement.

use chrono::{DateTime, Utc};

use super::outbox;
use super::pause_row::pause_columns;
use super::rows::{from_millis, to_millis};
use super::{Args, Conn, Dialect, args};
use crate::domain::{
    Decision, NextId, Pause, PauseId, PauseState, Ruling, deliveries_on_settling, rule_on,
};
use crate::receipts::Notary;
use crate::store::rules::without_followups_to;
use crate::store::{Deadline, ExpiryPlan, Settled, Settlement, StoreError};

/// The ids a locking statement selects (`SELECT p.id … FOR UPDATE`).
async fn lock<C: Conn>(c: &mut C, sql: String, values: Args) -> Result<Vec<String>, StoreError> {
    c.fetch_all(sql.into(), values).await
}

/// The whole pauses with these ids, read after their locks are held.
async fn load_locked<C: Conn>(c: &mut C, ids: &[String]) -> Result<Vec<Pause>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {} FROM pauses p WHERE p.id IN ({})",
        pause_columns(C::DIALECT),
        placeholders.join(", ")
    );
    let values = ids.iter().map(|id| id.as_str().into()).collect();
    let mut pauses: Vec<Pause> = c.fetch_all(sql.into(), values).await?;
    // In the order the locks were taken.
    pauses.sort_by_key(|p| ids.iter().position(|id| id == p.id.as_str()));
    Ok(pauses)
}

/// Locks pause `$1`: the first statement of every settlement.
pub fn lock_one_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT p.id FROM pauses p WHERE p.id = $1{}",
        dialect.for_update
    )
}

/// Locks pause `id`, then reads it whole. SQLite's writer is alone: one read.
async fn lock_one<C: Conn>(c: &mut C, id: &PauseId) -> Result<Option<Pause>, StoreError> {
    if C::DIALECT.for_update.is_empty() {
        return super::pauses::load(c, id).await;
    }
    let ids = lock(c, lock_one_sql(C::DIALECT), args![id.as_str()]).await?;
    Ok(load_locked(c, &ids).await?.pop())
}

/// Applies `settlement` if the pause is pending and on the allowed side of
/// its expiry. The row is locked first and read afterwards, so of racing
/// callers one at a time rules on the decisions all the others recorded.
pub async fn settle<C: Conn>(
    c: &mut C,
    id: &PauseId,
    settlement: &Settlement,
    now: DateTime<Utc>,
    notary: &Notary,
) -> Result<Option<Settled>, StoreError> {
    let Some(pause) = lock_one(c, id).await? else {
        return Ok(None);
    };
    let on_time = match settlement.deadline {
        Deadline::BeforeExpiry => now < pause.expires_at,
        Deadline::AfterExpiry => now >= pause.expires_at,
    };
    if pause.state != PauseState::Pending || !on_time {
        return Ok(Some(Settled::Refused(pause)));
    }
    if let Some(reason) = withdrawn(c, &pause, settlement, now).await? {
        return Ok(Some(Settled::Forbidden(reason)));
    }
    if let Some(decision) = &settlement.decision {
        match rule_on(&pause, decision) {
            Ruling::Settle(_) => {}
            Ruling::Record => {
                insert_decision(c, &pause.id, decision).await?;
                let mut pause = pause;
                pause.decisions.push(decision.clone());
                pause.refresh_inputs();
                return Ok(Some(Settled::Recorded(pause)));
            }
            Ruling::Refuse(reason) => return Ok(Some(Settled::Forbidden(reason))),
            Ruling::AlreadyCounted(reason) => return Ok(Some(Settled::AlreadyCounted(reason))),
        }
    }
    Ok(Some(Settled::Applied(
        apply(c, pause, settlement, now, notary).await?,
    )))
}

/// Why a delegate's decision no longer stands: the delegation it relied on
/// was withdrawn (or ended) after it was read, before this transaction.
async fn withdrawn<C: Conn>(
    c: &mut C,
    pause: &Pause,
    settlement: &Settlement,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let Some(decision) = &settlement.decision else {
        return Ok(None);
    };
    let (Some(person), Some(actor)) = (&decision.on_behalf_of, &decision.actor) else {
        return Ok(None);
    };
    let holds = super::delegations::still_holds(c, pause, person, actor.as_str(), now).await?;
    Ok((!holds).then(|| format!("{actor} no longer decides for {person}: the delegation ended")))
}

/// Settles the pending pauses whose expiry has passed, oldest first, as
/// `plan` says (the deliveries it makes take ids from `next_id`); returns
/// them settled. Rows another process is settling are skipped (PostgreSQL).
pub async fn expire_due<C: Conn>(
    c: &mut C,
    now: DateTime<Utc>,
    limit: u32,
    plan: ExpiryPlan,
    notary: &Notary,
    next_id: NextId<'_>,
) -> Result<Vec<Pause>, StoreError> {
    let values = args![to_millis(now), i64::from(limit)];
    let ids = lock(c, due_sql(C::DIALECT), values).await?;
    let due = load_locked(c, &ids).await?;
    let mut settled = Vec::with_capacity(due.len());
    for pause in due {
        // Settled by someone else between the two statements (SQLite
        // cannot, PostgreSQL holds the lock): nothing to do.
        if pause.state != PauseState::Pending {
            continue;
        }
        let settlement = plan(&pause, now, next_id);
        settled.push(apply(c, pause, &settlement, now, notary).await?);
    }
    Ok(settled)
}

/// Up to `$2` pending pauses expired by `$1`, oldest expiry first, locked:
/// with `state` and `expires_at` both bound, one range on `pauses_by_expiry`.
pub fn due_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT p.id FROM pauses p WHERE p.state = 'pending' AND p.expires_at <= $1 \
         ORDER BY p.expires_at LIMIT $2{}",
        dialect.skip_locked
    )
}

/// Takes group `$1`'s turn: creates of one group wait here for each other,
/// so each sees the pauses the ones before it committed.
pub const GROUP_TURN: &str = "INSERT INTO pause_groups (group_key) VALUES ($1) \
     ON CONFLICT (group_key) DO UPDATE SET group_key = excluded.group_key";

/// The pending pauses of group `$1` other than `$2`, locked: a range on
/// `pauses_pending_by_group`.
pub fn group_pending_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT p.id FROM pauses p WHERE p.group_key = $1 AND p.state = 'pending' \
         AND p.id <> $2{}",
        dialect.for_update
    )
}

/// Leaves one pending pause in `newest`'s group: of the group's pending
/// pauses and `newest` (just inserted, pending), the newest by creation
/// time, then id, survives and every other is cancelled, naming it. Runs in
/// the create's transaction, after the group's turn is taken; what the
/// cancellations send takes ids from `next_id`. Returns the new pause as it
/// now stands and the older ones it cancelled.
pub async fn supersede<C: Conn>(
    c: &mut C,
    group: &str,
    newest: Pause,
    notary: &Notary,
    next_id: NextId<'_>,
) -> Result<(Pause, Vec<Pause>), StoreError> {
    c.execute(GROUP_TURN.into(), args![group]).await?;
    let values = args![group, newest.id.as_str()];
    let ids = lock(c, group_pending_sql(C::DIALECT), values).await?;
    let now = newest.created_at;
    let mut group: Vec<Pause> = load_locked(c, &ids).await?;
    group.push(newest);
    let survivor = group
        .iter()
        .max_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())))
        .map(|p| p.id.clone())
        .ok_or_else(|| StoreError::internal("a group without its new pause"))?;
    let (mut new_pause, mut cancelled) = (None, Vec::new());
    let new_id = group.last().map(|p| p.id.clone());
    for pause in group {
        let is_new = Some(&pause.id) == new_id.as_ref();
        let pause = match pause.id == survivor {
            true => pause,
            false => cancel_for(c, pause, &survivor, now, notary, next_id).await?,
        };
        match is_new {
            true => new_pause = Some(pause),
            false => cancelled.push(pause),
        }
    }
    let new_pause = new_pause.ok_or_else(|| StoreError::internal("the new pause went missing"))?;
    Ok((new_pause, cancelled))
}

/// Cancels `pause`, superseded by `newer`.
async fn cancel_for<C: Conn>(
    c: &mut C,
    mut pause: Pause,
    newer: &PauseId,
    now: DateTime<Utc>,
    notary: &Notary,
    next_id: NextId<'_>,
) -> Result<Pause, StoreError> {
    let settlement = Settlement {
        state: PauseState::Cancelled,
        decision: None,
        deadline: Deadline::BeforeExpiry,
        deliveries: deliveries_on_settling(&pause, PauseState::Cancelled, next_id),
    };
    c.execute(
        "UPDATE pauses SET superseded_by = $1 WHERE id = $2".into(),
        args![newer.as_str(), pause.id.as_str()],
    )
    .await?;
    pause.superseded_by = Some(newer.clone());
    apply(c, pause, &settlement, now, notary).await
}

/// Moves pause `$3` from pending to state `$1`, decided at `$2`.
pub const SETTLE: &str =
    "UPDATE pauses SET state = $1, decided_at = $2 WHERE id = $3 AND state = 'pending'";

/// Writes a settlement of a pending pause the caller has locked, with its
/// signed receipt, and returns the pause as it now stands.
pub async fn apply<C: Conn>(
    c: &mut C,
    mut pause: Pause,
    settlement: &Settlement,
    now: DateTime<Utc>,
    notary: &Notary,
) -> Result<Pause, StoreError> {
    let changed = c
        .execute(
            SETTLE.into(),
            args![settlement.state.as_str(), to_millis(now), pause.id.as_str()],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::internal(format!(
            "pause {} changed under its lock",
            pause.id
        )));
    }
    let dropped = outbox::drop_unsent_requests(c, &pause.id).await?;
    if let Some(decision) = &settlement.decision {
        insert_decision(c, &pause.id, decision).await?;
        pause.decisions.push(decision.clone());
        pause.refresh_inputs();
    }
    let deliveries = without_followups_to(&settlement.deliveries, &dropped.unasked_channels);
    outbox::enqueue(c, &pause.id, &deliveries, now).await?;
    pause.state = settlement.state;
    pause
        .deliveries
        .retain(|d| !dropped.ids.iter().any(|id| id == d.id.as_str()));
    pause
        .deliveries
        .extend(deliveries.iter().map(|d| d.pending(now)));
    // Milliseconds, as stored: the receipt must match the pause read back.
    pause.decided_at = Some(from_millis(to_millis(now))?);
    for decision in &mut pause.decisions {
        decision.at = from_millis(to_millis(decision.at))?;
    }
    pause.receipt = Some(super::receipts::append(c, notary, &pause, now).await?.jws);
    Ok(pause)
}

async fn insert_decision<C: Conn>(
    c: &mut C,
    id: &PauseId,
    decision: &Decision,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO decisions (pause_id, decision, actor, via, identified_by, comment, at, \
         inputs, on_behalf_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            .into(),
        args![
            id.as_str(),
            decision.decision.as_str(),
            decision.actor.as_deref(),
            decision.via.as_str(),
            decision.identified_by.as_ref().map(|i| i.as_str()),
            decision.comment.as_deref(),
            to_millis(decision.at),
            decision
                .inputs
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            decision.on_behalf_of.as_deref(),
        ],
    )
    .await?;
    Ok(())
}
