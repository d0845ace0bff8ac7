//! pausegate as a Slack app: a request posted with `chat.postMessage`
//! carries Approve and Reject buttons; a click signed with the app's
//! signing secret (by Python's `hmac`, not ours) decides as the Slack
//! user's address from `users.info` and replaces the message through
//! `chat.update`; a wrong or stale signature gets 401 and decides nothing.
//! The stand-in checks each Web API call as Slack documents it.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::standins::serve;

const BOT: &str = "xoxb-test-token";
const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// Refuses like Slack: a bad token is `invalid_auth`, with HTTP 200.
fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {BOT}"))
}

fn slack(answer: Value) -> axum::Json<Value> {
    axum::Json(answer)
}

/// `chat.postMessage` and `chat.update` take JSON; `users.info` takes only
/// a query (a JSON body's arguments are ignored: `user_not_found`).
async fn web_api() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let json_method = |method: &'static str| {
        move |State(calls): State<Calls>, headers: HeaderMap, body: Bytes| async move {
            if !authorized(&headers) {
                return slack(json!({"ok": false, "error": "invalid_auth"}));
            }
            let typed = headers.get("content-type").and_then(|v| v.to_str().ok());
            if !typed.is_some_and(|t| t.starts_with("application/json")) {
                return slack(json!({"ok": false, "error": "invalid_post_type"}));
            }
            let Ok(body) = serde_json::from_slice::<Value>(&body) else {
                return slack(json!({"ok": false, "error": "invalid_json"}));
            };
            let needs = if method == "chat.update" {
                vec!["channel", "ts"]
            } else {
                vec!["channel"]
            };
            if needs
                .iter()
                .any(|k| body[*k].as_str().is_none_or(str::is_empty))
            {
                return slack(json!({"ok": false, "error": "channel_not_found"}));
            }
            calls
                .lock()
                .unwrap()
                .push((method.to_owned(), body.clone()));
            slack(json!({"ok": true, "channel": body["channel"], "ts": "1700000000.000100"}))
        }
    };
    let users_info = |State(calls): State<Calls>, headers: HeaderMap, Query(q): Query<Value>| async move {
        if !authorized(&headers) {
            return slack(json!({"ok": false, "error": "invalid_auth"}));
        }
        calls
            .lock()
            .unwrap()
            .push(("users.info".to_owned(), q.clone()));
        match q["user"].as_str() {
            Some("U0ANA") => slack(json!({"ok": true, "user": {"id": "U0ANA",
                "profile": {"email": "ana@example.com", "real_name": "Ana"}}})),
            _ => slack(json!({"ok": false, "error": "user_not_found"})),
        }
    };
    // users.lookupByEmail: a GET with the address in the query.
    let lookup = |State(calls): State<Calls>, headers: HeaderMap, Query(q): Query<Value>| async move {
        if !authorized(&headers) {
            return slack(json!({"ok": false, "error": "invalid_auth"}));
        }
        calls
            .lock()
            .unwrap()
            .push(("users.lookupByEmail".to_owned(), q.clone()));
        match q["email"].as_str() {
            Some("bo@example.com") => slack(json!({"ok": true, "user": {"id": "U0BO",
                "profile": {"email": "bo@example.com"}}})),
            _ => slack(json!({"ok": false, "error": "users_not_found"})),
        }
    };
    let respond = |State(calls): State<Calls>, body: Bytes| async move {
        let body: Value = serde_json::from_slice(&body).unwrap_or_default();
        calls
            .lock()
            .unwrap()
            .push(("response_url".to_owned(), body));
        StatusCode::OK
    };
    let router = Router::new()
        .route(
            "/api/chat.postMessage",
            post(json_method("chat.postMessage")),
        )
        .route("/api/chat.update", post(json_method("chat.update")))
        .route("/api/users.info", get(users_info))
        .route("/api/users.lookupByEmail", get(lookup))
        .route("/respond", post(respond))
        .with_state(calls.clone());
    (serve(router).await, calls)
}

/// The form body Slack sends for a click on `action_id` of `pause`.
fn click(base: &str, action_id: &str, pause: &str) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "U0ANA", "username": "ana", "team_id": "T1"},
        "team": {"id": "T1", "domain": "example"},
        "api_app_id": "A1",
        "trigger_id": "123.456.abc",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0OPS"},
        "channel": {"id": "C0OPS", "name": "ops"},
        "response_url": format!("{base}/respond"),
        "actions": [{"action_id": action_id, "block_id": "b1", "value": pause, "type": "button",
                     "action_ts": "1700000001.000200"}],
    });
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

