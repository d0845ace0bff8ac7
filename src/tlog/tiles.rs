//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the tree served as
//! immutable tiles of 256 hashes.
//!
//! - A hash tile at level `L`, index `N` holds the hashes of the complete
//!   subtrees of height `8·L` numbered `N·256 ..`: level 0 holds leaf
//!   hashes, level 1 the root of each full level-0 tile, and so on. A full
//!   tile is 256 hashes (8192 bytes, no framing); a partial one holds
//!   `W` (1..=255) and is never hashed into the level above.
//! - For a tree of size `s`, level `L` has `s / 256^(L+1)` full tiles and
//!   a partial one of width `(s / 256^L) mod 256` if that is not 0.
//! - Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where
//!   `N` is written in 3-digit groups, all but the last prefixed with `x`
//!   (`1234067` is `x001/x234/067`), and no number has a leading zero.
//! - An entry bundle ([`bundle`]) holds the entries of one level-0 tile.
//!
//! [`Tiled`] turns the hashes a log stores per tile level (level 0 its
//! leaf hashes, then the root of each full tile) into a
//! [`HashReader`], so proofs are made from O(log n) stored hashes; and
//! [`grow`] computes which of those hashes a batch of new leaves adds.

mod bundle;
mod prefetch;
mod stored;

use super::merkle::{HashReader, ProveError, Subtree};
use super::parse_decimal;

pub use bundle::{MAX_ENTRY_SIZE, entry_bundle, parse_entry_bundle};
pub use prefetch::{NotFetched, Prefetched};
pub use stored::{NewHashes, StoredHashes, StoredRange, Tiled, TiledError, grow};

/// Hashes in a full tile.
pub const TILE_WIDTH: u16 = 256;

/// The tree levels a tile spans.
pub const TILE_HEIGHT: u8 = 8;

/// The highest tile level a path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// Why a tile path or an entry bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The path does not name a tile; the message says which part.
    #[error("the tile path {path:?} is not valid: {problem}")]
    Path {
        /// The path given.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An entry is longer than a bundle can frame.
    #[error("entry {position} is {bytes} bytes, more than the 65535 a log entry may have")]
    EntryTooLarge {
        /// Its position in the bundle.
        position: usize,
        /// Its length.
        bytes: usize,
    },
    /// The bundle's bytes do not frame the entries expected.
    #[error("the entry bundle is not valid: {0}")]
    Bundle(String),
}

/// A tile: level, index and width (256 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    /// The tile level (the tree level of its hashes divided by 8).
    pub level: u8,
    /// Its index within the level.
    pub index: u64,
    /// How many hashes (or entries) it holds, 1 to 256.
    pub width: u16,
}

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`: a hash tile.
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]`: the entry bundle of a level-0 tile.
    Entries(Tile),
}

impl Tile {
    /// Whether it holds 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Its path, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            index_path(self.index),
            self.suffix()
        )
    }

    /// The path of the entry bundle for the same leaves,
    /// `tile/entries/<N>[.p/<W>]` (meaningful for level 0 only).
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}{}", index_path(self.index), self.suffix())
    }

    fn suffix(&self) -> String {
        match self.is_full() {
            true => String::new(),
            false => format!(".p/{}", self.width),
        }
    }

    /// Whether a tree of `size` leaves determines it: its last hash is a
    /// complete subtree of that tree. Such a tile never changes, so it
    /// may be served for that tree and every later one.
    pub fn fits(&self, size: u64) -> bool {
        let span = 1u128.checked_shl(8 * u32::from(self.level));
        let hashes = u128::from(self.index) * 256 + u128::from(self.width);
        let valid = (1..=TILE_WIDTH).contains(&self.width);
        valid
            && span
                .and_then(|s| hashes.checked_mul(s))
                .is_some_and(|end| end <= u128::from(size))
    }

    /// Its contents: the concatenated hashes of its `width` subtrees.
    pub fn hashes<R: HashReader + ?Sized>(
        &self,
        reader: &R,
    ) -> Result<Vec<u8>, ProveError<R::Error>> {
        let level = u32::from(self.level) * u32::from(TILE_HEIGHT);
        let first = self.index.checked_mul(u64::from(TILE_WIDTH));
        let (Some(first), true) = (first, level < 64 && (1..=TILE_WIDTH).contains(&self.width))
        else {
            return Err(ProveError::OutOfRange(format!(
                "{} is not a tile of a tree",
                self.path()
            )));
        };
        let subtrees: Vec<Subtree> = (0..u64::from(self.width))
            .map(|i| Subtree {
                level: level as u8,
                index: first + i,
            })
            .collect();
        let hashes = reader.read_hashes(&subtrees).map_err(ProveError::Read)?;
        if hashes.len() != subtrees.len() {
            let (wanted, got) = (subtrees.len(), hashes.len());
            return Err(ProveError::ReaderCount { wanted, got });
        }
        Ok(hashes.concat())
    }
}

