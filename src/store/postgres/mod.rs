//! The PostgreSQL backend, for several pausegate processes on one
//! database. Row locks decide races: a settle first locks the pause's row
//! (`FOR UPDATE`), so of many concurrent decisions exactly one finds it
//! pending; deliveries are claimed with `FOR UPDATE SKIP LOCKED`, so two
//! workers never take the same one. Nothing all settlements share is taken
//! inside their transactions: once one commits, the [`notifier`] sends a
//! payload-free wake-up (one for a whole burst), and every process's
//! [`listener`] reads which of its waited-on pauses settled, or polls where
//! `LISTEN/NOTIFY` is switched off.
//!
//! Each write runs in its own task: a client that disconnects drops only
//! its wait for the answer, never the transaction half-way, so a
//! connection cannot go back to the pool inside one; the wake-up after a
//! settling commit is rung from that task too.

mod conn;
mod grouped;
mod listener;
mod notifier;
mod own;

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::sql::{Backend, BoxFuture, Rework, Work, once};
use super::{SettledWatcher, StoreError, Wakeups, migrations};
use grouped::Grouper;
use notifier::Doorbell;

/// pausegate's state in a PostgreSQL database.
pub struct PostgresBackend {
    pool: PgPool,
    stopping: CancellationToken,
    wakeups: Wakeups,
    /// Rings the notifier after a settling commit; `None` when polling.
    doorbell: Option<Doorbell>,
    /// Commits creates and decisions together.
    grouper: Grouper,
    /// The listener's and the notifier's tasks, awaited on closing.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Connections per process: enough to keep both the server's cores and
/// PostgreSQL's busy (requests wait on the network, not the CPU), plus the
/// one the listener holds.
fn pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    (cores * 4).clamp(8, 32) + 1
}

/// Group-commit lanes per process: a batch's statements go one after
/// another, so a few lanes keep PostgreSQL's cores busy while each waits
/// on the network.
fn lanes() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2).clamp(2, 8)
}

impl PostgresBackend {
    /// Connects to the database at `url` and migrates it. A server that
    /// cannot be reached stops this in seconds, with a message naming the
    /// host, the port and why. `timeout` bounds every later wait for a
    /// connection, so an outage is answered 503 at once rather than after
    /// half a minute. `wakeups` says how other processes hear of settled
    /// pauses.
    pub async fn open(url: &str, timeout: Duration, wakeups: Wakeups) -> Result<Self, StoreError> {
        // The URL may hold a password: errors never repeat it.
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("the PostgreSQL URL cannot be read: {e}")))?;
        probe(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size())
            .acquire_timeout(timeout)
            // A broken connection fails its statement and is then dropped;
            // pinging before every use would cost a round trip each time.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        migrations::postgres()
            .run(&pool)
            .await
            .map_err(|e| StoreError::internal(format!("cannot apply the migrations: {e}")))?;
        let stopping = CancellationToken::new();
        let mut tasks = Vec::new();
        let doorbell = (wakeups == Wakeups::Notify).then(|| {
            let (doorbell, task) = notifier::start(pool.clone(), stopping.clone());
            tasks.push(task);
            doorbell
        });
        let grouper = Grouper::start(pool.clone(), lanes());
        Ok(Self {
            grouper,
            pool,
            stopping,
            wakeups,
            doorbell,
            tasks: Mutex::new(tasks),
        })
    }

    /// Runs `work` in a transaction on its own task; `after` sees the
    /// result once committed.
    fn transact<T: Send + 'static>(
        &self,
        work: Work<PgConnection, T>,
        after: impl FnOnce(&T) + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        let pool = self.pool.clone();
        let task = tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            match work(&mut tx).await {
                Ok(value) => match tx.commit().await {
                    Ok(()) => {
                        after(&value);
                        Ok(value)
                    }
                    Err(error) => Err(commit_failed(error)),
                },
                Err(error) => {
                    // A rollback that fails closes the connection instead.
                    let _ = tx.rollback().await;
                    Err(error)
                }
            }
        });
        Box::pin(async move {
            task.await
                .unwrap_or_else(|_| Err(StoreError::internal("the write panicked")))
        })
    }
}

