//! A [`HashReader`] over the hashes a log stores per tile level, and the
//! hashes a batch of new leaves adds to them.
//!
//! A store keeps, for each tile level `t`, the hashes of the complete
//! subtrees of height `8·t`: at level 0 its leaf hashes, at level 1 the
//! root of each full level-0 tile, at level 2 the root of each full
//! level-1 tile, and so on (exactly the contents of the full tiles, and
//! of the partial ones at level 0). Any complete subtree of height
//! `8·t + r` (`r < 8`) is then the root of `2^r` consecutive stored
//! hashes at level `t`, so a proof reads at most 128 hashes per subtree
//! it needs, in one [`StoredHashes::read_stored`] call.

use super::super::merkle::{Hash, HashReader, Subtree, root_of};

/// `count` stored hashes at `tile_level` from index `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRange {
    /// The tile level: its hashes are of subtrees of height `8·tile_level`.
    pub tile_level: u8,
    /// The first hash's index within the level.
    pub start: u64,
    /// How many, at most 256.
    pub count: u64,
}

/// The hashes a log stores per tile level (see the module docs).
pub trait StoredHashes {
    /// Why a read failed.
    type Error;
    /// The hashes of each range, in order, each exactly `count` long.
    fn read_stored(&self, ranges: &[StoredRange]) -> Result<Vec<Vec<Hash>>, Self::Error>;
}

/// Why reading through [`Tiled`] failed.
#[derive(Debug, thiserror::Error)]
pub enum TiledError<E> {
    /// The store failed.
    #[error("reading the stored hashes: {0}")]
    Read(E),
    /// The store gave the wrong number of hashes for a range.
    #[error("the store gave {got} hashes for {} at tile level {} from {}", .range.count, .range.tile_level, .range.start)]
    Count {
        /// The range asked for.
        range: StoredRange,
        /// How many came back.
        got: usize,
    },
    /// A subtree no tree of a `u64` size holds was asked for.
    #[error("the subtree at level {}, index {} is beyond any tree", .0.level, .0.index)]
    OutOfRange(Subtree),
}

/// A [`HashReader`] over a [`StoredHashes`].
#[derive(Debug, Clone)]
pub struct Tiled<S>(pub S);

impl<S: StoredHashes> HashReader for Tiled<S> {
    type Error = TiledError<S::Error>;

    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, Self::Error> {
        let ranges = subtrees
            .iter()
            .map(|&subtree| {
                let (tile_level, r) = (subtree.level / 8, subtree.level % 8);
                let count = 1u64 << r;
                let start = subtree.index.checked_mul(count);
                let start = start.ok_or(TiledError::OutOfRange(subtree))?;
                Ok(StoredRange {
                    tile_level,
                    start,
                    count,
                })
            })
            .collect::<Result<Vec<_>, Self::Error>>()?;
        let read = read_checked(&self.0, &ranges)?;
        Ok(read.iter().map(|hashes| root_of(hashes)).collect())
    }
}

fn read_checked<S: StoredHashes + ?Sized>(
    store: &S,
    ranges: &[StoredRange],
) -> Result<Vec<Vec<Hash>>, TiledError<S::Error>> {
    let read = store.read_stored(ranges).map_err(TiledError::Read)?;
    for (index, range) in ranges.iter().enumerate() {
        let got = read.get(index).map_or(0, Vec::len);
        if got as u64 != range.count {
            return Err(TiledError::Count { range: *range, got });
        }
    }
    Ok(read)
}

/// Hashes to add to one tile level, from index `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHashes {
    /// The tile level, 1 or more.
    pub tile_level: u8,
    /// The index of the first.
    pub start: u64,
    /// The hashes, in order.
    pub hashes: Vec<Hash>,
}

/// The hashes at tile levels 1 and up that appending `new_leaves` (leaf
/// hashes) to a tree of `old` leaves completes, lowest level first. The
/// store must hold the tree of `old` leaves; the new leaf hashes
/// themselves are level 0, which the caller stores as they are.
pub fn grow<S: StoredHashes + ?Sized>(
    store: &S,
    old: u64,
    new_leaves: &[Hash],
) -> Result<Vec<NewHashes>, TiledError<S::Error>> {
    let new = old + new_leaves.len() as u64;
    // The new hashes of the level below: level 0's are the new leaves.
    let (mut below, mut below_start) = (new_leaves.to_vec(), old);
    let mut added = Vec::new();
    for tile_level in 1..8u8 {
        let shift = 8 * u32::from(tile_level);
        let (start, end) = (old >> shift, new >> shift);
        if start == end {
            break;
        }
        // The first of the level below's 256 children of `start` may be
        // stored already; the rest are in `below`.
        let stored = StoredRange {
            tile_level: tile_level - 1,
            start: start * 256,
            count: below_start - start * 256,
        };
        let mut children = match stored.count {
            0 => Vec::new(),
            _ => read_checked(store, &[stored])?.remove(0),
        };
        children.extend_from_slice(&below);
        let hashes: Vec<Hash> = children
            .chunks_exact(256)
            .take((end - start) as usize)
            .map(root_of)
            .collect();
        (below, below_start) = (hashes.clone(), start);
        added.push(NewHashes {
            tile_level,
            start,
            hashes,
        });
    }
    Ok(added)
}

#[cfg(test)]
mod tests;
