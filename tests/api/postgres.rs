//! The whole service on PostgreSQL: the same flows as on SQLite, through
//! real HTTP, against the machine's PostgreSQL server.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, approve_concurrently};
use crate::pg::PgDatabase;
use crate::standins;

#[tokio::test]
async fn on_postgres_one_of_a_hundred_approvals_wins_its_trigger_is_sent_and_a_restart_keeps_it() {
    let database = PgDatabase::create().await;
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    let app = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .manual()
        .start()
        .await;
    let (status, created) = app
        .api
        .create(json!({"title": "Ship on PG?", "target": "hook", "data": {"n": 1}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();
    let ready = app
        .api
        .anonymous()
        .request(Method::GET, "/readyz")
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK, "ready on PostgreSQL");
    assert_eq!(app.api.open_link(&token).await.0, StatusCode::OK);

    let statuses = approve_concurrently(&app.api, &id, &token, 100).await;
    let mut ok = 0;
    for status in statuses {
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}"
        );
        ok += usize::from(status == StatusCode::OK);
    }
    assert_eq!(ok, 1);

    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 1, "one trigger for one decision");
    let before = app.api.pause(&id).await;
    assert_eq!(before["deliveries"][0]["state"], "delivered");
    assert_eq!(before["decisions"].as_array().unwrap().len(), 1);

    let app = app.restart().await;
    assert_eq!(
        app.api.pause(&id).await,
        before,
        "a restart on the same database keeps everything"
    );
    app.stop().await;
    drop(database);
}
