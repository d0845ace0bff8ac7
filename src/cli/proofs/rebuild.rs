//! The tree rebuilt from a server's tiles (C2SP tlog-tiles,
//! <https://c2sp.org/tlog-tiles>) for `pausegate log verify URL`. Every
//! entry bundle is read in order; each entry's leaf hash
//! (`SHA-256(0x00 || entry)`, RFC 9162 §2.1.1) is compared with the
//! level-0 hash tile beside it and pushed into a [`Frontier`], which gives
//! the root to compare with the checkpoint's; each full tile's root is
//! carried into the tile above ([`Levels`]), which is fetched and compared
//! when it fills, or at the end as the partial tile of its width. So every
//! hash tile is checked against hashes computed from the entries, never
//! against another tile, and the verifier holds O(256 · levels) hashes
//! whatever the log's size. Each entry is also a receipt, checked with the
//! receipt keys given.

use super::fetch::LogServer;
use crate::receipts::{Jwks, verify};
use crate::tlog::merkle::{Frontier, Hash, leaf_hash, root_of};
use crate::tlog::tiles::{Tile, full_tiles, parse_entry_bundle, partial_width, tiles_for_size};

/// What the rebuild found.
pub(super) struct Rebuilt {
    /// The root of every entry, as the entries hash.
    pub root: Hash,
    /// The root of the first `since` entries.
    pub root_at_since: Option<Hash>,
    /// Entries that are receipts signed by one of the keys.
    pub receipts: u64,
    /// How many tile levels the tree has.
    pub levels: usize,
    /// One sentence per problem, naming the entry and the tile.
    pub problems: Vec<String>,
}

/// Rebuilds the tree of the first `size` entries of the log at `server`,
/// noting the root of the first `since`. An error when a tile cannot be
/// fetched or read at all.
pub(super) async fn rebuild(
    server: &LogServer,
    size: u64,
    since: u64,
    keys: &Jwks,
) -> Result<Rebuilt, String> {
    let mut rebuild = Rebuild {
        server,
        keys,
        since,
        frontier: Frontier::new(),
        levels: Levels::default(),
        found: Rebuilt {
            root: [0; 32],
            root_at_since: (since == 0).then(|| Frontier::new().root()),
            receipts: 0,
            levels: tiles_for_size(size).len(),
            problems: Vec::new(),
        },
    };
    let (full, width) = (full_tiles(0, size), partial_width(0, size));
    let partial = (width > 0).then_some((full, width));
    for (index, width) in (0..full).map(|i| (i, 256)).chain(partial) {
        let tile = Tile {
            level: 0,
            index,
            width,
        };
        rebuild.leaf_tile(tile).await?;
    }
    for (tile, computed) in std::mem::take(&mut rebuild.levels).partial() {
        rebuild.compare(tile, &computed).await?;
    }
    rebuild.found.root = rebuild.frontier.root();
    Ok(rebuild.found)
}

/// The rebuild under way.
struct Rebuild<'a> {
    server: &'a LogServer,
    keys: &'a Jwks,
    since: u64,
    frontier: Frontier,
    levels: Levels,
    found: Rebuilt,
}

