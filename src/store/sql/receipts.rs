//! Receipts and their keys: appending a pause's receipt to the chain in
//! the transaction that settles it, reading receipts back, and choosing
//! the signing key at start-up (the configured one, else the stored one,
//! else a new one), keeping every key that ever signed published.

use chrono::{DateTime, Utc};

use super::rows::{from_millis, to_millis};
use super::{Columns, Conn, FromColumns, args};
use crate::domain::{Pause, PauseId};
use crate::receipts::{Notary, PublicKey, Receipt, SigningKey};
use crate::store::StoreError;

impl FromColumns for Receipt {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            seq: row.int(0)?,
            pause_id: row.text(1)?,
            kid: row.text(2)?,
            hash: row.text(3)?,
            jws: row.text(4)?,
        })
    }
}

impl FromColumns for (i64, String) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok((row.int(0)?, row.text(1)?))
    }
}

const RECEIPT_COLUMNS: &str = "seq, pause_id, kid, hash, jws";

/// Signs `pause`, just settled, and appends its receipt to the chain. On
/// PostgreSQL the chain's lock is taken first, so two settling
/// transactions never both follow the same receipt.
pub async fn append<C: Conn>(
    c: &mut C,
    notary: &Notary,
    pause: &Pause,
    now: DateTime<Utc>,
) -> Result<Receipt, StoreError> {
    if let Some(lock) = C::DIALECT.chain_lock {
        c.execute(lock.into(), Vec::new()).await?;
    }
    let head: Option<(i64, String)> = c
        .fetch_optional(
            "SELECT seq, hash FROM receipts ORDER BY seq DESC LIMIT 1".into(),
            Vec::new(),
        )
        .await?;
    let receipt = notary.seal(pause, head).map_err(StoreError::internal)?;
    c.execute(
        "INSERT INTO receipts (seq, pause_id, kid, hash, jws, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
            .into(),
        args![
            receipt.seq,
            receipt.pause_id.as_str(),
            receipt.kid.as_str(),
            receipt.hash.as_str(),
            receipt.jws.as_str(),
            to_millis(now)
        ],
    )
    .await?;
    Ok(receipt)
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
    let xs: Vec<String> = c
        .fetch_all(
            "SELECT public_key FROM receipt_keys \
             ORDER BY retired_at IS NOT NULL, created_at DESC, kid"
                .into(),
            Vec::new(),
        )
        .await?;
    Ok(xs.into_iter().map(PublicKey::from_x).collect())
}

/// The key to sign with from now on: `configured` when given (its public
/// half recorded), else the newest stored key, else a new one, stored.
/// Every other key is marked retired, and stays published.
pub async fn choose_key<C: Conn>(
    c: &mut C,
    configured: Option<SigningKey>,
    now: DateTime<Utc>,
) -> Result<SigningKey, StoreError> {
    let key = match configured {
        Some(key) => {
            record_key(c, &key, None, now).await?;
            key
        }
        None => match stored_key(c).await? {
            Some(key) => key,
            None => {
                let key = SigningKey::generate().map_err(StoreError::internal)?;
                record_key(c, &key, Some(key.to_stored()), now).await?;
                key
            }
        },
    };
    c.execute(
        "UPDATE receipt_keys SET retired_at = CASE WHEN kid = $1 THEN NULL ELSE \
         COALESCE(retired_at, $2) END"
            .into(),
        args![key.public().kid.as_str(), to_millis(now)],
    )
    .await?;
    Ok(key)
}

async fn stored_key<C: Conn>(c: &mut C) -> Result<Option<SigningKey>, StoreError> {
    let stored: Option<String> = c
        .fetch_optional(
            "SELECT private_key FROM receipt_keys WHERE private_key IS NOT NULL \
             ORDER BY retired_at IS NOT NULL, created_at DESC LIMIT 1"
                .into(),
            Vec::new(),
        )
        .await?;
    stored
        .map(|text| SigningKey::from_stored(&text).map_err(StoreError::internal))
        .transpose()
}

async fn record_key<C: Conn>(
    c: &mut C,
    key: &SigningKey,
    private: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO receipt_keys (kid, public_key, private_key, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO NOTHING"
            .into(),
        args![
            key.public().kid.as_str(),
            key.public().x.as_str(),
            private,
            to_millis(now)
        ],
    )
    .await?;
    Ok(())
}
