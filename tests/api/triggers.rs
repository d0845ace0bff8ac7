//! Resuming pipelines: each kind of target against a stand-in of its API.

use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::TestApp;
use crate::standins;

fn adf_config(azure: &str) -> String {
    format!(
        r#"
[targets.sales-part2]
kind = "azure_data_factory"
tenant_id = "tenant-1"
client_id = "client-1"
client_secret_env = "TEST_SECRET"
subscription_id = "sub-1"
resource_group = "rg-data"
factory = "adf-prod"
pipeline = "load-sales-part2"
overridable = ["pipeline"]
authority_host = "{azure}"
management_endpoint = "{azure}"
"#
    )
}

#[tokio::test]
async fn approving_an_adf_pause_fetches_one_token_and_starts_one_run() {
    let (azure, log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let app = TestApp::builder()
        .config(&adf_config(&azure))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(
            json!({"title": "Load?", "data": {"run_date": "2026-11-23"}, "target": "sales-part2"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let pause = app.api.decide_ok(id, "approve").await;
    assert_eq!(
        pause["deliveries"][0]["state"], "pending",
        "enqueued with the decision"
    );
    assert_eq!(pause["deliveries"][0]["kind"], "trigger");

    app.drain_outbox().await;

    let tokens = log.matching("/oauth2/v2.0/token");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].path, "/tenant-1/oauth2/v2.0/token");
    let form: std::collections::HashMap<String, String> = reqwest::Url::parse(&format!(
        "http://x/?{}",
        std::str::from_utf8(&tokens[0].body).unwrap()
    ))
    .unwrap()
    .query_pairs()
    .map(|(k, v)| (k.into_owned(), v.into_owned()))
    .collect();
    assert_eq!(form["client_id"], "client-1");
    assert_eq!(form["client_secret"], "s3cret");
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], format!("{azure}/.default"));

    let runs = log.matching("/createRun");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].path,
        "/subscriptions/sub-1/resourceGroups/rg-data/providers/Microsoft.DataFactory/factories/adf-prod/pipelines/load-sales-part2/createRun"
    );
    assert_eq!(runs[0].query["api-version"], "2018-06-01");
    assert_eq!(runs[0].header("authorization"), "Bearer token-1");
    assert_eq!(
        runs[0].json(),
        json!({"pause_id": id, "data": {"run_date": "2026-11-23"}})
    );

    let deliveries = app.api.deliveries(id).await;
    assert_eq!(deliveries[0]["state"], "delivered");
    assert_eq!(deliveries[0]["external_id"], "run-1");
    assert_eq!(deliveries[0]["attempts"], 1);
    assert_eq!(deliveries[0]["destination"], "sales-part2");

    // A second pause within the token's lifetime reuses it, and may
    // override the pipeline it names.
    let (_, second) = app
        .api.create(json!({"title": "Again", "target": "sales-part2", "target_params": {"pipeline": "load-sales-fix"}}))
        .await;
    let second_id = second["id"].as_str().unwrap();
    app.clock.advance(Duration::minutes(30));
    app.api.decide_ok(second_id, "approve").await;
    app.drain_outbox().await;
    assert_eq!(
        log.matching("/oauth2/v2.0/token").len(),
        1,
        "the token was cached"
    );
    let runs = log.matching("/createRun");
    assert_eq!(runs.len(), 2);
    assert!(
        runs[1]
            .path
            .ends_with("/pipelines/load-sales-fix/createRun")
    );
    assert_eq!(
        app.api.deliveries(second_id).await[0]["external_id"],
        "run-2"
    );

    // Past its lifetime, a new token is fetched.
    let (_, third) = app
        .api
        .create(json!({"title": "Later", "target": "sales-part2"}))
        .await;
    app.clock.advance(Duration::hours(2));
    app.api
        .decide_ok(third["id"].as_str().unwrap(), "approve")
        .await;
    app.drain_outbox().await;
    assert_eq!(log.matching("/oauth2/v2.0/token").len(), 2);
}

