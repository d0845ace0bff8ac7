//! Reading a result row by column position, the same way on every backend.

use crate::store::StoreError;

/// A result row, read by column position.
pub trait Columns {
    /// An integer column.
    fn int(&self, index: usize) -> Result<i64, StoreError>;
    /// An integer column that may be NULL.
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError>;
    /// A text column.
    fn text(&self, index: usize) -> Result<String, StoreError>;
    /// A text column that may be NULL.
    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError>;
    /// A boolean column (PostgreSQL's boolean, SQLite's 0 or 1).
    fn flag(&self, index: usize) -> Result<bool, StoreError>;
}

/// A value decoded from one result row.
pub trait FromColumns: Sized + Send + 'static {
    /// Reads the row.
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError>;
}

impl FromColumns for String {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        row.text(0)
    }
}

impl FromColumns for i64 {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        row.int(0)
    }
}

impl FromColumns for bool {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        row.flag(0)
    }
}

impl FromColumns for Option<i64> {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        row.opt_int(0)
    }
}
