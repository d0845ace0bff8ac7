//! The transparency log's storage: the integrator's lease, integrating a
//! batch of receipts (their indexes, the tree's new hashes and a signed
//! checkpoint, in one transaction), and reading checkpoints, hashes,
//! entries and proofs back. The tree's arithmetic is [`crate::tlog`]'s;
//! this module only reads and writes its rows.
//!
//! # Why a lease row and not a lock
//!
//! One integrator at a time, elected by the `log_lease` row: whoever holds
//! an unexpired lease integrates, and each batch first extends the lease
//! with an `UPDATE … WHERE holder = me AND expires_at > now` in the same
//! transaction. That update fences a holder whose lease ran out (it
//! changes nothing, and the batch is abandoned) and, on PostgreSQL, locks
//! the row until commit, so a new holder cannot take over mid-batch. Row
//! locks and `ON CONFLICT` are all it needs: no advisory lock, which some
//! PostgreSQL-compatible engines lack. Each checkpoint's size is a primary
//! key and each receipt's index unique, so even a broken fence could not
//! write one index twice.

use chrono::{DateTime, Utc};

mod read;
mod store;

use super::rows::to_millis;
use super::{Args, Columns, Conn, FromColumns, args};
use crate::store::{Integration, StoreError};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Hash, leaf_hash, tree_root};
use crate::tlog::note::Signer;
use crate::tlog::tiles::{Prefetched, Tiled, grow};

use read::with_hashes;
pub use read::{checkpoint, checkpoints, consistency, entries, proof, read_ranges};

/// The lease row's name.
const LEASE: &str = "integrator";

/// A receipt waiting for its index: its number and its JWS.
struct Unlogged {
    seq: i64,
    jws: String,
}

impl FromColumns for Unlogged {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            seq: row.int(0)?,
            jws: row.text(1)?,
        })
    }
}

/// The stored log key: origin and hex seed.
struct KeyRow(String, String);

impl FromColumns for KeyRow {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self(row.text(0)?, row.text(1)?))
    }
}

/// Takes the integrator's lease for `holder` until `until`, or renews it:
/// whether `holder` holds it now.
pub async fn hold_lease<C: Conn>(
    c: &mut C,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = c
        .execute(
            "INSERT INTO log_lease (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             expires_at = excluded.expires_at \
             WHERE log_lease.holder = excluded.holder OR log_lease.expires_at <= $4"
                .into(),
            args![LEASE, holder, to_millis(until), to_millis(now)],
        )
        .await?;
    Ok(changed == 1)
}

/// Gives up `holder`'s lease, if it holds it.
pub async fn release<C: Conn>(c: &mut C, holder: &str) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM log_lease WHERE name = $1 AND holder = $2".into(),
        args![LEASE, holder],
    )
    .await?;
    Ok(())
}

