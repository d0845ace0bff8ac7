//! Approver rules: who may decide, how many distinct identified people
//! must approve, a rejection's veto, no approving one's own pause, and a
//! quorum settled exactly once under concurrency, on both backends.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};
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
    (
        TestApp::spawn_on_with_env(database, &config, &env).await,
        log,
    )
}

/// Creates a pause as `person` (0: the server's unnamed key).
async fn create_as(app: &TestApp, person: usize, rules: Value) -> String {
    let mut body = json!({"title": "Release 2.0?", "target": "hook"});
    body.as_object_mut()
        .unwrap()
        .extend(rules.as_object().unwrap().clone());
    let bearer = if person == 0 {
        API_KEY.to_owned()
    } else {
        key(person)
    };
    let response = app
        .client
        .post(format!("{}/api/v1/pauses", app.base))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// `verdict` by `person` (0: the server's key, with a self-declared actor).
async fn decide_as(app: &TestApp, id: &str, person: usize, verdict: &str) -> (StatusCode, Value) {
    let (bearer, body) = match person {
        0 => (API_KEY.to_owned(), json!({"actor": "p2"})),
        n => (key(n), json!({})),
    };
    let response = app
        .client
        .post(format!("{}/api/v1/pauses/{id}/{verdict}", app.base))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
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
    let id = create_as(&app, 0, rules).await;

    let (status, pause) = decide_as(&app, &id, 1, "approve").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "pending", "one of two");
    assert_eq!(pause["decisions"][0]["identified_by"], "api_key");
    let (status, body) = decide_as(&app, &id, 1, "approve").await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the same person counts once: {body}"
    );
    let (status, body) = decide_as(&app, &id, 0, "approve").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a self-declared name never counts: {body}"
    );
    let (status, body) = decide_as(&app, &id, 4, "approve").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "p4 is not an approver: {body}"
    );
    assert_eq!(app.get_pause(&id).await["state"], "pending");

    let (status, pause) = decide_as(&app, &id, 2, "approve").await;
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
    let id = create_as(&app, 0, json!({"approvals_required": 2})).await;
    assert_eq!(
        decide_as(&app, &id, 1, "approve").await.1["state"],
        "pending"
    );
    let (status, pause) = decide_as(&app, &id, 2, "reject").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pause["state"], "rejected");
    assert_eq!(triggers(&pause), 0, "nothing starts on a veto");
}

#[tokio::test]
async fn the_requester_may_not_approve_their_own_pause_unless_allowed() {
    let (app, _log) = app_with(2, None).await;
    let id = create_as(&app, 1, json!({})).await;
    assert_eq!(app.get_pause(&id).await["requested_by"], "p1");
    let (status, body) = decide_as(&app, &id, 1, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("p1 asked for this pause")
    );
    assert_eq!(
        decide_as(&app, &id, 2, "approve").await.1["state"],
        "approved"
    );

    let allowed = create_as(&app, 1, json!({"allow_self_approval": true})).await;
    assert_eq!(
        decide_as(&app, &allowed, 1, "approve").await.1["state"],
        "approved"
    );
}

async fn fifty_distinct_approvals_settle_once(database: Option<&str>) {
    let (app, log) = app_with(50, database).await;
    let id = create_as(&app, 0, json!({"approvals_required": 2})).await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for person in 1..=50 {
        let (app, id) = (app.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            decide_as(&app, &id, person, "approve").await.0
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
    let pause = app.get_pause(&id).await;
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
