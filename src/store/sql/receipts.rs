//! Receipts and their keys: storing a pause's receipt in the transaction
//! that settles it (numbered by the table, with no lock shared by other
//! pauses), reading receipts back, and choosing
//! the signing key at start-up (the configured one, else the stored one,
//! else a new one), keeping every key that ever signed published.

use chrono::{DateTime, Utc};

use super::rows::{from_millis, to_millis};
use super::{Columns, Conn, FromColumns, args, keys};
use crate::domain::{Pause, PauseId};
use crate::receipts::{Notary, PublicKey, Receipt, SigningKey, receipt_hash};
use crate::store::StoreError;

impl FromColumns for Receipt {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            seq: row.int(0)?,
            pause_id: row.text(1)?,
            kid: row.text(2)?,
            hash: row.text(3)?,
            jws: row.text(4)?,
            log_index: row.opt_int(5)?.map(|i| i as u64),
        })
    }
}

const RECEIPT_COLUMNS: &str = "seq, pause_id, kid, hash, jws, log_index";

/// Signs `pause`, just settled, and stores its receipt. Its number comes
/// from the table (a sequence on PostgreSQL, the rowid on SQLite), so
/// settling transactions never wait for each other here; the log's
/// integrator gives it its place in the log later.
pub async fn append<C: Conn>(
    c: &mut C,
    notary: &Notary,
    pause: &Pause,
    now: DateTime<Utc>,
) -> Result<Receipt, StoreError> {
    let jws = notary.seal(pause).map_err(StoreError::internal)?;
    let (kid, hash) = (notary.key().public().kid.clone(), receipt_hash(&jws));
    let seq: Option<i64> = c
        .fetch_optional(
            "INSERT INTO receipts (pause_id, kid, hash, jws, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING seq"
                .into(),
            args![
                pause.id.as_str(),
                kid.as_str(),
                hash.as_str(),
                jws.as_str(),
                to_millis(now)
            ],
        )
        .await?;
    let seq = seq.ok_or_else(|| StoreError::internal("the receipt got no number"))?;
    Ok(Receipt {
        seq,
        pause_id: pause.id.to_string(),
        kid,
        hash,
        jws,
        log_index: None,
    })
}

/// The receipt of pause `id`, if it has one.
pub async fn of_pause<C: Conn>(c: &mut C, id: &PauseId) -> Result<Option<Receipt>, StoreError> {
    let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE pause_id = $1");
    c.fetch_optional(sql.into(), args![id.as_str()]).await
}

/// Up to `limit` receipts after `after_seq`, in chain order.
pub async fn page<C: Conn>(
    c: &mut C,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<Receipt>, StoreError> {
    let sql =
        format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE seq > $1 ORDER BY seq LIMIT $2");
    c.fetch_all(sql.into(), args![after_seq, i64::from(limit)])
        .await
}

/// Settled pauses with no receipt, with when they settled, oldest first.
pub async fn unreceipted<C: Conn>(c: &mut C) -> Result<Vec<(PauseId, DateTime<Utc>)>, StoreError> {
    let rows: Vec<(String, i64)> = c
        .fetch_all(
            "SELECT p.id, COALESCE(p.decided_at, p.created_at) FROM pauses p \
             LEFT JOIN receipts r ON r.pause_id = p.id \
             WHERE p.state <> 'pending' AND r.seq IS NULL ORDER BY 2"
                .into(),
            Vec::new(),
        )
        .await?;
    rows.into_iter()
        .map(|(id, at)| Ok((PauseId::from_stored(id), from_millis(at)?)))
        .collect()
}

/// Every key that signed receipts here, the current one first.
pub async fn public_keys<C: Conn>(c: &mut C) -> Result<Vec<PublicKey>, StoreError> {
    let xs = keys::public_texts::<C, SigningKey>(c).await?;
    Ok(xs.into_iter().map(PublicKey::from_x).collect())
}

/// The key to sign receipts with from now on: `configured` when given,
/// else the newest stored key, else a new one (see [`keys`]).
pub async fn choose_key<C: Conn>(
    c: &mut C,
    configured: Option<SigningKey>,
    now: DateTime<Utc>,
) -> Result<SigningKey, StoreError> {
    keys::choose(c, configured, now).await
}
