//! What was acknowledged is on disk: the real binary is killed with
//! SIGKILL while clients create and approve pauses as fast as they can;
//! after a restart on the same database every pause answered 201 is there
//! and every approval answered 200 is recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp};

/// Ids the server acknowledged.
#[derive(Default)]
pub(crate) struct Acknowledged {
    pub created: BTreeSet<String>,
    pub approved: BTreeSet<String>,
}

/// Creates and approves pauses through `api` from `clients` loops until
/// the server stops answering; what it acknowledged.
pub(crate) async fn load_until_gone(api: &Api, clients: usize) -> Acknowledged {
    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    let loops: Vec<_> = (0..clients)
        .map(|_| {
            let (api, seen) = (api.clone(), seen.clone());
            tokio::spawn(async move { create_and_approve(&api, &seen).await })
        })
        .collect();
    for running in loops {
        running.await.unwrap();
    }
    Arc::into_inner(seen).unwrap().into_inner().unwrap()
}

async fn create_and_approve(api: &Api, seen: &Mutex<Acknowledged>) {
    loop {
        let create = api.request(Method::POST, "/api/v1/pauses");
        let Ok(created) = create.json(&json!({"title": "Durable?"})).send().await else {
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
        let approve = api.request(Method::POST, &format!("/api/v1/pauses/{id}/approve"));
        let Ok(approved) = approve.send().await else {
            return;
        };
        if approved.status() != StatusCode::OK {
            return;
        }
        seen.lock().unwrap().approved.insert(id);
    }
}

/// Checks that everything `acknowledged` says is stored behind `api`.
pub(crate) async fn assert_kept(api: &Api, acknowledged: &Acknowledged) {
    let stored: BTreeMap<String, String> = all_pauses(api).await.into_iter().collect();
    for id in &acknowledged.created {
        let state = stored.get(id);
        assert!(state.is_some(), "acknowledged pause {id} was lost");
        if acknowledged.approved.contains(id) {
            assert_eq!(state.unwrap(), "approved", "the approval of {id} was lost");
        }
    }
}

/// (id, state) of every stored pause, read page by page.
pub(crate) async fn all_pauses(api: &Api) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get_json(&format!("/api/v1/pauses?limit=200{cursor}"))
            .await;
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
    let serve = TestApp::builder().dir(dir.path());
    let mut server = serve.binary();
    let api = server.api.clone();
    let load = tokio::spawn(async move { load_until_gone(&api, 16).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill();
    let acknowledged = load.await.unwrap();
    assert!(
        acknowledged.approved.len() > 50,
        "the load ran ({} created)",
        acknowledged.created.len()
    );

    let mut restarted = serve.binary();
    assert_kept(&restarted.api, &acknowledged).await;
    assert!(restarted.terminate());
}
