//! Group commit: one task owns SQLite's only write connection. It takes
//! every write waiting in its queue, runs each in its own savepoint (so
//! one failure spoils no other), commits them with one fsync, and only then
//! answers them all. A lone write is never held back waiting for company:
//! the batch is whatever is queued when the writer comes round.
//!
//! Work runs inside the writer's task, so a caller that stops waiting (a
//! client that disconnects) cannot cut a write in half; a work item that
//! panics fails alone.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use futures_util::FutureExt;
use sqlx::{Connection, Executor, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::store::StoreError;
use crate::store::sql::{BoxFuture, Work};

/// Most writes committed together; bounds the time any one waits.
const MAX_BATCH: usize = 256;

/// The handle requests use to reach the writer.
pub struct Writer {
    /// `None` once closed.
    queue: Mutex<Option<mpsc::UnboundedSender<Box<dyn Job>>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer task on `conn`.
    pub fn start(conn: SqliteConnection) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(conn, jobs));
        Self {
            queue: Mutex::new(Some(queue)),
            task: Mutex::new(Some(task)),
        }
    }

    /// Lets the writes already queued finish, then closes the connection.
    pub async fn close(&self) {
        self.queue.lock().expect("writer lock").take();
        let task = self.task.lock().expect("writer lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Runs `work` in the next batch; its result once the batch committed.
    pub async fn write<T: Send + 'static>(
        &self,
        work: Work<SqliteConnection, T>,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable("the database is closed".to_owned());
        let queue = self.queue.lock().expect("writer lock").clone();
        queue
            .ok_or_else(closed)?
            .send(Box::new(Typed { work, reply }))
            .map_err(|_| closed())?;
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::internal(
                "the write was abandoned: it panicked or the writer stopped",
            ))
        })
    }
}

/// A write waiting in the queue, its result type erased.
trait Job: Send {
    /// Runs the work; what to tell its caller once the batch ends.
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Box<dyn Done>>;
    /// Answers the caller with `error` without running the work.
    fn refuse(self: Box<Self>, error: &StoreError);
}

/// A write that ran, waiting for its batch to commit.
trait Done: Send {
    /// True if the work itself failed (its savepoint is rolled back).
    fn failed(&self) -> bool;
    /// Answers the caller: the work's own result if the batch committed.
    fn answer(self: Box<Self>, committed: &Result<(), StoreError>);
}

struct Typed<T> {
    work: Work<SqliteConnection, T>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

struct Ran<T> {
    result: Result<T, StoreError>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send + 'static> Job for Typed<T> {
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Box<dyn Done>> {
        Box::pin(async move {
            let result = AssertUnwindSafe((self.work)(conn))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(StoreError::internal("the write panicked")));
            Box::new(Ran {
                result,
                reply: self.reply,
            }) as Box<dyn Done>
        })
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(error.clone()));
    }
}

impl<T: Send + 'static> Done for Ran<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn answer(self: Box<Self>, committed: &Result<(), StoreError>) {
        let answer = match (self.result, committed) {
            (Err(own), _) => Err(own),
            (Ok(_), Err(commit)) => Err(commit.clone()),
            (Ok(value), Ok(())) => Ok(value),
        };
        // A caller that stopped waiting gets nothing; its write stands.
        let _ = self.reply.send(answer);
    }
}

async fn run(mut conn: SqliteConnection, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (dones, committed) = commit(&mut conn, std::mem::take(&mut batch)).await;
        for done in dones {
            done.answer(&committed);
        }
    }
    let _ = conn.close().await;
}

/// Runs one batch in one transaction. A single write needs no savepoint:
/// its transaction is its boundary.
async fn commit(
    conn: &mut SqliteConnection,
    batch: Vec<Box<dyn Job>>,
) -> (Vec<Box<dyn Done>>, Result<(), StoreError>) {
    let solo = batch.len() == 1;
    let begin = if solo {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN IMMEDIATE; SAVEPOINT write"
    };
    if let Err(error) = conn.execute(begin).await {
        let error = abandon(conn, error).await;
        for job in batch {
            job.refuse(&error);
        }
        return (Vec::new(), Err(error));
    }
    let count = batch.len();
    let mut dones = Vec::with_capacity(count);
    for (index, job) in batch.into_iter().enumerate() {
        let done = job.run(conn).await;
        let last = index + 1 == count;
        let failed = done.failed();
        dones.push(done);
        if solo {
            break;
        }
        // The savepoint stays open after ROLLBACK TO, so the next write
        // runs in it; RELEASE then SAVEPOINT starts a fresh one.
        let boundary = match (failed, last) {
            (true, _) => "ROLLBACK TO write",
            (false, false) => "RELEASE write; SAVEPOINT write",
            (false, true) => "RELEASE write",
        };
        if let Err(error) = conn.execute(boundary).await {
            return (dones, Err(abandon(conn, error).await));
        }
    }
    let committed = if solo && dones[0].failed() {
        rollback(conn).await
    } else {
        match conn.execute("COMMIT").await {
            Ok(_) => Ok(()),
            Err(error) => Err(abandon(conn, error).await),
        }
    };
    (dones, committed)
}

/// Rolls the whole batch back after a failure outside any one write.
async fn abandon(conn: &mut SqliteConnection, error: sqlx::Error) -> StoreError {
    // SQLite may already have rolled back (an I/O error does); a second
    // rollback then fails harmlessly.
    let _ = conn.execute("ROLLBACK").await;
    StoreError::from(error)
}

async fn rollback(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    conn.execute("ROLLBACK")
        .await
        .map(|_| ())
        .map_err(StoreError::from)
}
