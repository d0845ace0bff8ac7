//! The inbox answers a review form as the review page does: an approval
//! that counts toward a quorum still short says "your approval is
//! recorded" and how many more are needed, not the outcome of a pause that
//! is still pending; the approval that completes it shows the outcome. On
//! SQLite and PostgreSQL.

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;

use crate::helpers::TestApp;
use crate::pg::PgDatabase;
use crate::signed_in::{csrf_of, get_with, sign_in, sign_in_config, start_provider};

/// Signs `email` in at `app`, then approves pause `id` from its inbox
/// page: the answer's status and page.
async fn approve_from_inbox(app: &TestApp, email: &str, id: &str) -> (StatusCode, String) {
    let signed_in = sign_in(&app.base, "next=/inbox", email, "true").await;
    let cookie = signed_in.session.expect("signed in");
    let page = get_with(&app.base, &format!("/inbox/{id}"), &cookie).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = csrf_of(&page.text().await.unwrap());
    let answer = reqwest::Client::new()
        .post(format!("{}/inbox/{id}", app.base))
        .header(COOKIE, cookie)
        .form(&[("decision", "approve"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    (answer.status(), answer.text().await.unwrap())
}

async fn a_two_of_n_approval_from_the_inbox_says_it_is_recorded(database: Option<&str>) {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let app = {
        let builder = TestApp::builder().config(&config).env(&env).manual();
        match database {
            Some(url) => builder.database(url),
            None => builder,
        }
        .start()
        .await
    };
    let (status, created) = app
        .api
        .create(json!({
            "title": "Release 7?",
            "approvers": ["ana@example.com", "bo@example.com", "cy@example.com"],
            "approvals_required": 2,
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();

    let (status, page) = approve_from_inbox(&app, "ana@example.com", id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your approval is recorded"), "{page}");
    assert!(page.contains("needs 1 more approval before"), "{page}");
    assert_eq!(app.api.pause(id).await["state"], "pending");

    let (status, page) = approve_from_inbox(&app, "bo@example.com", id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Approved</h1>"), "{page}");
    assert!(!page.contains("recorded"), "{page}");
    assert_eq!(app.api.pause(id).await["state"], "approved");
}

#[tokio::test]
async fn a_two_of_n_pause_approved_from_the_inbox_says_one_more_is_needed() {
    a_two_of_n_approval_from_the_inbox_says_it_is_recorded(None).await;
}

#[tokio::test]
async fn a_two_of_n_pause_approved_from_the_inbox_says_one_more_is_needed_on_postgres() {
    let database = PgDatabase::create().await;
    a_two_of_n_approval_from_the_inbox_says_it_is_recorded(Some(&database.url)).await;
}
