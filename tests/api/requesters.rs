//! Every entry point records who asked, the same way: the REST API, the
//! Azure DevOps check and the original recipe's `PipelinePause`. A named key
//! cannot approve its own pause through any of them, and policies see the
//! requester. Idempotency keys belong to their caller: another caller's
//! same key makes its own pause, and a key sent again with a different
//! request is refused (422) instead of answered with the first pause.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, Api, TestApp, error_message};
use crate::standins;
use pausegate::domain::KeyScope;

const CI_BOT: &str = "ci-bot-key-0123456789abcdef";
const OTHER_BOT: &str = "other-bot-key-0123456789abcdef";

fn keys() -> String {
    "[api_keys.ci-bot]\nkey_env = \"CI_BOT_KEY\"\n\
     [api_keys.other-bot]\nkey_env = \"OTHER_BOT_KEY\"\n"
        .to_owned()
}

const ENV: [(&str, &str); 2] = [("CI_BOT_KEY", CI_BOT), ("OTHER_BOT_KEY", OTHER_BOT)];

/// Azure DevOps' check through `api`, its plan at `plan_url`; the answer.
async fn devops_check(api: &Api, plan_url: &str, body: Value) -> Value {
    let response = api
        .request(Method::POST, "/integrations/azure-devops")
        .header("PlanUrl", plan_url)
        .header("ProjectId", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c")
        .header("HubName", "checks")
        .header("PlanId", "4b4b0d2f-3cbb-4b4a-8e0e-6b3b0a0e0f0a")
        .header("JobId", "3a7e60dc-c5b0-5009-86eb-0f217c12e2ea")
        .header("TaskInstanceId", "task-1")
        .header("AuthToken", "run-scoped-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_named_key_is_the_requester_of_an_azure_devops_check_and_cannot_approve_it() {
    let (receiver, _log) = standins::webhook().await;
    let config = format!(
        "{}[callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n",
        keys()
    );
    let app = TestApp::builder()
        .config(&config)
        .env(&ENV)
        .manual()
        .start()
        .await;
    let body = json!({"title": "Deploy to prod?", "callback_timeout": "1d"});
    let pause = devops_check(&app.api.as_key(CI_BOT), &format!("{receiver}/org/"), body).await;
    assert_eq!(pause["requested_by"], "ci-bot", "{pause}");
    let id = pause["id"].as_str().unwrap();
    let (status, refused) = app
        .api
        .as_key(CI_BOT)
        .decide(id, "approve", json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(error_message(&refused).contains("ci-bot asked for this pause"));
    let (status, approved) = app
        .api
        .as_key(OTHER_BOT)
        .decide(id, "approve", json!({}))
        .await;
    assert_eq!(
        (status, &approved["state"]),
        (StatusCode::OK, &json!("approved"))
    );
}

#[tokio::test]
async fn a_named_key_is_the_requester_of_a_pipeline_pause() {
    let (azure, _log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let config = format!(
        "{}[azure_recipe]\ntarget = \"adf\"\n[targets.adf]\nkind = \"azure_data_factory\"\n\
         tenant_id = \"tenant-1\"\nclient_id = \"client-1\"\nclient_secret_env = \"TEST_SECRET\"\n\
         subscription_id = \"sub-1\"\nresource_group = \"rg\"\nfactory = \"f\"\npipeline = \"p\"\n\
         overridable = [\"factory\", \"resource_group\", \"pipeline\"]\n\
         authority_host = \"{azure}\"\nmanagement_endpoint = \"{azure}\"\n",
        keys()
    );
    let app = TestApp::builder()
        .config(&config)
        .env(&ENV)
        .manual()
        .start()
        .await;
    let (status, answer) = app
        .api
        .anonymous().request(Method::POST, &format!("/api/PipelinePause?code={CI_BOT}"))
        .json(&json!({"factory_name": "f", "resource_group": "rg", "pipeline_name": "load", "expiration_time": 600}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::OK);
    let pause = app.api.pause(answer["id"].as_str().unwrap()).await;
    assert_eq!(pause["requested_by"], "ci-bot");
    let (status, _) = app
        .api
        .as_key(CI_BOT)
        .decide(answer["id"].as_str().unwrap(), "approve", json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no approving one's own pause"
    );
}

#[tokio::test]
async fn a_policy_sees_the_requester_of_an_azure_devops_check() {
    let (receiver, _log) = standins::webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("bots.rego");
    std::fs::write(
        &policy,
        "package pausegate\n\n\
         decision := {\"outcome\": \"reject\", \"reason\": \"bots may not deploy\"} if {\n\
         \tinput.requester == \"ci-bot\"\n}\n",
    )
    .unwrap();
    let config = format!(
        "{}[callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n[policies.bots]\nfile = \"{}\"\n",
        keys(),
        policy.display()
    );
    let app = TestApp::builder()
        .config(&config)
        .env(&ENV)
        .manual()
        .start()
        .await;
    let body = json!({"title": "Deploy to prod?", "callback_timeout": "1d"});
    let pause = devops_check(&app.api.as_key(CI_BOT), &format!("{receiver}/org/"), body).await;
    assert_eq!(pause["state"], "rejected", "{pause}");
    assert_eq!(pause["decisions"][0]["comment"], "bots may not deploy");
}

/// Creates `body` through `api` under the idempotency key `deploy-42`.
async fn create_once(api: &Api, body: Value) -> (StatusCode, Value) {
    let request = api.request(Method::POST, "/api/v1/pauses");
    let request = request.header("Idempotency-Key", "deploy-42");
    request.json(&body).answer().await
}

#[tokio::test]
async fn another_callers_idempotency_key_makes_its_own_pause_and_sees_nothing_of_the_first() {
    let app = TestApp::builder()
        .config(&keys())
        .env(&ENV)
        .manual()
        .start()
        .await;
    let secret = json!({"title": "Deploy 42?", "data": {"secret": "ci-bot's"}});
    let (status, first) = create_once(&app.api.as_key(CI_BOT), secret.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = create_once(&app.api.as_key(CI_BOT), secret).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &first["id"]));

    let own = json!({"title": "Deploy 42?", "data": {"mine": true}});
    let (status, other) = create_once(&app.api.as_key(OTHER_BOT), own.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    assert_ne!(other["id"], first["id"]);
    assert_eq!(other["data"], json!({"mine": true}));
    assert!(!other.to_string().contains("ci-bot's"));
    let (status, server) = create_once(&app.api, own).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the server's key is a scope too"
    );
    assert_ne!(server["id"], other["id"]);
}

#[tokio::test]
async fn an_idempotency_key_sent_again_with_a_different_body_is_422_and_stores_nothing() {
    let app = TestApp::builder()
        .config(&keys())
        .env(&ENV)
        .manual()
        .start()
        .await;
    let (status, first) =
        create_once(&app.api.as_key(CI_BOT), json!({"title": "Deploy 42?"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, refused) =
        create_once(&app.api.as_key(CI_BOT), json!({"title": "Deploy 43?"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "idempotency_key_reused");
    let message = error_message(&refused);
    assert!(message.contains("idempotency_key"), "{message}");
    assert!(message.contains(first["id"].as_str().unwrap()), "{message}");
    assert!(refused.get("token").is_none(), "no link to the first pause");
    let listed: Value = app
        .api
        .request(Method::GET, "/api/v1/pauses")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

/// The rows the key migration rewrites: (key, requester, scope it was made in).
fn old_keys() -> Vec<(&'static str, Option<&'static str>, KeyScope)> {
    vec![
        ("adf-run-1", None, KeyScope::Server),
        (
            "deploy-42",
            Some("ci-bot"),
            KeyScope::Caller("ci-bot".to_owned()),
        ),
        (
            "k",
            Some("oidc:gha:repo:ö/x"),
            KeyScope::Caller("oidc:gha:repo:ö/x".to_owned()),
        ),
        ("callback-ab12", Some("ci-bot"), KeyScope::Callback),
    ]
}

/// The UPDATE of a key migration, as shipped.
fn key_update(migration: &str) -> String {
    let start = migration.find("UPDATE pauses").unwrap();
    let end = start + migration[start..].find(';').unwrap();
    migration[start..end].to_owned()
}

#[test]
fn the_sqlite_migration_moves_old_keys_into_the_scope_their_pause_was_made_in() {
    let sql = key_update(include_str!(
        "../../migrations/sqlite/0012_scoped_keys_and_group_turns.sql"
    ));
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE pauses (idempotency_key TEXT, requested_by TEXT)")
        .unwrap();
    for (key, by, _) in old_keys() {
        db.execute(
            "INSERT INTO pauses VALUES (?1, ?2)",
            rusqlite::params![key, by],
        )
        .unwrap();
    }
    db.execute_batch(&sql).unwrap();
    let mut read = db.prepare("SELECT idempotency_key FROM pauses").unwrap();
    let stored: Vec<String> = read
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<String> = old_keys()
        .into_iter()
        .map(|(key, _, scope)| scope.stored_key(key))
        .collect();
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn the_postgres_migration_moves_old_keys_into_the_scope_their_pause_was_made_in() {
    use sqlx::Connection;
    let database = crate::pg::PgDatabase::create().await;
    let mut db = sqlx::PgConnection::connect(&database.url).await.unwrap();
    let sql = key_update(include_str!(
        "../../migrations/postgres/0010_scoped_keys_and_group_turns.sql"
    ));
    sqlx::query("CREATE TABLE pauses (n INT, idempotency_key TEXT, requested_by TEXT)")
        .execute(&mut db)
        .await
        .unwrap();
    for (n, (key, by, _)) in old_keys().into_iter().enumerate() {
        sqlx::query("INSERT INTO pauses VALUES ($1, $2, $3)")
            .bind(n as i32)
            .bind(key)
            .bind(by)
            .execute(&mut db)
            .await
            .unwrap();
    }
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut db)
        .await
        .unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM pauses ORDER BY n")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let expected: Vec<String> = old_keys()
        .into_iter()
        .map(|(key, _, scope)| scope.stored_key(key))
        .collect();
    assert_eq!(stored, expected);
}
