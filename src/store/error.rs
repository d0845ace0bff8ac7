//! The store's one error type. Callers branch on it: an unavailable
//! database is the caller's cue to retry later (503), a lost commit means
//! the write may or may not have happened (retry with the same idempotency
//! key), anything else is a bug or corrupt data (500).

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached, or did not answer in time.
    /// Nothing was written.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The connection was lost after the commit was sent: the write may
    /// have been stored or not.
    #[error("the database connection was lost while committing: {0}")]
    OutcomeUnknown(String),
    /// Two transactions waited on each other (a deadlock) or could not be
    /// serialised; this one was rolled back and may be run again.
    #[error("the write met another and was rolled back: {0}")]
    Contended(String),
    /// A bug, a broken constraint or data this version cannot read.
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    /// An internal error with this message.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::Internal(message.to_string())
    }

    /// True when the database is out of reach rather than the data wrong.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Contended(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::Error;
        match &error {
            // A connection cut mid-handshake shows up as a protocol error.
            Error::Io(_)
            | Error::Tls(_)
            | Error::Protocol(_)
            | Error::PoolTimedOut
            | Error::PoolClosed
            | Error::WorkerCrashed => Self::Unavailable(error.to_string()),
            Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")) => {
                Self::Contended(error.to_string())
            }
            Error::Database(db) if is_transient(db.code().as_deref()) => {
                Self::Unavailable(error.to_string())
            }
            _ => Self::Internal(error.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::Internal(format!("stored JSON cannot be read: {error}"))
    }
}

impl From<anyhow::Error> for StoreError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(format!("{error:#}"))
    }
}

/// Database error codes that say "not now" rather than "never": SQLite's
/// busy and locked (another process holds the write lock), PostgreSQL's
/// connection failures (class 08), shutdown and too-many-connections
/// (57P01–57P03, 53300).
fn is_transient(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            matches!(
                code,
                "5" | "6" | "517" | "262" | "53300" | "57P01" | "57P02" | "57P03"
            ) || code.starts_with("08")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_not_internal() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(StoreError::from(io).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
    }
}
