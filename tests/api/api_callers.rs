//! Who may call the API: named keys decide as their name, and OpenID
//! Connect bearer tokens signed by the test's own key (PyJWT, served from a
//! JWKS endpoint found through discovery) are accepted only with the right
//! issuer, audience, subject, signature and lifetime, never with `alg: none`.

use std::process::Command;

use axum::Router;
use axum::routing::get;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::python;

const NAMED_KEY: &str = "ci-bot-key-0123456789";

/// An issuer on loopback: its discovery document, its key set, and tokens.
pub(crate) async fn issuer() -> (String, Value) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let python = python::with(&[("jwt", "pyjwt"), ("cryptography", "cryptography")]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standins/oidc_tokens.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&base)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let made: Value = serde_json::from_slice(&output.stdout).unwrap();
    let discovery = json!({"issuer": base, "jwks_uri": format!("{base}/keys")});
    let jwks = made["jwks"].clone();
    let router = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/keys", get(move || async move { axum::Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, made["tokens"].clone())
}

pub(crate) async fn app_trusting(issuer: &str) -> TestApp {
    app_trusting_subjects(issuer, "[\"repo:acme/*\"]").await
}

async fn app_trusting_subjects(issuer: &str, subjects: &str) -> TestApp {
    let config = format!(
        "[api_keys.ci-bot]\nkey_env = \"CI_BOT_KEY\"\n\n\
         [oidc_callers.actions]\nissuer = \"{issuer}\"\naudiences = [\"pausegate\"]\n\
         subjects = {subjects}\n"
    );
    TestApp::spawn_manual_with_env(&config, &[("CI_BOT_KEY", NAMED_KEY)]).await
}

/// Sends `request` with `bearer`: the status and the answer.
async fn with_bearer(request: reqwest::RequestBuilder, bearer: &str) -> (StatusCode, Value) {
    let response = request.bearer_auth(bearer).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

/// Approves `id` with `bearer`: the status and the answer.
async fn approve_with(app: &TestApp, id: &str, bearer: &str) -> (StatusCode, Value) {
    let url = format!("{}/api/v1/pauses/{id}/approve", app.base);
    with_bearer(app.client.post(url), bearer).await
}

/// A pause only `approvers` may decide, made with the server's key.
async fn pause_for(app: &TestApp, approvers: Value) -> String {
    let (status, created) = app
        .create(json!({"title": "Deploy?", "approvers": approvers}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn status_with(app: &TestApp, bearer: &str) -> (StatusCode, Value) {
    let url = format!("{}/api/v1/pauses", app.base);
    with_bearer(app.client.get(url), bearer).await
}

#[tokio::test]
async fn a_token_from_the_issuer_is_accepted_and_decides_as_its_subject() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    let good = tokens["good"].as_str().unwrap();
    assert_eq!(status_with(&app, good).await.0, StatusCode::OK);

    let created = app.create_ok("Deploy?").await;
    let id = created["id"].as_str().unwrap();
    let approved: Value = app
        .client
        .post(format!("{}/api/v1/pauses/{id}/approve", app.base))
        .bearer_auth(good)
        .json(&json!({"comment": "checks passed"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "approved");
    assert_eq!(
        approved["decisions"][0]["actor"],
        "oidc:actions:repo:acme/app:ref:refs/heads/main"
    );
}

#[tokio::test]
async fn a_token_whose_subject_looks_like_an_address_is_not_that_person() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting_subjects(&issuer, "[]").await;
    let as_ana = tokens["address_subject"].as_str().unwrap();
    let id = pause_for(&app, json!(["ana@example.com"])).await;
    let (status, body) = approve_with(&app, &id, as_ana).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.get_pause(&id).await["state"], "pending");

    let in_domain = tokens["domain_subject"].as_str().unwrap();
    let id = pause_for(&app, json!(["*@example.com"])).await;
    let (status, body) = approve_with(&app, &id, in_domain).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.get_pause(&id).await["state"], "pending");
}

#[tokio::test]
async fn an_oidc_rule_admits_only_that_callers_subjects() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    let good = tokens["good"].as_str().unwrap();
    for rule in [
        "oidc:actions:repo:acme/app:ref:refs/heads/main",
        "oidc:actions:repo:acme/*",
    ] {
        let id = pause_for(&app, json!([rule])).await;
        let (status, body) = approve_with(&app, &id, good).await;
        assert_eq!(status, StatusCode::OK, "{rule}: {body}");
    }
    for rule in [
        "oidc:elsewhere:repo:acme/*",
        "oidc:actions:repo:other/*",
        "repo:acme/app:ref:refs/heads/main",
    ] {
        let id = pause_for(&app, json!([rule])).await;
        let (status, body) = approve_with(&app, &id, good).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{rule}: {body}");
    }
}

#[tokio::test]
async fn a_pause_asked_for_by_a_token_records_its_identity_and_it_may_not_approve_it() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    let good = tokens["good"].as_str().unwrap();
    let body = json!({"title": "Deploy?", "approvers": ["oidc:actions:repo:acme/*"]});
    let create = app.client.post(format!("{}/api/v1/pauses", app.base));
    let (status, created) = with_bearer(create.json(&body), good).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["requested_by"],
        "oidc:actions:repo:acme/app:ref:refs/heads/main"
    );
    let (status, body) = approve_with(&app, created["id"].as_str().unwrap(), good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        error_message(&body).contains("asked for this pause"),
        "{body}"
    );
}

#[tokio::test]
async fn tokens_that_do_not_verify_get_401_naming_why() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    for (name, why) in [
        ("wrong_issuer", "issuer"),
        ("wrong_audience", "audience"),
        ("expired", "expired"),
        ("alg_none", "not a signed JWT"),
        ("wrong_subject", "subject"),
        ("forged", "signature"),
        ("unknown_key", "key id"),
    ] {
        let (status, body) = status_with(&app, tokens[name].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{name}: {message}");
    }
}

#[tokio::test]
async fn a_named_key_decides_as_its_name_and_cannot_claim_another() {
    let app = TestApp::spawn_manual_with_env(
        "[api_keys.ci-bot]\nkey_env = \"CI_BOT_KEY\"\n",
        &[("CI_BOT_KEY", NAMED_KEY)],
    )
    .await;
    let created = app.create_ok("Release?").await;
    let id = created["id"].as_str().unwrap();
    let decide = |body: Value| {
        app.client
            .post(format!("{}/api/v1/pauses/{id}/approve", app.base))
            .bearer_auth(NAMED_KEY)
            .json(&body)
            .send()
    };
    let claimed = decide(json!({"actor": "somebody-else"})).await.unwrap();
    assert_eq!(claimed.status(), StatusCode::BAD_REQUEST);
    let approved: Value = decide(json!({})).await.unwrap().json().await.unwrap();
    assert_eq!(approved["decisions"][0]["actor"], "ci-bot");
    // The server's own key still works, and still passes `actor` through.
    let listed = app.api(Method::GET, "/api/v1/pauses").send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
}
