//! Health, metrics and the OpenAPI document.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn metrics_count_requests_by_route_and_pauses_by_state_without_tokens() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("measured").await;
    let token = created["token"].as_str().unwrap();
    app.api.submit(token, &[("decision", "approve")]).await;

    let response = app
        .api
        .anonymous()
        .request(Method::GET, "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("pausegate_pauses_created_total"), "{text}");
    assert!(
        text.contains(r#"pausegate_pauses{state="approved"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/r/{token}""#),
        "routes, not paths: {text}"
    );
    assert!(
        text.contains(r#"pausegate_pauses_settled_total{state="approved",via="link"}"#),
        "{text}"
    );
    assert!(
        text.contains("pausegate_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!text.contains(token), "no token in metrics");
    assert!(
        !text.contains(created["id"].as_str().unwrap()),
        "no ids in labels"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_the_real_answers() {
    let app = TestApp::builder().start().await;
    let response = app
        .api
        .anonymous()
        .request(Method::GET, "/api/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );

    let documented: Vec<(&str, &str)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.as_str(), m.as_str()))
        })
        .collect();
    for route in [
        ("/api/v1/pauses", "post"),
        ("/api/v1/pauses", "get"),
        ("/api/v1/pauses/{id}", "get"),
        ("/api/v1/pauses/{id}/approve", "post"),
        ("/api/v1/pauses/{id}/reject", "post"),
        ("/api/v1/pauses/{id}/cancel", "post"),
        ("/api/v1/pauses/{id}/wait", "get"),
        ("/api/v1/pauses/{id}/attestation", "get"),
        ("/.well-known/pausegate-attestation.pub", "get"),
        ("/api/v1/decisions", "post"),
        ("/api/v1/lookup", "post"),
        ("/api/PipelinePause", "post"),
    ] {
        assert!(documented.contains(&route), "{route:?} is not documented");
    }

    // Every property the document requires of a pause is in a real one.
    let created = app.api.create_ok("documented").await;
    let pause = app.api.pause(created["id"].as_str().unwrap()).await;
    for field in doc["components"]["schemas"]["Pause"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(
            pause.get(field.as_str().unwrap()).is_some(),
            "{field} is missing from {pause}"
        );
    }
    let documented_fields = doc["components"]["schemas"]["Pause"]["properties"]
        .as_object()
        .unwrap();
    for field in pause.as_object().unwrap().keys() {
        assert!(
            documented_fields.contains_key(field),
            "{field} is not documented"
        );
    }
}

#[tokio::test]
async fn a_client_that_keeps_guessing_gets_429_with_retry_after() {
    let app = TestApp::builder()
        .config("max_failures_per_minute = 3")
        .start()
        .await;
    let created = app.api.create_ok("guarded").await;
    for _ in 0..3 {
        let response = app
            .api
            .as_key("guess")
            .request(Method::GET, "/api/v1/pauses")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .api
        .anonymous()
        .request(Method::GET, &format!("/r/{}", "x".repeat(86)))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: serde_json::Value = blocked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    let health = app
        .api
        .anonymous()
        .request(Method::GET, "/healthz")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK, "health checks always pass");
    let with_key = app.api.pause(created["id"].as_str().unwrap()).await;
    assert_eq!(with_key["title"], "guarded", "the right key always passes");

    // Successes never count: many clicks on a real link are fine elsewhere.
    let other = TestApp::builder()
        .config("max_failures_per_minute = 3")
        .start()
        .await;
    let token = other.api.create_ok("popular").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..10 {
        assert_eq!(other.api.open_link(&token).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_openapi_document_says_what_the_api_does() {
    let app = TestApp::builder().start().await;
    let document: Value = app
        .api
        .anonymous()
        .request(Method::GET, "/api/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = &document["paths"];
    let parameter = |path: &str, name: &str| {
        paths[path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    for name in ["state", "limit", "cursor"] {
        let list = parameter("/api/v1/pauses", name);
        assert_eq!(
            (list["in"].as_str(), list["required"].as_bool()),
            (Some("query"), Some(false))
        );
    }
    assert_eq!(
        parameter("/api/v1/pauses/{id}/wait", "timeout")["in"],
        "query"
    );
    let schemas = &document["components"]["schemas"];
    assert!(
        schemas["PauseRequest"]["required"]
            .as_array()
            .unwrap()
            .contains(&json!("title"))
    );
    assert_eq!(
        schemas["PauseRequest"]["properties"]["title"]["type"],
        "string"
    );
    assert_eq!(
        schemas["DecisionBody"]["properties"]["decision"]["$ref"],
        "#/components/schemas/Verdict"
    );
    for (path, method) in [
        ("/api/v1/pauses/{id}/approve", "post"),
        ("/api/v1/pauses/{id}/reject", "post"),
        ("/api/v1/lookup", "post"),
    ] {
        let operation = &paths[path][method];
        assert!(operation["responses"]["400"].is_object(), "{path}");
        assert!(operation["responses"]["503"].is_object(), "{path}");
    }
    let title = &schemas["PauseRequest"]["properties"]["title"];
    assert_eq!(
        (&title["minLength"], &title["maxLength"]),
        (&json!(1), &json!(200))
    );
    let limit = &parameter("/api/v1/pauses", "limit")["schema"];
    assert_eq!(
        (&limit["minimum"], &limit["maximum"]),
        (&json!(1), &json!(200))
    );
    let created = &paths["/api/v1/pauses"]["post"]["responses"]["201"]["links"];
    assert_eq!(created["approve"]["parameters"]["id"], "$response.body#/id");
    assert_eq!(
        created["lookup"]["requestBody"]["token"],
        "$response.body#/token"
    );
    let body = &paths["/api/v1/pauses/{id}/approve"]["post"]["requestBody"];
    assert_eq!(body["required"], false, "the body may be left out");
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(
        schema["$ref"], "#/components/schemas/DecisionInput",
        "but never null"
    );
}

#[tokio::test]
async fn the_root_says_what_this_server_is_and_links_to_health_and_docs() {
    let app = TestApp::builder().start().await;
    let root: Value = app
        .api
        .anonymous()
        .request(Method::GET, "/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(root["service"], "pausegate");
    for (name, path) in [("health", "/healthz"), ("openapi", "/api/openapi.json")] {
        assert_eq!(root["links"][name], path);
        let linked = app
            .api
            .anonymous()
            .request(Method::GET, path)
            .send()
            .await
            .unwrap();
        assert_eq!(linked.status(), StatusCode::OK, "{path}");
    }
}
