//! Group commit: writes waiting at the same moment share a transaction
//! (on SQLite the writer's, on PostgreSQL a lane's), yet each is answered
//! with its own result, and one that fails spoils none of the others. Two
//! of fifty creates carry the same creator token, which the database
//! refuses the second time: exactly one of those two fails, nothing of it
//! is stored, and the other forty-nine stand, each with its own pause. A
//! write stopped by a deadlock with another transaction runs again on its
//! own.

use std::sync::Arc;

use pausegate::store::{Created, Store};
use serde_json::json;

use crate::store_story::{STORE_TIMEOUT, now, record, sqlite_store};

const CREATES: usize = 50;
const ROUNDS: usize = 3;

/// One round: fifty creates at once, the 11th reusing the 10th's token.
async fn fifty_creates_one_refused(store: &Arc<dyn Store>, round: usize) {
    let at = now();
    let mut records: Vec<_> = (0..CREATES)
        .map(|i| {
            record(
                json!({"title": format!("Load {round}-{i}?")}),
                at,
                Vec::new(),
            )
            .0
        })
        .collect();
    records[11].creator_token = records[10].creator_token;
    let ids: Vec<_> = records.iter().map(|r| r.id.clone()).collect();
    let creates: Vec<_> = records
        .into_iter()
        .map(|r| {
            let store = store.clone();
            tokio::spawn(async move { store.create_pause(r).await })
        })
        .collect();
    let mut failed = Vec::new();
    for (i, create) in creates.into_iter().enumerate() {
        match create.await.unwrap() {
            Ok(Created::New(pause, _)) => {
                assert_eq!(
                    pause.id, ids[i],
                    "each create is answered with its own pause"
                );
                assert_eq!(pause.title.as_str(), format!("Load {round}-{i}?"));
            }
            Ok(other) => panic!("create {i} was not new: {other:?}"),
            Err(_) => failed.push(i),
        }
    }
    assert!(
        failed == [10] || failed == [11],
        "exactly one of the two creates sharing a token fails: {failed:?}"
    );
    for (i, id) in ids.iter().enumerate() {
        let stored = store.pause(id).await.unwrap();
        assert_eq!(stored.is_some(), i != failed[0], "pause {i} stored");
    }
}

async fn a_failed_write_spoils_no_other(store: Arc<dyn Store>) {
    for round in 0..ROUNDS {
        fifty_creates_one_refused(&store, round).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_failed_write_in_a_shared_commit_spoils_no_other() {
    let (store, _dir) = sqlite_store().await;
    a_failed_write_spoils_no_other(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_a_failed_write_in_a_shared_commit_spoils_no_other() {
    let database = crate::pg::PgDatabase::create().await;
    let store = pausegate::store::open(&database.url, STORE_TIMEOUT)
        .await
        .unwrap();
    a_failed_write_spoils_no_other(store.clone()).await;
    store.close().await;
}

/// A create that supersedes: its batch is stopped by PostgreSQL's deadlock
/// detector (another transaction holds the older pause and then waits for
/// the group's row the create holds). Nothing of it is kept, and it runs
/// once more on its own: the caller gets the new pause, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_a_write_stopped_by_a_deadlock_runs_again_on_its_own() {
    use sqlx::Connection;
    let database = crate::pg::PgDatabase::create().await;
    let store = pausegate::store::open(&database.url, STORE_TIMEOUT)
        .await
        .unwrap();
    let at = now();
    let older = record(json!({"title": "Load v1?", "group": "nightly"}), at, vec![]).0;
    let older_id = older.id.clone();
    store.create_pause(older).await.unwrap();
    let mut other = sqlx::postgres::PgConnection::connect(&database.url)
        .await
        .unwrap();
    let group: String = sqlx::query_scalar("SELECT group_key FROM pauses WHERE id = $1")
        .bind(older_id.as_str())
        .fetch_one(&mut other)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("SELECT id FROM pauses WHERE id = $1 FOR UPDATE")
        .bind(older_id.as_str())
        .execute(&mut other)
        .await
        .unwrap();
    let newer = record(json!({"title": "Load v2?", "group": "nightly"}), at, vec![]).0;
    let newer_id = newer.id.clone();
    let creating = {
        let store = store.clone();
        tokio::spawn(async move { store.create_pause(newer).await })
    };
    // The create now holds the group's row and waits for the older pause;
    // waiting for the group's row closes the circle. The create has waited
    // longer, so PostgreSQL stops it when its deadlock_timeout (1 s) ends.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    sqlx::query("SELECT group_key FROM pause_groups WHERE group_key = $1 FOR UPDATE")
        .bind(&group)
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::raw_sql("COMMIT").execute(&mut other).await.unwrap();
    match creating.await.unwrap() {
        Ok(Created::New(pause, superseded)) => {
            assert_eq!(pause.id, newer_id);
            assert_eq!(superseded.len(), 1, "the older pause is cancelled");
            assert_eq!(superseded[0].id, older_id);
        }
        other => panic!("the create ran again and succeeded, not {other:?}"),
    }
    store.close().await;
}
