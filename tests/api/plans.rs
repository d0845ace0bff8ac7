//! Every hot statement is an index range on both backends, so its cost
//! does not grow with what is stored: no table scan, no sort of the
//! result. Checked with SQLite's `EXPLAIN QUERY PLAN` and PostgreSQL's
//! `EXPLAIN` (with scans and sorts priced out, as on a large table).

/// How long the store waits for the database in these tests.
const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

use chrono::Utc;
use pausegate::store::sql::Arg;
use pausegate::store::sql::plans::{HotQuery, hot_queries};
use sqlx::{Connection, Row};

use crate::pg::PgDatabase;

/// The SQLite dialect and the PostgreSQL one, as the store uses them.
fn queries(postgres: bool) -> Vec<HotQuery> {
    let dialect = if postgres {
        &pausegate::store::sql::dialect::POSTGRES
    } else {
        &pausegate::store::sql::dialect::SQLITE
    };
    hot_queries(dialect, Utc::now())
}

#[tokio::test]
async fn every_hot_statement_is_an_index_range_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    let store = pausegate::store::open(&format!("sqlite://{}", path.display()), STORE_TIMEOUT)
        .await
        .unwrap();
    store.close().await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    for query in queries(false) {
        let mut statement = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", query.sql))
            .unwrap();
        for (index, arg) in query.args.iter().enumerate() {
            statement.raw_bind_parameter(index + 1, value(arg)).unwrap();
        }
        let mut rows = statement.raw_query();
        let mut plan = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            plan.push(row.get::<_, String>(3).unwrap());
        }
        let bounded = query.sql.contains("LIMIT");
        for step in &plan {
            // Scanning a subquery's few rows (one pause's deliveries) is fine.
            let scan = step.starts_with("SCAN") && !step.starts_with("SCAN ordered");
            let scan_in_order = scan && step.contains("USING") && step.contains("INDEX");
            assert!(
                !scan || (bounded && scan_in_order),
                "{}: {step} in {plan:?}",
                query.name
            );
            assert!(
                !step.contains("TEMP B-TREE"),
                "{}: sorts: {plan:?}",
                query.name
            );
        }
    }
}

#[tokio::test]
async fn every_hot_statement_is_an_index_range_on_postgres() {
    let database = PgDatabase::create().await;
    let store = pausegate::store::open(&database.url, STORE_TIMEOUT)
        .await
        .unwrap();
    store.close().await;
    let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
    // Priced as on a large table: a scan of it, an unordered bitmap of
    // it, or a sort of it would be the expensive way. A plan that still
    // has one has no index to do better.
    for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
        let sql = format!("SET {setting} = off");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for query in queries(true) {
        let sql = format!("EXPLAIN {}", query.sql);
        let mut explain = sqlx::query(sqlx::AssertSqlSafe(sql));
        for arg in &query.args {
            explain = match arg {
                Arg::Int(n) => explain.bind(*n),
                Arg::Text(t) => explain.bind(t.clone()),
                Arg::Bytes(b) => explain.bind(b.clone()),
            };
        }
        let plan: Vec<String> = explain
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        for step in &plan {
            let node = step.trim_start().trim_start_matches("->").trim_start();
            assert!(!node.starts_with("Seq Scan"), "{}: {plan:#?}", query.name);
            assert!(
                !node.starts_with("Sort") && !node.starts_with("Incremental Sort"),
                "{}: sorts: {plan:#?}",
                query.name
            );
        }
    }
    drop(conn);
    drop(database);
}

fn value(arg: &Arg) -> rusqlite::types::Value {
    match arg {
        Arg::Int(n) => n.map_or(rusqlite::types::Value::Null, Into::into),
        Arg::Text(t) => t.clone().map_or(rusqlite::types::Value::Null, Into::into),
        Arg::Bytes(b) => b.clone().into(),
    }
}
