//! Pauses, their tokens and decisions: create, read, list, settle and
//! expire. Each function runs inside the transaction or on the reader its
//! backend chose; none commits.

use chrono::{DateTime, Utc};

use super::outbox;
use super::rows::{from_millis, pause_columns, to_millis};
use super::{Arg, Args, Conn, Dialect, args};
use crate::domain::{
    Decision, IdentifiedBy, Pause, PauseId, PauseState, Ruling, TokenHash, deliveries_on_settling,
    rule_on,
};
use crate::receipts::Notary;
use crate::store::rules::without_followups_to;
use crate::store::{
    Created, Cursor, Deadline, ExpiryPlan, ListQuery, NewPauseRecord, PausePage, Settled,
    Settlement, StoreError, TokenKind, TokenRecord,
};

/// A `tokens` row to insert.
pub struct TokenRow<'a> {
    pub pause_id: &'a PauseId,
    pub hash: &'a TokenHash,
    pub kind: TokenKind,
    pub actor: Option<&'a str>,
    pub delivery_id: Option<&'a str>,
}

/// Inserts a token's hash.
pub async fn insert_token<C: Conn>(
    c: &mut C,
    token: &TokenRow<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO tokens (hash, pause_id, kind, actor, delivery_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
            .into(),
        args![
            token.hash.as_bytes().as_slice(),
            token.pause_id.as_str(),
            token.kind.as_str(),
            token.actor,
            token.delivery_id,
            to_millis(now),
        ],
    )
    .await?;
    Ok(())
}

/// Stores a new pause, or adds the creator token to the pause that holds
/// the same idempotency key. A new pause is answered from the record, not
/// read back.
pub async fn create<C: Conn>(
    c: &mut C,
    record: &NewPauseRecord,
    notary: &Notary,
) -> Result<Created, StoreError> {
    let inserted = insert_pause(c, record).await?;
    let pause_id = if inserted {
        record.id.clone()
    } else {
        // On PostgreSQL, ON CONFLICT waited for the other insert to commit.
        let id: String = c
            .fetch_optional(
                "SELECT id FROM pauses WHERE idempotency_key = $1".into(),
                args![record.pause.idempotency_key.as_deref()],
            )
            .await?
            .ok_or_else(|| StoreError::internal("the idempotency key's pause disappeared"))?;
        PauseId::from_stored(id)
    };
    let creator = TokenRow {
        pause_id: &pause_id,
        hash: &record.creator_token,
        kind: TokenKind::Creator,
        actor: None,
        delivery_id: None,
    };
    insert_token(c, &creator, record.created_at).await?;
    if !inserted {
        let pause = load(c, &pause_id, false).await?;
        return pause
            .map(Created::Replayed)
            .ok_or_else(|| StoreError::internal("the idempotency key's pause disappeared"));
    }
    outbox::enqueue(c, &pause_id, &record.deliveries, record.created_at).await?;
    let superseded = match &record.pause.group {
        Some(group) => supersede(c, group, &record.id, record.created_at, notary).await?,
        None => Vec::new(),
    };
    let pause = match &record.settle_at_once {
        Some(settlement) => {
            apply(c, record.to_pause(), settlement, record.created_at, notary).await?
        }
        None => record.to_pause(),
    };
    Ok(Created::New(pause, superseded))
}

/// The pending pauses of group `$1` other than `$2`, locked: a range on
/// `pauses_pending_by_group`.
pub fn group_pending_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT {} FROM pauses p WHERE p.group_key = $1 AND p.state = 'pending' AND p.id <> $2{}",
        pause_columns(dialect),
        dialect.for_update
    )
}

/// Cancels the older pending pauses of `group` for the new pause `newer`,
/// in the create's transaction: a stale request never outlives its
/// replacement. Returns them as cancelled.
async fn supersede<C: Conn>(
    c: &mut C,
    group: &str,
    newer: &PauseId,
    now: DateTime<Utc>,
    notary: &Notary,
) -> Result<Vec<Pause>, StoreError> {
    let sql = group_pending_sql(C::DIALECT);
    let older: Vec<Pause> = c
        .fetch_all(sql.into(), args![group, newer.as_str()])
        .await?;
    let mut cancelled = Vec::with_capacity(older.len());
    for pause in older {
        let settlement = Settlement {
            state: PauseState::Cancelled,
            decision: None,
            deadline: Deadline::BeforeExpiry,
            deliveries: deliveries_on_settling(&pause, PauseState::Cancelled),
        };
        c.execute(
            "UPDATE pauses SET superseded_by = $1 WHERE id = $2".into(),
            args![newer.as_str(), pause.id.as_str()],
        )
        .await?;
        let mut older = pause;
        older.superseded_by = Some(newer.clone());
        let settled = apply(c, older, &settlement, now, notary).await?;
        cancelled.push(settled);
    }
    Ok(cancelled)
}