/// A tile index as a path: 3-digit groups, all but the last prefixed
/// with `x`: `1234067` is `x001/x234/067`.
pub fn index_path(index: u64) -> String {
    let mut path = format!("{:03}", index % 1000);
    let mut rest = index / 1000;
    while rest > 0 {
        path = format!("x{:03}/{path}", rest % 1000);
        rest /= 1000;
    }
    path
}

/// The width of the partial tile at `level` for a tree of `size`
/// leaves: 0 when there is none.
pub fn partial_width(level: u8, size: u64) -> u16 {
    let shift = 8 * u32::from(level);
    size.checked_shr(shift)
        .map_or(0, |hashes| (hashes % 256) as u16)
}

/// How many full tiles `level` has for a tree of `size` leaves.
pub fn full_tiles(level: u8, size: u64) -> u64 {
    size.checked_shr(8 * (u32::from(level) + 1)).unwrap_or(0)
}

/// The tiles of one level for a tree size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelTiles {
    /// The tile level.
    pub level: u8,
    /// Full tiles `0..full`.
    pub full: u64,
    /// Then the partial tile, if any.
    pub partial: Option<Tile>,
}

/// Every level's tiles for a tree of `size` leaves, from level 0 up to
/// the last level that has one.
pub fn tiles_for_size(size: u64) -> Vec<LevelTiles> {
    (0..8u8)
        .map(|level| {
            let (full, width) = (full_tiles(level, size), partial_width(level, size));
            let partial = (width > 0).then_some(Tile {
                level,
                index: full,
                width,
            });
            LevelTiles {
                level,
                full,
                partial,
            }
        })
        .take_while(|tiles| tiles.full > 0 || tiles.partial.is_some())
        .collect()
}

/// The tiles a tree of `new` leaves has that one of `old` did not: new
/// full tiles, and each level's new partial tile.
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in tiles_for_size(new) {
        let old_full = full_tiles(level.level, old).min(level.full);
        let full = (old_full..level.full).map(|index| Tile {
            level: level.level,
            index,
            width: TILE_WIDTH,
        });
        tiles.extend(full);
        let old_partial = Tile {
            level: level.level,
            index: old_full,
            width: partial_width(level.level, old),
        };
        tiles.extend(level.partial.filter(|p| *p != old_partial));
    }
    tiles
}

/// Reads `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, refusing
/// any number written other than as [`Tile::path`] writes it.
pub fn parse_tile_path(path: &str) -> Result<TilePath, TileError> {
    let bad = |problem: &str| TileError::Path {
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    let rest = path
        .strip_prefix("tile/")
        .ok_or_else(|| bad("it does not start with tile/"))?;
    let (kind, rest) = rest
        .split_once('/')
        .ok_or_else(|| bad("it has no tile index"))?;
    let level = match kind {
        "entries" => 0,
        _ => parse_decimal(kind)
            .filter(|l| *l <= u64::from(MAX_TILE_LEVEL))
            .ok_or_else(|| bad("the level is not 0 to 63"))? as u8,
    };
    let (index, width) = match rest.split_once(".p/") {
        Some((index, width)) => {
            let width = parse_decimal(width).filter(|w| (1..256).contains(w));
            (
                index,
                width.ok_or_else(|| bad("the partial width is not 1 to 255"))? as u16,
            )
        }
        None => (rest, TILE_WIDTH),
    };
    let index = parse_index(index).ok_or_else(|| bad("the index is not in x001/234 form"))?;
    let tile = Tile {
        level,
        index,
        width,
    };
    Ok(if kind == "entries" {
        TilePath::Entries(tile)
    } else {
        TilePath::Hashes(tile)
    })
}

/// An index path, only in the form [`index_path`] writes.
fn parse_index(text: &str) -> Option<u64> {
    let mut index: u64 = 0;
    for group in text.split('/') {
        let digits = group.strip_prefix('x').unwrap_or(group);
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
    }
    (index_path(index) == text).then_some(index)
}

#[cfg(test)]
mod tests;
