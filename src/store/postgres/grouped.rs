//! Group commit on PostgreSQL, as the SQLite writer does it: creates and
//! decisions waiting at the same moment share one transaction, so a burst
//! pays for one `BEGIN`, one `COMMIT` and one WAL flush instead of one
//! each. A few lanes, each with its own connection, take whatever is queued
//! when they come round (never waiting for company), run each write in its
//! own savepoint so one failure spoils no other, commit, and only then
//! answer every write with its own result. A write that panics fails
//! alone ([`crate::store::batch`]).
//!
//! Savepoint commands travel with their neighbours in one simple-query
//! message (`RELEASE SAVEPOINT g; SAVEPOINT g`), so the only round trips a
//! write adds are its own statements
//! (<https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT>).
//! Batches stay well under the 64 subtransactions a backend caches before
//! every snapshot in the database slows down
//! (<https://www.postgresql.org/docs/current/subxacts.html>).
//!
//! Two batches on different lanes (or replicas) can wait on each other's
//! row locks where single writes would not; PostgreSQL then fails one
//! statement with a deadlock error, and that write alone rolls back to its
//! savepoint and is answered [`StoreError::Contended`]. Nothing of it is
//! stored; the backend runs it once more in a transaction of its own.

use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::store::StoreError;
use crate::store::batch::{After, Done, Reply, ran, refuse, run_alone};
use crate::store::sql::{BoxFuture, Work};

/// Most writes committed together (subtransactions per transaction).
const MAX_BATCH: usize = 48;

/// The queue writes wait in, and the lanes that take from it.
pub(crate) struct Grouper {
    /// `None` once closed.
    queue: Mutex<Option<mpsc::UnboundedSender<Box<dyn Job>>>>,
    lanes: Mutex<Vec<JoinHandle<()>>>,
}

impl Grouper {
    /// Starts `lanes` lanes writing through `pool`.
    pub(crate) fn start(pool: PgPool, lanes: usize) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
        let lanes = (0..lanes.max(1))
            .map(|_| tokio::spawn(lane(pool.clone(), jobs.clone())))
            .collect();
        Self {
            queue: Mutex::new(Some(queue)),
            lanes: Mutex::new(lanes),
        }
    }

    /// Runs `work` in the next batch; its result once the batch committed,
    /// `after` having seen it.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        work: Work<PgConnection, T>,
        after: After<T>,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        let (reply, answer) = oneshot::channel();
        let queue = self.queue.lock().expect("grouper lock").clone();
        let sent = queue.is_some_and(|queue| {
            let job = Typed { work, after, reply };
            queue.send(Box::new(job)).is_ok()
        });
        Box::pin(async move {
            if !sent {
                return Err(StoreError::Unavailable("the database is closed".to_owned()));
            }
            answer.await.unwrap_or_else(|_| {
                Err(StoreError::internal(
                    "the write was abandoned: its lane stopped",
                ))
            })
        })
    }

    /// Lets the writes already queued finish, then stops the lanes.
    pub(crate) async fn close(&self) {
        self.queue.lock().expect("grouper lock").take();
        let lanes = std::mem::take(&mut *self.lanes.lock().expect("grouper lock"));
        for lane in lanes {
            let _ = lane.await;
        }
    }
}

/// A write waiting in the queue, its result type erased.
trait Job: Send {
    /// Runs the work; what to tell its caller once the batch ends.
    fn run<'c>(self: Box<Self>, conn: &'c mut PgConnection) -> BoxFuture<'c, Box<dyn Done>>;
    /// Answers the caller with `error` without running the work.
    fn refuse(self: Box<Self>, error: &StoreError);
}

struct Typed<T> {
    work: Work<PgConnection, T>,
    after: After<T>,
    reply: Reply<T>,
}

impl<T: Send + 'static> Job for Typed<T> {
    fn run<'c>(self: Box<Self>, conn: &'c mut PgConnection) -> BoxFuture<'c, Box<dyn Done>> {
        let Self { work, after, reply } = *self;
        Box::pin(async move {
            let result = run_alone(work, conn).await;
            ran(result, Some(after), reply)
        })
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        refuse(self.reply, error);
    }
}

type Jobs = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Box<dyn Job>>>>;

/// One lane: takes what is queued, commits it, answers it, again.
async fn lane(pool: PgPool, jobs: Jobs) {
    while let Some(batch) = next_batch(&jobs).await {
        let (dones, committed) = match pool.acquire().await {
            Ok(mut conn) => commit(&mut conn, batch).await,
            Err(error) => {
                let error = StoreError::from(error);
                batch.into_iter().for_each(|job| job.refuse(&error));
                continue;
            }
        };
        for done in dones {
            done.answer(&committed);
        }
    }
}

/// The first write to arrive and whatever else is queued behind it.
async fn next_batch(jobs: &Jobs) -> Option<Vec<Box<dyn Job>>> {
    let mut jobs = jobs.lock().await;
    let mut batch = vec![jobs.recv().await?];
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Runs one batch in one transaction. A single write needs no savepoint:
/// its transaction is its boundary.
async fn commit(
    conn: &mut PgConnection,
    batch: Vec<Box<dyn Job>>,
) -> (Vec<Box<dyn Done>>, Result<(), StoreError>) {
    let solo = batch.len() == 1;
    let begin = if solo { "BEGIN" } else { "BEGIN; SAVEPOINT g" };
    if let Err(failure) = run(conn, begin).await {
        let failure = abandon(conn, failure).await;
        batch.into_iter().for_each(|job| job.refuse(&failure));
        return (Vec::new(), Err(failure));
    }
    let count = batch.len();
    let mut dones = Vec::with_capacity(count);
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        let done = job.run(conn).await;
        let boundary = match (solo, done.failed(), jobs.len() == 0) {
            (true, failed, _) => {
                if failed {
                    "ROLLBACK"
                } else {
                    "COMMIT"
                }
            }
            // The savepoint stays after ROLLBACK TO: the next write runs in it.
            (false, true, false) => "ROLLBACK TO SAVEPOINT g",
            (false, true, true) => "ROLLBACK TO SAVEPOINT g; COMMIT",
            (false, false, false) => "RELEASE SAVEPOINT g; SAVEPOINT g",
            // COMMIT releases the last savepoint itself.
            (false, false, true) => "COMMIT",
        };
        dones.push(done);
        if let Err(failure) = run(conn, boundary).await {
            let failure = commit_failed(conn, failure, boundary).await;
            // The writes not yet run are answered too, never dropped.
            jobs.for_each(|job| job.refuse(&failure));
            return (dones, Err(failure));
        }
    }
    (dones, Ok(()))
}

/// Runs statements without results in one message.
async fn run(conn: &mut PgConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A failure between writes: a lost connection while committing means the
/// batch may or may not be stored; anything else rolled it all back.
async fn commit_failed(conn: &mut PgConnection, error: sqlx::Error, sql: &str) -> StoreError {
    if sql.ends_with("COMMIT") && matches!(error, sqlx::Error::Io(_) | sqlx::Error::Tls(_)) {
        return StoreError::OutcomeUnknown(error.to_string());
    }
    abandon(conn, error).await
}

/// Rolls the whole batch back after a failure outside any one write.
async fn abandon(conn: &mut PgConnection, failure: sqlx::Error) -> StoreError {
    // A connection that is gone rolled back by itself; this then fails.
    let _ = run(conn, "ROLLBACK").await;
    StoreError::from(failure)
}
