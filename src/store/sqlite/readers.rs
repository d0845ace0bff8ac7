//! A few read-only connections. A read runs on the calling task: the SQL
//! core's futures are ready at once on SQLite, and a read of one pause or
//! one page takes microseconds, cheaper than handing it to another thread.

use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::store::StoreError;
use crate::store::sql::Work;

/// The idle readers, and one permit per reader.
pub(crate) struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Readers {
    /// A pool of `connections`.
    pub(crate) fn new(connections: Vec<Connection>) -> Self {
        Self {
            permits: Semaphore::new(connections.len()),
            idle: Mutex::new(connections),
        }
    }

    /// Runs `work` on an idle reader, waiting for one if all are busy.
    pub(crate) async fn read<T>(&self, work: Work<Connection, T>) -> Result<T, StoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the database is closed".to_owned()))?;
        let mut reader = Lent {
            readers: self,
            conn: self.idle.lock().expect("readers lock").pop(),
        };
        let conn = reader
            .conn
            .as_mut()
            .ok_or_else(|| StoreError::internal("a permit without an idle reader"))?;
        work(conn).await
    }

    /// Closes every reader; later reads fail as unavailable.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle.lock().expect("readers lock").clear();
    }
}

/// A reader on loan, returned when dropped (even if the read is cancelled).
struct Lent<'a> {
    readers: &'a Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !self.readers.permits.is_closed()
        {
            self.readers.idle.lock().expect("readers lock").push(conn);
        }
    }
}
