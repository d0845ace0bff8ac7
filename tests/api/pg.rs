//! A fresh PostgreSQL database per test, on the server the machine runs
//! (`PAUSEGATE_TEST_POSTGRES`, default postgres://postgres@127.0.0.1:5432/test).

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// A database created for one test; `drop` removes it.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

fn admin_url() -> String {
    std::env::var("PAUSEGATE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl PgDatabase {
    /// Creates an empty database with a unique name.
    pub async fn create() -> Self {
        let admin_url = admin_url();
        let name = format!(
            "pausegate_test_{}",
            pausegate::domain::PauseId::generate()
                .as_str()
                .trim_start_matches("pau_")
        );
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is needed for this test: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').unwrap().0;
        let url = format!("{base}/{name}");
        Self {
            admin_url,
            name,
            url,
        }
    }

    /// Removes the database, ending any connection still open to it.
    pub async fn drop(self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.unwrap();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}
