//! Two `pausegate serve` processes on one PostgreSQL database settle 500
//! pauses at once while the one integrating the log is killed with
//! SIGKILL: the other takes the lease over within 5 seconds (the lease
//! lasts 3), and afterwards every receipt is in the log exactly once, the
//! indexes have no gap, and every checkpoint is the root of a prefix of
//! the same tree (so each is consistent with the one before), as
//! `pausegate audit verify` checks from the rows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::helpers::{RunningBinary, TestApp};
use crate::pg::PgDatabase;

const PAUSES: usize = 500;

/// Who holds the log's lease now.
async fn holder(db: &mut PgConnection) -> Option<String> {
    sqlx::query_scalar("SELECT holder FROM log_lease")
        .fetch_optional(db)
        .await
        .unwrap()
}

/// How many receipts were signed.
async fn receipts(db: &mut PgConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM receipts")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Approves `ids` through `replica`, 25 at a time; the ids whose answer
/// never came (the replica died under them).
async fn approve_all(replica: Arc<RunningBinary>, ids: Vec<String>) -> Vec<String> {
    let mut lost = Vec::new();
    for chunk in ids.chunks(25) {
        let sent: Vec<_> = chunk
            .iter()
            .map(|id| {
                let (replica, id) = (replica.clone(), id.clone());
                tokio::spawn(async move {
                    let path = format!("/api/v1/pauses/{id}/approve");
                    let answer = replica.api.request(reqwest::Method::POST, &path).send();
                    (id, answer.await.is_ok())
                })
            })
            .collect();
        for task in sent {
            let (id, answered) = task.await.unwrap();
            if !answered {
                lost.push(id);
            }
        }
    }
    lost
}

#[tokio::test]
async fn when_the_integrating_replica_is_killed_the_other_takes_over_and_the_log_stays_whole() {
    let database = PgDatabase::create().await;
    let mut db = PgConnection::connect(&database.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let serve = TestApp::builder()
        .database(&database.url)
        .config("[database]\ntimeout = \"5s\"\n")
        .dir(dir.path());
    let first = serve.binary();
    while holder(&mut db).await.is_none() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let integrating = holder(&mut db).await.unwrap();
    let second = Arc::new(serve.binary());
    let mut ids = Vec::new();
    for i in 0..PAUSES {
        ids.push(
            second
                .api
                .create_id(json!({"title": format!("Load {i}")}))
                .await,
        );
    }
    let (via_first, via_second) = ids.split_at(PAUSES / 2);
    let first_pid = first.child.id().to_string();
    let first = Arc::new(first);
    let racing_first = tokio::spawn(approve_all(first.clone(), via_first.to_vec()));
    let racing_second = tokio::spawn(approve_all(second.clone(), via_second.to_vec()));
    // Killed in the middle: some receipts signed, some integrated, most to come.
    while receipts(&mut db).await < 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-9", &first_pid])
        .status();
    assert!(killed.unwrap().success());
    let killed_at = Instant::now();
    assert!(
        receipts(&mut db).await < PAUSES as i64,
        "killed while settling"
    );
    let lost = racing_first.await.unwrap();
    assert!(racing_second.await.unwrap().is_empty());
    let took_over = wait_for_new_holder(&mut db, &integrating).await;
    let waited = took_over.duration_since(killed_at);
    assert!(
        waited < Duration::from_secs(5),
        "took over after {waited:?}"
    );
    // What the dead replica never answered is decided again, through the living one.
    approve_all(second.clone(), lost).await;
    let logged = wait_until_logged(&mut db).await;
    assert_eq!(
        logged,
        (0..PAUSES as i64).collect::<Vec<_>>(),
        "every receipt once, no gap"
    );
    let sizes: Vec<i64> = sqlx::query_scalar("SELECT size FROM log_checkpoints ORDER BY size")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(sizes.last(), Some(&(PAUSES as i64)));
    let audit = std::process::Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["audit", "verify", "--database-url", &database.url])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let whole = format!(
        "the log's {PAUSES} entries match its {} checkpoints",
        sizes.len()
    );
    assert!(said.contains(&whole), "{said}");
}

/// Waits until someone other than `old` holds the lease; when.
async fn wait_for_new_holder(db: &mut PgConnection, old: &str) -> Instant {
    for _ in 0..200 {
        if holder(db).await.is_some_and(|now| now != old) {
            return Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no replica took the lease over in 10 s");
}

/// Waits until every pause's receipt is in the log; the indexes, in order.
async fn wait_until_logged(db: &mut PgConnection) -> Vec<i64> {
    for _ in 0..100 {
        let indexes: Vec<i64> = sqlx::query_scalar(
            "SELECT log_index FROM receipts WHERE log_index IS NOT NULL ORDER BY 1",
        )
        .fetch_all(&mut *db)
        .await
        .unwrap();
        if indexes.len() == PAUSES {
            return indexes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the receipts did not all reach the log");
}