/// Inserts the pause unless its idempotency key is taken; true if inserted.
async fn insert_pause<C: Conn>(c: &mut C, record: &NewPauseRecord) -> Result<bool, StoreError> {
    let pause = &record.pause;
    let inserted = c
        .execute(
            "INSERT INTO pauses (id, state, title, description, data, target, target_params, \
             on_reject, on_expire, notify, idempotency_key, created_at, expires_at, callback, \
             rules, requested_by, tags, input_fields, group_key, requester_identified_by) \
             VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19) \
             ON CONFLICT (idempotency_key) DO NOTHING"
                .into(),
            args![
                record.id.as_str(),
                pause.title.as_str(),
                pause.description.as_str(),
                pause.data.to_string(),
                pause.target.as_deref(),
                pause.target_params.as_ref().map(|p| p.to_string()),
                pause.on_reject.as_deref(),
                pause.on_expire.as_str(),
                serde_json::to_string(&pause.notify)?,
                pause.idempotency_key.as_deref(),
                to_millis(record.created_at),
                to_millis(record.expires_at),
                pause
                    .callback
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                pause
                    .rules
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                pause.requested_by.as_deref(),
                (!pause.tags.is_empty())
                    .then(|| serde_json::to_string(&pause.tags))
                    .transpose()?,
                (!pause.input_fields.is_empty())
                    .then(|| serde_json::to_string(&pause.input_fields))
                    .transpose()?,
                pause.group.as_deref(),
                pause.requester_identified_by.map(IdentifiedBy::as_str),
            ],
        )
        .await?;
    if inserted == 1 {
        for tag in &pause.tags {
            c.execute(
                "INSERT INTO pause_tags (tag, created_at, pause_id) VALUES ($1, $2, $3)".into(),
                args![
                    tag.as_str(),
                    to_millis(record.created_at),
                    record.id.as_str()
                ],
            )
            .await?;
        }
    }
    Ok(inserted == 1)
}

/// The whole pause, locked for the rest of the transaction when `lock`.
pub async fn load<C: Conn>(
    c: &mut C,
    id: &PauseId,
    lock: bool,
) -> Result<Option<Pause>, StoreError> {
    c.fetch_optional(load_sql(C::DIALECT, lock).into(), args![id.as_str()])
        .await
}

/// Selects the whole pause `$1`.
pub fn load_sql(dialect: &Dialect, lock: bool) -> String {
    format!(
        "SELECT {} FROM pauses p WHERE p.id = $1{}",
        pause_columns(dialect),
        if lock { dialect.for_update } else { "" }
    )
}

/// The whole pause created with this idempotency key.
pub async fn by_key<C: Conn>(c: &mut C, key: &str) -> Result<Option<Pause>, StoreError> {
    let sql = format!(
        "SELECT {} FROM pauses p WHERE p.idempotency_key = $1",
        pause_columns(C::DIALECT)
    );
    c.fetch_optional(sql.into(), args![key]).await
}

/// The token with this hash and its whole pause, in one query.
pub async fn token<C: Conn>(
    c: &mut C,
    hash: &TokenHash,
) -> Result<Option<(TokenRecord, Pause)>, StoreError> {
    let hash = hash.as_bytes().as_slice();
    c.fetch_optional(token_sql(C::DIALECT).into(), args![hash])
        .await
}

/// Selects the token with hash `$1` and its whole pause.
pub fn token_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT t.kind, t.actor, {} FROM tokens t JOIN pauses p ON p.id = t.pause_id \
         WHERE t.hash = $1",
        pause_columns(dialect)
    )
}

/// A page of pauses, newest first.
pub async fn list<C: Conn>(c: &mut C, query: &ListQuery) -> Result<PausePage, StoreError> {
    let (sql, values) = list_sql(C::DIALECT, query);
    let mut items: Vec<Pause> = c.fetch_all(sql.into(), values).await?;
    let has_more = items.len() > query.limit as usize;
    items.truncate(query.limit as usize);
    let next = match items.last() {
        Some(last) if has_more => Some(Cursor {
            created_at: last.created_at,
            id: last.id.clone(),
        }),
        _ => None,
    };
    Ok(PausePage { items, next })
}

/// The page query with its arguments (one row more than the page, to
/// tell whether another follows). Each condition is an index range:
/// `(created_at, id) < (…)` on `pauses_newest_first`, or with the state
/// first on `pauses_by_state`; with a tag, `(tag, created_at, pause_id)`
/// on `pause_tags`' key, the state then checked row by row.
pub fn list_sql(dialect: &Dialect, query: &ListQuery) -> (String, Args) {
    let mut conditions = Vec::new();
    let mut values: Args = Vec::new();
    // Newest first along the tag's rows when there is a tag.
    let (from, order) = match &query.tag {
        Some(tag) => {
            values.push(tag.as_str().into());
            conditions.push(format!("t.tag = ${}", values.len()));
            (
                "pause_tags t JOIN pauses p ON p.id = t.pause_id",
                ("t.created_at", "t.pause_id"),
            )
        }
        None => ("pauses p", ("p.created_at", "p.id")),
    };
    if let Some(state) = query.state {
        values.push(state.as_str().into());
        conditions.push(format!("p.state = ${}", values.len()));
    }
    if let Some(after) = &query.after {
        values.push(to_millis(after.created_at).into());
        values.push(after.id.as_str().into());
        let n = values.len();
        conditions.push(format!("({}, {}) < (${}, ${n})", order.0, order.1, n - 1));
    }
    values.push(Arg::from(i64::from(query.limit) + 1));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {} FROM {from} {filter} ORDER BY {} DESC, {} DESC LIMIT ${}",
        pause_columns(dialect),
        order.0,
        order.1,
        values.len()
    );
    (sql, values)
}

