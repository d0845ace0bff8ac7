//! The original Azure Functions recipe's requests, replayed against
//! `/api/PipelinePause` and `/api/PipelineRestart`: a pipeline moves over by
//! changing the host name, and gets clear answers where the recipe gave 500.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{API_KEY, Answer, TestApp, error_message};
use crate::standins;

/// The recipe's section and the Data Factory target it starts, at `azure`.
pub(crate) fn recipe_config(azure: &str) -> String {
    format!(
        r#"
[azure_recipe]
target = "adf"

[targets.adf]
kind = "azure_data_factory"
tenant_id = "tenant-1"
client_id = "client-1"
client_secret_env = "TEST_SECRET"
subscription_id = "sub-1"
resource_group = "rg-default"
factory = "factory-default"
pipeline = "pipeline-default"
overridable = ["factory", "resource_group", "pipeline"]
authority_host = "{azure}"
management_endpoint = "{azure}"
"#
    )
}

/// The body a Data Factory Web activity posted to `PipelinePause`.
fn web_activity_body() -> Value {
    json!({
        "factory_name": "adf-sales",
        "resource_group": "rg-data",
        "pipeline_name": "load-sales-part2",
        "expiration_time": 3600,
        "data": {"run_date": "2026-11-23", "rows": 12345},
        "web_path": "success.html",
        "share_name": "approval-pages",
    })
}

#[tokio::test]
async fn a_recipe_pipeline_pauses_shows_a_page_on_get_and_restarts_once_on_post() {
    let (azure, log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let app = TestApp::builder()
        .config(&recipe_config(&azure))
        .manual()
        .start()
        .await;
    // The Web activity called the function with its key in `?code=`.
    let (status, answer) = app
        .api
        .anonymous()
        .request(Method::POST, &format!("/api/PipelinePause?code={API_KEY}"))
        .json(&web_activity_body())
        .answer()
        .await;
    assert_eq!(status, StatusCode::OK, "the recipe answered 200");
    let token = answer["token"]
        .as_str()
        .expect("the token, as the recipe gave it");
    let id = answer["id"].as_str().unwrap();
    let pause = app.api.pause(id).await;
    assert_eq!(pause["title"], "Run load-sales-part2 in adf-sales?");
    assert_eq!(
        pause["data"],
        json!({"run_date": "2026-11-23", "rows": 12345})
    );
    let lifetime = chrono::DateTime::parse_from_rfc3339(pause["expires_at"].as_str().unwrap())
        .unwrap()
        - chrono::DateTime::parse_from_rfc3339(pause["created_at"].as_str().unwrap()).unwrap();
    assert_eq!(lifetime.num_seconds(), 3600, "expiration_time is seconds");

    // The emailed link, opened by a person or a mail scanner: a page, no run.
    let restart = |method| {
        let path = format!("/api/PipelineRestart?token={token}");
        app.api.anonymous().request(method, &path)
    };
    let page = restart(Method::GET).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Run load-sales-part2 in adf-sales?")
    );
    app.drain_outbox().await;
    assert_eq!(app.api.pause(id).await["state"], "pending");
    assert!(log.matching("/createRun").is_empty(), "GET started nothing");

    // The page's form posts back to the same address.
    let form = [("decision", "approve"), ("name", "Ana")];
    let approved = restart(Method::POST).form(&form).send().await.unwrap();
    assert_eq!(approved.status(), StatusCode::OK);
    let again = restart(Method::POST).form(&form).send().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a second click starts nothing"
    );
    app.drain_outbox().await;
    let runs = log.matching("/createRun");
    assert_eq!(runs.len(), 1, "one run for two clicks");
    assert_eq!(
        runs[0].path,
        "/subscriptions/sub-1/resourceGroups/rg-data/providers/Microsoft.DataFactory/factories/adf-sales/pipelines/load-sales-part2/createRun"
    );
    assert_eq!(
        runs[0].json(),
        json!({"pause_id": id, "data": {"run_date": "2026-11-23", "rows": 12345}})
    );
}

#[tokio::test]
async fn the_recipe_parameters_also_come_from_the_query_string_with_the_key_in_a_header() {
    let (azure, _log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let app = TestApp::builder()
        .config(&recipe_config(&azure))
        .manual()
        .start()
        .await;
    let path = "/api/PipelinePause?factory_name=adf-sales&resource_group=rg-data\
                &pipeline_name=load-sales-part2&expiration_time=600";
    let (status, answer) = app
        .api
        .anonymous()
        .request(Method::POST, path)
        .header("x-functions-key", API_KEY)
        .answer()
        .await;
    assert_eq!(status, StatusCode::OK);
    let pause = app.api.pause(answer["id"].as_str().unwrap()).await;
    assert_eq!(pause["state"], "pending");
    assert_eq!(pause["data"], json!({}), "no data given, none stored");
}

#[tokio::test]
async fn bad_recipe_requests_get_a_clear_error_instead_of_a_500() {
    let (azure, _log) = standins::azure("tenant-1", "client-1", "s3cret").await;
    let app = TestApp::builder()
        .config(&recipe_config(&azure))
        .manual()
        .start()
        .await;
    let pause = |query: String, body: Value| {
        let path = format!("/api/PipelinePause{query}");
        let request = app.api.anonymous().request(Method::POST, &path);
        request.json(&body).answer()
    };
    let with_key = format!("?code={API_KEY}");
    let (status, _) = pause("?code=wrong".to_owned(), web_activity_body()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = pause(String::new(), web_activity_body()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (field, bad) in [
        ("pipeline_name", Value::Null),
        ("factory_name", json!("")),
        ("expiration_time", json!("an hour")),
        ("expiration_time", json!(0)),
    ] {
        let mut body = web_activity_body();
        body[field] = bad;
        let (status, answer) = pause(with_key.clone(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert!(error_message(&answer).starts_with(field), "{answer}");
    }
    let (_, list) = app.api.list("").await;
    assert_eq!(list["items"], json!([]), "nothing was stored");

    let unknown = app
        .api
        .anonymous()
        .request(Method::GET, "/api/PipelineRestart?token=not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_recipe_endpoints_are_off_until_a_target_is_named() {
    let app = TestApp::builder().start().await;
    let (status, answer) = app
        .api
        .anonymous()
        .request(Method::POST, &format!("/api/PipelinePause?code={API_KEY}"))
        .json(&web_activity_body())
        .answer()
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error_message(&answer).contains("[azure_recipe] target"));
}
