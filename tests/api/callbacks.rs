//! Orchestrators that wait inside their own run: ADF's WebHook activity
//! (`callBackUri` added to the body; the outcome POSTed back with
//! `Output`, `Error`, `StatusCode`) and the Logic Apps HTTP Webhook action
//! (`listCallbackUrl()` in the subscribe body, the unsubscribe call
//! cancelling). Stand-ins record every callback; each test checks method,
//! headers and body as the orchestrator's documentation describes them.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::standins::{self, Log, Recorded};

/// Callbacks may go to the local stand-ins, over plain HTTP.
const LOCAL: &str = "[callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n";

async fn app_and_receiver() -> (TestApp, String, Log) {
    let (receiver, log) = standins::webhook().await;
    (
        TestApp::builder().config(LOCAL).manual().start().await,
        receiver,
        log,
    )
}

/// The one callback that arrived, checked as ADF documents it: a JSON POST
/// with `Output` and `StatusCode` (a string).
fn one_adf_callback(log: &Log) -> Value {
    let requests = log.matching("/adf/");
    assert_eq!(requests.len(), 1, "exactly one callback");
    let request: &Recorded = &requests[0];
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(
        request.query["sig"], "secret-signature",
        "the URL is kept whole"
    );
    let body = request.json();
    assert!(body["Output"].is_object(), "{body}");
    assert!(body["StatusCode"].is_string(), "{body}");
    body
}

#[tokio::test]
async fn an_adf_webhook_activity_gets_status_200_and_the_decision_when_approved() {
    let (app, receiver, log) = app_and_receiver().await;
    let activity_body = json!({
        "title": "Load sales?",
        "data": {"rows": 12},
        "callBackUri": format!("{receiver}/adf/callback?sig=secret-signature"),
    });
    let (status, created) = app.api.create(activity_body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["callback"],
        json!({"kind": "adf_webhook", "host": "127.0.0.1"})
    );
    assert!(
        !created.to_string().contains("secret-signature"),
        "{created}"
    );

    let (again, retried) = app.api.create(activity_body).await;
    assert_eq!(
        again,
        StatusCode::OK,
        "ADF retried its request: the same pause"
    );
    assert_eq!(retried["id"], id);

    app.api
        .decide_ok_with(id, "approve", json!({"actor": "ana", "comment": "fine"}))
        .await;
    app.drain_outbox().await;
    let body = one_adf_callback(&log);
    assert_eq!(body["StatusCode"], "200");
    assert!(body.get("Error").is_none(), "{body}");
    let output = &body["Output"];
    assert_eq!(
        (
            &output["pause_id"],
            &output["state"],
            &output["actor"],
            &output["comment"]
        ),
        (
            &json!(id),
            &json!("approved"),
            &json!("ana"),
            &json!("fine")
        )
    );
    assert_eq!(output["data"]["rows"], 12);
    let deliveries = app.api.deliveries(id).await;
    assert_eq!(deliveries[0]["kind"], "callback");
    assert_eq!(deliveries[0]["state"], "delivered");
}

#[tokio::test]
async fn a_rejection_fails_the_adf_activity_with_an_error_naming_who_and_why() {
    let (app, receiver, log) = app_and_receiver().await;
    let url = format!("{receiver}/adf/callback?sig=secret-signature");
    let (_, created) = app
        .api
        .create(json!({"title": "Drop table?", "callBackUri": url}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api
        .decide_ok_with(id, "reject", json!({"actor": "bo", "comment": "not today"}))
        .await;
    app.drain_outbox().await;
    let body = one_adf_callback(&log);
    assert_eq!(body["StatusCode"], "403");
    assert_eq!(body["Error"]["ErrorCode"], "Rejected");
    let message = body["Error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("bo") && message.contains("not today"),
        "{message}"
    );
    assert_eq!(body["Output"]["state"], "rejected");
}

#[tokio::test]
async fn an_adf_pause_expires_just_before_the_activity_gives_up_and_says_so() {
    let (app, receiver, log) = app_and_receiver().await;
    let url = format!("{receiver}/adf/callback?sig=secret-signature");
    let request = json!({"title": "Wait?", "callBackUri": url, "callback_timeout": "00:10:00"});
    let (_, created) = app.api.create(request).await;
    let created_at = chrono::DateTime::parse_from_rfc3339(created["created_at"].as_str().unwrap());
    let expires_at = chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap());
    assert_eq!(
        expires_at.unwrap() - created_at.unwrap(),
        Duration::minutes(9)
    );

    app.clock.advance(Duration::minutes(9));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;
    let body = one_adf_callback(&log);
    assert_eq!(body["StatusCode"], "408");
    assert_eq!(body["Error"]["ErrorCode"], "Expired");

    let longer = json!({"title": "t", "callBackUri": format!("{receiver}/adf/2?sig=s"),
        "callback_timeout": "00:10:00", "expires_in": "1h"});
    let (status, error) = app.api.create(longer).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&error).starts_with("expires_in"), "{error}");
}

