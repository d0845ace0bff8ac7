use super::*;
use crate::tlog::merkle::{Hash, leaf_hash, root_of};
use crate::tlog::testing::test_entries;

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

#[test]
fn a_tile_index_is_written_in_groups_of_three_digits() {
    assert_eq!(index_path(1234067), "x001/x234/067");
    assert_eq!(index_path(0), "000");
    assert_eq!(index_path(1000), "x001/000");
    assert_eq!(index_path(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
}

/// `(level, full tiles, partial width)` for each level of a tree; a
/// partial tile always follows its level's full ones.
fn shape(size: u64) -> Vec<(u8, u64, u16)> {
    let shape = tiles_for_size(size);
    for tiles in &shape {
        if let Some(partial) = tiles.partial {
            assert_eq!((partial.level, partial.index), (tiles.level, tiles.full));
        }
    }
    let width = |tiles: &LevelTiles| tiles.partial.map_or(0, |p| p.width);
    shape.iter().map(|t| (t.level, t.full, width(t))).collect()
}

#[test]
fn the_seventy_thousand_leaf_tree_has_the_tiles_the_spec_lists() {
    assert_eq!(shape(70000), [(0, 273, 112), (1, 1, 17), (2, 0, 1)]);
    assert_eq!(new_tiles(0, 70000).len(), 273 + 1 + 1 + 1 + 1);
}

#[test]
fn a_full_tile_starts_a_partial_tile_one_level_up() {
    assert_eq!(shape(256), [(0, 1, 0), (1, 0, 1)]);
    assert_eq!(shape(255), [(0, 0, 255)]);
    assert!(shape(0).is_empty());
    assert_eq!(partial_width(0, 70000), 112);
    assert_eq!(full_tiles(1, 70000), 1);
}

#[test]
fn growing_a_tree_adds_only_the_tiles_that_changed() {
    assert_eq!(
        new_tiles(300, 310),
        [Tile {
            level: 0,
            index: 1,
            width: 54
        }]
    );
    assert_eq!(
        new_tiles(300, 512),
        [
            Tile {
                level: 0,
                index: 1,
                width: 256
            },
            Tile {
                level: 1,
                index: 0,
                width: 2
            }
        ]
    );
    assert!(new_tiles(300, 300).is_empty());
}

#[test]
fn tile_paths_round_trip() {
    let tile = Tile {
        level: 0,
        index: 1234067,
        width: 8,
    };
    assert_eq!(tile.path(), "tile/0/x001/x234/067.p/8");
    assert_eq!(tile.entries_path(), "tile/entries/x001/x234/067.p/8");
    assert_eq!(parse_tile_path(&tile.path()), Ok(TilePath::Hashes(tile)));
    assert_eq!(
        parse_tile_path(&tile.entries_path()),
        Ok(TilePath::Entries(tile))
    );
    let full = Tile {
        level: 2,
        index: 5,
        width: 256,
    };
    assert_eq!(full.path(), "tile/2/005");
    assert_eq!(parse_tile_path("tile/2/005"), Ok(TilePath::Hashes(full)));
}

#[test]
fn tile_paths_written_any_other_way_are_refused() {
    let refused = [
        "tile/00/000",
        "tile/0/x000/001",
        "tile/0/1",
        "tile/0/0001",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/64/000",
        "tiles/0/000",
        "tile/0/000/",
        "tile/0/x001",
        "tile/0/001/x002",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/entries/000.p/",
        "tile/0",
    ];
    for path in refused {
        assert!(
            matches!(parse_tile_path(path), Err(TileError::Path { .. })),
            "{path}"
        );
    }
}

#[test]
fn the_eight_test_entries_give_the_published_bundle_and_level_zero_tile() {
    let entries = test_entries();
    let bundle = entry_bundle(&entries).unwrap();
    let want = "0000000100000110000220210002303100044041424300085051525354555657\
                0010606162636465666768696a6b6c6d6e6f";
    assert_eq!(hex::encode(&bundle), want);
    let parsed = parse_entry_bundle(&bundle, 8).unwrap();
    assert_eq!(
        parsed,
        entries.iter().map(Vec::as_slice).collect::<Vec<_>>()
    );
    let hashes: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    let tile = Tile {
        level: 0,
        index: 0,
        width: 8,
    };
    assert_eq!(tile.hashes(hashes.as_slice()).unwrap(), hashes.concat());
}

#[test]
fn an_entry_over_65535_bytes_is_refused_and_a_bundle_must_frame_exactly() {
    let largest = vec![1u8; MAX_ENTRY_SIZE];
    assert!(entry_bundle(std::slice::from_ref(&largest)).is_ok());
    let too_large = vec![1u8; MAX_ENTRY_SIZE + 1];
    assert_eq!(
        entry_bundle(&[largest, too_large]),
        Err(TileError::EntryTooLarge {
            position: 1,
            bytes: 65536
        })
    );
    assert!(entry_bundle::<Vec<u8>>(&[]).is_err());
    assert!(entry_bundle(&vec![vec![0u8]; 257]).is_err());
    let bundle = entry_bundle(&test_entries()).unwrap();
    assert!(parse_entry_bundle(&bundle, 7).is_err());
    assert!(parse_entry_bundle(&bundle[..bundle.len() - 1], 8).is_err());
    assert!(parse_entry_bundle(&[0], 1).is_err());
}

#[test]
fn a_tile_fits_a_tree_only_once_its_hashes_are_complete() {
    let cases = [
        ((1, 0, 1), 256, true),
        ((1, 0, 1), 255, false),
        ((0, 0, 256), 256, true),
        ((0, 1, 1), 256, false),
        ((0, 1, 1), 257, true),
        ((7, 0, 1), u64::MAX, true),
        ((8, 0, 1), u64::MAX, false),
        ((0, 0, 0), 10, false),
    ];
    for ((level, index, width), size, fits) in cases {
        let tile = Tile {
            level,
            index,
            width,
        };
        assert_eq!(tile.fits(size), fits, "{tile:?} in {size}");
    }
}

#[test]
fn a_level_one_tile_holds_the_roots_of_full_level_zero_tiles() {
    let all = leaves(600);
    let tile = Tile {
        level: 1,
        index: 0,
        width: 2,
    };
    let want = [root_of(&all[..256]), root_of(&all[256..512])].concat();
    assert_eq!(tile.hashes(all.as_slice()).unwrap(), want);
    assert!(
        Tile {
            level: 1,
            index: 0,
            width: 3
        }
        .hashes(all.as_slice())
        .is_err()
    );
}