/// Integrates up to `max` receipts not yet in the log, as `holder`, whose
/// lease is extended to `until` first (see the module docs): indexes
/// from the current size in the order the receipts were stored, the
/// tree's new hashes, and a checkpoint signed by `signer`.
pub async fn integrate<C: Conn>(
    c: &mut C,
    signer: &Signer,
    holder: &str,
    max: u32,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Integration, StoreError> {
    let fenced = c
        .execute(
            "UPDATE log_lease SET expires_at = $1 \
             WHERE name = $2 AND holder = $3 AND expires_at > $4"
                .into(),
            args![to_millis(until), LEASE, holder, to_millis(now)],
        )
        .await?;
    if fenced != 1 {
        return Ok(Integration::NotHolder);
    }
    let head = checkpoint(c).await?;
    let old = head.as_ref().map_or(0, |cp| cp.size);
    let pending: Vec<Unlogged> = c
        .fetch_all(
            "SELECT seq, jws FROM receipts WHERE log_index IS NULL ORDER BY seq LIMIT $1".into(),
            args![i64::from(max)],
        )
        .await?;
    if pending.is_empty() {
        if head.is_none() {
            // The empty log's checkpoint, so there is always one to serve.
            sign_checkpoint(c, signer, 0, crate::tlog::merkle::empty_root(), now).await?;
        }
        return Ok(Integration::UpToDate { size: old });
    }
    let leaves: Vec<Hash> = pending
        .iter()
        .map(|r| leaf_hash(r.jws.as_bytes()))
        .collect();
    let mut cache = Prefetched::default();
    let grown = with_hashes(c, &mut cache, |cache| grow(cache, old, &leaves)).await?;
    let mut rows = vec![(0u8, old, leaves)];
    rows.extend(grown.into_iter().map(|g| (g.tile_level, g.start, g.hashes)));
    for (level, start, hashes) in &rows {
        cache.add(*level, *start, hashes);
    }
    insert_hashes(c, &rows).await?;
    assign_indexes(c, &pending, old).await?;
    let new = old + pending.len() as u64;
    let root = with_hashes(c, &mut cache, |cache| tree_root(new, &Tiled(cache))).await?;
    sign_checkpoint(c, signer, new, root, now).await?;
    Ok(Integration::Grew { from: old, to: new })
}

/// Signs and stores the checkpoint of the tree of `size` entries.
async fn sign_checkpoint<C: Conn>(
    c: &mut C,
    signer: &Signer,
    size: u64,
    root: Hash,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let note = Checkpoint::new(signer.verifier().name(), size, root)
        .sign(signer)
        .map_err(StoreError::internal)?;
    c.execute(
        "INSERT INTO log_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)".into(),
        args![size as i64, hex::encode(root), note, to_millis(now)],
    )
    .await?;
    Ok(())
}

/// Stores `(tile level, first index, hashes)` rows in one statement.
async fn insert_hashes<C: Conn>(
    c: &mut C,
    rows: &[(u8, u64, Vec<Hash>)],
) -> Result<(), StoreError> {
    let mut values: Args = Vec::new();
    let mut tuples = Vec::new();
    for (level, start, hashes) in rows {
        for (offset, hash) in (0u64..).zip(hashes) {
            let n = values.len();
            tuples.push(format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
            values.extend(args![
                i64::from(*level),
                (start + offset) as i64,
                hex::encode(hash)
            ]);
        }
    }
    let sql = format!(
        "INSERT INTO log_hashes (tile_level, idx, hash) VALUES {}",
        tuples.join(", ")
    );
    c.execute(sql.into(), values).await?;
    Ok(())
}

/// Gives `pending` the indexes from `first`, in order, in one statement.
/// It finds the rows by primary key (`seq IN (…)`) and picks each index
/// with a `CASE`: joined with a `VALUES` list instead, SQLite scanned
/// every unlogged receipt once per row of the list.
async fn assign_indexes<C: Conn>(
    c: &mut C,
    pending: &[Unlogged],
    first: u64,
) -> Result<(), StoreError> {
    let mut values: Args = Vec::new();
    let (mut cases, mut seqs) = (Vec::new(), Vec::new());
    for (index, receipt) in (first..).zip(pending) {
        let n = values.len();
        cases.push(format!("WHEN ${} THEN ${}", n + 1, n + 2));
        seqs.push(format!("${}", n + 1));
        values.extend(args![receipt.seq, index as i64]);
    }
    let sql = format!(
        "UPDATE receipts SET log_index = CASE seq {} END \
         WHERE seq IN ({}) AND log_index IS NULL",
        cases.join(" "),
        seqs.join(", ")
    );
    let changed = c.execute(sql.into(), values).await?;
    if changed != pending.len() as u64 {
        return Err(StoreError::internal(format!(
            "{changed} of {} receipts took their log index: another integrator ran",
            pending.len()
        )));
    }
    Ok(())
}

/// The log's origin and hex signing seed: those stored, or else
/// `origin` and `seed`, stored now (the first replica to start wins any
/// race, and every replica then reads the same key).
pub async fn choose_key<C: Conn>(
    c: &mut C,
    origin: &str,
    seed: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<(String, String), StoreError> {
    c.execute(
        "INSERT INTO log_key (id, origin, seed, created_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO NOTHING"
            .into(),
        args![origin, hex::encode(seed), to_millis(now)],
    )
    .await?;
    stored_key(c)
        .await?
        .ok_or_else(|| StoreError::internal("no log key stored"))
}

/// The stored origin and hex seed, if the log has a key yet.
pub async fn stored_key<C: Conn>(c: &mut C) -> Result<Option<(String, String)>, StoreError> {
    let stored: Option<KeyRow> = c
        .fetch_optional(
            "SELECT origin, seed FROM log_key WHERE id = 1".into(),
            Vec::new(),
        )
        .await?;
    Ok(stored.map(|KeyRow(origin, seed)| (origin, seed)))
}
