//! Checks the log against the database that holds it (`pausegate audit
//! verify`, `pausegate log verify --database-url`): every checkpoint's
//! signature by the database's own log key, each entry against the leaf
//! hash stored for it, the root of every checkpoint rebuilt from the
//! entries as they stream past, and no index without its receipt. Like
//! the receipt walk, it catches edits by someone who cannot sign, not by
//! someone holding the key; a verifier holding an earlier checkpoint
//! checks the log from outside with `pausegate log verify URL`.

use crate::store::{Store, StoreError};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Frontier, Hash, empty_root, leaf_hash};

/// Entries read per page: one tile.
const PAGE: u64 = 256;

/// What the log's audit covered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogAudit {
    /// Entries in the newest checkpoint.
    pub size: u64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: u64,
}

/// Audits the log in `store`, adding a sentence to `problems` for each
/// thing that does not hold.
pub async fn audit(store: &dyn Store, problems: &mut Vec<String>) -> Result<LogAudit, StoreError> {
    let heads = opened_checkpoints(store, problems).await?;
    let size = heads.last().map_or(0, |head| head.size);
    let mut rebuild = Rebuild {
        frontier: Frontier::new(),
        heads: heads.into_iter().peekable(),
        checked: 0,
    };
    rebuild.check_heads(problems);
    let mut start = 0;
    while start < size {
        let count = (size - start).min(PAGE);
        let entries = store.log_entries(start, count).await?;
        let stored = match store.log_hashes(0, start, count).await {
            Ok(hashes) => hashes,
            Err(StoreError::Internal(why)) => {
                problems.push(format!("{why}: the log's hashes were changed"));
                return Ok(LogAudit {
                    size,
                    checkpoints: rebuild.checked,
                });
            }
            Err(other) => return Err(other),
        };
        for (offset, stored_leaf) in (0u64..).zip(stored) {
            let index = start + offset;
            let entry = entries
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, jws)| jws);
            let leaf = check_entry(index, entry, stored_leaf, problems);
            rebuild.frontier.push(leaf);
            rebuild.check_heads(problems);
        }
        start += count;
    }
    Ok(LogAudit {
        size,
        checkpoints: rebuild.checked,
    })
}

/// Every stored checkpoint whose note opens with the log's key; a problem
/// for each that does not.
async fn opened_checkpoints(
    store: &dyn Store,
    problems: &mut Vec<String>,
) -> Result<Vec<Checkpoint>, StoreError> {
    let verifier = store.log_verifier();
    let mut heads = Vec::new();
    for stored in store.log_checkpoints().await? {
        match Checkpoint::open(stored.note.as_bytes(), &verifier) {
            Ok(head) if head.size == stored.size => heads.push(head),
            Ok(head) => problems.push(format!(
                "checkpoint {}: its signed note names size {}: it was changed",
                stored.size, head.size
            )),
            Err(why) => problems.push(format!("checkpoint {}: {why}: it was changed", stored.size)),
        }
    }
    Ok(heads)
}

/// The leaf for `index`: its receipt's hash when the receipt is there
/// (a problem if it differs from the stored one), else the stored hash.
fn check_entry(
    index: u64,
    entry: Option<&String>,
    stored: Hash,
    problems: &mut Vec<String>,
) -> Hash {
    let Some(jws) = entry else {
        problems.push(format!(
            "log entry {index} has no receipt: its receipt was removed"
        ));
        return stored;
    };
    let leaf = leaf_hash(jws.as_bytes());
    if leaf != stored {
        problems.push(format!(
            "log entry {index}: its receipt differs from the one the log took in: \
             the receipt or the log's hash was changed"
        ));
    }
    leaf
}

/// The tree rebuilt so far and the checkpoints still to meet.
struct Rebuild<I: Iterator<Item = Checkpoint>> {
    frontier: Frontier,
    heads: std::iter::Peekable<I>,
    checked: u64,
}

impl<I: Iterator<Item = Checkpoint>> Rebuild<I> {
    /// Compares the root so far with each checkpoint of this size.
    fn check_heads(&mut self, problems: &mut Vec<String>) {
        let size = self.frontier.size();
        while let Some(head) = self.heads.next_if(|head| head.size == size) {
            self.checked += 1;
            let root = match size {
                0 => empty_root(),
                _ => self.frontier.root(),
            };
            if head.root != root {
                problems.push(format!(
                    "checkpoint {size}: the log's first {size} entries no longer hash to its root"
                ));
            }
        }
    }
}
