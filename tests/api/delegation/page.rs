//! The away page a signed-in person reaches from their inbox: ana records
//! that bo decides for her, sees it, and withdraws it; bo sees whom he
//! decides for; a delegate equal to herself or an overlapping one is a 400
//! naming the field with nothing stored; a stale form, or someone else
//! withdrawing her delegation, changes nothing.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::signed_in::{app_with_sign_in, client, csrf_of, get_with, sign_in};

/// The session cookie of `email`, signed in at `app`.
async fn signed_in(app: &TestApp, email: &str) -> String {
    let outcome = sign_in(&app.base, "next=/inbox/away", email, "true").await;
    outcome.session.expect("signed in")
}

/// `POST {path}` as the holder of `cookie`, with `form`: status and page
/// (after the redirect a form that worked answers with).
async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    (answer.status(), answer.text().await.unwrap())
}

/// The page at `/inbox/away` and its CSRF token.
async fn away_page(app: &TestApp, cookie: &str) -> (String, String) {
    let page = get_with(&app.base, "/inbox/away", cookie).await;
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    (csrf_of(&text), text)
}

async fn stored(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.api.get("/api/v1/delegations").await;
    assert_eq!(status, StatusCode::OK);
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_signed_in_approver_records_sees_and_withdraws_her_own_delegation_from_the_away_page() {
    let (_provider, app) = app_with_sign_in().await;
    let ana = signed_in(&app, "ana@example.com").await;
    let inbox = get_with(&app.base, "/inbox", &ana)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains("href=\"/inbox/away\""),
        "the inbox leads to it: {inbox}"
    );

    let (csrf, _) = away_page(&app, &ana).await;
    let until = (app.clock_now() + Duration::hours(48))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("delegate", "bo@example.com"),
        ("ends_at", &until),
    ];
    let (status, page) = post(&app, &ana, "/inbox/away", &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Recorded: bo@example.com decides for you"),
        "{page}"
    );
    let all = stored(&app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["person"], "ana@example.com");
    assert_eq!(all[0]["delegate"], "bo@example.com");
    assert_eq!(all[0]["created_by"], "ana@example.com");
    assert_eq!(all[0]["ends_at"].as_str().unwrap()[..16], until[..16]);
    let id = all[0]["id"].as_str().unwrap().to_owned();

    let bo = signed_in(&app, "bo@example.com").await;
    let (bo_csrf, bo_page) = away_page(&app, &bo).await;
    assert!(bo_page.contains("You decide for"), "{bo_page}");
    assert!(bo_page.contains("ana@example.com"), "{bo_page}");
    let echoed = get_with(&app.base, &format!("/inbox/away?recorded={id}"), &bo).await;
    let echoed = echoed.text().await.unwrap();
    assert!(
        !echoed.contains("Recorded:"),
        "only one's own is said: {echoed}"
    );
    let withdraw = format!("/inbox/away/{id}/withdraw");
    let (status, _) = post(&app, &bo, &withdraw, &[("csrf", &bo_csrf)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only ana withdraws her own");
    let (status, _) = post(&app, &ana, &withdraw, &[("csrf", "stale")]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a stale form changes nothing"
    );
    assert_eq!(stored(&app).await.len(), 1);

    let (status, page) = post(&app, &ana, &withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Withdrawn."), "{page}");
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn the_away_page_names_the_field_of_a_bad_delegation_and_stores_nothing_more() {
    let (_provider, app) = app_with_sign_in().await;
    let ana = signed_in(&app, "ana@example.com").await;
    let (csrf, _) = away_page(&app, &ana).await;
    let until = (app.clock_now() + Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (at, who) = (&app, &ana);
    let record = |delegate: &'static str| {
        let (csrf, until) = (csrf.clone(), until.clone());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("delegate", delegate),
                ("ends_at", &until),
            ];
            post(at, who, "/inbox/away", &form).await
        }
    };

    let (status, page) = record("ANA@example.com").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-field=\"delegate\""), "{page}");
    assert!(
        page.contains("value=\"ANA@example.com\""),
        "what was sent is kept: {page}"
    );
    assert!(stored(&app).await.is_empty());

    assert_eq!(record("bo@example.com").await.0, StatusCode::OK);
    let (status, page) = record("cy@example.com").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-field=\"starts_at\""), "{page}");
    let all = stored(&app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["delegate"], "bo@example.com");

    let form = [
        ("csrf", csrf.as_str()),
        ("delegate", "cy@example.com"),
        ("ends_at", "soon"),
    ];
    let (status, page) = post(&app, &ana, "/inbox/away", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-field=\"ends_at\""), "{page}");
}

#[tokio::test]
async fn the_away_page_sends_someone_not_signed_in_to_sign_in_and_back() {
    let (_provider, app) = app_with_sign_in().await;
    let answer = client()
        .get(format!("{}/inbox/away", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let to = answer.headers()[LOCATION].to_str().unwrap();
    assert_eq!(to, "/auth/login?next=%2Finbox%2Faway");
}
