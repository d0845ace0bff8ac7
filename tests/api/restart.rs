//! Everything stored survives a restart on the same file.

use crate::helpers::TestApp;

#[tokio::test]
async fn a_restarted_server_still_has_every_pause_and_decision() {
    let app = TestApp::builder().start().await;
    let approved = app.api.create_ok("approved one").await;
    let waiting = app.api.create_ok("still waiting").await;
    let form = [("decision", "approve"), ("name", "Ana"), ("comment", "ok")];
    app.api
        .submit(approved["token"].as_str().unwrap(), &form)
        .await;
    let before_approved = app.api.pause(approved["id"].as_str().unwrap()).await;
    let before_waiting = app.api.pause(waiting["id"].as_str().unwrap()).await;

    let app = app.restart().await;

    assert_eq!(
        app.api.pause(approved["id"].as_str().unwrap()).await,
        before_approved
    );
    assert_eq!(
        app.api.pause(waiting["id"].as_str().unwrap()).await,
        before_waiting
    );
    let listed = app.api.get_json("/api/v1/pauses").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .api
        .submit(
            waiting["token"].as_str().unwrap(),
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "old links still work");
}
