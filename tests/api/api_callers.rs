//! Who may call the API: named keys decide as their name, and OpenID
//! Connect bearer tokens signed by the test's own key (PyJWT, served from a
//! JWKS endpoint found through discovery) are accepted only with the right
//! issuer, audience, subject, signature and lifetime, never with `alg: none`.

use std::process::Command;

use axum::Router;
use axum::routing::get;
use reqwest::StatusCode;
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
    TestApp::builder()
        .config(&config)
        .env(&[("CI_BOT_KEY", NAMED_KEY)])
        .manual()
        .start()
        .await
}

#[tokio::test]
async fn a_token_from_the_issuer_is_accepted_and_decides_as_its_subject() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    let good = tokens["good"].as_str().unwrap();
    assert_eq!(app.api.as_key(good).list("").await.0, StatusCode::OK);

    let created = app.api.create_ok("Deploy?").await;
    let id = created["id"].as_str().unwrap();
    let (_, approved) = app
        .api
        .as_key(good)
        .decide(id, "approve", json!({"comment": "checks passed"}))
        .await;
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
    let id = app
        .api
        .create_id(json!({"title": "Deploy?", "approvers": ["ana@example.com"]}))
        .await;
    let (status, body) = app.api.as_key(as_ana).approve(&id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.api.pause(&id).await["state"], "pending");

    let in_domain = tokens["domain_subject"].as_str().unwrap();
    let id = app
        .api
        .create_id(json!({"title": "Deploy?", "approvers": ["*@example.com"]}))
        .await;
    let (status, body) = app.api.as_key(in_domain).approve(&id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.api.pause(&id).await["state"], "pending");
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
        let id = app
            .api
            .create_id(json!({"title": "Deploy?", "approvers": [rule]}))
            .await;
        let (status, body) = app.api.as_key(good).approve(&id).await;
        assert_eq!(status, StatusCode::OK, "{rule}: {body}");
    }
    for rule in [
        "oidc:elsewhere:repo:acme/*",
        "oidc:actions:repo:other/*",
        "repo:acme/app:ref:refs/heads/main",
    ] {
        let id = app
            .api
            .create_id(json!({"title": "Deploy?", "approvers": [rule]}))
            .await;
        let (status, body) = app.api.as_key(good).approve(&id).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{rule}: {body}");
    }
}

#[tokio::test]
async fn a_pause_asked_for_by_a_token_records_its_identity_and_it_may_not_approve_it() {
    let (issuer, tokens) = issuer().await;
    let app = app_trusting(&issuer).await;
    let good = tokens["good"].as_str().unwrap();
    let body = json!({"title": "Deploy?", "approvers": ["oidc:actions:repo:acme/*"]});
    let (status, created) = app.api.as_key(good).create(body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["requested_by"],
        "oidc:actions:repo:acme/app:ref:refs/heads/main"
    );
    let (status, body) = app
        .api
        .as_key(good)
        .approve(created["id"].as_str().unwrap())
        .await;
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
        let (status, body) = app
            .api
            .as_key(tokens[name].as_str().unwrap())
            .list("")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{name}: {message}");
    }
}

#[tokio::test]
async fn a_named_key_decides_as_its_name_and_cannot_claim_another() {
    let app = TestApp::builder()
        .config("[api_keys.ci-bot]\nkey_env = \"CI_BOT_KEY\"\n")
        .env(&[("CI_BOT_KEY", NAMED_KEY)])
        .manual()
        .start()
        .await;
    let created = app.api.create_ok("Release?").await;
    let id = created["id"].as_str().unwrap();
    let ci_bot = app.api.as_key(NAMED_KEY);
    let (claimed, _) = ci_bot
        .decide(id, "approve", json!({"actor": "somebody-else"}))
        .await;
    assert_eq!(claimed, StatusCode::BAD_REQUEST);
    let (_, approved) = ci_bot.decide(id, "approve", json!({})).await;
    assert_eq!(approved["decisions"][0]["actor"], "ci-bot");
    // The server's own key still works, and still passes `actor` through.
    assert_eq!(app.api.list("").await.0, StatusCode::OK);
}