impl Rebuild<'_> {
    /// Reads one level-0 tile and its entry bundle, and checks each entry.
    async fn leaf_tile(&mut self, tile: Tile) -> Result<(), String> {
        let stored = self.server.hashes(&tile).await?;
        let bundle_path = tile.entries_path();
        let bundle = self.server.get(&bundle_path).await?;
        let entries = parse_entry_bundle(&bundle, tile.width)
            .map_err(|e| format!("{}: {e}", self.server.url(&bundle_path)))?;
        let mut leaves = Vec::with_capacity(entries.len());
        for ((offset, entry), stored) in (0u64..).zip(entries).zip(&stored) {
            let index = tile.index * 256 + offset;
            let leaf = leaf_hash(entry);
            if leaf != *stored {
                self.found.problems.push(format!(
                    "log entry {index} (in {bundle_path}): its leaf hash is not hash {offset} of \
                     {}: the entry or the tile was changed",
                    tile.path()
                ));
            }
            self.check_receipt(index, entry, &bundle_path);
            leaves.push(leaf);
        }
        for leaf in &leaves {
            self.frontier.push(*leaf);
            if self.frontier.size() == self.since {
                self.found.root_at_since = Some(self.frontier.root());
            }
        }
        if tile.is_full() {
            for (above, computed) in self.levels.add(root_of(&leaves)) {
                self.compare(above, &computed).await?;
            }
        }
        Ok(())
    }

    /// Checks that the entry is a receipt signed by one of the keys.
    fn check_receipt(&mut self, index: u64, entry: &[u8], bundle_path: &str) {
        let checked = std::str::from_utf8(entry)
            .map_err(|_| "it is not UTF-8 text".to_owned())
            .and_then(|jws| verify(jws, self.keys));
        match checked {
            Ok(_) => self.found.receipts += 1,
            Err(why) => self.found.problems.push(format!(
                "log entry {index} (in {bundle_path}) is not a receipt signed by the server's \
                 keys: {why}"
            )),
        }
    }

    /// Fetches the hash tile `tile` above level 0 and compares it with the
    /// hashes `computed` from the entries.
    async fn compare(&mut self, tile: Tile, computed: &[Hash]) -> Result<(), String> {
        let stored = self.server.hashes(&tile).await?;
        let differs = (0u64..)
            .zip(&stored)
            .zip(computed)
            .find(|((_, s), c)| s != c);
        if let Some(((at, _), _)) = differs {
            let below = Tile {
                level: tile.level - 1,
                index: tile.index * 256 + at,
                width: 256,
            };
            self.found.problems.push(format!(
                "{}: hash {at} is not the root of {} rebuilt from the entries: the tile was \
                 changed",
                tile.path(),
                below.path()
            ));
        }
        Ok(())
    }
}

/// The hashes computed so far for the tile being filled at each level
/// above 0, and how many tiles each level has completed.
#[derive(Debug, Default)]
struct Levels {
    /// `filling[i]`: the hashes of the tile being filled at level `i + 1`.
    filling: Vec<Vec<Hash>>,
    /// `done[i]`: the full tiles level `i + 1` has so far.
    done: Vec<u64>,
}

impl Levels {
    /// Adds the root of the next full level-0 tile; the full tiles above
    /// it completes, lowest first, with their hashes.
    fn add(&mut self, root: Hash) -> Vec<(Tile, Vec<Hash>)> {
        let mut completed = Vec::new();
        let mut carry = root;
        for at in 0usize.. {
            if self.filling.len() == at {
                self.filling.push(Vec::new());
                self.done.push(0);
            }
            self.filling[at].push(carry);
            if self.filling[at].len() < 256 {
                break;
            }
            let hashes = std::mem::take(&mut self.filling[at]);
            carry = root_of(&hashes);
            let tile = Tile {
                level: at as u8 + 1,
                index: self.done[at],
                width: 256,
            };
            self.done[at] += 1;
            completed.push((tile, hashes));
        }
        completed
    }

    /// The partial tiles left at each level, with their hashes.
    fn partial(self) -> Vec<(Tile, Vec<Hash>)> {
        let levels = self.filling.into_iter().zip(self.done);
        (1u8..)
            .zip(levels)
            .filter(|(_, (hashes, _))| !hashes.is_empty())
            .map(|(level, (hashes, index))| {
                let width = hashes.len() as u16;
                (
                    Tile {
                        level,
                        index,
                        width,
                    },
                    hashes,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiles_carried_up_are_the_tiles_of_the_tree_at_every_level() {
        let size: u64 = 256 * 256 + 3 * 256;
        let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut levels = Levels::default();
        let mut made = Vec::new();
        for tile in leaves.chunks(256) {
            made.extend(levels.add(root_of(tile)));
        }
        made.extend(levels.partial());
        let tiles: Vec<(u8, u64, u16)> = made
            .iter()
            .map(|(t, _)| (t.level, t.index, t.width))
            .collect();
        assert_eq!(tiles, [(1, 0, 256), (1, 1, 3), (2, 0, 1)]);
        for (tile, hashes) in made {
            let expected = tile.hashes(leaves.as_slice()).unwrap();
            assert_eq!(hashes.concat(), expected, "{}", tile.path());
        }
    }
}
