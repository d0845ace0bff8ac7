//! What was acknowledged is on disk: the real binary is killed with
//! SIGKILL while clients create and approve pauses as fast as they can;
//! after a restart on the same database every pause answered 201 is there
//! and every approval answered 200 is recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::binary::spawn_serve;
use crate::helpers::{API_KEY, get_json};

/// Ids the server acknowledged.
#[derive(Default)]
pub struct Acknowledged {
    pub created: BTreeSet<String>,
    pub approved: BTreeSet<String>,
}

/// Creates and approves pauses on `base` from `clients` loops until the
/// server stops answering; what it acknowledged.
pub async fn load_until_gone(base: &str, clients: usize) -> Acknowledged {
    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    let loops: Vec<_> = (0..clients)
        .map(|_| {
            let (base, seen) = (base.to_owned(), seen.clone());
            tokio::spawn(async move { create_and_approve(&base, &seen).await })
        })
        .collect();
    for running in loops {
        running.await.unwrap();
    }
    Arc::into_inner(seen).unwrap().into_inner().unwrap()
}

async fn create_and_approve(base: &str, seen: &Mutex<Acknowledged>) {
    let client = reqwest::Client::new();
    loop {
        let Ok(created) = client
            .post(format!("{base}/api/v1/pauses"))
            .bearer_auth(API_KEY)
            .json(&json!({"title": "Durable?"}))
            .send()
            .await
        else {
            return;
        };
        if created.status() != StatusCode::CREATED {
            return;
        }
        let Ok(body) = created.json::<Value>().await else {
            return;
        };
        let id = body["id"].as_str().unwrap().to_owned();
        seen.lock().unwrap().created.insert(id.clone());
        let Ok(approved) = client
            .post(format!("{base}/api/v1/pauses/{id}/approve"))
            .bearer_auth(API_KEY)
            .send()
            .await
        else {
            return;
        };
        if approved.status() != StatusCode::OK {
            return;
        }
        seen.lock().unwrap().approved.insert(id);
    }
}

/// Checks that everything `acknowledged` says is stored on `base`.
pub async fn assert_kept(base: &str, acknowledged: &Acknowledged) {
    let stored: BTreeMap<String, String> = all_pauses(base).await.into_iter().collect();
    for id in &acknowledged.created {
        let state = stored.get(id);
        assert!(state.is_some(), "acknowledged pause {id} was lost");
        if acknowledged.approved.contains(id) {
            assert_eq!(state.unwrap(), "approved", "the approval of {id} was lost");
        }
    }
}

/// (id, state) of every stored pause, read page by page.
pub async fn all_pauses(base: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get_json(base, &format!("/api/v1/pauses?limit=200{cursor}")).await;
        for pause in page["items"].as_array().unwrap() {
            let field = |name: &str| pause[name].as_str().unwrap().to_owned();
            found.push((field("id"), field("state")));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return found,
        }
    }
}

// Several threads: the load must keep running while the test kills.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_creates_and_approvals_survive_a_kill_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_serve(dir.path(), &[]);
    let base = server.base.clone();
    let load = tokio::spawn(async move { load_until_gone(&base, 16).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acknowledged = load.await.unwrap();
    assert!(
        acknowledged.approved.len() > 50,
        "the load ran ({} created)",
        acknowledged.created.len()
    );

    let mut restarted = spawn_serve(dir.path(), &[]);
    assert_kept(&restarted.base, &acknowledged).await;
    assert!(restarted.terminate());
}
