//! What the store says about the transparency log of receipts: how an
//! integration went and the newest signed checkpoint. The log's formats
//! are [`crate::tlog`]'s; its rows are written by `sql::log`.

/// What one call to integrate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integration {
    /// The caller's lease had run out or was taken: nothing was written.
    NotHolder,
    /// No receipt was waiting; the log has `size` entries.
    UpToDate {
        /// Entries in the log.
        size: u64,
    },
    /// Receipts took the indexes `from..to` and a checkpoint of `to` was signed.
    Grew {
        /// The size before.
        from: u64,
        /// The size after.
        to: u64,
    },
}

/// The newest signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheckpoint {
    /// Entries in the tree it names.
    pub size: u64,
    /// The C2SP signed note.
    pub note: String,
}
