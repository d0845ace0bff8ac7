//! Pauses and their tokens: create, read and list (settling is in
//! [`super::settle`]). Each function runs inside the transaction or on the reader its
//! backend chose; none commits.

use chrono::{DateTime, Utc};

use super::pause_row::{Insert, insert_args, insert_sql, pause_columns};
use super::rows::{from_millis, to_millis};
use super::{Arg, Args, Conn, Dialect, args, outbox, settle};
use crate::domain::{KeyScope, NextId, Pause, PauseId, PauseState, TokenHash};
use crate::receipts::Notary;
use crate::store::{
    Created, Cursor, ListQuery, NewPauseRecord, PausePage, StoreError, TokenKind, TokenRecord,
};

/// A `tokens` row to insert.
pub struct TokenRow<'a> {
    /// The pause it opens.
    pub pause_id: &'a PauseId,
    /// The token's SHA-256.
    pub hash: &'a TokenHash,
    /// Who it was made for.
    pub kind: TokenKind,
    /// A personal link's recipient.
    pub actor: Option<&'a str>,
    /// The delivery that carries it, if any.
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
/// the same idempotency key in the same scope. A new pause is answered from
/// the record, not read back. What cancelling older pauses of its group
/// sends takes ids from `next_id`.
pub async fn create<C: Conn>(
    c: &mut C,
    record: &NewPauseRecord,
    notary: &Notary,
    next_id: NextId<'_>,
) -> Result<Created, StoreError> {
    let key = record
        .pause
        .idempotency_key
        .as_deref()
        .map(|key| record.key_scope.stored_key(key));
    if !insert_pause(c, record, key.as_deref()).await? {
        return replay(c, record, key.as_deref()).await;
    }
    let creator = creator_token(&record.id, record);
    insert_token(c, &creator, record.created_at).await?;
    outbox::enqueue(c, &record.id, &record.deliveries, record.created_at).await?;
    let (pause, superseded) = match &record.pause.group {
        Some(group) => settle::supersede(c, group, record.to_pause(), notary, next_id).await?,
        None => (record.to_pause(), Vec::new()),
    };
    let pause = match &record.settle_at_once {
        Some(settlement) if pause.state == PauseState::Pending => {
            settle::apply(c, pause, settlement, record.created_at, notary).await?
        }
        _ => pause,
    };
    Ok(Created::New(pause, superseded))
}

fn creator_token<'a>(pause_id: &'a PauseId, record: &'a NewPauseRecord) -> TokenRow<'a> {
    TokenRow {
        pause_id,
        hash: &record.creator_token,
        kind: TokenKind::Creator,
        actor: None,
        delivery_id: None,
    }
}

/// The stored key was taken: the same request again gets the earlier pause,
/// opened by the new creator token too; a different one gets nothing.
async fn replay<C: Conn>(
    c: &mut C,
    record: &NewPauseRecord,
    key: Option<&str>,
) -> Result<Created, StoreError> {
    // On PostgreSQL, ON CONFLICT waited for the other insert to commit.
    let (id, fingerprint): (String, Option<String>) = c
        .fetch_optional(
            "SELECT id, request_sha256 FROM pauses WHERE idempotency_key = $1".into(),
            args![key],
        )
        .await?
        .ok_or_else(|| StoreError::internal("the idempotency key's pause disappeared"))?;
    let pause_id = PauseId::from_stored(id);
    // Pauses stored before fingerprints were kept match any request.
    if fingerprint.is_some_and(|f| f != record.fingerprint) {
        return Ok(Created::KeyReused(pause_id));
    }
    insert_token(c, &creator_token(&pause_id, record), record.created_at).await?;
    load(c, &pause_id)
        .await?
        .map(Created::Replayed)
        .ok_or_else(|| StoreError::internal("the idempotency key's pause disappeared"))
}

/// Inserts the pause unless its idempotency key is taken; true if inserted.
async fn insert_pause<C: Conn>(
    c: &mut C,
    record: &NewPauseRecord,
    key: Option<&str>,
) -> Result<bool, StoreError> {
    let args = insert_args(&Insert::new(record, key))?;
    let inserted = c.execute(insert_sql().into(), args).await?;
    if inserted == 1 {
        for tag in &record.pause.tags {
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

/// The whole pause. Never locks: a read that decides a write locks first
/// (see [`super::settle`]).
pub async fn load<C: Conn>(c: &mut C, id: &PauseId) -> Result<Option<Pause>, StoreError> {
    c.fetch_optional(load_sql(C::DIALECT).into(), args![id.as_str()])
        .await
}

/// Selects the whole pause `$1`.
pub fn load_sql(dialect: &Dialect) -> String {
    format!(
        "SELECT {} FROM pauses p WHERE p.id = $1",
        pause_columns(dialect)
    )
}

/// The whole pause made for the callback whose key is `key`.
pub async fn by_callback_key<C: Conn>(c: &mut C, key: &str) -> Result<Option<Pause>, StoreError> {
    let sql = format!(
        "SELECT {} FROM pauses p WHERE p.idempotency_key = $1",
        pause_columns(C::DIALECT)
    );
    let stored = KeyScope::Callback.stored_key(key);
    c.fetch_optional(sql.into(), args![stored]).await
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
