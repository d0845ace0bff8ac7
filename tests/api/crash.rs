//! A server killed mid-delivery delivers again after a restart, once the
//! lease runs out (seconds, with the default settings), with the same
//! delivery id.

use std::time::Duration;

use serde_json::{Value, json};

use crate::binary::spawn_serve;
use crate::helpers::{API_KEY, get_json};
use crate::standins;

#[tokio::test]
async fn a_delivery_cut_off_by_a_kill_is_sent_again_after_restart_with_the_same_id() {
    let (receiver, log, mut arrivals) = standins::holding_webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pausegate.toml");
    // Default delivery settings: a 30 s send timeout, which once meant a
    // two-minute lease.
    let text = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    let client = reqwest::Client::new();

    let mut first = spawn_serve(dir.path(), &["--config", config]);
    let created: Value = client
        .post(format!("{}/api/v1/pauses", first.base))
        .bearer_auth(API_KEY)
        .json(&json!({"title": "Deploy?", "target": "hook"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let approve = format!("{}/api/v1/pauses/{id}/approve", first.base);
    client
        .post(approve)
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();

    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the first attempt arrives");
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let mut second = spawn_serve(dir.path(), &["--config", config]);
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
        pause = get_json(&second.base, &format!("/api/v1/pauses/{id}")).await;
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
