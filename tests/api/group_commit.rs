//! Group commit: writes waiting at the same moment share a transaction
//! (on SQLite the writer's, on PostgreSQL a lane's), yet each is answered
//! with its own result, and one that fails spoils none of the others. Two
//! of fifty creates carry the same creator token, which the database
//! refuses the second time: exactly one of those two fails, nothing of it
//! is stored, and the other forty-nine stand, each with its own pause.

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
