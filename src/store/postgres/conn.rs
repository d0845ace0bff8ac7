//! The SQL core's [`Conn`] on a PostgreSQL connection, through sqlx.

use std::future::Future;

use sqlx::postgres::{PgArguments, PgConnection, PgRow};
use sqlx::{Arguments, Row};

use crate::store::StoreError;
use crate::store::sql::{Arg, Args, Columns, Conn, Dialect, FromColumns, Sql, dialect};

impl Conn for PgConnection {
    const DIALECT: &'static Dialect = &dialect::POSTGRES;

    fn execute(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments(args));
        async move { Ok(query.execute(self).await?.rows_affected()) }
    }

    fn fetch_all<R: FromColumns>(
        &mut self,
        sql: Sql,
        args: Args,
    ) -> impl Future<Output = Result<Vec<R>, StoreError>> + Send {
        let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments(args));
        async move {
            let rows = query.fetch_all(self).await?;
            rows.iter()
                .map(|row| R::from_columns(&PostgresRow(row)))
                .collect()
        }
    }
}

/// Binds owned arguments in order.
fn arguments(args: Args) -> PgArguments {
    let mut bound = PgArguments::default();
    for arg in args {
        // Encoding these plain types cannot fail; a failure would surface
        // as a bind error from the server, never a panic here.
        let _ = match arg {
            Arg::Int(value) => bound.add(value),
            Arg::Text(value) => bound.add(value),
            Arg::Bytes(value) => bound.add(value),
        };
    }
    bound
}

/// A result row, read by position.
struct PostgresRow<'r>(&'r PgRow);

impl Columns for PostgresRow<'_> {
    fn int(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.0.try_get(index)?)
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.0.try_get(index)?)
    }

    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.0.try_get(index)?)
    }

    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.0.try_get(index)?)
    }

    fn flag(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.0.try_get(index)?)
    }
}
