//! The transparency log of receipts, as a use case. Receipts are signed
//! when pauses settle, each on its own; the [`integrator`] then folds them,
//! in batches, into an RFC 9162 Merkle tree whose signed checkpoints prove
//! that an entry is in the log and that the log only ever grew. This
//! module serves the log read-only: the newest checkpoint, the C2SP
//! tlog-tiles (hash tiles and entry bundles) and a receipt's inclusion
//! proof. Formats: [`crate::tlog`]; storage: the store's log methods.
//!
//! Each entry is a receipt's JWS, byte for byte, in the order the
//! integrator took them; receipts signed under the chain that came before
//! the log are its first entries.

pub mod audit;
pub mod integrator;

use std::sync::Arc;

use crate::domain::PauseId;
use crate::store::{Store, StoreError};
use crate::tlog::proof::TlogProof;
use crate::tlog::tiles::{Tile, TilePath, entry_bundle, parse_tile_path};

pub use integrator::Integrator;

/// Why the log could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The path names no tile; the message says which part is wrong.
    #[error("{0}")]
    BadPath(String),
    /// The log has no such tile, entries or checkpoint (yet).
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a tile request gives: its bytes, and whether they never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The tile's or bundle's bytes.
    pub bytes: Vec<u8>,
    /// A full tile never changes; a partial one is replaced as the log grows.
    pub immutable: bool,
}

/// The log's read side.
#[derive(Clone)]
pub struct ReceiptLog {
    store: Arc<dyn Store>,
}

impl ReceiptLog {
    /// The log kept in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The log's verifier key (`origin+keyid+key`, C2SP signed-note).
    pub fn vkey(&self) -> String {
        self.store.log_verifier().vkey()
    }

    /// The newest signed checkpoint and the tree size it names.
    pub async fn checkpoint(&self) -> Result<(u64, String), LogError> {
        let head = self.store.log_checkpoint().await?.ok_or_else(|| {
            LogError::NotFound("the log has no checkpoint yet: try again in a second".into())
        })?;
        Ok((head.size, head.note))
    }

    /// The tile or entry bundle at `path` (`tile/…`, as C2SP tlog-tiles
    /// names it), if the newest checkpoint covers it.
    pub async fn tile(&self, path: &str) -> Result<Served, LogError> {
        let (size, _) = self.checkpoint().await?;
        let parsed = parse_tile_path(path).map_err(|e| LogError::BadPath(e.to_string()))?;
        let (tile, entries) = match parsed {
            TilePath::Hashes(tile) => (tile, false),
            TilePath::Entries(tile) => (tile, true),
        };
        if !tile.fits(size) {
            return Err(LogError::NotFound(format!(
                "the log has {size} entries: {path} is not part of it yet"
            )));
        }
        let bytes = match entries {
            false => self.hashes(&tile).await?,
            true => self.bundle(&tile).await?,
        };
        let immutable = tile.is_full();
        Ok(Served { bytes, immutable })
    }

    async fn hashes(&self, tile: &Tile) -> Result<Vec<u8>, LogError> {
        let start = tile.index * 256;
        let hashes = self
            .store
            .log_hashes(tile.level, start, u64::from(tile.width))
            .await?;
        Ok(hashes.concat())
    }

    async fn bundle(&self, tile: &Tile) -> Result<Vec<u8>, LogError> {
        let start = tile.index * 256;
        let entries = self.store.log_entries(start, u64::from(tile.width)).await?;
        if entries.len() != usize::from(tile.width) {
            let message = format!("the log lacks entries from {start}: a receipt was removed");
            return Err(LogError::Store(StoreError::internal(message)));
        }
        let entries: Vec<&str> = entries.iter().map(|(_, jws)| jws.as_str()).collect();
        entry_bundle(&entries).map_err(|e| LogError::Store(StoreError::internal(e)))
    }

    /// The inclusion proof of pause `id`'s receipt in the newest
    /// checkpoint; `None` until the integrator has taken it.
    pub async fn proof(&self, id: &PauseId) -> Result<Option<TlogProof>, LogError> {
        Ok(self.store.log_proof(id).await?)
    }
}
