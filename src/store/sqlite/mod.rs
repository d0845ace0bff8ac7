//! The embedded SQLite backend. WAL mode lets readers run beside the
//! writer; every write goes through one connection owned by the group-commit
//! [`writer`], so concurrent requests share transactions and fsyncs instead
//! of queueing for the file lock. `synchronous = FULL`: a write is on disk
//! before it is answered. Readers map the file (`mmap_size`), so the page
//! cache each one drops after another connection commits is refilled from
//! memory, not with reads.

mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteQueryResult, SqliteSynchronous,
};
use sqlx::{ConnectOptions, SqliteConnection};

use super::sql::{Backend, BoxFuture, Dialect, SqlDatabase, Work};
use super::{SettledWatcher, StoreError, migrations};
use writer::Writer;

/// Readers that may run at once beside the writer.
const READERS: u32 = 4;

/// Bytes of the file readers map into memory.
const MMAP_BYTES: u64 = 256 * 1024 * 1024;

impl SqlDatabase for Sqlite {
    const DIALECT: Dialect = Dialect {
        for_update: "",
        skip_locked: "",
        json_array: "json_group_array",
        json_object: "json_object",
        try_lock: None,
        notify_settled: None,
    };

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// pausegate's state in one SQLite file.
pub struct SqliteBackend {
    writer: Writer,
    reader: SqlitePool,
}

impl SqliteBackend {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            // Each connection would see its own empty database.
            return Err(StoreError::internal(
                "an in-memory SQLite database cannot be shared; name a file",
            ));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("mmap_size", MMAP_BYTES.to_string());
        let mut writer = options.connect().await?;
        migrations::sqlite()
            .run(&mut writer)
            .await
            .map_err(|e| StoreError::internal(format!("cannot apply the migrations: {e}")))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self {
            writer: Writer::start(writer),
            reader,
        })
    }
}

impl Backend for SqliteBackend {
    type Conn = SqliteConnection;

    fn write<T: Send + 'static>(
        &self,
        work: Work<SqliteConnection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(self.writer.write(work))
    }

    fn read<T: Send + 'static>(
        &self,
        work: Work<SqliteConnection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(async move {
            let mut conn = self.reader.acquire().await?;
            work(&mut conn).await
        })
    }

    fn watch_settled(&self, _: SettledWatcher) {
        // One process owns a SQLite file: nothing settles elsewhere.
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.reader.close().await;
            self.writer.close().await;
        })
    }
}
