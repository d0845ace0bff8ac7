//! The ID token of a sign-in goes through the same token check as bearer
//! callers: it must name its issuer and audience and be valid now, and a
//! key id the provider does not publish makes pausegate fetch the
//! provider's keys again at most once a minute. The stand-in provider
//! signs with PyJWT, and is told what faulty token to send the way a person
//! picks an account on its page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::signed_in::{StandIn, sign_in, sign_in_config, start_provider};

/// Signs Ana in with the provider told to send `faulty` (`omit=CLAIM`,
/// `nbf_in=SECONDS`, `kid=ID`; empty for a sound token).
async fn sign_in_given(app: &TestApp, faulty: &str) -> (StatusCode, Option<String>) {
    // The stand-in reads its choices from the authorization request, after
    // the address it vouches for.
    let verified = format!("true&{faulty}");
    let outcome = sign_in(&app.base, "next=/inbox", "ana@example.com", &verified).await;
    (outcome.status, outcome.session)
}

async fn key_set_fetches(provider: &StandIn) -> u64 {
    let counts: Value = reqwest::get(format!("{}/fetches", provider.issuer))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    counts["keys"].as_u64().unwrap()
}

#[tokio::test]
async fn an_id_token_without_issuer_or_audience_or_not_yet_valid_signs_nobody_in() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    for faulty in [
        "omit=iss",
        "omit=aud",
        "omit=exp",
        "omit=nonce",
        "nbf_in=600",
    ] {
        let (status, session) = sign_in_given(&app, faulty).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{faulty}");
        assert_eq!(session, None, "{faulty}: no session");
    }
    let (status, session) = sign_in_given(&app, "nbf_in=10").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "within the clock skew allowed"
    );
    assert!(session.is_some());
}

#[tokio::test]
async fn made_up_key_ids_fetch_the_providers_keys_at_most_once_a_minute() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    for attempt in 0..3 {
        let (status, session) = sign_in_given(&app, &format!("kid=made-up-{attempt}")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!(session, None);
    }
    assert_eq!(key_set_fetches(&provider).await, 1);
    let (status, session) = sign_in_given(&app, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "its own key still signs in");
    assert!(session.is_some());
    assert_eq!(key_set_fetches(&provider).await, 1, "the cached set served");
}
