//! Health, metrics and the OpenAPI document.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn metrics_count_requests_by_route_and_pauses_by_state_without_tokens() {
    let app = TestApp::spawn().await;
    let created = app.create_ok("measured").await;
    let token = created["token"].as_str().unwrap();
    app.submit(token, &[("decision", "approve")]).await;

    let response = app
        .client
        .get(format!("{}/metrics", app.base))
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
