//! Everything stored survives a restart on the same file.

use crate::helpers::{TestApp, get_json};

#[tokio::test]
async fn a_restarted_server_still_has_every_pause_and_decision() {
    let app = TestApp::spawn().await;
    let approved = app.create_ok("approved one").await;
    let waiting = app.create_ok("still waiting").await;
    let form = [("decision", "approve"), ("name", "Ana"), ("comment", "ok")];
    app.submit(approved["token"].as_str().unwrap(), &form).await;
    let before_approved = app.get_pause(approved["id"].as_str().unwrap()).await;
    let before_waiting = app.get_pause(waiting["id"].as_str().unwrap()).await;

    let (dir, settings, clock) = app.stop().await;
    let app = TestApp::start(dir, settings, clock).await;

    assert_eq!(
        app.get_pause(approved["id"].as_str().unwrap()).await,
        before_approved
    );
    assert_eq!(
        app.get_pause(waiting["id"].as_str().unwrap()).await,
        before_waiting
    );
    let listed = get_json(&app.base, "/api/v1/pauses").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .submit(
            waiting["token"].as_str().unwrap(),
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "old links still work");
}
