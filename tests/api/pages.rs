//! The review page: what it shows and the headers it sends.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_review_page_shows_everything_escaped_with_security_headers() {
    let app = TestApp::builder().start().await;
    let (_, created) = app
        .api
        .create(json!({
            "title": "Load <b>sales</b>?",
            "description": "12,345 rows staged",
            "data": {"run_date": "2026-11-23", "note": "<script>alert(1)</script>"},
            "expires_in": "3h",
        }))
        .await;
    let token = created["token"].as_str().unwrap();
    let response = app
        .api
        .anonymous()
        .request(Method::GET, &format!("/r/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let page = response.text().await.unwrap();
    assert!(page.contains("12,345 rows staged"));
    assert!(page.contains("run_date"));
    assert!(page.contains("expires") || page.contains("Expires"));
    assert!(page.contains("in 3 hours"), "expiry in words");
    assert!(!page.contains("<script>"), "data is escaped");
    assert!(!page.contains("<b>sales"), "the title is escaped");
    assert!(page.contains("value=\"approve\"") && page.contains("value=\"reject\""));
    assert!(page.contains("name=\"comment\""));

    let css = app
        .api
        .anonymous()
        .request(Method::GET, "/assets/style.css")
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn a_form_without_a_decision_changes_nothing() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("careful").await;
    let token = created["token"].as_str().unwrap();
    let (status, page) = app.api.submit(token, &[("decision", "maybe")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Approve or Reject"));
    assert_eq!(
        app.api.pause(created["id"].as_str().unwrap()).await["state"],
        "pending"
    );
}

#[tokio::test]
async fn health_endpoints_answer() {
    let app = TestApp::builder().start().await;
    for path in ["/healthz", "/readyz"] {
        let response = app
            .api
            .anonymous()
            .request(Method::GET, path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_form_with_no_decision_gets_400_and_enter_alone_cannot_decide() {
    let app = TestApp::builder().start().await;
    let created = app.api.create_ok("careful").await;
    let token = created["token"].as_str().unwrap();
    let (status, page) = app.api.submit(token, &[("name", "Ana")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Approve or Reject"));
    let (_, page) = app.api.open_link(token).await;
    let first_button = page.find("<button").unwrap();
    assert!(
        page[first_button..].starts_with("<button type=\"submit\" disabled"),
        "the form's default button is disabled, so Enter in a field submits nothing"
    );
}

#[tokio::test]
async fn a_wrong_method_gets_a_json_405() {
    let app = TestApp::builder().start().await;
    let response = app
        .api
        .request(reqwest::Method::GET, "/api/v1/pauses/pau_x/approve")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
