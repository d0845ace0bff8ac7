//! Approver rules: who may decide, how many distinct identified people
//! must approve, a rejection's veto, no approving one's own pause, and a
//! quorum settled exactly once under concurrency, on both backends.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp};
use crate::pg::PgDatabase;
use crate::standins;

/// `n` people, each with a named API key: config lines and variables.
fn people(n: usize, receiver: &str) -> (String, Vec<(String, String)>) {
    let mut config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/hook\"\n");
    let mut env = Vec::new();
    for i in 1..=n {
        config.push_str(&format!("\n[api_keys.p{i}]\nkey_env = \"KEY_P{i}\"\n"));
        env.push((format!("KEY_P{i}"), key(i)));
    }
    (config, env)
}

fn key(person: usize) -> String {
    format!("key-of-person-{person}-0123456789")
}

async fn app_with(n: usize, database: Option<&str>) -> (TestApp, standins::Log) {
    let (receiver, log) = standins::webhook().await;
    let (config, env) = people(n, &receiver);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut app = TestApp::builder().config(&config).env(&env).manual();
    if let Some(url) = database {
        app = app.database(url);
    }
    (app.start().await, log)
}

/// `person`'s client (0: the server's unnamed key).
fn as_person(app: &TestApp, person: usize) -> Api {
    match person {
        0 => app.api.clone(),
        n => app.api.as_key(&key(n)),
    }
}

/// A pause with a webhook target and approver `rules`.
fn release(rules: Value) -> Value {
    let mut body = json!({"title": "Release 2.0?", "target": "hook"});
    body.as_object_mut()
        .unwrap()
        .extend(rules.as_object().unwrap().clone());
    body
}

fn triggers(pause: &Value) -> usize {
    pause["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "trigger")
        .count()
}

#[tokio::test]
async fn two_of_three_needs_two_distinct_identified_approvers() {
    let (app, _log) = app_with(4, None).await;
    let rules = json!({"approvers": ["p1", "p2", "p3"], "approvals_required": 2});
    let id = as_person(&app, 0).create_id(release(rules)).await;

    let (status, pause) = as_person(&app, 1).decide(&id, "approve", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "pending", "one of two");
    assert_eq!(pause["decisions"][0]["identified_by"], "api_key");
    let (status, body) = as_person(&app, 1).decide(&id, "approve", json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the same person counts once: {body}"
    );
    let (status, body) = app.api.decide(&id, "approve", json!({"actor": "p2"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a self-declared name never counts: {body}"
    );
    let (status, body) = as_person(&app, 4).decide(&id, "approve", json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "p4 is not an approver: {body}"
    );
    assert_eq!(app.api.pause(&id).await["state"], "pending");

    let (status, pause) = as_person(&app, 2).decide(&id, "approve", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "approved");
    let actors: Vec<&str> = pause["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["p1", "p2"]);
    assert_eq!(triggers(&pause), 1);
}

#[tokio::test]
async fn one_rejection_vetoes_the_approvals_so_far() {
    let (app, _log) = app_with(3, None).await;
    let id = as_person(&app, 0)
        .create_id(release(json!({"approvals_required": 2})))
        .await;
    assert_eq!(
        as_person(&app, 1).decide(&id, "approve", json!({})).await.1["state"],
        "pending"
    );
    let (status, pause) = as_person(&app, 2).decide(&id, "reject", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "rejected");
    assert_eq!(triggers(&pause), 0, "nothing starts on a veto");
}

#[tokio::test]
async fn the_requester_may_not_approve_their_own_pause_unless_allowed() {
    let (app, _log) = app_with(2, None).await;
    let id = as_person(&app, 1).create_id(release(json!({}))).await;
    assert_eq!(app.api.pause(&id).await["requested_by"], "p1");
    let (status, body) = as_person(&app, 1).decide(&id, "approve", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("p1 asked for this pause")
    );
    assert_eq!(
        as_person(&app, 2).decide(&id, "approve", json!({})).await.1["state"],
        "approved"
    );

    let allowed = as_person(&app, 1)
        .create_id(release(json!({"allow_self_approval": true})))
        .await;
    assert_eq!(
        as_person(&app, 1)
            .decide(&allowed, "approve", json!({}))
            .await
            .1["state"],
        "approved"
    );
}

async fn fifty_distinct_approvals_settle_once(database: Option<&str>) {
    let (app, log) = app_with(50, database).await;
    let id = as_person(&app, 0)
        .create_id(release(json!({"approvals_required": 2})))
        .await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for person in 1..=50 {
        let (app, id) = (app.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            as_person(&app, person)
                .decide(&id, "approve", json!({}))
                .await
                .0
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let late = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, late), (2, 48), "{statuses:?}");
    let pause = app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(triggers(&pause), 1);
    app.drain_outbox().await;
    assert_eq!(log.matching("/hook").len(), 1, "one trigger sent");
}

#[tokio::test]
async fn fifty_concurrent_approvals_by_distinct_people_settle_a_two_of_n_pause_once() {
    fifty_distinct_approvals_settle_once(None).await;
}

#[tokio::test]
async fn fifty_concurrent_approvals_settle_a_two_of_n_pause_once_on_postgres() {
    let database = PgDatabase::create().await;
    fifty_distinct_approvals_settle_once(Some(&database.url)).await;
}