#[tokio::test]
async fn the_result_page_names_the_run_once_it_has_started() {
    let (azure, _log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let app = TestApp::builder()
        .config(&adf_config(&azure))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(json!({"title": "Load?", "target": "sales-part2"}))
        .await;
    let token = created["token"].as_str().unwrap();

    let (status, page) = app
        .api
        .submit(token, &[("decision", "approve"), ("name", "Ana")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "refreshes while the run starts"
    );
    assert!(page.contains("Starting sales-part2"), "{page}");

    app.drain_outbox().await;
    let (_, page) = app.api.open_link(token).await;
    assert!(page.contains("Approved by Ana"));
    assert!(page.contains("pipeline run run-1 started"), "{page}");
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "stops refreshing once settled"
    );
}

#[tokio::test]
async fn a_target_param_the_target_does_not_allow_is_refused_at_creation() {
    let app = TestApp::builder()
        .config(&adf_config("http://127.0.0.1:9"))
        .manual()
        .start()
        .await;
    let (status, body) = app
        .api
        .create(
            json!({"title": "t", "target": "sales-part2", "target_params": {"factory": "other"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("factory")
    );
}

fn webhook_config(url: &str, extra: &str) -> String {
    format!(
        "[targets.hook]\nkind = \"webhook\"\nurl = \"{url}/resume\"\nsecret_env = \"TEST_SECRET\"\n{extra}\n"
    )
}

#[tokio::test]
async fn the_webhook_body_and_signature_verify_independently() {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config(&webhook_config(&receiver, ""))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(json!({"title": "Deploy?", "data": {"sha": "abc"}, "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;

    let requests = log.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/resume");
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("pausegate-event"), "pause.approved");
    let delivery_id = app.api.deliveries(id).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(request.header("pausegate-delivery"), delivery_id);
    let body = request.json();
    assert_eq!(body["event"], "pause.approved");
    assert_eq!(body["pause"]["id"], id);
    assert_eq!(body["pause"]["data"], json!({"sha": "abc"}));
    assert_eq!(body["pause"]["state"], "approved");

    let signature = request.header("pausegate-signature");
    let (t, v1) = signature.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&request.body);
    assert_eq!(hex::encode(mac.finalize().into_bytes()), v1);
    assert!((t.parse::<i64>().unwrap() - app.clock_now().timestamp()).abs() <= 1);
}

#[tokio::test]
async fn a_receiver_answering_503_503_200_gets_it_on_the_third_attempt() {
    let (receiver, log) = standins::webhook().await;
    log.script(&[(503, &[], "busy"), (503, &[], "still busy")]);
    let app = TestApp::builder()
        .config(&webhook_config(&receiver, ""))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(json!({"title": "t", "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;

    app.drain_outbox().await;
    let delivery = &app.api.deliveries(id).await[0];
    assert_eq!(
        (delivery["state"].as_str(), delivery["attempts"].as_u64()),
        (Some("pending"), Some(1))
    );
    assert!(delivery["last_error"].as_str().unwrap().contains("503"));
    assert!(delivery["next_attempt_at"].is_string());

    app.clock.advance(Duration::seconds(2));
    app.drain_outbox().await;
    assert_eq!(app.api.deliveries(id).await[0]["attempts"], 2);
    app.clock.advance(Duration::seconds(3));
    app.drain_outbox().await;

    let delivery = &app.api.deliveries(id).await[0];
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["attempts"], 3);
    let ids: Vec<String> = log
        .requests()
        .iter()
        .map(|r| r.header("pausegate-delivery").to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter().all(|i| i == &ids[0]),
        "one delivery id across retries"
    );
}

#[tokio::test]
async fn a_400_fails_at_once_with_the_answer_in_last_error() {
    let (receiver, log) = standins::webhook().await;
    log.script(&[(400, &[], "{\"error\": \"unknown pipeline\"}")]);
    let app = TestApp::builder()
        .config(&webhook_config(&receiver, ""))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(json!({"title": "t", "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;
    app.clock.advance(Duration::hours(1));
    app.drain_outbox().await;

    let delivery = &app.api.deliveries(id).await[0];
    assert_eq!(delivery["state"], "failed");
    assert_eq!(delivery["attempts"], 1);
    let error = delivery["last_error"].as_str().unwrap();
    assert!(
        error.contains("400") && error.contains("unknown pipeline"),
        "{error}"
    );
    assert_eq!(log.requests().len(), 1);
    let (_, page) = app.api.open_link(created["token"].as_str().unwrap()).await;
    assert!(
        page.contains("Starting hook failed"),
        "the page says so in words"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_not_retried_before_it() {
    let (receiver, log) = standins::webhook().await;
    log.script(&[(429, &[("retry-after", "5")], "slow down")]);
    let app = TestApp::builder()
        .config(&webhook_config(&receiver, ""))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(json!({"title": "t", "target": "hook"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 1);

    app.clock.advance(Duration::milliseconds(4_900));
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 1, "not before 5 s");
    app.clock.advance(Duration::milliseconds(100));
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 2);
    assert_eq!(app.api.deliveries(id).await[0]["state"], "delivered");
}

#[tokio::test]
async fn max_per_hour_makes_deliveries_wait_their_turn() {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config(&webhook_config(&receiver, "max_per_hour = 2"))
        .manual()
        .start()
        .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, created) = app
            .api
            .create(json!({"title": format!("p{i}"), "target": "hook"}))
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
        app.api.decide_ok(&ids[i], "approve").await;
    }
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 2);
    let mut pending = 0;
    for id in &ids {
        let delivery = &app.api.deliveries(id).await[0];
        match delivery["state"].as_str().unwrap() {
            "delivered" => {}
            "pending" => {
                pending += 1;
                assert_eq!(delivery["attempts"], 0, "waiting is not an attempt");
                let next: chrono::DateTime<chrono::Utc> = delivery["next_attempt_at"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(
                    next > app.clock_now() + Duration::minutes(59),
                    "waits for the hour to pass"
                );
            }
            other => panic!("unexpected state {other}"),
        }
    }
    assert_eq!(pending, 3);

    app.clock.advance(Duration::minutes(61));
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 4, "two more an hour later");
}

#[tokio::test]
async fn rejection_and_expiry_trigger_the_right_target_with_the_right_event() {
    let (receiver, log) = standins::webhook().await;
    let config = format!(
        "[targets.go]\nkind = \"webhook\"\nurl = \"{receiver}/go\"\n\n[targets.stop]\nkind = \"webhook\"\nurl = \"{receiver}/stop\"\n"
    );
    let app = TestApp::builder().config(&config).manual().start().await;
    let (_, rejected) = app
        .api
        .create(json!({"title": "r", "target": "go", "on_reject": "stop"}))
        .await;
    app.api
        .decide_ok(rejected["id"].as_str().unwrap(), "reject")
        .await;
    let (_, auto) = app
        .api.create(json!({"title": "a", "target": "go", "on_reject": "stop", "expires_in": "1h", "on_expire": "approve"}))
        .await;
    let (_, lapsed) = app
        .api
        .create(json!({"title": "e", "target": "go", "on_reject": "stop", "expires_in": "1h"}))
        .await;
    let (_, cancelled) = app
        .api
        .create(json!({"title": "c", "target": "go", "on_reject": "stop"}))
        .await;
    app.api
        .request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/pauses/{}/cancel",
                cancelled["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    app.clock.advance(Duration::hours(2));
    app.pauses.expire_due().await.unwrap();
    app.drain_outbox().await;

    let seen: Vec<(String, String, String)> = log
        .requests()
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.header("pausegate-event").to_owned(),
                r.json()["pause"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |path: &str, event: &str, pause: &Value| {
        (
            path.to_owned(),
            event.to_owned(),
            pause["id"].as_str().unwrap().to_owned(),
        )
    };
    assert!(
        seen.contains(&expect("/stop", "pause.rejected", &rejected)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&expect("/go", "pause.approved", &auto)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&expect("/stop", "pause.expired", &lapsed)),
        "{seen:?}"
    );
    assert_eq!(
        seen.len(),
        3,
        "a cancelled pause triggers nothing: {seen:?}"
    );
    assert_eq!(
        app.api.pause(auto["id"].as_str().unwrap()).await["decisions"][0]["via"],
        "timeout"
    );
}

#[tokio::test]
async fn a_github_workflow_is_dispatched_as_the_api_documents() {
    let (github, log) = standins::github("gh-token").await;
    let config = format!(
        "[targets.release]\nkind = \"github_workflow\"\nowner = \"acme\"\nrepo = \"app\"\nworkflow = \"deploy.yml\"\nref = \"main\"\ntoken_env = \"GH_TOKEN\"\napi_url = \"{github}/api/v3\"\n"
    );
    let app = TestApp::builder().config(&config).manual().start().await;
    let (_, created) = app
        .api
        .create(json!({"title": "Release?", "data": {"version": "1.2.3"}, "target": "release"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;

    let requests = log.requests();
    assert_eq!(
        requests.len(),
        1,
        "GitHub Enterprise paths keep their /api/v3 prefix"
    );
    assert_eq!(
        requests[0].path,
        "/api/v3/repos/acme/app/actions/workflows/deploy.yml/dispatches"
    );
    assert_eq!(
        requests[0].json(),
        json!({"ref": "main", "inputs": {"pause_id": id, "data": "{\"version\":\"1.2.3\"}"}})
    );
    assert_eq!(app.api.deliveries(id).await[0]["state"], "delivered");
}

#[tokio::test]
async fn an_airflow_dag_run_is_triggered_and_its_id_kept() {
    let (airflow, log) = standins::airflow("airflow-jwt").await;
    let config = format!(
        "[targets.nightly]\nkind = \"airflow_dag\"\nbase_url = \"{airflow}\"\ndag_id = \"nightly\"\ntoken_env = \"AIRFLOW_TOKEN\"\n"
    );
    let app = TestApp::builder().config(&config).manual().start().await;
    let (_, created) = app
        .api
        .create(json!({"title": "Run?", "data": {"day": 1}, "target": "nightly"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;

    let requests = log.requests();
    assert_eq!(requests[0].path, "/api/v2/dags/nightly/dagRuns");
    let receipt = app.api.pause(id).await["receipt"].clone();
    assert!(receipt.is_string(), "the DAG run gets the signed receipt");
    assert_eq!(
        requests[0].json(),
        json!({"logical_date": null, "conf": {"pause_id": id, "data": {"day": 1}, "receipt": receipt}})
    );
    let delivery = &app.api.deliveries(id).await[0];
    assert_eq!(delivery["state"], "delivered");
    assert!(
        delivery["external_id"]
            .as_str()
            .unwrap()
            .starts_with("manual__")
    );
}
