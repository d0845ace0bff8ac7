//! Callbacks stored before each kind said what the API may show of it
//! still show it: the migration moves a Step Functions callback's account
//! under `shown`, on SQLite and PostgreSQL, and leaves other kinds alone.

use pausegate::domain::Callback;
use serde_json::{Value, json};

/// Stored callbacks as an earlier version wrote them, and their views after.
fn cases() -> Vec<(Value, Value)> {
    vec![
        (
            json!({"kind": "step_functions", "task_token": "t0k3n", "aws": "prod"}),
            json!({"kind": "step_functions", "aws": "prod"}),
        ),
        (
            json!({"kind": "logic_apps", "url": "https://x.y.logic.azure.com/cb?sig=s"}),
            json!({"kind": "logic_apps", "host": "x.y.logic.azure.com"}),
        ),
    ]
}

/// The UPDATE of a migration, as shipped.
fn update(migration: &str) -> String {
    let start = migration.find("UPDATE pauses").unwrap();
    let end = start + migration[start..].find(';').unwrap();
    migration[start..end].to_owned()
}

fn view(stored: &str) -> Value {
    let callback: Callback = serde_json::from_str(stored).unwrap();
    serde_json::to_value(callback.view()).unwrap()
}

#[test]
fn an_old_step_functions_callback_still_shows_its_account_on_sqlite() {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE pauses (n INTEGER, callback TEXT)")
        .unwrap();
    for (n, (stored, _)) in cases().into_iter().enumerate() {
        db.execute(
            "INSERT INTO pauses VALUES (?1, ?2)",
            rusqlite::params![n as i64, stored.to_string()],
        )
        .unwrap();
    }
    let sql = update(include_str!(
        "../../migrations/sqlite/0015_shown_callback_fields.sql"
    ));
    db.execute_batch(&sql).unwrap();
    let mut read = db
        .prepare("SELECT callback FROM pauses ORDER BY n")
        .unwrap();
    let stored: Vec<String> = read
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for ((_, expected), stored) in cases().into_iter().zip(stored) {
        assert_eq!(view(&stored), expected);
    }
}

#[tokio::test]
async fn an_old_step_functions_callback_still_shows_its_account_on_postgres() {
    use sqlx::Connection;
    let database = crate::pg::PgDatabase::create().await;
    let mut db = sqlx::PgConnection::connect(&database.url).await.unwrap();
    sqlx::query("CREATE TABLE pauses (n INT, callback TEXT)")
        .execute(&mut db)
        .await
        .unwrap();
    for (n, (stored, _)) in cases().into_iter().enumerate() {
        sqlx::query("INSERT INTO pauses VALUES ($1, $2)")
            .bind(n as i32)
            .bind(stored.to_string())
            .execute(&mut db)
            .await
            .unwrap();
    }
    let sql = update(include_str!(
        "../../migrations/postgres/0013_shown_callback_fields.sql"
    ));
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut db)
        .await
        .unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT callback FROM pauses ORDER BY n")
        .fetch_all(&mut db)
        .await
        .unwrap();
    for ((_, expected), stored) in cases().into_iter().zip(stored) {
        assert_eq!(view(&stored), expected);
    }
}
