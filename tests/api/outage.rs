//! When the database goes away: answers come at once (503, Retry-After, the
//! error shape), readiness agrees, a server that cannot start says why, a
//! write cut off at commit is reported as such, and clients that hang up
//! mid-request leave no connection behind in a transaction.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::durability::all_pauses;
use crate::helpers::TestApp;
use crate::pg::PgDatabase;
use crate::proxy::{Proxy, through, upstream};

/// Sends a request and says how it was answered and how long it took.
async fn timed(request: reqwest::RequestBuilder) -> (StatusCode, Option<String>, Value, Duration) {
    let started = Instant::now();
    let response = request.send().await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body, started.elapsed())
}

#[tokio::test]
async fn with_postgresql_gone_every_request_is_503_at_once_and_readiness_agrees() {
    let database = PgDatabase::create().await;
    let proxy = Proxy::start(&upstream(&database.url)).await;
    let app = TestApp::builder()
        .database(&through(&proxy, &database.url))
        .manual()
        .start()
        .await;
    let created = app.api.create_ok("before").await;
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    proxy.cut();
    let requests = [
        app.api
            .request(Method::POST, "/api/v1/pauses")
            .json(&json!({"title": "t"})),
        app.api
            .request(Method::GET, &format!("/api/v1/pauses/{id}")),
        app.api
            .request(Method::GET, &format!("/api/v1/pauses/{id}/wait?timeout=5s")),
        app.api
            .request(Method::POST, &format!("/api/v1/pauses/{id}/approve")),
        app.api
            .anonymous()
            .request(Method::POST, "/api/v1/lookup")
            .json(&json!({"token": token})),
        app.api
            .anonymous()
            .request(Method::POST, "/api/v1/decisions")
            .json(&json!({"token": token, "decision": "approve"})),
    ];
    for request in requests {
        let (status, retry_after, body, took) = timed(request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(retry_after.is_some(), "Retry-After");
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert!(took < Duration::from_secs(1), "answered after {took:?}");
    }
    let (status, _, _, took) = timed(app.api.anonymous().request(Method::GET, "/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        took < Duration::from_secs(1),
        "readyz answered after {took:?}"
    );

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.api.create(json!({"title": "after"})).await.0 == StatusCode::CREATED {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the service recovers when the database is back");
    assert_eq!(
        app.api.pause(id).await["state"],
        "pending",
        "nothing was decided"
    );
    app.stop().await;
    drop(database);
}

#[tokio::test]
async fn a_server_started_against_a_closed_port_says_so_in_seconds() {
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args([
            "--database-url",
            "postgres://pausegate:secret@127.0.0.1:1/pausegate",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "the password is never printed: {stderr}"
    );
}

#[tokio::test]
async fn an_unknown_host_or_a_refused_login_is_named_once_at_start() {
    for (url, says) in [
        ("postgres://u@no-such-host.invalid:5432/x", "unknown host"),
        (
            "postgres://no_such_role@127.0.0.1:5432/test",
            "authentication failed",
        ),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.matches(says).count(), 1, "said once: {stderr}");
    }
}

#[tokio::test]
async fn sqlite_locked_by_another_process_is_503_and_not_ready_until_released() {
    let app = TestApp::builder().start().await;
    let path = app.dir.path().join("pausegate.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let (status, retry_after, body, took) = timed(
        app.api
            .request(Method::POST, "/api/v1/pauses")
            .json(&json!({"title": "t"})),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(retry_after.is_some());
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    let (status, ..) = timed(app.api.anonymous().request(Method::GET, "/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    other.execute_batch("ROLLBACK").unwrap();
    let (status, ..) = timed(app.api.anonymous().request(Method::GET, "/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.api.create(json!({"title": "t"})).await.0,
        StatusCode::CREATED
    );
}

// Several threads: clients hang up while the server works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_hanging_up_mid_request_leave_every_later_request_working() {
    let database = PgDatabase::create().await;
    let app = Arc::new(
        TestApp::builder()
            .database(&database.url)
            .manual()
            .start()
            .await,
    );
    let id = app.api.create_ok("shared").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cut_off: Vec<_> = (0..300u64)
        .map(|i| {
            let (app, id) = (app.clone(), id.clone());
            tokio::spawn(async move {
                let patience = Duration::from_micros(200 + (i * 997) % 4_000);
                let request = match i % 3 {
                    0 => app
                        .api
                        .request(Method::POST, "/api/v1/pauses")
                        .json(&json!({"title": format!("cut {i}")})),
                    1 => app
                        .api
                        .request(Method::GET, &format!("/api/v1/pauses/{id}")),
                    _ => app.api.request(Method::GET, "/api/v1/pauses?limit=5"),
                };
                let _ = request.timeout(patience).send().await;
            })
        })
        .collect();
    for request in cut_off {
        request.await.unwrap();
    }
    for i in 0..100 {
        let (status, created) = app.api.create(json!({"title": format!("later {i}")})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let later = created["id"].as_str().unwrap();
        assert_eq!(
            app.api.decide_ok(later, "approve").await["state"],
            "approved"
        );
    }
    Arc::into_inner(app).unwrap().stop().await;
    drop(database);
}

// Several threads: the load runs while connections are being cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cut_off_by_lost_connections_are_never_500_and_never_doubled() {
    let database = PgDatabase::create().await;
    let proxy = Arc::new(Proxy::start(&upstream(&database.url)).await);
    let app = Arc::new(
        TestApp::builder()
            .database(&through(&proxy, &database.url))
            .manual()
            .start()
            .await,
    );
    let cutter = {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            for _ in 0..12 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                proxy.drop_connections();
            }
        })
    };
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let app = app.clone();
            tokio::spawn(async move { create_until(&app, client, Duration::from_secs(2)).await })
        })
        .collect();
    let mut unanswered = Vec::new();
    let mut keys = BTreeSet::new();
    for client in clients {
        let (used, retry) = client.await.unwrap();
        keys.extend(used);
        unanswered.extend(retry);
    }
    cutter.await.unwrap();
    assert!(
        unanswered.len() < keys.len(),
        "some creates went through the cuts"
    );
    // What was not answered is retried with the same key: it comes back,
    // once.
    for key in unanswered {
        let mut status = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..50 {
            status = create_with_key(&app, &key).await;
            if status.is_success() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(status.is_success(), "{key}: {status}");
    }
    let stored = all_pauses(&app.api).await;
    assert_eq!(stored.len(), keys.len(), "one pause per idempotency key");
    Arc::into_inner(app).unwrap().stop().await;
    drop(database);
}

/// Creates pauses with fresh keys for `long`; the keys used, and those
/// answered 503 (to retry). Anything else but 201 fails the test.
async fn create_until(app: &TestApp, client: usize, long: Duration) -> (Vec<String>, Vec<String>) {
    let started = Instant::now();
    let (mut used, mut retry) = (Vec::new(), Vec::new());
    let mut n = 0;
    while started.elapsed() < long {
        let key = format!("key-{client}-{n}");
        n += 1;
        let status = create_with_key(app, &key).await;
        match status {
            StatusCode::CREATED => {}
            StatusCode::SERVICE_UNAVAILABLE => retry.push(key.clone()),
            other => panic!("{key}: {other}"),
        }
        used.push(key);
    }
    (used, retry)
}

async fn create_with_key(app: &TestApp, key: &str) -> StatusCode {
    app.api
        .request(Method::POST, "/api/v1/pauses")
        .header("Idempotency-Key", key)
        .json(&json!({"title": "cut"}))
        .send()
        .await
        .unwrap()
        .status()
}
