//! The one SQL core: every statement pausegate runs is written once, here,
//! in SQL that SQLite and PostgreSQL both accept. Placeholders are `$1`,
//! `$2`, …: PostgreSQL's own, and SQLite reads `$N` by its number too. The
//! few real differences (row locks, `SKIP LOCKED`, JSON aggregation and
//! unpacking) are fragments of a [`Dialect`]; a backend module keeps only
//! its pools, pragmas, migrations and how it runs a transaction
//! ([`Backend`]).
//!
//! # Why this mechanism
//!
//! Three were weighed, measured on this project's machine (2 cores,
//! release build, one connection, 20,000 statements each):
//! - `sqlx::Any`: `SELECT 1` took 16.3 µs against 12.1 µs native (+35%),
//!   an insert 18.9 against 18.1 µs; it also hides `SqliteConnectOptions`
//!   (WAL, `synchronous`, `mmap_size`) and PostgreSQL's `LISTEN`, both of
//!   which the backends need.
//! - Functions generic over `sqlx::Database`: no overhead, but each needs
//!   a dozen `Encode`/`Type`/`Executor` bounds, repeated on every function.
//! - Chosen: a small [`Conn`] trait with owned [`Arg`]s and positional
//!   [`Columns`], implemented by each backend's connection in a few lines.
//!   The core functions read as plain async code over `C: Conn`.
//!
//! Under load a fourth measurement decided the SQLite driver: through
//! sqlx, every statement is a round trip to the connection's worker
//! thread. With 32 clients creating pauses on 2 cores, the group-commit
//! writer spent 400 µs per create waiting on those hand-offs (6.4 ms for a
//! batch of 16; 2,100 creates/s), mostly in futex wake-ups. SQLite is
//! in-process, so its backend runs statements on rusqlite instead, on the
//! writer's own thread: the futures its [`Conn`] returns are ready at once.
//! PostgreSQL stays on sqlx, where a round trip is a real network trip.

pub mod attestation_keys;
pub mod claim;
mod columns;
pub mod delegations;
pub mod dialect;
pub mod keys;
pub mod log;
pub mod on_call;
pub mod outbox;
pub(crate) mod pause_row;
pub mod pauses;
pub mod plans;
pub mod receipts;
pub mod redeliver;
pub mod redemptions;
pub(crate) mod rows;
pub mod sessions;
pub mod settle;
pub mod store;
pub mod wakeups;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use columns::{Columns, FromColumns};

use super::StoreError;

/// SQL text: a literal, or built once from a dialect's fragments.
pub type Sql = Cow<'static, str>;

/// A boxed future, as the backends pass work around.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One unit of store work on a connection the backend chose (a write
/// transaction, or a reader). Boxed, so it can be queued for the writer.
pub type Work<C, T> =
    Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Result<T, StoreError>> + Send>;

/// Work that can run more than once: a group-commit batch may be stopped
/// by a deadlock with another, and the write then runs again on its own.
pub type Rework<C, T> =
    Arc<dyn for<'c> Fn(&'c mut C) -> BoxFuture<'c, Result<T, StoreError>> + Send + Sync>;

/// Wraps `f` as [`Rework`]; the closure's signature is inferred from here.
pub fn rework<C, T, F>(f: F) -> Rework<C, T>
where
    F: for<'c> Fn(&'c mut C) -> BoxFuture<'c, Result<T, StoreError>> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// [`Rework`] to run once, as [`Work`].
pub fn once<C: 'static, T: 'static>(work: Rework<C, T>) -> Work<C, T> {
    Box::new(move |c| work(c))
}

/// Boxes `f` as [`Work`]; the closure's signature is inferred from here.
pub fn work<C, T, F>(f: F) -> Work<C, T>
where
    F: for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
{
    Box::new(f)
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An integer (times are milliseconds since the epoch), or NULL.
    Int(Option<i64>),
    /// Text, or NULL.
    Text(Option<String>),
    /// Bytes (token hashes).
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Self::Text(Some(value))
    }
}

impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Self {
        Self::Text(value.map(str::to_owned))
    }
}

impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Self {
        Self::Text(value)
    }
}

