use std::cell::{Cell, RefCell};

use super::*;
use crate::tlog::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, tree_root, verify_consistency, verify_inclusion,
};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// Hashes per tile level in memory, counting how many are read.
#[derive(Default)]
struct Levels {
    levels: RefCell<Vec<Vec<Hash>>>,
    read: Cell<u64>,
}

impl StoredHashes for Levels {
    type Error = String;

    fn read_stored(&self, ranges: &[StoredRange]) -> Result<Vec<Vec<Hash>>, String> {
        let levels = self.levels.borrow();
        let read = |r: &StoredRange| {
            self.read.set(self.read.get() + r.count);
            let level = levels
                .get(usize::from(r.tile_level))
                .ok_or("no such level")?;
            let hashes = level.get(r.start as usize..(r.start + r.count) as usize);
            hashes
                .map(<[Hash]>::to_vec)
                .ok_or_else(|| format!("{r:?} is not stored"))
        };
        ranges.iter().map(read).collect()
    }
}

/// Appends `all` in batches of varied sizes, storing what [`grow`] adds.
fn grown(all: &[Hash]) -> Tiled<Levels> {
    let store = Levels::default();
    let (mut old, mut batch) = (0, 1);
    while old < all.len() {
        let leaves = &all[old..(old + batch).min(all.len())];
        let added = grow(&store, old as u64, leaves).unwrap();
        let mut levels = store.levels.borrow_mut();
        levels.resize(8, Vec::new());
        levels[0].extend_from_slice(leaves);
        for new in added {
            assert_eq!(levels[usize::from(new.tile_level)].len() as u64, new.start);
            levels[usize::from(new.tile_level)].extend(new.hashes);
        }
        old += leaves.len();
        batch = batch * 3 % 1999 + 1;
    }
    Tiled(store)
}

#[test]
fn growing_stores_the_root_of_every_full_tile_at_each_level() {
    let all = leaves(70000);
    let tiled = grown(&all);
    let levels = tiled.0.levels.borrow();
    assert_eq!(
        levels[1],
        all.chunks_exact(256).map(root_of).collect::<Vec<_>>()
    );
    assert_eq!(levels[2], [root_of(&all[..65536])]);
    assert!(levels[3].is_empty());
}

#[test]
fn proofs_from_stored_tiles_verify_and_read_a_few_hundred_hashes_not_the_tree() {
    let all = leaves(70000);
    let tiled = grown(&all);
    let sizes = [
        1, 200, 255, 256, 257, 40000, 65535, 65536, 65537, 69999, 70000,
    ];
    let roots: std::collections::HashMap<u64, Hash> = sizes
        .iter()
        .map(|&n| (n, root_of(&all[..n as usize])))
        .collect();
    for n in sizes {
        assert_eq!(tree_root(n, &tiled).unwrap(), roots[&n], "root of {n}");
        for m in sizes.into_iter().map(|m| m - 1).filter(|m| *m < n) {
            tiled.0.read.set(0);
            let proof = inclusion_proof(m, n, &tiled).unwrap();
            assert!(
                tiled.0.read.get() < 1200,
                "{} hashes read",
                tiled.0.read.get()
            );
            verify_inclusion(&all[m as usize], m, n, &proof, &roots[&n]).unwrap();
            if roots.contains_key(&m) {
                let proof = consistency_proof(m, n, &tiled).unwrap();
                verify_consistency(m, n, &proof, &roots[&m], &roots[&n]).unwrap();
            }
        }
    }
}

#[test]
fn a_store_that_returns_too_few_hashes_is_caught() {
    struct Short;
    impl StoredHashes for Short {
        type Error = String;
        fn read_stored(&self, ranges: &[StoredRange]) -> Result<Vec<Vec<Hash>>, String> {
            Ok(ranges.iter().map(|_| Vec::new()).collect())
        }
    }
    let refused = inclusion_proof(0, 5, &Tiled(Short)).unwrap_err();
    assert!(
        refused.to_string().contains("the store gave 0 hashes"),
        "{refused}"
    );
}
