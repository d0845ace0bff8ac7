//! An operator sends a failed delivery again: through the API and with
//! `pausegate redeliver`, a new attempt under the same delivery id; only a
//! failed delivery can be sent again.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::standins;

#[tokio::test]
async fn a_failed_delivery_is_sent_again_under_the_same_id_on_request() {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/hook\"\n");
    let app = TestApp::builder().config(&config).manual().start().await;
    // A 4xx fails the delivery at once; twice, for the API and the CLI.
    log.script(&[(401, &[], "bad secret"), (401, &[], "bad secret")]);
    let (_, created) = app
        .api
        .create(json!({"title": "Go?", "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.approve(id).await;
    app.drain_outbox().await;
    let delivery = app.api.deliveries(id).await[0].clone();
    assert_eq!(delivery["state"], "failed");
    let delivery_id = delivery["id"].as_str().unwrap();
    let retry = format!("/api/v1/pauses/{id}/deliveries/{delivery_id}/retry");

    let (status, pause) = app.api.post_empty(&retry).await;
    assert_eq!(status, StatusCode::OK, "{pause}");
    assert_eq!(pause["deliveries"][0]["state"], "pending");
    app.drain_outbox().await;
    assert_eq!(
        app.api.deliveries(id).await[0]["state"],
        "failed",
        "the receiver refused again"
    );

    let out = app.api.run(&["redeliver", id, delivery_id, "--json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.drain_outbox().await;
    let delivered = app.api.deliveries(id).await[0].clone();
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

    let (again, error) = app.api.post_empty(&retry).await;
    assert_eq!(
        again,
        StatusCode::CONFLICT,
        "only a failed delivery: {error}"
    );
    assert_eq!(error["error"]["code"], "conflict");
    let (unknown, _) = app
        .api
        .post_empty(&format!(
            "/api/v1/pauses/{id}/deliveries/del_00000000000000000000000000/retry"
        ))
        .await;
    assert_eq!(unknown, StatusCode::NOT_FOUND);
}
