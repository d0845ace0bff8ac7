//! Checking inclusion and consistency proofs, transcribed from RFC 9162
//! §2.1.3.2 and §2.1.4.2 (<https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2>);
//! `fn`/`sn` are the RFC's names. The edge rules outside the RFC follow
//! transparency-dev/merkle `proof/verify.go`, in its order.

use super::{Hash, node_hash};

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The leaf index is not in the tree.
    #[error("the leaf index {index} is not below the tree size {size}")]
    IndexBeyondSize {
        /// The leaf index claimed.
        index: u64,
        /// The tree size claimed.
        size: u64,
    },
    /// The proof has too many or too few hashes for the sizes.
    #[error("the proof has the wrong number of hashes ({hashes}) for these tree sizes")]
    WrongLength {
        /// How many it has.
        hashes: usize,
    },
    /// The proof leads to another root.
    #[error("the proof does not lead to the {which} root hash")]
    RootMismatch {
        /// `"tree's"`, `"first tree's"` or `"second tree's"`.
        which: &'static str,
    },
    /// The first tree is larger than the second.
    #[error("the first tree size {first} is larger than the second tree size {second}")]
    SizesReversed {
        /// The first tree's size.
        first: u64,
        /// The second tree's size.
        second: u64,
    },
    /// A consistency proof from the empty tree proves nothing.
    #[error("a consistency proof from an empty first tree is meaningless")]
    EmptyFirstTree,
    /// Two trees of one size differ, or come with a proof.
    #[error("two trees of size {size} must have no proof and the same root")]
    SameSizeDiffers {
        /// Their size.
        size: u64,
    },
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose
/// root is `root`, given its inclusion `proof` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexBeyondSize { index, size });
    }
    let wrong_length = VerifyError::WrongLength {
        hashes: proof.len(),
    };
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(VerifyError::RootMismatch { which: "tree's" });
    }
    Ok(())
}

/// Checks that the tree of `first` leaves with root `first_root` is a
/// prefix of the tree of `second` leaves with root `second_root`, given
/// the consistency `proof` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), VerifyError> {
    if second < first {
        return Err(VerifyError::SizesReversed { first, second });
    }
    if first == 0 {
        return Err(VerifyError::EmptyFirstTree);
    }
    if first == second {
        if proof.is_empty() && first_root == second_root {
            return Ok(());
        }
        return Err(VerifyError::SameSizeDiffers { size: first });
    }
    let wrong_length = VerifyError::WrongLength {
        hashes: proof.len(),
    };
    let (fr, sr) = consistency_roots(first, second, proof, first_root).ok_or(wrong_length)?;
    let which = match (fr == *first_root, sr == *second_root) {
        (true, true) => return Ok(()),
        (false, _) => "first tree's",
        (true, false) => "second tree's",
    };
    Err(VerifyError::RootMismatch { which })
}

/// Steps 1 to 7 of §2.1.4.2 but the final comparison: the two roots
/// the proof leads to, or `None` when its length does not fit the sizes.
fn consistency_roots(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_root: &Hash,
) -> Option<(Hash, Hash)> {
    if proof.is_empty() {
        return None;
    }
    // Step 2: when the first tree is a complete subtree, its root is the
    // proof's implicit first hash.
    let first_hash = first.is_power_of_two().then_some(first_root);
    let mut path = first_hash.into_iter().chain(proof);
    let start = path.next()?;
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*start, *start);
    for c in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some((fr, sr))
}
