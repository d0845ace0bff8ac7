use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::tlog::testing::test_leaves;

fn b64(text: &str) -> Hash {
    STANDARD.decode(text).unwrap().try_into().unwrap()
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
        .collect()
}

fn flip(hash: &Hash) -> Hash {
    let mut changed = *hash;
    changed[7] ^= 0x10;
    changed
}

#[test]
fn the_published_roots_of_the_eight_test_leaves_match_for_every_size() {
    let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let leaves = test_leaves();
    for (size, want) in roots.iter().enumerate() {
        assert_eq!(hex::encode(root_of(&leaves[..size])), *want, "size {size}");
        let from_reader = tree_root(size as u64, leaves.as_slice()).unwrap();
        assert_eq!(hex::encode(from_reader), *want, "size {size} by reader");
    }
}

#[test]
fn the_published_inclusion_and_consistency_proofs_are_made_and_verify() {
    let leaves = test_leaves();
    let root8 = b64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
    let path = [
        b64("lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c="),
        b64("Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4="),
        b64("a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="),
    ];
    assert_eq!(inclusion_proof(0, 8, leaves.as_slice()).unwrap(), path);
    verify_inclusion(&leaves[0], 0, 8, &path, &root8).unwrap();
    // testdata/consistency/1: from 1 to 8 the proof is the same path.
    assert_eq!(consistency_proof(1, 8, leaves.as_slice()).unwrap(), path);
    verify_consistency(1, 8, &path, &leaves[0], &root8).unwrap();
    // testdata/consistency/3: from 2 to 5.
    let (root2, root5) = (
        b64("+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="),
        b64("Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ="),
    );
    let proof = [
        b64("Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4="),
        b64("vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="),
    ];
    assert_eq!(consistency_proof(2, 5, leaves.as_slice()).unwrap(), proof);
    verify_consistency(2, 5, &proof, &root2, &root5).unwrap();
}

/// Every inclusion proof of a tree of `n` leaves verifies, and changing
/// any one hash, the root, the leaf, or the proof's length fails.
fn check_inclusion_proofs(all: &[Hash], n: u64) {
    let root = root_of(&all[..n as usize]);
    for m in 0..n {
        let leaf = &all[m as usize];
        let proof = inclusion_proof(m, n, all).unwrap();
        verify_inclusion(leaf, m, n, &proof, &root).unwrap();
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            bad[i] = flip(&bad[i]);
            assert!(
                verify_inclusion(leaf, m, n, &bad, &root).is_err(),
                "{m} in {n}, hash {i}"
            );
        }
        assert!(verify_inclusion(leaf, m, n, &proof, &flip(&root)).is_err());
        assert!(verify_inclusion(&flip(leaf), m, n, &proof, &root).is_err());
        let mut longer = proof.clone();
        longer.push(root);
        assert!(verify_inclusion(leaf, m, n, &longer, &root).is_err());
        if let Some((_, shorter)) = proof.split_last() {
            assert!(verify_inclusion(leaf, m, n, shorter, &root).is_err());
        }
    }
}

/// Every consistency proof into a tree of `n` leaves verifies, and
/// changing any one hash or either root fails.
fn check_consistency_proofs(all: &[Hash], n: u64) {
    let second = root_of(&all[..n as usize]);
    for m in 1..=n {
        let first = root_of(&all[..m as usize]);
        let proof = consistency_proof(m, n, all).unwrap();
        verify_consistency(m, n, &proof, &first, &second).unwrap();
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            bad[i] = flip(&bad[i]);
            assert!(
                verify_consistency(m, n, &bad, &first, &second).is_err(),
                "{m} to {n}, hash {i}"
            );
        }
        assert!(verify_consistency(m, n, &proof, &flip(&first), &second).is_err());
        assert!(verify_consistency(m, n, &proof, &first, &flip(&second)).is_err());
    }
}

#[test]
fn every_proof_in_trees_of_up_to_seventy_leaves_verifies_and_any_tampering_fails() {
    let all = leaves(70);
    for n in 1..=70 {
        check_inclusion_proofs(&all, n);
        check_consistency_proofs(&all, n);
    }
}

#[test]
fn a_consistency_proof_from_the_empty_tree_is_refused_even_between_equal_sizes() {
    let empty = empty_root();
    assert_eq!(
        verify_consistency(0, 0, &[], &empty, &empty),
        Err(VerifyError::EmptyFirstTree)
    );
    let all = leaves(5);
    assert!(consistency_proof(0, 5, all.as_slice()).is_err());
}

#[test]
fn consistency_edge_cases_are_refused_with_the_reason() {
    let all = leaves(5);
    let (root3, root5) = (root_of(&all[..3]), root_of(&all));
    assert_eq!(
        verify_consistency(5, 3, &[], &root5, &root3),
        Err(VerifyError::SizesReversed {
            first: 5,
            second: 3
        })
    );
    assert_eq!(verify_consistency(5, 5, &[], &root5, &root5), Ok(()));
    assert_eq!(
        verify_consistency(5, 5, &[root3], &root5, &root5),
        Err(VerifyError::SameSizeDiffers { size: 5 })
    );
    assert_eq!(
        verify_consistency(3, 5, &[], &root3, &root5),
        Err(VerifyError::WrongLength { hashes: 0 })
    );
    // A power-of-two first tree with an empty proof is still refused at
    // step 1, before its root would be prepended.
    let root4 = root_of(&all[..4]);
    assert!(verify_consistency(4, 5, &[], &root4, &root5).is_err());
}

#[test]
fn a_leaf_index_beyond_the_tree_is_refused_by_prover_and_verifier() {
    let all = leaves(4);
    let root = root_of(&all);
    let refused = inclusion_proof(4, 4, all.as_slice()).unwrap_err();
    assert!(refused.to_string().contains("leaf index 4"), "{refused}");
    assert_eq!(
        verify_inclusion(&all[0], 4, 4, &[], &root),
        Err(VerifyError::IndexBeyondSize { index: 4, size: 4 })
    );
}

#[test]
fn a_slice_of_leaves_refuses_a_subtree_it_does_not_hold() {
    let all = leaves(6);
    let beyond = Subtree { level: 2, index: 1 };
    let refused = all.as_slice().read_hashes(&[beyond]).unwrap_err();
    assert_eq!(refused.subtree, beyond);
    assert!(inclusion_proof(0, 8, all.as_slice()).is_err());
    let huge = Subtree {
        level: 63,
        index: 2,
    };
    assert!(all.as_slice().read_hashes(&[huge]).is_err());
}
