//! An operator sends a failed delivery again: through the API and with
//! `pausegate redeliver`, a new attempt under the same delivery id; only a
//! failed delivery can be sent again.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::run;
use crate::helpers::TestApp;
use crate::standins;

async fn retry(app: &TestApp, id: &str, delivery: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/pauses/{id}/deliveries/{delivery}/retry");
    let response = app.api(Method::POST, &path).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_failed_delivery_is_sent_again_under_the_same_id_on_request() {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/hook\"\n");
    let app = TestApp::spawn_manual(&config).await;
    // A 4xx fails the delivery at once; twice, for the API and the CLI.
    log.script(&[(401, &[], "bad secret"), (401, &[], "bad secret")]);
    let (_, created) = app.create(json!({"title": "Go?", "target": "hook"})).await;
    let id = created["id"].as_str().unwrap();
    app.api(Method::POST, &format!("/api/v1/pauses/{id}/approve"))
        .send()
        .await
        .unwrap();
    app.drain_outbox().await;
    let delivery = app.deliveries(id).await[0].clone();
    assert_eq!(delivery["state"], "failed");
    let delivery_id = delivery["id"].as_str().unwrap();

    let (status, pause) = retry(&app, id, delivery_id).await;
    assert_eq!(status, StatusCode::OK, "{pause}");
    assert_eq!(pause["deliveries"][0]["state"], "pending");
    app.drain_outbox().await;
    assert_eq!(
        app.deliveries(id).await[0]["state"],
        "failed",
        "the receiver refused again"
    );

    let out = run(&app.base, &["redeliver", id, delivery_id, "--json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.drain_outbox().await;
    let delivered = app.deliveries(id).await[0].clone();
    assert_eq!(delivered["state"], "delivered");
    assert_eq!(delivered["attempts"], 3);
    let ids: Vec<String> = log
        .requests()
        .iter()
        .map(|r| r.header("pausegate-delivery").to_owned())
        .collect();
    assert_eq!(
        ids, [delivery_id; 3],
        "every attempt under the same delivery id"
    );

    let (again, error) = retry(&app, id, delivery_id).await;
    assert_eq!(
        again,
        StatusCode::CONFLICT,
        "only a failed delivery: {error}"
    );
    assert_eq!(error["error"]["code"], "conflict");
    let (unknown, _) = retry(&app, id, "del_00000000000000000000000000").await;
    assert_eq!(unknown, StatusCode::NOT_FOUND);
}
