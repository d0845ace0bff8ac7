//! What the two group-commit backends share (SQLite's writer, PostgreSQL's
//! lanes): a write that ran inside a shared transaction waits, as a
//! [`Done`], to be answered once that transaction ends, with its own
//! result if it committed; and a write that panics fails alone.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::StoreError;
use super::sql::Work;

/// Called with a write's value once its transaction has committed.
pub(crate) type After<T> = Box<dyn FnOnce(&T) + Send>;

/// Where a write's caller waits for its answer.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A write that ran, waiting for its batch to commit.
pub(crate) trait Done: Send {
    /// True if the work itself failed (its savepoint is rolled back).
    fn failed(&self) -> bool;
    /// Answers the caller: the work's own result if the batch committed.
    fn answer(self: Box<Self>, committed: &Result<(), StoreError>);
}

/// A write that ran with `result`, to answer on `reply` (and tell `after`
/// if it commits).
pub(crate) fn ran<T: Send + 'static>(
    result: Result<T, StoreError>,
    after: Option<After<T>>,
    reply: Reply<T>,
) -> Box<dyn Done> {
    Box::new(Ran {
        result,
        after,
        reply,
    })
}

/// Answers a write that never ran with `error`.
pub(crate) fn refuse<T>(reply: Reply<T>, error: &StoreError) {
    let _ = reply.send(Err(error.clone()));
}

struct Ran<T> {
    result: Result<T, StoreError>,
    after: Option<After<T>>,
    reply: Reply<T>,
}

impl<T: Send + 'static> Done for Ran<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn answer(self: Box<Self>, committed: &Result<(), StoreError>) {
        let answer = match (self.result, committed) {
            (Err(own), _) => Err(own),
            (Ok(_), Err(commit)) => Err(commit.clone()),
            (Ok(value), Ok(())) => {
                if let Some(after) = self.after {
                    after(&value);
                }
                Ok(value)
            }
        };
        // A caller that stopped waiting gets nothing; its write stands.
        let _ = self.reply.send(answer);
    }
}

/// Runs `work` on `conn` to its end; a panic inside it (in the closure or
/// its future) becomes this write's error, so the batch, and the thread
/// or task running it, go on.
pub(crate) async fn run_alone<C, T>(work: Work<C, T>, conn: &mut C) -> Result<T, StoreError> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))) {
        Ok(future) => UnlessPanics(future).await,
        Err(_) => Err(panicked()),
    }
}

fn panicked() -> StoreError {
    StoreError::internal("the write panicked")
}

/// A future whose panic is its error.
struct UnlessPanics<F>(F);

impl<F, T> Future for UnlessPanics<F>
where
    F: Future<Output = Result<T, StoreError>> + Unpin,
{
    type Output = Result<T, StoreError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let work = &mut self.0;
        std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(work).poll(cx)))
            .unwrap_or_else(|_| Poll::Ready(Err(panicked())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::work;

    #[tokio::test]
    async fn a_write_that_panics_is_answered_with_an_error_and_the_next_one_runs() {
        let mut conn = 0_u8;
        let in_future = work(|_: &mut u8| Box::pin(async { panic!("in the future") }));
        let answer: Result<(), _> = run_alone(in_future, &mut conn).await;
        assert_eq!(answer, Err(panicked()));
        let in_closure = work(
            |_: &mut u8| -> crate::store::sql::BoxFuture<'_, Result<(), _>> {
                panic!("before the future")
            },
        );
        assert_eq!(run_alone(in_closure, &mut conn).await, Err(panicked()));
        let counts = work(|c: &mut u8| {
            Box::pin(async move {
                *c += 1;
                Ok(*c)
            })
        });
        assert_eq!(run_alone(counts, &mut conn).await, Ok(1));
    }
}
