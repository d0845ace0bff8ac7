//! The crash loop: the real binary is `kill -9`ed every few seconds for a
//! minute while clients create pauses with a webhook target and approve
//! them, on SQLite and on PostgreSQL. Afterwards every acknowledged pause
//! and approval is stored, every approved pause's trigger arrived, and a
//! trigger that arrived twice came under one delivery id.
//!
//! Slow by design (a minute per backend), so `#[ignore]`d; `.ci/run` runs
//! them with `cargo test crash_loop -- --ignored`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::durability::{Acknowledged, all_pauses};
use crate::helpers::{Api, TestApp};
use crate::pg::PgDatabase;
use crate::standins::{self, Log};

const RUN_FOR: Duration = Duration::from_secs(60);
const CLIENTS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute of kills; run by .ci/run"]
async fn crash_loop_on_sqlite_keeps_every_acknowledged_decision_and_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_loop(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute of kills; run by .ci/run"]
async fn crash_loop_on_postgres_keeps_every_acknowledged_decision_and_trigger() {
    let database = PgDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    crash_loop(dir.path(), &database.url).await;
}

async fn crash_loop(dir: &Path, database_url: &str) {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    let listen = free_address();
    let serve = TestApp::builder()
        .config(&config)
        .database(database_url)
        .listen(&listen)
        .dir(dir);
    let api = Api::new(&format!("http://{listen}"));

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (api, stop, seen) = (api.clone(), stop.clone(), seen.clone());
            tokio::spawn(async move { keep_deciding(n, &api, &stop, &seen).await })
        })
        .collect();

    let started = Instant::now();
    let mut kills = 0;
    while started.elapsed() < RUN_FOR {
        let mut server = serve.binary();
        // Every 2 to 4 s, so kills land at different points of the work.
        tokio::time::sleep(Duration::from_millis(2_000 + 700 * (kills % 3))).await;
        server.kill();
        kills += 1;
    }
    let mut last = serve.binary();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = Arc::into_inner(seen).unwrap().into_inner().unwrap();
    assert!(kills >= 15, "killed {kills} times");
    assert!(
        acknowledged.approved.len() > 100,
        "the load ran: {} approvals acknowledged",
        acknowledged.approved.len()
    );

    let stored: BTreeMap<String, String> = all_pauses(&api).await.into_iter().collect();
    for id in &acknowledged.created {
        assert!(stored.contains_key(id), "acknowledged pause {id} was lost");
    }
    for id in &acknowledged.approved {
        assert_eq!(stored[id], "approved", "the approval of {id} was lost");
    }
    let approved: BTreeSet<&String> = stored
        .iter()
        .filter(|(_, state)| *state == "approved")
        .map(|(id, _)| id)
        .collect();
    let delivered = wait_for_triggers(&log, &approved).await;
    for (id, delivery_ids) in &delivered {
        assert!(
            approved.contains(id),
            "a trigger for {id}, which is not approved"
        );
        assert_eq!(
            delivery_ids.len(),
            1,
            "{id} was triggered under several delivery ids"
        );
    }
    let twice = log.requests().len() - delivered.len();
    eprintln!(
        "{kills} kills; {} pauses and {} approvals acknowledged; {} triggers, {twice} sent again",
        acknowledged.created.len(),
        acknowledged.approved.len(),
        delivered.len()
    );
    assert!(last.terminate());
}

/// One client: create (with an idempotency key, as the CLI does) and
/// approve, again and again; connection errors while the server is down
/// are waited out. Only what was answered is recorded as acknowledged.
async fn keep_deciding(n: usize, api: &Api, stop: &AtomicBool, seen: &Mutex<Acknowledged>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let api = api.with_http(client);
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let key = format!("crash-loop-{n}-{round}");
        let body = json!({"title": "Survive?", "target": "hook", "idempotency_key": key});
        let created = api
            .request(Method::POST, "/api/v1/pauses")
            .json(&body)
            .send()
            .await;
        let id = match created {
            Ok(answer) if answer.status().is_success() => match answer.json::<Value>().await {
                Ok(pause) => pause["id"].as_str().unwrap().to_owned(),
                Err(_) => continue,
            },
            Ok(answer) => {
                assert_no_500(answer.status());
                pause_a_moment().await;
                continue;
            }
            Err(_) => {
                pause_a_moment().await;
                continue;
            }
        };
        seen.lock().unwrap().created.insert(id.clone());
        let approved = api
            .request(Method::POST, &format!("/api/v1/pauses/{id}/approve"))
            .send()
            .await;
        match approved {
            Ok(answer) if answer.status() == StatusCode::OK => {
                seen.lock().unwrap().approved.insert(id);
            }
            Ok(answer) => assert_no_500(answer.status()),
            Err(_) => pause_a_moment().await,
        }
    }
}

fn assert_no_500(status: StatusCode) {
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a 500 under crashes"
    );
}

async fn pause_a_moment() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Waits (up to a minute: leases of killed holders run out in 15 s) until
/// every approved pause's trigger has arrived; the delivery ids seen per
/// pause.
async fn wait_for_triggers(
    log: &Log,
    approved: &BTreeSet<&String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut delivered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for request in log.requests() {
            let id = request.json()["pause"]["id"].as_str().unwrap().to_owned();
            let delivery = request.header("pausegate-delivery").to_owned();
            delivered.entry(id).or_default().insert(delivery);
        }
        let missing = approved
            .iter()
            .filter(|id| !delivered.contains_key(id.as_str()))
            .count();
        if missing == 0 {
            return delivered;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} approved pauses never triggered"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A local address nothing listens on, for a server restarted on the
/// same port again and again.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}