/// `v0=` signature of `body` at `timestamp`, made by Python's `hmac`.
fn python_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let script = "import hashlib, hmac, sys\n\
        base = b'v0:' + sys.argv[2].encode() + b':' + sys.argv[3].encode()\n\
        print('v0=' + hmac.new(sys.argv[1].encode(), base, hashlib.sha256).hexdigest())";
    let output = Command::new("python3")
        .args(["-c", script, secret, &timestamp.to_string(), body])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn send(app: &TestApp, body: &str, timestamp: i64, signature: &str) -> StatusCode {
    app.api
        .anonymous()
        .request(Method::POST, "/integrations/slack/actions")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

/// The Web API stand-in (its base and the calls it saw) and an app
/// posting to its channel `ops` (`C0OPS`).
async fn slack_app() -> (String, Calls, TestApp) {
    let (base, calls) = web_api().await;
    let config = format!(
        "[slack_app]\nbot_token_env = \"SLACK_BOT\"\nsigning_secret_env = \"SLACK_SIGNING\"\n\
         api_url = \"{base}/api\"\n\n[channels.ops]\nkind = \"slack_app\"\nchannel = \"C0OPS\"\n"
    );
    let env = [("SLACK_BOT", BOT), ("SLACK_SIGNING", SECRET)];
    let app = TestApp::builder().config(&config).env(&env).manual();
    (base, calls, app.start().await)
}

#[tokio::test]
async fn a_signed_click_decides_as_the_slack_user_and_a_bad_signature_decides_nothing() {
    let (base, calls, app) = slack_app().await;
    let (_, created) = app
        .api
        .create(
            json!({"title": "Deploy 2.0?", "approvers": ["*@example.com"],
                       "notify": {"channels": ["ops"]}}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.drain_outbox().await;
    let posted = calls.lock().unwrap().clone();
    assert_eq!(posted[0].0, "chat.postMessage");
    let buttons = &posted[0].1["blocks"].as_array().unwrap().last().unwrap()["elements"];
    assert_eq!(buttons[0]["action_id"], "pausegate_approve");
    assert_eq!(buttons[0]["value"], id.as_str());
    assert_eq!(buttons[1]["action_id"], "pausegate_reject");

    let body = click(&base, "pausegate_approve", &id);
    let now = chrono::Utc::now().timestamp();
    let wrong = python_signature("not-the-secret", now, &body);
    assert_eq!(
        send(&app, &body, now, &wrong).await,
        StatusCode::UNAUTHORIZED
    );
    let stale = python_signature(SECRET, now - 600, &body);
    assert_eq!(
        send(&app, &body, now - 600, &stale).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api.pause(&id).await["state"],
        "pending",
        "nothing decided"
    );
    assert_eq!(
        calls.lock().unwrap().len(),
        1,
        "no Web API call for a refused click"
    );

    let good = python_signature(SECRET, now, &body);
    assert_eq!(send(&app, &body, now, &good).await, StatusCode::OK);
    let pause = app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["decisions"][0]["actor"], "ana@example.com");
    assert_eq!(pause["decisions"][0]["identified_by"], "slack");
    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls[1],
        ("users.info".to_owned(), json!({"user": "U0ANA"}))
    );
    assert_eq!(calls[2].0, "chat.update");
    assert_eq!(calls[2].1["channel"], "C0OPS");
    assert_eq!(calls[2].1["ts"], "1700000000.000100");
    assert!(
        calls[2].1["text"]
            .as_str()
            .unwrap()
            .contains("Approved by ana@example.com")
    );
    assert!(
        calls[2].1["blocks"]
            .to_string()
            .find("pausegate_approve")
            .is_none(),
        "no buttons left"
    );
}

#[tokio::test]
async fn the_app_mentions_a_delegate_it_finds_and_names_one_it_does_not_by_address() {
    let (_, calls, app) = slack_app().await;
    crate::delegation::away(&app, "ana@example.com", "bo@example.com", 48).await;
    crate::delegation::away(&app, "cy@example.com", "dee@example.com", 48).await;
    let (status, created) = app
        .api
        .create(
            json!({"title": "Deploy 2.1?", "approvers": ["ana@example.com", "cy@example.com"],
                       "notify": {"channels": ["ops"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["rules"]["delegates"][0]["delegate"],
        "bo@example.com"
    );
    app.drain_outbox().await;
    let calls = calls.lock().unwrap().clone();
    let lookups: Vec<&Value> = (calls.iter())
        .filter(|(method, _)| method == "users.lookupByEmail")
        .map(|(_, query)| query)
        .collect();
    assert_eq!(
        lookups,
        [
            &json!({"email": "bo@example.com"}),
            &json!({"email": "dee@example.com"})
        ]
    );
    let posted = calls
        .iter()
        .find(|(method, _)| method == "chat.postMessage")
        .unwrap();
    let blocks = posted.1["blocks"].to_string();
    assert!(blocks.contains("<@U0BO> for ana@example.com"), "{blocks}");
    assert!(
        blocks.contains("dee@example.com for cy@example.com"),
        "{blocks}"
    );
}
