//! Signing out ends the session on the server, not only in the browser: a
//! copy of the session cookie taken before signing out opens nothing
//! afterwards, on SQLite and on every replica sharing a PostgreSQL
//! database.

use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::pg::PgDatabase;
use crate::signed_in::{csrf_of, get_with, sign_in, sign_in_config, sign_out, start_provider};

/// Signs Ana in at `app`: her session cookie, and the inbox's CSRF token.
async fn ana_signed_in(app: &TestApp) -> (String, String) {
    let signed_in = sign_in(&app.base, "next=/inbox", "ana@example.com", "true").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let cookie = signed_in.session.expect("a session cookie");
    let inbox = get_with(&app.base, "/inbox", &cookie).await;
    assert_eq!(inbox.status(), StatusCode::OK);
    let page = inbox.text().await.unwrap();
    assert!(page.contains("ana@example.com"), "{page}");
    (cookie, csrf_of(&page))
}

/// Asserts `cookie` no longer opens the inbox at `app`: off to sign in.
async fn refused(app: &TestApp, cookie: &str) {
    let inbox = get_with(&app.base, "/inbox", cookie).await;
    assert_eq!(inbox.status(), StatusCode::SEE_OTHER);
    assert_eq!(inbox.headers()["location"], "/auth/login?next=%2Finbox");
}

#[tokio::test]
async fn a_copied_session_cookie_opens_nothing_after_signing_out() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let (copied, csrf) = ana_signed_in(&app).await;

    let out = sign_out(&app.base, &copied, &csrf).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    refused(&app, &copied).await;
    let forged = crate::signed_in::sign_out(&app.base, &copied, &csrf).await;
    assert_eq!(
        forged.status(),
        StatusCode::SEE_OTHER,
        "signing out twice is fine"
    );

    // Signing in again gives a new session that works.
    let (again, _) = ana_signed_in(&app).await;
    assert_ne!(again, copied);
}

#[tokio::test]
async fn signing_out_on_one_replica_ends_the_session_on_another() {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let database = PgDatabase::create().await;
    let first = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let second = TestApp::builder()
        .database(&database.url)
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let (copied, csrf) = ana_signed_in(&first).await;
    let elsewhere = get_with(&second.base, "/inbox", &copied).await;
    assert_eq!(elsewhere.status(), StatusCode::OK, "replicas share the key");

    let out = sign_out(&first.base, &copied, &csrf).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    refused(&second, &copied).await;
    refused(&first, &copied).await;
    drop((first, second));
}
