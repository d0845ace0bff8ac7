//! A server killed mid-delivery delivers again after a restart, once the
//! lease runs out (seconds, with the default settings), with the same
//! delivery id.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::standins;

#[tokio::test]
async fn a_delivery_cut_off_by_a_kill_is_sent_again_after_restart_with_the_same_id() {
    let (receiver, log, mut arrivals) = standins::holding_webhook().await;
    let dir = tempfile::tempdir().unwrap();
    // Default delivery settings: a 30 s send timeout, which once meant a
    // two-minute lease.
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    let serve = TestApp::builder().config(&config).dir(dir.path());

    let mut first = serve.binary();
    let (_, created) = first
        .api
        .create(json!({"title": "Deploy?", "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    first.api.approve(id).await;

    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the first attempt arrives");
    first.kill();

    let mut second = serve.binary();
    tokio::time::timeout(Duration::from_secs(20), arrivals.recv())
        .await
        .expect("the delivery is sent again");
    let requests = log.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("pausegate-delivery"),
        requests[1].header("pausegate-delivery")
    );

    let mut pause = Value::Null;
    for _ in 0..50 {
        pause = second.api.get_json(&format!("/api/v1/pauses/{id}")).await;
        if pause["deliveries"][0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pause["deliveries"][0]["state"], "delivered", "{pause}");
    assert_eq!(
        pause["deliveries"][0]["id"],
        requests[0].header("pausegate-delivery")
    );
    assert_eq!(pause["deliveries"][0]["attempts"], 2);
    assert!(second.terminate());
}
