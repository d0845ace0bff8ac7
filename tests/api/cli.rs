//! The client commands, run as the real binary against a real server.

use std::process::{Child, Output};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Api, TestApp};

/// Waits for a background command to exit; returns its output.
async fn finish(child: Child, within: Duration) -> Output {
    let waited = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    tokio::time::timeout(within, waited)
        .await
        .expect("the command finished in time")
        .unwrap()
}

/// Waits until the server has a pending pause; returns its id.
async fn pending_id(api: &Api) -> String {
    for _ in 0..100 {
        let page = api.get_json("/api/v1/pauses?state=pending").await;
        if let Some(id) = page["items"][0]["id"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no pending pause appeared");
}

#[tokio::test]
async fn pause_wait_exits_0_when_another_process_approves_and_1_when_it_rejects() {
    let app = TestApp::builder().start().await;
    for (verdict, code, show_link) in [("approve", 0, true), ("reject", 1, false)] {
        let mut args = vec!["pause", "--title", "Deploy?", "--wait", "--timeout", "30s"];
        if show_link {
            args.push("--show-link");
        }
        let waiter = app.api.command(&args).spawn().unwrap();
        let id = pending_id(&app.api).await;
        let decided = app
            .api
            .run(&[verdict, &id, "--comment", "from CI", "--actor", "ci-bot"])
            .await;
        assert!(
            decided.status.success(),
            "{}",
            String::from_utf8_lossy(&decided.stderr)
        );
        let output = finish(waiter, Duration::from_secs(20)).await;
        assert_eq!(
            output.status.code(),
            Some(code),
            "{verdict}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&id), "it says what it waits for: {stderr}");
        assert_eq!(
            stderr.contains("/r/"),
            show_link,
            "the link reaches a log only when asked: {stderr}"
        );
        let pause = app.api.get_json(&format!("/api/v1/pauses/{id}")).await;
        assert_eq!(pause["decisions"][0]["actor"], "ci-bot");
    }
}

#[tokio::test]
async fn wait_against_a_server_it_never_reaches_exits_2() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{closed}");
    let output = Api::new(&base)
        .run(&["wait", "pau_whatever", "--timeout", "2s"])
        .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PAUSEGATE_URL"), "{stderr}");
}

#[tokio::test]
async fn a_refused_request_exits_2_not_1() {
    let app = TestApp::builder().start().await;
    let output = app
        .api
        .run(&["pause", "--title", "t", "--target", "nowhere", "--wait"])
        .await;
    assert_eq!(output.status.code(), Some(2), "a typo is not a rejection");
    assert!(String::from_utf8_lossy(&output.stderr).contains("target"));
}

#[tokio::test]
async fn wait_with_its_own_timeout_on_a_pending_pause_exits_3() {
    let app = TestApp::builder().start().await;
    let id = app.api.create_ok("nobody comes").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = std::time::Instant::now();
    let output = app.api.run(&["wait", &id, "--timeout", "2s"]).await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_wrong_key_exits_2_and_says_the_key_was_refused() {
    let app = TestApp::builder().start().await;
    let output = app
        .api
        .as_key("wrong-key")
        .run(&["pause", "--title", "t", "--wait"])
        .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refused") && stderr.contains("PAUSEGATE_API_KEY"),
        "{stderr}"
    );
}

#[tokio::test]
async fn json_output_parses_as_the_pause() {
    let app = TestApp::builder().start().await;
    let output = app
        .api
        .run(&[
            "pause",
            "--title",
            "Ship?",
            "--data",
            r#"{"v": 2}"#,
            "--json",
        ])
        .await;
    assert!(output.status.success());
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(created["data"], serde_json::json!({"v": 2}));
    let id = created["id"].as_str().unwrap();
    assert!(created["review_url"].as_str().unwrap().contains("/r/"));

    let status: Value =
        serde_json::from_slice(&app.api.run(&["status", id, "--json"]).await.stdout).unwrap();
    assert_eq!(status["id"], id);
    let pause: pausegate::domain::Pause = serde_json::from_value(status).unwrap();
    assert_eq!(pause.title, "Ship?");

    let approved: Value =
        serde_json::from_slice(&app.api.run(&["approve", id, "--json"]).await.stdout).unwrap();
    assert_eq!(approved["state"], "approved");
    let waited = app.api.run(&["wait", id, "--json"]).await;
    assert_eq!(waited.status.code(), Some(0));
    let waited: Value = serde_json::from_slice(&waited.stdout).unwrap();
    assert_eq!(waited["state"], "approved");
    let listed: Value = serde_json::from_slice(
        &app.api
            .run(&["list", "--state", "approved", "--json"])
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(listed["items"][0]["id"], id, "the API's page shape");
    assert_eq!(listed["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_wait_rides_out_a_server_restart_on_the_same_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let serve = TestApp::builder()
        .dir(dir.path())
        .listen(&format!("127.0.0.1:{port}"));
    let mut server = serve.binary();
    let api = server.api.clone();
    let created: Value = serde_json::from_slice(
        &api.run(&["pause", "--title", "Survive?", "--json"])
            .await
            .stdout,
    )
    .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();

    let waiter = api
        .command(&["wait", &id, "--timeout", "60s"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.terminate());
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut server = serve.binary();
    let (status, _) = server.api.approve(&id).await;
    assert!(status.is_success());
    let output = finish(waiter, Duration::from_secs(30)).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(server.terminate());
}

#[tokio::test]
async fn pause_wait_with_cancel_on_timeout_cancels_the_pause_it_gave_up_on() {
    let app = TestApp::builder().start().await;
    let out = app
        .api
        .run(&[
            "pause",
            "--title",
            "Too slow?",
            "--wait",
            "--timeout",
            "2s",
            "--cancel-on-timeout",
            "--json",
        ])
        .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancelled"));
    let listed: Value = serde_json::from_slice(
        &app.api
            .run(&["list", "--state", "cancelled", "--json"])
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(listed["items"][0]["title"], "Too slow?");
}

#[tokio::test]
async fn pause_wait_started_while_the_server_restarts_creates_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let waiter = Api::new(&format!("http://127.0.0.1:{port}"))
        .command(&["pause", "--title", "Early?", "--wait", "--timeout", "60s"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut server = TestApp::builder()
        .dir(dir.path())
        .listen(&format!("127.0.0.1:{port}"))
        .binary();
    let mut pending = Value::Null;
    for _ in 0..100 {
        pending = server.api.get_json("/api/v1/pauses?state=pending").await;
        if !pending["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let items = pending["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "created once: {pending}");
    let id = items[0]["id"].as_str().unwrap();
    server.api.approve(id).await;
    let output = finish(waiter, Duration::from_secs(30)).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(server.terminate());
}
