//! The SQL core's [`Conn`] on a SQLite connection. Statements run on the
//! calling thread, in-process: the returned futures are ready at once, so
//! a write costs no thread hand-off per statement (the writer thread runs
//! a whole batch this way). Placeholders `$N` are bound by their number.

use std::future::{Future, ready};

use rusqlite::types::Value;
use rusqlite::{CachedStatement, Connection, ErrorCode};

use crate::store::StoreError;
use crate::store::sql::{Arg, Args, Columns, Conn, Dialect, FromColumns, Sql, dialect};

impl Conn for Connection {
    const DIALECT: &'static Dialect = &dialect::SQLITE;

    fn execute(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let result = prepared(self, &sql, args)
            .and_then(|mut statement| Ok(statement.raw_execute().map_err(error)? as u64));
        ready(result)
    }

    fn fetch_all<R: FromColumns>(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<Vec<R>, StoreError>> + Send {
        ready(fetch(self, &sql, args))
    }
}

fn fetch<R: FromColumns>(conn: &Connection, sql: &str, args: Args) -> Result<Vec<R>, StoreError> {
    let mut statement = prepared(conn, sql, args)?;
    let mut rows = statement.raw_query();
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        found.push(R::from_columns(&SqliteRow(row))?);
    }
    Ok(found)
}

/// The cached statement for `sql` with `args` bound: each `$N` takes
/// `args[N - 1]`, wherever and however often it appears.
fn prepared<'c>(
    conn: &'c Connection,
    sql: &str,
    args: Args,
) -> Result<CachedStatement<'c>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(error)?;
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| StoreError::internal(format!("parameter {index} is not $N: {sql}")))?;
        let value = match args.get(number - 1) {
            Some(Arg::Int(value)) => value.map_or(Value::Null, Value::Integer),
            Some(Arg::Text(value)) => value.clone().map_or(Value::Null, Value::Text),
            Some(Arg::Bytes(value)) => Value::Blob(value.clone()),
            None => {
                return Err(StoreError::internal(format!(
                    "${number} has no argument: {sql}"
                )));
            }
        };
        statement.raw_bind_parameter(index, value).map_err(error)?;
    }
    Ok(statement)
}

/// A result row, read by position.
struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl Columns for SqliteRow<'_, '_> {
    fn int(&self, index: usize) -> Result<i64, StoreError> {
        self.0.get(index).map_err(error)
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        self.0.get(index).map_err(error)
    }

    fn text(&self, index: usize) -> Result<String, StoreError> {
        self.0.get(index).map_err(error)
    }

    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        self.0.get(index).map_err(error)
    }

    fn flag(&self, index: usize) -> Result<bool, StoreError> {
        self.0.get(index).map_err(error)
    }
}

/// Another process holding the file's lock is "not now"; anything else
/// is a bug or a broken file.
pub(crate) fn error(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(format!("the database file is locked: {error}"))
        }
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::DiskFull) => {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Internal(error.to_string()),
    }
}
