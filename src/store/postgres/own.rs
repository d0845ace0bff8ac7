//! A connection of a background task's own (the notifier's, the
//! listener's queries): taken out of the pool once, so a burst of requests
//! holding every pooled connection never delays a wake-up, and opened again
//! after an error.

use sqlx::postgres::{PgConnection, PgPool};

use crate::store::StoreError;

/// A connection kept apart from the pool's.
pub(crate) struct OwnConnection {
    pool: PgPool,
    conn: Option<PgConnection>,
}

impl OwnConnection {
    /// None yet: the first use opens it.
    pub(crate) fn new(pool: PgPool) -> Self {
        Self { pool, conn: None }
    }

    /// Runs `f` on the connection, opening it first if needed; after an
    /// error it is dropped, and the next use opens another.
    pub(crate) async fn with<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut PgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.pool.acquire().await?.detach(),
        };
        let result = f(&mut conn).await;
        if result.is_ok() {
            self.conn = Some(conn);
        }
        result
    }
}
