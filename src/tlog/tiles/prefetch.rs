//! [`Prefetched`]: stored hashes held in memory, which records the ranges
//! it was asked for and lacked. The tree's functions read synchronously,
//! while a log's hashes live in a database or behind HTTP; a caller runs
//! the computation, fetches what [`Prefetched::take_missing`] names in one
//! round trip, adds it, and runs it again. Proofs touch O(log n) ranges,
//! so two or three rounds settle any of them.

use std::cell::RefCell;
use std::collections::HashMap;

use super::super::merkle::Hash;
use super::stored::{StoredHashes, StoredRange};

/// The ranges a [`Prefetched`] was asked for and did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ranges of stored hashes are not fetched yet", .0.len())]
pub struct NotFetched(pub Vec<StoredRange>);

/// Stored hashes by tile level and index, filled by the caller.
#[derive(Debug, Default)]
pub struct Prefetched {
    known: HashMap<(u8, u64), Hash>,
    missing: RefCell<Vec<StoredRange>>,
}

impl Prefetched {
    /// Adds `hashes`, the stored hashes at `tile_level` from `start`.
    pub fn add(&mut self, tile_level: u8, start: u64, hashes: &[Hash]) {
        for (offset, hash) in (0u64..).zip(hashes) {
            self.known.insert((tile_level, start + offset), *hash);
        }
    }

    /// The ranges asked for since the last call that were not all held,
    /// each once.
    pub fn take_missing(&self) -> Vec<StoredRange> {
        let mut missing = self.missing.take();
        missing.sort_by_key(|r| (r.tile_level, r.start, r.count));
        missing.dedup();
        missing
    }

    fn range(&self, range: &StoredRange) -> Option<Vec<Hash>> {
        (range.start..range.start + range.count)
            .map(|index| self.known.get(&(range.tile_level, index)).copied())
            .collect()
    }
}

impl StoredHashes for Prefetched {
    type Error = NotFetched;

    fn read_stored(&self, ranges: &[StoredRange]) -> Result<Vec<Vec<Hash>>, NotFetched> {
        let mut found = Vec::with_capacity(ranges.len());
        let mut lacking = Vec::new();
        for range in ranges {
            match self.range(range) {
                Some(hashes) => found.push(hashes),
                None => lacking.push(*range),
            }
        }
        if lacking.is_empty() {
            return Ok(found);
        }
        self.missing.borrow_mut().extend(lacking.iter().copied());
        Err(NotFetched(lacking))
    }
}

impl<S: StoredHashes + ?Sized> StoredHashes for &S {
    type Error = S::Error;

    fn read_stored(&self, ranges: &[StoredRange]) -> Result<Vec<Vec<Hash>>, S::Error> {
        (**self).read_stored(ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::merkle::{inclusion_proof, leaf_hash};
    use crate::tlog::tiles::{Tiled, grow};

    /// A log of `n` leaves stored per tile level, as a database would hold it.
    fn stored(n: u64) -> (Vec<Hash>, HashMap<(u8, u64), Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let added = grow(&Prefetched::default(), 0, &leaves).unwrap();
        let mut full = Prefetched::default();
        full.add(0, 0, &leaves);
        for grown in added {
            full.add(grown.tile_level, grown.start, &grown.hashes);
        }
        (leaves, full.known)
    }

    #[test]
    fn a_proof_made_through_rounds_of_fetching_matches_one_made_from_everything() {
        let (leaves, everything) = stored(70_000);
        let mut cache = Prefetched::default();
        let mut rounds = 0;
        let proof = loop {
            match inclusion_proof(12_345, 70_000, &Tiled(&cache)) {
                Ok(proof) => break proof,
                Err(_) => {
                    for range in cache.take_missing() {
                        let hashes: Vec<Hash> = (range.start..range.start + range.count)
                            .map(|i| everything[&(range.tile_level, i)])
                            .collect();
                        cache.add(range.tile_level, range.start, &hashes);
                    }
                    rounds += 1;
                }
            }
        };
        assert_eq!(proof, inclusion_proof(12_345, 70_000, &leaves[..]).unwrap());
        assert!(rounds <= 2, "fetched in {rounds} rounds");
        assert!(
            cache.known.len() < 1_000,
            "fetched only what the proof needs"
        );
    }

    #[test]
    fn a_range_held_only_in_part_is_reported_missing_once() {
        let mut cache = Prefetched::default();
        cache.add(0, 0, &[[1; 32], [2; 32]]);
        let range = StoredRange {
            tile_level: 0,
            start: 1,
            count: 2,
        };
        assert!(cache.read_stored(&[range, range]).is_err());
        assert_eq!(cache.take_missing(), vec![range]);
        assert!(cache.take_missing().is_empty());
    }
}