#[tokio::test]
async fn a_callback_answered_503_is_sent_again_with_the_same_content_and_id() {
    let (app, receiver, log) = app_and_receiver().await;
    log.script(&[(503, &[("Retry-After", "0")], "busy")]);
    let url = format!("{receiver}/adf/callback?sig=secret-signature");
    let (_, created) = app
        .api
        .create(json!({"title": "Retry?", "callBackUri": url}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok_with(id, "approve", json!({})).await;
    app.drain_outbox().await;
    app.clock.advance(Duration::minutes(5));
    app.drain_outbox().await;

    let requests = log.matching("/adf/");
    assert_eq!(
        requests.len(),
        2,
        "one failed attempt, one that got through"
    );
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        requests[0].header("pausegate-delivery"),
        requests[1].header("pausegate-delivery")
    );
    assert_eq!(app.api.deliveries(id).await[0]["state"], "delivered");
}

#[tokio::test]
async fn a_logic_apps_webhook_action_subscribes_unsubscribes_and_hears_the_outcome() {
    let (app, receiver, log) = app_and_receiver().await;
    let callback_url = format!("{receiver}/logic/workflows/w/runs/r?sig=secret-signature");
    let subscribe =
        json!({"title": "Ship?", "callback": {"kind": "logic_apps", "url": callback_url}});
    let (_, created) = app.api.create(subscribe).await;
    let id = created["id"].as_str().unwrap();

    let unsubscribe = || async {
        let response = app
            .api
            .request(Method::POST, "/api/v1/callbacks/unsubscribe")
            .json(&json!({"callback_url": callback_url}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()
    };
    assert_eq!(
        unsubscribe().await["state"],
        "cancelled",
        "the run was cancelled"
    );
    assert_eq!(
        unsubscribe().await["id"],
        id,
        "a second unsubscribe changes nothing"
    );
    app.drain_outbox().await;
    let requests = log.matching("/logic/");
    assert_eq!(requests.len(), 1);
    let body = requests[0].json();
    assert_eq!(
        (&body["state"], &body["approved"]),
        (&json!("cancelled"), &json!(false))
    );

    let other = format!("{receiver}/logic/workflows/w/runs/r2?sig=s");
    let (_, second) = app
        .api
        .create(json!({"title": "Ship 2?", "callback": {"kind": "logic_apps", "url": other}}))
        .await;
    app.api
        .decide_ok_with(
            second["id"].as_str().unwrap(),
            "approve",
            json!({"actor": "ana"}),
        )
        .await;
    app.drain_outbox().await;
    let body = log.matching("/runs/r2")[0].json();
    assert_eq!(
        (&body["approved"], &body["actor"]),
        (&json!(true), &json!("ana"))
    );
}

#[tokio::test]
async fn callbacks_off_the_allow_list_or_over_plain_http_are_refused_and_never_called() {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config("[callbacks]\nallowed_hosts = [\"127.0.0.1\"]\n")
        .manual()
        .start()
        .await;
    let cases = [
        (
            json!({"callBackUri": format!("{receiver}/adf/x")}),
            "callBackUri",
            "https",
        ),
        (
            json!({"callback": {"kind": "logic_apps", "url": "https://evil.example.com/x"}}),
            "callback.url",
            "allowed_hosts",
        ),
        (
            json!({"callback": {"kind": "jenkins", "url": "https://127.0.0.1/x"}}),
            "callback.kind",
            "adf_webhook",
        ),
    ];
    for (mut request, field, says) in cases {
        request["title"] = json!("t");
        let (status, error) = app.api.create(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        let message = error_message(&error);
        assert!(
            message.starts_with(field) && message.contains(says),
            "{message}"
        );
    }
    app.drain_outbox().await;
    assert!(
        log.requests().is_empty(),
        "no request reached a refused host"
    );
}

#[tokio::test]
async fn a_redirecting_callback_is_not_followed() {
    let (app, receiver, log) = app_and_receiver().await;
    let (elsewhere, elsewhere_log) = standins::webhook().await;
    log.script(&[(302, &[("Location", &format!("{elsewhere}/stolen"))], "")]);
    let url = format!("{receiver}/adf/callback?sig=secret-signature");
    let (_, created) = app
        .api
        .create(json!({"title": "Moved?", "callBackUri": url}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok_with(id, "approve", json!({})).await;
    app.drain_outbox().await;
    assert!(
        elsewhere_log.requests().is_empty(),
        "the redirect was not followed"
    );
    let delivery = &app.api.deliveries(id).await[0];
    assert_eq!(delivery["state"], "failed");
    let error = delivery["last_error"].as_str().unwrap();
    assert!(
        error.contains("redirect") && !error.contains("secret-signature"),
        "{error}"
    );
}

#[tokio::test]
async fn a_logic_apps_action_hears_rejections_and_expiries_and_gets_a_retry_after_503() {
    let (app, receiver, log) = app_and_receiver().await;
    log.script(&[(503, &[("Retry-After", "0")], "busy")]);
    let callback = |run: &str| json!({"kind": "logic_apps", "url": format!("{receiver}/logic/runs/{run}?sig=s")});
    let (_, rejected) = app
        .api
        .create(json!({"title": "a", "callback": callback("no")}))
        .await;
    app.api
        .create(json!({"title": "b", "expires_in": "1m", "callback": callback("late")}))
        .await;
    app.api
        .decide_ok_with(
            rejected["id"].as_str().unwrap(),
            "reject",
            json!({"actor": "bo"}),
        )
        .await;
    app.clock.advance(Duration::minutes(2));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;
    app.clock.advance(Duration::minutes(5));
    app.drain_outbox().await;

    let no = log.matching("/runs/no");
    let late = log.matching("/runs/late");
    assert_eq!(
        no.len() + late.len(),
        3,
        "one refused with 503 and sent again"
    );
    let last = |requests: &[Recorded]| requests.last().unwrap().json();
    assert_eq!(
        (&last(&no)["state"], &last(&no)["approved"]),
        (&json!("rejected"), &json!(false))
    );
    assert_eq!(last(&no)["actor"], "bo");
    assert_eq!(last(&late)["state"], "expired");
    let twice = if no.len() == 2 { &no } else { &late };
    assert_eq!(
        twice[0].body, twice[1].body,
        "the retry carries the same content"
    );
}

#[tokio::test]
async fn callbacks_are_stored_and_answered_on_postgresql_too() {
    let database = crate::pg::PgDatabase::create().await;
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .database(&database.url)
        .config(LOCAL)
        .manual()
        .start()
        .await;
    let url = format!("{receiver}/adf/callback?sig=secret-signature");
    let (_, created) = app
        .api
        .create(json!({"title": "On PG?", "callBackUri": url.clone()}))
        .await;
    let id = created["id"].as_str().unwrap();
    let (again, _) = app
        .api
        .create(json!({"title": "On PG?", "callBackUri": url}))
        .await;
    assert_eq!(again, StatusCode::OK, "the same callback: the same pause");
    app.api
        .decide_ok_with(id, "reject", json!({"actor": "bo"}))
        .await;
    app.drain_outbox().await;
    let body = one_adf_callback(&log);
    assert_eq!(body["StatusCode"], "403");
    assert_eq!(app.api.pause(id).await["callback"]["kind"], "adf_webhook");
}
