//! Two server processes on one PostgreSQL database, as two replicas behind
//! a load balancer: a decision recorded through one wakes a long poll held
//! by the other at once (LISTEN/NOTIFY, not polling), and racing approvals
//! spread over both settle the pause once, with one trigger.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{RunningBinary, TestApp};
use crate::pg::PgDatabase;
use crate::standins;

/// Two `pausegate serve` processes on `database`, with target `hook`.
fn two_replicas(
    dir: &std::path::Path,
    database: &PgDatabase,
    receiver: &str,
) -> [RunningBinary; 2] {
    // A hundred requests at once on a loaded machine may wait longer than
    // the default half second for a connection: this test is about settling
    // once, not about latency.
    let config = format!(
        "[database]\ntimeout = \"5s\"\n\
         [targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n"
    );
    let serve = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .dir(dir);
    [serve.binary(), serve.binary()]
}

/// A pause with target `hook`, made through `replica`; its id.
async fn create(replica: &RunningBinary) -> String {
    let body = json!({"title": "Deploy?", "target": "hook"});
    let (_, created) = replica.api.create(body).await;
    created["id"].as_str().unwrap().to_owned()
}

// Several threads: stopping a replica blocks, and the receiver of its
// trigger runs in this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_through_one_replica_wakes_a_wait_on_the_other_at_once() {
    let database = PgDatabase::create().await;
    let (receiver, _log) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let [mut a, mut b] = two_replicas(dir.path(), &database, &receiver);
    let id = create(&a).await;

    let (api, waited) = (a.api.clone(), id.clone());
    let waiting = tokio::spawn(async move {
        let (_, answer) = api.wait(&waited, "30s").await;
        (Instant::now(), answer)
    });
    // Let the long poll settle in before deciding.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(b.api.approve(&id).await.0, StatusCode::OK);
    let decided = Instant::now();
    let (woken, answer) = waiting.await.unwrap();
    assert_eq!(answer["state"], "approved");
    let lag = woken.saturating_duration_since(decided);
    assert!(
        lag < Duration::from_millis(200),
        "the wait on A answered {lag:?} after B recorded the decision"
    );
    assert!(a.terminate() && b.terminate());
    drop(database);
}

// Several threads: stopping a replica blocks, and the receiver of its
// trigger runs in this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_approvals_spread_over_two_replicas_settle_once_with_one_trigger() {
    let database = PgDatabase::create().await;
    let (receiver, log) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let [mut a, mut b] = two_replicas(dir.path(), &database, &receiver);
    let id = create(&a).await;

    let attempts: Vec<_> = (0..100)
        .map(|i| {
            let replica = if i % 2 == 0 { &a } else { &b };
            let path = format!("/api/v1/pauses/{id}/approve");
            let approve = replica.api.request(Method::POST, &path).send();
            tokio::spawn(async move { approve.await.unwrap().status() })
        })
        .collect();
    let mut ok = 0;
    for attempt in attempts {
        let status = attempt.await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}"
        );
        ok += usize::from(status == StatusCode::OK);
    }
    assert_eq!(ok, 1, "one approval wins");

    let mut pause = Value::Null;
    for _ in 0..100 {
        pause = b.api.get_json(&format!("/api/v1/pauses/{id}")).await;
        if pause["deliveries"][0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pause["decisions"].as_array().unwrap().len(), 1, "{pause}");
    assert_eq!(pause["deliveries"].as_array().unwrap().len(), 1, "{pause}");
    assert_eq!(pause["deliveries"][0]["state"], "delivered", "{pause}");
    // Both outboxes have had time to claim it again if they could.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(log.requests().len(), 1, "one trigger for one decision");
    assert!(a.terminate() && b.terminate());
    drop(database);
}