/// Applies `settlement` if the pause is pending and on the allowed side of
/// its expiry. The row is locked first (PostgreSQL; SQLite's writer is
/// alone), so of racing callers exactly one applies it.
pub async fn settle<C: Conn>(
    c: &mut C,
    id: &PauseId,
    settlement: &Settlement,
    now: DateTime<Utc>,
    notary: &Notary,
) -> Result<Option<Settled>, StoreError> {
    let Some(pause) = load(c, id, true).await? else {
        return Ok(None);
    };
    let on_time = match settlement.deadline {
        Deadline::BeforeExpiry => now < pause.expires_at,
        Deadline::AfterExpiry => now >= pause.expires_at,
    };
    if pause.state != PauseState::Pending || !on_time {
        return Ok(Some(Settled::Refused(pause)));
    }
    // Ruled on under the lock: of racing approvals, one at a time counts.
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

/// Settles the pending pauses whose expiry has passed, oldest first, as
/// `plan` says; returns them settled. Rows another process is settling
/// are skipped (PostgreSQL).
pub async fn expire_due<C: Conn>(
    c: &mut C,
    now: DateTime<Utc>,
    limit: u32,
    plan: ExpiryPlan,
    notary: &Notary,
) -> Result<Vec<Pause>, StoreError> {
    let due: Vec<Pause> = c
        .fetch_all(
            due_sql(C::DIALECT).into(),
            args![to_millis(now), i64::from(limit)],
        )
        .await?;
    let mut settled = Vec::with_capacity(due.len());
    for pause in due {
        let settlement = plan(&pause, now);
        settled.push(apply(c, pause, &settlement, now, notary).await?);
    }
    Ok(settled)
}

/// Up to `$2` pending pauses expired by `$1`, oldest expiry first: with
/// `state` and `expires_at` both bound, one range on `pauses_by_expiry`.
pub fn due_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT {} FROM pauses p WHERE p.state = 'pending' AND p.expires_at <= $1 \
         ORDER BY p.expires_at LIMIT $2{}",
        pause_columns(dialect),
        dialect.skip_locked
    )
}

/// Up to `$1` pending pauses, soonest expiry first: the start of
/// `pauses_pending_by_expiry`.
pub fn pending_soonest_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT {} FROM pauses p WHERE p.state = 'pending' ORDER BY p.expires_at LIMIT $1",
        pause_columns(dialect)
    )
}

/// Up to `limit` pending pauses, soonest expiry first.
pub async fn pending_soonest<C: Conn>(c: &mut C, limit: u32) -> Result<Vec<Pause>, StoreError> {
    c.fetch_all(
        pending_soonest_sql(C::DIALECT).into(),
        args![i64::from(limit)],
    )
    .await
}

/// When the next pending pause expires: the start of `pauses_by_expiry`.
pub const NEXT_EXPIRY: &str = "SELECT MIN(expires_at) FROM pauses WHERE state = 'pending'";

/// When the next pending pause expires.
pub async fn next_expiry<C: Conn>(c: &mut C) -> Result<Option<DateTime<Utc>>, StoreError> {
    let next: Option<Option<i64>> = c.fetch_optional(NEXT_EXPIRY.into(), Vec::new()).await?;
    next.flatten().map(from_millis).transpose()
}

/// Moves pause `$3` from pending to state `$1`, decided at `$2`.
pub const SETTLE: &str =
    "UPDATE pauses SET state = $1, decided_at = $2 WHERE id = $3 AND state = 'pending'";

/// Writes a settlement of a pending pause the caller has locked, with its
/// signed receipt, and returns the pause as it now stands.
async fn apply<C: Conn>(
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
    if let Some(sql) = C::DIALECT.notify_settled {
        c.execute(sql.into(), args![pause.id.as_str()]).await?;
    }
    pause.state = settlement.state;
    pause.decided_at = Some(now);
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
         inputs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            .into(),
        args![
            id.as_str(),
            decision.decision.as_str(),
            decision.actor.as_deref(),
            decision.via.as_str(),
            decision.identified_by.map(|i| i.as_str()),
            decision.comment.as_deref(),
            to_millis(decision.at),
            decision
                .inputs
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
        ],
    )
    .await?;
    Ok(())
}

/// How many pauses and deliveries there are, by state.
pub async fn counts<C: Conn>(c: &mut C) -> Result<crate::store::Counts, StoreError> {
    let pauses = c
        .fetch_all(
            "SELECT state, COUNT(*) FROM pauses GROUP BY state".into(),
            Vec::new(),
        )
        .await?;
    let deliveries = c
        .fetch_all(
            "SELECT kind, state, COUNT(*) FROM deliveries GROUP BY kind, state".into(),
            Vec::new(),
        )
        .await?;
    Ok(crate::store::Counts { pauses, deliveries })
}
