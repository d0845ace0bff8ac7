//! pausegate as an Azure Functions custom handler, driven the way the
//! Functions host drives it: started from `deploy/azure-functions/host.json`
//! with `FUNCTIONS_CUSTOMHANDLER_PORT`, probed on `/` until it answers,
//! sent forwarded requests on their own paths, and invoked by the timer
//! function as `POST /sweep` with the documented JSON envelope.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{API_KEY, Answer, Api, TestApp};
use crate::pg::PgDatabase;
use crate::standins;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/azure-functions");

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(DEPLOY).join(path)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What the host posts to a custom handler for a timer trigger named
/// `timer` in the function folder `sweep`.
fn timer_invocation() -> Value {
    json!({
        "Data": {
            "timer": {
                "Schedule": {"AdjustForDST": true},
                "ScheduleStatus": {
                    "Last": "2026-11-25T10:00:00+00:00",
                    "Next": "2026-11-25T10:01:00+00:00",
                    "LastUpdated": "2026-11-25T10:00:00+00:00"
                },
                "IsPastDue": false
            }
        },
        "Metadata": {
            "sys": {"MethodName": "sweep", "UtcNow": "2026-11-25T10:01:00Z", "RandGuid": "6f1c"}
        }
    })
}

#[test]
fn the_function_app_forwards_every_path_and_runs_the_sweep_each_minute() {
    let host = read_json("host.json");
    assert_eq!(host["version"], "2.0");
    assert_eq!(host["customHandler"]["enableForwardingHttpRequest"], true);
    assert_eq!(
        host["extensions"]["http"]["routePrefix"], "",
        "paths arrive as they are, without /api"
    );
    let http = read_json("http/function.json");
    assert_eq!(http["bindings"][0]["type"], "httpTrigger");
    assert_eq!(http["bindings"][0]["route"], "{*path}");
    assert_eq!(
        http["bindings"].as_array().unwrap().len(),
        2,
        "forwarding needs one HTTP trigger and one HTTP output, nothing else"
    );
    let sweep = read_json("sweep/function.json");
    assert_eq!(sweep["bindings"][0]["type"], "timerTrigger");
    assert_eq!(sweep["bindings"][0]["name"], "timer");
    assert_eq!(sweep["bindings"][0]["schedule"], "0 */1 * * * *");
}

#[tokio::test]
async fn the_timer_invocation_settles_expired_pauses_and_sends_their_triggers() {
    let (receiver, log) = standins::webhook().await;
    let config = format!("[targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/hook\"\n");
    // Nothing but the timer may do the work: as after the host unloaded us.
    let app = TestApp::builder()
        .config(&config)
        .manual()
        .adjust(|settings| settings.azure_functions = true)
        .start()
        .await;
    let (_, created) = app
        .api
        .create(
            json!({"title": "Load?", "target": "hook", "expires_in": "1m", "on_expire": "approve"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    app.clock.advance(chrono::Duration::minutes(2));
    assert!(log.requests().is_empty(), "nothing sent before the timer");

    let sweep = || app.api.anonymous().request(Method::POST, "/sweep");
    let (status, body) = sweep().json(&timer_invocation()).answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Outputs"], json!({}));
    assert_eq!(body["ReturnValue"], Value::Null);
    assert_eq!(
        body["Logs"][0],
        "settled 1 expired pauses; sent 1 deliveries"
    );
    let pause = app.api.pause(id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(pause["deliveries"][0]["state"], "delivered");
    assert_eq!(log.matching("/hook").len(), 1);

    let again = sweep().json(&timer_invocation()).send().await.unwrap();
    let body: Value = again.json().await.unwrap();
    assert_eq!(
        body["Logs"][0],
        "settled 0 expired pauses; sent 0 deliveries"
    );
    let garbage = sweep().body("tick").send().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_server_outside_functions_has_no_sweep_endpoint() {
    let app = TestApp::builder().start().await;
    let answer = app
        .api
        .anonymous()
        .request(Method::POST, "/sweep")
        .json(&timer_invocation())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_binary_runs_as_the_functions_host_starts_it_on_postgres() {
    let database = PgDatabase::create().await;
    let host = read_json("host.json");
    let description = &host["customHandler"]["description"];
    assert_eq!(description["defaultExecutablePath"], "pausegate");
    let arguments: Vec<String> = serde_json::from_value(description["arguments"].clone()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(&arguments)
        .current_dir(dir.path())
        .env_clear()
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .env("FUNCTIONS_WORKER_RUNTIME", "custom")
        .env("WEBSITE_HOSTNAME", "pausegate-test.azurewebsites.net")
        .env("PAUSEGATE_DATABASE_URL", &database.url)
        .env("PAUSEGATE_API_KEY", API_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let api = Api::new(&format!("http://127.0.0.1:{port}"));
    // The host waits for any answer on `/` before it forwards anything.
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(answer) = api.anonymous().request(Method::GET, "/").send().await {
            ready = answer.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ready,
        "the handler answered on FUNCTIONS_CUSTOMHANDLER_PORT"
    );

    let (_, created) = api.create(json!({"title": "Deploy?"})).await;
    let review_url = created["review_url"].as_str().unwrap();
    assert!(
        review_url.starts_with("https://pausegate-test.azurewebsites.net/r/"),
        "links use the app's public host name: {review_url}"
    );
    let token = created["token"].as_str().unwrap();
    assert_eq!(api.open_link(token).await.0, StatusCode::OK);
    let tick = api
        .anonymous()
        .request(Method::POST, "/sweep")
        .json(&timer_invocation())
        .send()
        .await
        .unwrap();
    assert_eq!(tick.status(), StatusCode::OK);
    assert_eq!(tick.headers()["content-type"], "application/json");
    child.kill().ok();
    child.wait().ok();
}
