//! The embedded SQLite backend. WAL mode lets readers run beside the
//! writer; every write goes through one connection owned by the group-commit
//! [`writer`] thread, so concurrent requests share transactions and fsyncs
//! instead of queueing for the file lock. `synchronous = FULL`: a write is
//! on disk before it is answered. Statements run in-process on rusqlite (see
//! the SQL core's docs for the measurement behind that choice). The file is
//! not memory-mapped: each commit that grows it made every reader unmap
//! and map it again at its next read, which cost more than the reads.

mod conn;
mod readers;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::sql::{Backend, BoxFuture, Work};
use super::{SettledWatcher, StoreError, migrations};
use readers::Readers;
use writer::Writer;

pub(crate) use conn::error as sql_error;

/// Readers that may run at once beside the writer.
const READERS: usize = 4;

/// The writer's page cache, in KiB (negative: SQLite's unit for KiB).
const WRITER_CACHE_KIB: i64 = -65_536;

/// pausegate's state in one SQLite file.
pub struct SqliteBackend {
    writer: Writer,
    readers: Readers,
}

impl SqliteBackend {
    /// Opens (creating if missing) the database at `url` and migrates it.
    /// Statements wait at most `timeout` for a lock another process holds.
    pub async fn open(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let path = file_of(url)?;
        let create = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        let mut writer = connect(&path, create, timeout)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| writer.pragma_update(None, "synchronous", "FULL"))
            .and_then(|()| writer.pragma_update(None, "foreign_keys", true))
            // The writer touches every index; keep their pages in memory.
            .and_then(|()| writer.pragma_update(None, "cache_size", WRITER_CACHE_KIB))
            // Each write's savepoint journals the pages it changes; in
            // memory, not in a temporary file per batch.
            .and_then(|()| writer.pragma_update(None, "temp_store", "MEMORY"))
            .map_err(sql_error)?;
        migrations::run_sqlite(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY, timeout))
            .collect::<Result<Vec<_>, _>>()?;
        let writer = Writer::start(writer)
            .map_err(|e| StoreError::internal(format!("cannot start the writer: {e}")))?;
        Ok(Self {
            writer,
            readers: Readers::new(readers),
        })
    }
}

/// The file a `sqlite:` URL names: `sqlite://pausegate.db` (relative),
/// `sqlite:///var/lib/pausegate.db` (absolute); a query string is ignored.
fn file_of(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        // Each connection would see its own empty database.
        return Err(StoreError::internal(
            "the SQLite URL must name a file (an in-memory database cannot be shared)",
        ));
    }
    Ok(PathBuf::from(path))
}

/// A connection that waits at most `timeout` for a lock another process
/// holds on the file.
fn connect(path: &PathBuf, flags: OpenFlags, timeout: Duration) -> Result<Connection, StoreError> {
    let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sql_error)?;
    conn.busy_timeout(timeout).map_err(sql_error)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Backend for SqliteBackend {
    type Conn = Connection;

    fn write<T: Send + 'static>(
        &self,
        work: Work<Connection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(self.writer.write(work))
    }

    fn read<T: Send + 'static>(
        &self,
        work: Work<Connection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(self.readers.read(work))
    }

    fn watch_settled(&self, _: SettledWatcher) {
        // One process owns a SQLite file: nothing settles elsewhere.
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.readers.close();
            self.writer.close().await;
        })
    }
}
