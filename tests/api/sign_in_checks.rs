//! What a sign-in must refuse: an address the provider does not vouch for
//! as verified, and a `next` that would send the browser to another site
//! after signing in (an open redirect).

use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::signed_in::{get_with, sign_in, sign_in_config, start_provider};

#[tokio::test]
async fn an_address_the_provider_has_not_verified_signs_nobody_in() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    for verified in ["false", "absent"] {
        let outcome = sign_in(&app.base, "next=/inbox", "ana@example.com", verified).await;
        assert_eq!(outcome.status, StatusCode::FORBIDDEN, "{verified}");
        assert_eq!(outcome.session, None, "{verified}: no session");
    }
    let outcome = sign_in(&app.base, "next=/inbox", "ana@example.com", "true").await;
    assert_eq!(outcome.status, StatusCode::SEE_OTHER);
    let inbox = get_with(&app.base, "/inbox", &outcome.session.unwrap()).await;
    assert_eq!(inbox.status(), StatusCode::OK);
}

#[tokio::test]
async fn after_signing_in_the_browser_only_ever_returns_to_a_path_here() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    // Each as an attacker's link would carry it, percent-encoded or not.
    for hostile in [
        "next=/%09/evil.com",
        "next=%09//evil.com",
        "next=//evil.com",
        "next=/%5Cevil.com",
        "next=%5C%5Cevil.com",
        "next=https://evil.com",
        "next=https:evil.com",
        "next=/%252F%252Fevil.com",
        "next=/%0D%0A/evil.com",
        "next=/%2F/evil.com",
    ] {
        let outcome = sign_in(&app.base, hostile, "ana@example.com", "true").await;
        assert_eq!(outcome.status, StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(outcome.location.as_deref(), Some("/inbox"), "{hostile}");
    }
    let good = "next=%2Finbox%2Fpau_1%3Ftag%3Dteam%3Adata";
    let outcome = sign_in(&app.base, good, "ana@example.com", "true").await;
    assert_eq!(
        outcome.location.as_deref(),
        Some("/inbox/pau_1?tag=team:data")
    );
}
