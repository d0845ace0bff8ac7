//! Two server processes on one PostgreSQL database, as two replicas behind
//! a load balancer: a decision recorded through one wakes a long poll held
//! by the other at once (LISTEN/NOTIFY, not polling), and racing approvals
//! spread over both settle the pause once, with one trigger.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::binary::{RunningBinary, spawn_serve};
use crate::helpers::{API_KEY, get_json};
use crate::pg::PgDatabase;
use crate::standins;

/// Two `pausegate serve` processes on `database`, with target `hook`.
fn two_replicas(
    dir: &std::path::Path,
    database: &PgDatabase,
    receiver: &str,
) -> [RunningBinary; 2] {
    let config = dir.join("pausegate.toml");
    let text = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    std::fs::write(&config, text).unwrap();
    let args = [
        "--database-url",
        &database.url,
        "--config",
        config.to_str().unwrap(),
    ];
    [spawn_serve(dir, &args), spawn_serve(dir, &args)]
}

async fn create(client: &reqwest::Client, base: &str) -> String {
    let created: Value = client
        .post(format!("{base}/api/v1/pauses"))
        .bearer_auth(API_KEY)
        .json(&json!({"title": "Deploy?", "target": "hook"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn approve(client: &reqwest::Client, base: &str, id: &str) -> StatusCode {
    client
        .post(format!("{base}/api/v1/pauses/{id}/approve"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap()
        .status()
}

// Several threads: stopping a replica blocks, and the receiver of its
// trigger runs in this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_through_one_replica_wakes_a_wait_on_the_other_at_once() {
    let database = PgDatabase::create().await;
    let (receiver, _log) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let [mut a, mut b] = two_replicas(dir.path(), &database, &receiver);
    let client = reqwest::Client::new();
    let id = create(&client, &a.base).await;

    let wait = client
        .get(format!("{}/api/v1/pauses/{id}/wait?timeout=30s", a.base))
        .bearer_auth(API_KEY)
        .send();
    let waiting = tokio::spawn(async move {
        let answer: Value = wait.await.unwrap().json().await.unwrap();
        (Instant::now(), answer)
    });
    // Let the long poll settle in before deciding.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(approve(&client, &b.base, &id).await, StatusCode::OK);
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
    let client = reqwest::Client::new();
    let id = create(&client, &a.base).await;

    let attempts: Vec<_> = (0..100)
        .map(|i| {
            let base = if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            };
            let (client, id) = (client.clone(), id.clone());
            tokio::spawn(async move { approve(&client, &base, &id).await })
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
        pause = get_json(&b.base, &format!("/api/v1/pauses/{id}")).await;
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
