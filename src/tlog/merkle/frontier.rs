//! [`Frontier`]: the right edge of a growing tree, so the root of every
//! prefix is known as leaves stream past in O(log n) memory. A verifier
//! rebuilding a log reads each entry once and checks every checkpoint on
//! the way, without keeping the leaves.

use super::{Hash, empty_root, node_hash};

/// The roots of the perfect subtrees a tree of `size` leaves splits into
/// (RFC 9162 §2.1.1: the largest power of two on the left, recursively).
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// Largest subtree first: one per bit set in `size`.
    roots: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves it has taken.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash: equal-sized subtrees merge, as adding one
    /// carries through the binary digits of the size.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.roots.pop().expect("one root per bit set");
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.roots.push(hash);
        self.size += 1;
    }

    /// The root of the tree so far (`MTH` of every leaf pushed).
    pub fn root(&self) -> Hash {
        let mut roots = self.roots.iter().rev();
        let Some(last) = roots.next() else {
            return empty_root();
        };
        roots.fold(*last, |right, left| node_hash(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::merkle::{leaf_hash, root_of};

    #[test]
    fn every_prefix_root_matches_the_root_computed_from_all_its_leaves() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), empty_root());
        for (n, leaf) in leaves.iter().enumerate() {
            frontier.push(*leaf);
            assert_eq!(frontier.root(), root_of(&leaves[..=n]), "size {}", n + 1);
        }
        assert_eq!(frontier.size(), 300);
        assert_eq!(frontier.roots.len(), 300u32.count_ones() as usize);
    }
}
