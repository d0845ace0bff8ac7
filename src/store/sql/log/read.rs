//! Reading the transparency log back: the newest checkpoint, stored
//! hashes by range, entries by index, and proofs made from as few stored
//! hashes as the tree needs (read through [`Prefetched`]).

use std::fmt::Display;

use super::super::{Args, Columns, Conn, FromColumns, args};
use crate::domain::PauseId;
use crate::store::{LogCheckpoint, StoreError};
use crate::tlog::merkle::{Hash, consistency_proof, inclusion_proof};
use crate::tlog::proof::TlogProof;
use crate::tlog::tiles::{Prefetched, StoredRange, Tiled};

/// Rounds of reads a proof may take before the tree is deemed broken.
const MAX_ROUNDS: usize = 8;

impl FromColumns for LogCheckpoint {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            size: row.int(0)? as u64,
            note: row.text(1)?,
        })
    }
}

/// A stored hash: its tile level, index and hex value.
struct HashRow(u8, u64, String);

impl FromColumns for HashRow {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self(row.int(0)? as u8, row.int(1)? as u64, row.text(2)?))
    }
}

/// The newest checkpoint, if anything was integrated.
pub async fn checkpoint<C: Conn>(c: &mut C) -> Result<Option<LogCheckpoint>, StoreError> {
    c.fetch_optional(
        "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1".into(),
        Vec::new(),
    )
    .await
}

/// Runs `compute` over `cache`, reading the stored hashes it lacks from
/// the database between attempts (see [`Prefetched`]).
pub(super) async fn with_hashes<C: Conn, T, E: Display>(
    c: &mut C,
    cache: &mut Prefetched,
    compute: impl Fn(&Prefetched) -> Result<T, E>,
) -> Result<T, StoreError> {
    for _ in 0..MAX_ROUNDS {
        let error = match compute(cache) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let missing = cache.take_missing();
        if missing.is_empty() {
            return Err(StoreError::internal(format!("the log's tree: {error}")));
        }
        for (range, hashes) in missing.iter().zip(read_ranges(c, &missing).await?) {
            cache.add(range.tile_level, range.start, &hashes);
        }
    }
    Err(StoreError::internal("the log's tree took too many reads"))
}

/// The stored hashes of each range, in one query; an error if any is
/// incomplete (the tree lost a row).
pub async fn read_ranges<C: Conn>(
    c: &mut C,
    ranges: &[StoredRange],
) -> Result<Vec<Vec<Hash>>, StoreError> {
    let mut values: Args = Vec::new();
    let mut terms = Vec::new();
    for range in ranges {
        let n = values.len();
        terms.push(format!(
            "(tile_level = ${} AND idx >= ${} AND idx < ${})",
            n + 1,
            n + 2,
            n + 3
        ));
        let end = range.start + range.count;
        values.extend(args![
            i64::from(range.tile_level),
            range.start as i64,
            end as i64
        ]);
    }
    let sql = format!(
        "SELECT tile_level, idx, hash FROM log_hashes WHERE {} ORDER BY tile_level, idx",
        terms.join(" OR ")
    );
    let rows: Vec<HashRow> = c.fetch_all(sql.into(), values).await?;
    ranges.iter().map(|range| pick(&rows, range)).collect()
}

/// The hashes of `range` among `rows`, all of them or an error.
fn pick(rows: &[HashRow], range: &StoredRange) -> Result<Vec<Hash>, StoreError> {
    let within = |row: &&HashRow| {
        row.0 == range.tile_level && (range.start..range.start + range.count).contains(&row.1)
    };
    let hashes: Vec<Hash> = rows
        .iter()
        .filter(within)
        .map(|row| decode_hash(&row.2))
        .collect::<Result<_, _>>()?;
    if hashes.len() as u64 != range.count {
        return Err(StoreError::internal(format!(
            "the log's stored hashes at tile level {} from {} are incomplete",
            range.tile_level, range.start
        )));
    }
    Ok(hashes)
}

fn decode_hash(text: &str) -> Result<Hash, StoreError> {
    let bytes = hex::decode(text).map_err(StoreError::internal)?;
    bytes
        .try_into()
        .map_err(|_| StoreError::internal("a stored log hash is not 32 bytes"))
}

/// A logged receipt: its index and JWS.
struct Entry(u64, String);

impl FromColumns for Entry {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self(row.int(0)? as u64, row.text(1)?))
    }
}

/// The receipts held at log indexes `start..start + count`, in order,
/// with their indexes (a removed receipt leaves a gap).
pub async fn entries<C: Conn>(
    c: &mut C,
    start: u64,
    count: u64,
) -> Result<Vec<(u64, String)>, StoreError> {
    let rows: Vec<Entry> = c
        .fetch_all(
            "SELECT log_index, jws FROM receipts WHERE log_index >= $1 AND log_index < $2 \
             ORDER BY log_index"
                .into(),
            args![start as i64, (start + count) as i64],
        )
        .await?;
    Ok(rows.into_iter().map(|Entry(i, jws)| (i, jws)).collect())
}

/// Every checkpoint, smallest first.
pub async fn checkpoints<C: Conn>(c: &mut C) -> Result<Vec<LogCheckpoint>, StoreError> {
    c.fetch_all(
        "SELECT size, note FROM log_checkpoints ORDER BY size".into(),
        Vec::new(),
    )
    .await
}

/// The inclusion proof of pause `id`'s receipt in the newest checkpoint;
/// `None` until it is integrated.
pub async fn proof<C: Conn>(c: &mut C, id: &PauseId) -> Result<Option<TlogProof>, StoreError> {
    let index: Option<Option<i64>> = c
        .fetch_optional(
            "SELECT log_index FROM receipts WHERE pause_id = $1".into(),
            args![id.as_str()],
        )
        .await?;
    let (Some(Some(index)), Some(head)) = (index, checkpoint(c).await?) else {
        return Ok(None);
    };
    let index = index as u64;
    let mut cache = Prefetched::default();
    let path = with_hashes(c, &mut cache, |cache| {
        inclusion_proof(index, head.size, &Tiled(cache))
    })
    .await?;
    Ok(Some(TlogProof::new(index, path, head.note)))
}

/// The consistency proof from the tree of `first` entries to that of
/// `second`.
pub async fn consistency<C: Conn>(
    c: &mut C,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, StoreError> {
    let mut cache = Prefetched::default();
    with_hashes(c, &mut cache, |cache| {
        consistency_proof(first, second, &Tiled(cache))
    })
    .await
}
