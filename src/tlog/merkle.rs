//! The Merkle tree of RFC 9162 §2.1 (identical to RFC 6962 §2.1), over
//! SHA-256: `MTH({}) = SHA-256()`, a leaf is `SHA-256(0x00 || entry)`, a
//! node `SHA-256(0x01 || left || right)`, and a tree of `n > 1` leaves
//! splits at `k`, the largest power of two below `n`, so odd nodes are
//! never duplicated or padded.
//!
//! Proofs are made from a [`HashReader`]: anything that can give the
//! hash of a *complete* subtree, `(level, index)` covering leaves
//! `index·2^level .. (index+1)·2^level`. Every hash a proof needs (the
//! RFC's `MTH(D[a:b])` for the ranges of §2.1.3.1 and §2.1.4.1) is cut
//! into complete subtrees, all of them asked for in one call, then folded
//! right to left. So a proof costs one read of O(log n) hashes: a store
//! keeping the leaf hashes and the hashes of full tiles (see
//! [`crate::tlog::tiles::Tiled`]) never loads the whole tree.
//!
//! Verification ([`verify`]) follows RFC 9162 §2.1.3.2 and §2.1.4.2
//! step by step, with the edge rules of transparency-dev/merkle's
//! `proof/verify.go`: a consistency proof from an empty tree is refused
//! as meaningless (checked before equal sizes), equal sizes need an empty
//! proof and equal roots, and otherwise an empty proof is refused.

mod frontier;
mod verify;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use sha2::{Digest, Sha256};

pub use frontier::Frontier;
pub use verify::{VerifyError, verify_consistency, verify_inclusion};

/// A SHA-256 hash, as every node of the tree is.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// An entry's leaf hash, `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// An interior node's hash, `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of a tree whose leaf hashes are `leaves`, in order.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [leaf] => *leaf,
        _ => {
            let k = split(leaves.len() as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// The largest power of two strictly below `n` (for `n ≥ 2`).
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// A complete subtree: `2^level` leaves starting at leaf `index·2^level`.
/// Level 0 is a single leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    /// Its height above the leaves, 0 to 63.
    pub level: u8,
    /// Its position among the subtrees of that level, from 0.
    pub index: u64,
}

impl Subtree {
    /// The leaves it covers, or `None` if they overflow a `u64`.
    pub fn leaves(&self) -> Option<Range<u64>> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        Some(start..start.checked_add(width)?)
    }
}

/// Gives the hashes of complete subtrees: a store of leaf hashes, of
/// tiles, or a slice of leaf hashes in memory (`[Hash]` is one).
pub trait HashReader {
    /// Why a read failed.
    type Error;
    /// The hashes of `subtrees`, in the same order and as many.
    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, Self::Error>;
}

/// A subtree a slice of leaf hashes does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the subtree at level {}, index {} is not within the {leaves} leaves given", .subtree.level, .subtree.index)]
pub struct MissingSubtree {
    /// The subtree asked for.
    pub subtree: Subtree,
    /// How many leaves there were.
    pub leaves: u64,
}

impl HashReader for [Hash] {
    type Error = MissingSubtree;

    fn read_hashes(&self, subtrees: &[Subtree]) -> Result<Vec<Hash>, MissingSubtree> {
        let missing = |subtree: Subtree| MissingSubtree {
            subtree,
            leaves: self.len() as u64,
        };
        subtrees
            .iter()
            .map(|&subtree| {
                let range = subtree.leaves().ok_or_else(|| missing(subtree))?;
                let range = usize::try_from(range.start).unwrap_or(usize::MAX)
                    ..usize::try_from(range.end).unwrap_or(usize::MAX);
                let leaves = self.get(range).ok_or_else(|| missing(subtree))?;
                Ok(root_of(leaves))
            })
            .collect()
    }
}

