//! `pausegate log verify URL`: the server's newest checkpoint opened with
//! the log key, the tree rebuilt from its tiles ([`super::super::rebuild`]),
//! and `--since` checked by a consistency proof made from the tiles the
//! proof asks for, fetched a few at a time through [`Prefetched`].

use super::super::fetch::LogServer;
use super::super::log_key::LogKey;
use super::super::rebuild::{self, Rebuilt};
use super::super::{count, trust};
use super::{Findings, LogVerifyArgs, consistent, signed_by, since};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Hash, consistency_proof};
use crate::tlog::tiles::{Prefetched, StoredRange, Tile, Tiled, full_tiles, partial_width};

/// Checks the log the server at `base` serves.
pub(super) async fn from_server(
    base: &str,
    args: &LogVerifyArgs,
    found: &mut Findings,
) -> Result<(), String> {
    let server = LogServer::new(base)?;
    let key = match &args.vkey {
        Some(vkey) => LogKey::given(vkey)?,
        None => LogKey::published(&server.base, false).await?,
    };
    let note = server.get("checkpoint").await?;
    let head = key.open(
        &note,
        &format!("the checkpoint at {}", server.url("checkpoint")),
    )?;
    found.lines.push(signed_by(&head, &key));
    let old = args.since.as_deref().map(|f| since(f, &key)).transpose()?;
    let source = args.jwks.clone().unwrap_or_else(|| jwks_url(&server.base));
    let keys = trust::key_set(&source).await?;
    let since_size = old.as_ref().map_or(0, |(old, _)| old.size);
    let rebuilt = rebuild::rebuild(&server, head.size, since_size, &keys).await?;
    let root_at_since = rebuilt.root_at_since;
    compare_rebuilt(&head, rebuilt, &source, found);
    if let Some((old, file)) = old {
        let proof = fetched_consistency(&server, &old, &head).await?;
        found.lines.push(consistent(&old, &head, &proof, file)?);
        if root_at_since != Some(old.root) {
            found.problems.push(format!(
                "the log's first {} entries, rebuilt, do not hash to the root of the \
                 checkpoint in {}: the log was rewritten",
                old.size,
                file.display()
            ));
        }
    }
    found.note = String::from_utf8(note).ok();
    Ok(())
}

/// Compares the tree rebuilt from the entries with the checkpoint, and
/// says how many entries are receipts signed with the keys from `source`.
fn compare_rebuilt(head: &Checkpoint, rebuilt: Rebuilt, source: &str, found: &mut Findings) {
    found.problems.extend(rebuilt.problems);
    match rebuilt.root == head.root {
        true => found.lines.push(format!(
            "log: its {} entries rebuild its root and every hash tile ({})",
            head.size,
            count(rebuilt.levels as u64, "tile level", "tile levels")
        )),
        false => found.problems.push(format!(
            "the checkpoint's root is not the root of its {} entries rebuilt from the entry \
             bundles: the checkpoint or an entry was changed",
            head.size
        )),
    }
    found.lines.push(format!(
        "log: {} of its {} entries are receipts signed with the keys from {source}",
        rebuilt.receipts, head.size
    ));
}

/// Where the server publishes its receipt keys.
fn jwks_url(base: &str) -> String {
    format!("{base}/.well-known/jwks.json")
}

/// The consistency proof from `old` to `new`, made from the tiles of
/// `new`'s tree, fetched as the proof asks for them.
async fn fetched_consistency(
    server: &LogServer,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<Vec<Hash>, String> {
    if old.size == 0 || old.size > new.size {
        return Ok(Vec::new());
    }
    let mut cache = Prefetched::default();
    for _ in 0..8 {
        let error = match consistency_proof(old.size, new.size, &Tiled(&cache)) {
            Ok(proof) => return Ok(proof),
            Err(error) => error.to_string(),
        };
        let missing = cache.take_missing();
        if missing.is_empty() {
            return Err(format!("the consistency proof from {}: {error}", old.size));
        }
        for range in missing {
            let tile = tile_holding(&range, new.size);
            let hashes = server.hashes(&tile).await?;
            cache.add(tile.level, tile.index * 256, &hashes);
        }
    }
    Err("the consistency proof took too many rounds of tiles".to_owned())
}

/// The tile of the tree of `size` that holds `range` (a range a proof
/// reads never crosses a tile).
fn tile_holding(range: &StoredRange, size: u64) -> Tile {
    let (level, index) = (range.tile_level, range.start / 256);
    let width = match index < full_tiles(level, size) {
        true => 256,
        false => partial_width(level, size),
    };
    Tile {
        level,
        index,
        width,
    }
}