impl From<&[u8]> for Arg {
    fn from(value: &[u8]) -> Self {
        Self::Bytes(value.to_vec())
    }
}

/// The values of `$1`, `$2`, … in order.
pub type Args = Vec<Arg>;

/// `args![a, b]`: the arguments of a statement.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::store::sql::Arg::from($value)),*]
    };
}
pub(crate) use args;

/// Which backend a [`Dialect`] is for: SQL built from a dialect's
/// fragments is built once per backend and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialectKind {
    /// [`dialect::SQLITE`].
    Sqlite,
    /// [`dialect::POSTGRES`].
    Postgres,
}

/// What differs between the SQL of the two backends.
#[derive(Debug)]
pub struct Dialect {
    /// The backend these fragments are for.
    pub kind: DialectKind,
    /// Appended to a `SELECT` whose rows the transaction will change:
    /// PostgreSQL locks them; SQLite's single writer needs nothing.
    pub for_update: &'static str,
    /// Appended to a `SELECT` whose rows must not change or vanish before
    /// the transaction ends (a delegation a decision relies on).
    pub for_share: &'static str,
    /// Appended to the outbox claim: rows another worker holds are skipped.
    pub skip_locked: &'static str,
    /// Aggregates JSON values into an array (with `ORDER BY` inside).
    pub json_array: &'static str,
    /// Builds a JSON object from key/value pairs.
    pub json_object: &'static str,
    /// Reads a subquery's column back as JSON (SQLite forgets that text
    /// it built is JSON once it leaves the subquery).
    pub as_json: &'static str,
    /// The strings of the JSON array `$1`, one row each (a list of ids
    /// bound as one value, so one statement serves any number).
    pub json_texts: &'static str,
}

/// A connection the SQL core can run statements on.
pub trait Conn: Send {
    /// The SQL fragments this backend needs.
    const DIALECT: &'static Dialect;

    /// Runs a statement; the number of rows it changed.
    fn execute(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Runs a query; every row it returns.
    fn fetch_all<R: FromColumns>(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<Vec<R>, StoreError>> + Send;

    /// Runs a query; its first row, if any.
    fn fetch_optional<R: FromColumns>(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<Option<R>, StoreError>> + Send {
        async move { Ok(self.fetch_all(sql, args).await?.into_iter().next()) }
    }
}

/// How a backend runs store work: the writes in a transaction (committed
/// before the result is returned), the reads on a reader.
pub trait Backend: Send + Sync + 'static {
    /// The connection type the SQL core runs on.
    type Conn: Conn;

    /// Runs `work` in a write transaction that commits before this returns.
    /// The work runs to the end even if the caller stops waiting, so a
    /// client that disconnects cannot cut a write in half.
    fn write<T: Send + 'static>(
        &self,
        work: Work<Self::Conn, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>>;

    /// Runs `work` as [`Backend::write`] does; once it has committed, and
    /// if `settled` says its result settled pauses, tells other processes
    /// sharing the database (after the commit, outside any transaction).
    fn write_settling<T: Send + 'static>(
        &self,
        work: Work<Self::Conn, T>,
        settled: fn(&T) -> bool,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        // One process owns the database unless a backend says otherwise.
        let _ = settled;
        self.write(work)
    }

    /// Runs `work` as [`Backend::write_settling`] does, in a transaction it
    /// may share with other short writes waiting at the same moment (group
    /// commit), each still answered with its own result or error. For
    /// creates and decisions, never for long work like a sweep.
    fn write_grouped<T: Send + 'static>(
        &self,
        work: Rework<Self::Conn, T>,
        settled: fn(&T) -> bool,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        self.write_settling(once(work), settled)
    }

    /// Runs `work` on a connection for reading.
    fn read<T: Send + 'static>(
        &self,
        work: Work<Self::Conn, T>,
    ) -> BoxFuture<'_, Result<T, StoreError>>;

    /// Starts telling `wake` about pauses settled by other processes.
    fn watch_settled(&self, wake: super::SettledWatcher);

    /// Closes the connections, finishing work under way.
    fn close(&self) -> BoxFuture<'_, ()>;
}