/// Why a proof or root could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProveError<E> {
    /// An argument does not fit the tree; the message names it.
    #[error("{0}")]
    OutOfRange(String),
    /// The hash reader failed.
    #[error("reading the tree's hashes: {0}")]
    Read(E),
    /// The hash reader broke its contract.
    #[error("the hash reader gave {got} hashes for {wanted} subtrees")]
    ReaderCount {
        /// How many were asked for.
        wanted: usize,
        /// How many came back.
        got: usize,
    },
}

/// The root of the first `size` leaves.
pub fn tree_root<R: HashReader + ?Sized>(
    size: u64,
    reader: &R,
) -> Result<Hash, ProveError<R::Error>> {
    if size == 0 {
        return Ok(empty_root());
    }
    let whole = 0..size;
    Ok(range_hashes(std::slice::from_ref(&whole), reader)?[0])
}

/// The inclusion proof (RFC 9162 §2.1.3.1 `PATH`) of leaf `index` in the
/// tree of the first `size` leaves, the leaf's sibling first.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if index >= size {
        let message = format!("the leaf index {index} is not below the tree size {size}");
        return Err(ProveError::OutOfRange(message));
    }
    let (mut lo, mut hi) = (0, size);
    let mut ranges = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            ranges.push(lo + k..hi);
            hi = lo + k;
        } else {
            ranges.push(lo..lo + k);
            lo += k;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, reader)
}

/// The consistency proof (RFC 9162 §2.1.4.1 `PROOF(m, D[n])`) that the
/// tree of `first` leaves is a prefix of the tree of `second`. Empty when
/// the sizes are equal; an empty first tree is refused as meaningless.
pub fn consistency_proof<R: HashReader + ?Sized>(
    first: u64,
    second: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if first == 0 || first > second {
        let message = format!("the first tree size {first} is not within 1..={second}");
        return Err(ProveError::OutOfRange(message));
    }
    // SUBPROOF(m, D[lo:hi], whole) unrolled: `m` is relative to `lo`.
    let (mut lo, mut hi, mut m, mut whole) = (0, second, first, true);
    let mut ranges = Vec::new();
    while m != hi - lo {
        let k = split(hi - lo);
        if m <= k {
            ranges.push(lo + k..hi);
            hi = lo + k;
        } else {
            ranges.push(lo..lo + k);
            lo += k;
            m -= k;
            whole = false;
        }
    }
    if !whole {
        ranges.push(lo..hi);
    }
    ranges.reverse();
    range_hashes(&ranges, reader)
}

/// `MTH` of each range of leaves, read in one call. Every range starts
/// at a multiple of a power of two at least its length (the RFC's
/// recursion only makes such ranges), so cutting it greedily into the
/// largest aligned subtrees and folding them right to left gives its
/// `MTH`.
fn range_hashes<R: HashReader + ?Sized>(
    ranges: &[Range<u64>],
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    let plans: Vec<Vec<Subtree>> = ranges.iter().map(|r| subtrees_of(r.clone())).collect();
    let wanted: Vec<Subtree> = plans
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let got = reader.read_hashes(&wanted).map_err(ProveError::Read)?;
    if got.len() != wanted.len() {
        let (wanted, got) = (wanted.len(), got.len());
        return Err(ProveError::ReaderCount { wanted, got });
    }
    let known: HashMap<Subtree, Hash> = wanted.into_iter().zip(got).collect();
    let fold = |plan: &Vec<Subtree>| {
        let mut hashes = plan.iter().rev().map(|subtree| known[subtree]);
        let last = hashes.next().expect("a range is never empty");
        hashes.fold(last, |right, left| node_hash(&left, &right))
    };
    Ok(plans.iter().map(fold).collect())
}

/// The largest aligned complete subtrees that make up `range`, left to
/// right.
fn subtrees_of(range: Range<u64>) -> Vec<Subtree> {
    let (mut lo, hi) = (range.start, range.end);
    let mut subtrees = Vec::new();
    while lo < hi {
        let level = lo.trailing_zeros().min((hi - lo).ilog2());
        subtrees.push(Subtree {
            level: level as u8,
            index: lo >> level,
        });
        lo += 1 << level;
    }
    subtrees
}

#[cfg(test)]
mod tests;
