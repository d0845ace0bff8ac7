//! A fresh PostgreSQL database per test, on the server the machine runs
//! (`PAUSEGATE_TEST_POSTGRES`, default postgres://postgres@127.0.0.1:5432/test).
//! It is dropped when the test's handle goes, also when the test fails.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// A database created for one test; dropping the handle removes it.
pub(crate) struct PgDatabase {
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
    pub(crate) async fn create() -> Self {
        let admin_url = admin_url();
        let name = format!(
            "pausegate_test_{}",
            pausegate::clock::Mint::system()
                .pause_id()
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
}

impl Drop for PgDatabase {
    /// Removes the database, ending any connection still open to it. Runs
    /// on a thread of its own: `drop` cannot await, and a failing test may
    /// be unwinding inside a runtime.
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the clean-up");
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