impl Backend for PostgresBackend {
    type Conn = PgConnection;

    fn write<T: Send + 'static>(
        &self,
        work: Work<PgConnection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        self.transact(work, |_| {})
    }

    fn write_settling<T: Send + 'static>(
        &self,
        work: Work<PgConnection, T>,
        settled: fn(&T) -> bool,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        let doorbell = self.doorbell.clone();
        self.transact(work, move |value| {
            if let Some(doorbell) = doorbell.filter(|_| settled(value)) {
                doorbell.ring();
            }
        })
    }

    fn write_grouped<T: Send + 'static>(
        &self,
        work: Rework<PgConnection, T>,
        settled: fn(&T) -> bool,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(async move {
            let doorbell = self.doorbell.clone();
            let ring = move |value: &T| {
                if let Some(doorbell) = doorbell.as_ref().filter(|_| settled(value)) {
                    doorbell.ring();
                }
            };
            let ring_again = ring.clone();
            match self.grouper.write(once(work.clone()), Box::new(ring)).await {
                // Stopped by another batch's locks: nothing of it was kept;
                // it runs once more, in a transaction of its own.
                Err(StoreError::Contended(_)) => self.transact(once(work), ring_again).await,
                answer => answer,
            }
        })
    }

    fn read<T: Send + 'static>(
        &self,
        work: Work<PgConnection, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        Box::pin(async move {
            // Reads are single statements: no transaction to leave open.
            let mut conn = self.pool.acquire().await?;
            work(&mut conn).await
        })
    }

    fn watch_settled(&self, watcher: SettledWatcher) {
        let stopping = self.stopping.clone();
        let task = listener::listen(self.pool.clone(), self.wakeups, watcher, stopping);
        self.tasks
            .lock()
            .expect("tasks lock")
            .push(tokio::spawn(task));
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.grouper.close().await;
            self.stopping.cancel();
            let tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks lock"));
            for task in tasks {
                let _ = task.await;
            }
            self.pool.close().await;
        })
    }
}

/// Longest start-up waits for a first connection.
const FIRST_CONNECTION: Duration = Duration::from_secs(5);

/// Connects once, to say clearly why the server cannot be used: the pool
/// would only report that no connection came in time.
async fn probe(options: &PgConnectOptions) -> Result<(), StoreError> {
    let place = format!(
        "PostgreSQL at {}:{} (database {:?}, user {:?})",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres"),
        options.get_username()
    );
    let connecting = <PgConnection as sqlx::Connection>::connect_with(options);
    let connected: Result<PgConnection, sqlx::Error> =
        match tokio::time::timeout(FIRST_CONNECTION, connecting).await {
            Ok(connected) => connected,
            Err(_) => {
                return Err(StoreError::Unavailable(format!(
                    "cannot connect to {place}: no answer within {} s",
                    FIRST_CONNECTION.as_secs()
                )));
            }
        };
    match connected {
        Ok(conn) => {
            let _ = sqlx::Connection::close(conn).await;
            Ok(())
        }
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot connect to {place}: {}",
            cause(&error)
        ))),
    }
}

/// Why a connection failed, in the words an operator searches for.
fn cause(error: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match error {
        sqlx::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            "connection refused (is the server running, on that port?)".to_owned()
        }
        sqlx::Error::Io(io) if io.to_string().contains("lookup") => {
            format!("unknown host ({io})")
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => format!("authentication failed ({})", db.message()),
            Some("3D000") => format!("no such database ({})", db.message()),
            _ => db.message().to_owned(),
        },
        other => other.to_string(),
    }
}

/// A failed COMMIT: if the connection dropped, the server may have
/// committed before it did, and nobody can tell which.
fn commit_failed(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => StoreError::OutcomeUnknown(error.to_string()),
        other => StoreError::from(other),
    }
}
