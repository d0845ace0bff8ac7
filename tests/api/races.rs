//! Races that only a database with several writers shows: many creates in
//! one group at once, many approvers on one quorum at once. Each runs for
//! several rounds on SQLite and on PostgreSQL (whose default isolation lets
//! a read-then-write see a stale snapshot), then checks the stored rows,
//! the receipts and `pausegate audit verify`.

use std::process::Output;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pg::PgDatabase;

const ROUNDS: usize = 6;
const CREATES_PER_GROUP: usize = 10;
const APPROVERS: usize = 50;

async fn audit_verify(url: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["audit", "verify", "--database-url", url])
        .env_remove("PAUSEGATE_DATABASE_URL")
        .output()
        .await
        .unwrap()
}

fn assert_audit_passes(output: &Output) {
    assert!(
        output.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The claims of a compact JWS, read without checking it (the audit checks).
pub(crate) fn claims(jws: &str) -> Value {
    use base64::Engine;
    let payload = jws.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn pauses_of_group(app: &TestApp, ids: &[String]) -> Vec<Value> {
    let mut pauses = Vec::new();
    for id in ids {
        pauses.push(app.api.pause(id).await);
    }
    pauses
}

/// Ten creates in one group at the same instant, round after round: one
/// pending pause survives per group, the newest, and every other names it.
async fn one_pending_pause_survives_per_group(app: TestApp, url: &str) {
    for round in 0..ROUNDS {
        let group = format!("deploy:round-{round}");
        let creates: Vec<_> = (0..CREATES_PER_GROUP)
            .map(|i| {
                let (api, group) = (app.api.clone(), group.clone());
                tokio::spawn(async move {
                    let body = json!({"title": format!("Deploy {round}.{i}?"), "group": group});
                    api.create(body).await
                })
            })
            .collect();
        let mut ids = Vec::new();
        for create in creates {
            let (status, pause) = create.await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{pause}");
            ids.push(pause["id"].as_str().unwrap().to_owned());
        }
        let pauses = pauses_of_group(&app, &ids).await;
        let pending: Vec<&Value> = pauses.iter().filter(|p| p["state"] == "pending").collect();
        assert_eq!(pending.len(), 1, "round {round}: {pending:#?}");
        let survivor = pending[0];
        let newest = pauses
            .iter()
            .max_by_key(|p| (p["created_at"].as_str(), p["id"].as_str()))
            .unwrap();
        assert_eq!(
            survivor["id"], newest["id"],
            "round {round}: the newest survives"
        );
        let order = |p: &Value| {
            let (at, id) = (p["created_at"].as_str(), p["id"].as_str());
            (at.unwrap().to_owned(), id.unwrap().to_owned())
        };
        for pause in pauses.iter().filter(|p| p["id"] != survivor["id"]) {
            assert_eq!(pause["state"], "cancelled", "round {round}: {pause}");
            let newer = pauses.iter().find(|p| p["id"] == pause["superseded_by"]);
            let newer =
                newer.unwrap_or_else(|| panic!("round {round}: superseded by one of its group"));
            assert!(
                order(newer) > order(pause),
                "round {round}: superseded by a newer pause"
            );
            let receipt = claims(pause["receipt"].as_str().unwrap());
            assert_eq!(receipt["outcome"], "cancelled");
        }
    }
    assert_audit_passes(&audit_verify(url).await);
}

#[tokio::test]
async fn ten_creates_in_one_group_at_once_leave_only_the_newest_pending_on_sqlite() {
    let app = TestApp::builder().start().await;
    let url = app.settings.database_url.clone();
    one_pending_pause_survives_per_group(app, &url).await;
}

#[tokio::test]
async fn ten_creates_in_one_group_at_once_leave_only_the_newest_pending_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .manual()
        .start()
        .await;
    one_pending_pause_survives_per_group(app, &database.url).await;
}

/// `n` people, each with a named API key.
fn people(n: usize) -> (String, Vec<(String, String)>) {
    let mut config = String::new();
    let mut env = Vec::new();
    for i in 1..=n {
        config.push_str(&format!("[api_keys.p{i}]\nkey_env = \"KEY_P{i}\"\n"));
        env.push((format!("KEY_P{i}"), key(i)));
    }
    (config, env)
}

fn key(person: usize) -> String {
    format!("key-of-person-{person}-0123456789")
}

/// Fifty approvers at once on a 2-of-N pause, round after round: exactly
/// two approvals are recorded, the first told "one more needed", the second
/// told it settled, the rest 409; the receipt lists what the database holds.
async fn a_quorum_settles_once_with_true_answers(app: TestApp, url: &str) {
    for round in 0..ROUNDS {
        let (status, created) = app
            .api
            .create(json!({"title": format!("Release {round}?"), "approvals_required": 2}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let tasks: Vec<_> = (1..=APPROVERS)
            .map(|person| {
                let (approver, id) = (app.api.as_key(&key(person)), id.clone());
                tokio::spawn(async move { approver.decide(&id, "approve", json!({})).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        let accepted: Vec<&Value> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .map(|(_, body)| body)
            .collect();
        let late = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CONFLICT)
            .count();
        let statuses: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
        assert_eq!(
            (accepted.len(), late),
            (2, APPROVERS - 2),
            "round {round}: {statuses:?} {:?}",
            answers
                .iter()
                .find(|(s, _)| !s.is_success() && *s != StatusCode::CONFLICT)
        );
        let mut states: Vec<&str> = accepted
            .iter()
            .map(|body| body["state"].as_str().unwrap())
            .collect();
        states.sort();
        assert_eq!(
            states,
            ["approved", "pending"],
            "round {round}: true answers"
        );
        let pending_answer = accepted.iter().find(|b| b["state"] == "pending").unwrap();
        assert_eq!(pending_answer["decisions"].as_array().unwrap().len(), 1);

        let pause = app.api.pause(&id).await;
        assert_eq!(pause["state"], "approved");
        let stored = pause["decisions"].as_array().unwrap();
        assert_eq!(stored.len(), 2, "round {round}: {pause}");
        let receipt = claims(pause["receipt"].as_str().unwrap());
        assert_eq!(
            receipt["decisions"].as_array().unwrap().len(),
            2,
            "round {round}: the receipt lists what is stored"
        );
        let (late_answer, _) = app
            .api
            .decide(&id, "approve", json!({"actor": "late"}))
            .await;
        assert_eq!(late_answer, StatusCode::CONFLICT);
    }
    assert_audit_passes(&audit_verify(url).await);
}

#[tokio::test]
async fn fifty_approvers_at_once_record_exactly_the_quorum_round_after_round_on_sqlite() {
    let (config, env) = people(APPROVERS);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let url = app.settings.database_url.clone();
    a_quorum_settles_once_with_true_answers(app, &url).await;
}

#[tokio::test]
async fn fifty_approvers_at_once_record_exactly_the_quorum_round_after_round_on_postgres() {
    let database = PgDatabase::create().await;
    let (config, env) = people(APPROVERS);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    a_quorum_settles_once_with_true_answers(app, &database.url).await;
}
