//! Group commit: one thread owns SQLite's only write connection. It takes
//! every write waiting in its queue, runs each in its own savepoint (so
//! one failure spoils no other), commits them with one fsync, and only then
//! answers them all. A lone write is never held back waiting for company:
//! the batch is whatever is queued when the writer comes round.
//!
//! Work runs on the writer's thread, so a caller that stops waiting (a
//! client that disconnects) cannot cut a write in half; a work item that
//! panics fails alone.

use std::sync::Mutex;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::conn::error;
use crate::store::StoreError;
use crate::store::batch::{Done, Reply, ran, refuse, run_alone};
use crate::store::sql::Work;

/// Most writes committed together; bounds the time any one waits.
const MAX_BATCH: usize = 256;

/// The handle requests use to reach the writer.
pub(crate) struct Writer {
    /// `None` once closed.
    queue: Mutex<Option<mpsc::UnboundedSender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || run(conn, jobs))?;
        Ok(Self {
            queue: Mutex::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` in the next batch; its result once the batch committed.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        work: Work<Connection, T>,
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
                "the write was abandoned: the writer stopped",
            ))
        })
    }

    /// Lets the writes already queued finish, then closes the connection.
    pub(crate) async fn close(&self) {
        self.queue.lock().expect("writer lock").take();
        let thread = self.thread.lock().expect("writer lock").take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// A write waiting in the queue, its result type erased.
trait Job: Send {
    /// Runs the work; what to tell its caller once the batch ends.
    fn run(self: Box<Self>, conn: &mut Connection) -> Box<dyn Done>;
    /// Answers the caller with `error` without running the work.
    fn refuse(self: Box<Self>, error: &StoreError);
}

struct Typed<T> {
    work: Work<Connection, T>,
    reply: Reply<T>,
}

impl<T: Send + 'static> Job for Typed<T> {
    fn run(self: Box<Self>, conn: &mut Connection) -> Box<dyn Done> {
        let Self { work, reply } = *self;
        // The statements run in-process, so the future is ready at once;
        // `block_on` only drives it.
        let result = futures_executor::block_on(run_alone(work, conn));
        ran(result, None, reply)
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        refuse(self.reply, error);
    }
}

fn run(mut conn: Connection, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (dones, committed) = commit(&mut conn, batch);
        for done in dones {
            done.answer(&committed);
        }
    }
}

/// Runs one batch in one transaction. A single write needs no savepoint:
/// its transaction is its boundary.
fn commit(
    conn: &mut Connection,
    batch: Vec<Box<dyn Job>>,
) -> (Vec<Box<dyn Done>>, Result<(), StoreError>) {
    let solo = batch.len() == 1;
    let begin: &[&str] = if solo {
        &["BEGIN IMMEDIATE"]
    } else {
        &["BEGIN IMMEDIATE", "SAVEPOINT write"]
    };
    if let Err(failure) = run_all(conn, begin) {
        let failure = abandon(conn, failure);
        for job in batch {
            job.refuse(&failure);
        }
        return (Vec::new(), Err(failure));
    }
    let count = batch.len();
    let mut dones = Vec::with_capacity(count);
    for (index, job) in batch.into_iter().enumerate() {
        let done = job.run(conn);
        let failed = done.failed();
        dones.push(done);
        if solo {
            break;
        }
        // The savepoint stays open after ROLLBACK TO, so the next write
        // runs in it; RELEASE then SAVEPOINT starts a fresh one.
        let boundary: &[&str] = match (failed, index + 1 == count) {
            (true, _) => &["ROLLBACK TO write"],
            (false, false) => &["RELEASE write", "SAVEPOINT write"],
            (false, true) => &["RELEASE write"],
        };
        if let Err(failure) = run_all(conn, boundary) {
            return (dones, Err(abandon(conn, failure)));
        }
    }
    let end = if solo && dones[0].failed() {
        "ROLLBACK"
    } else {
        "COMMIT"
    };
    let committed = run_all(conn, &[end]).map_err(|failure| abandon(conn, failure));
    (dones, committed)
}

/// Runs statements without results, each prepared once per connection.
fn run_all(conn: &Connection, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        conn.prepare_cached(sql)?.raw_execute()?;
    }
    Ok(())
}

/// Rolls the whole batch back after a failure outside any one write.
fn abandon(conn: &Connection, failure: rusqlite::Error) -> StoreError {
    // SQLite may already have rolled back (an I/O error does); a second
    // rollback then fails harmlessly.
    let _ = conn.execute_batch("ROLLBACK");
    error(failure)
}
