//! Races around delegations, on SQLite and PostgreSQL, several rounds:
//! fifty overlapping delegations of one person recorded at once leave
//! exactly one; fifty approvals at once on a 2-of-3 pause from an
//! approver, her delegate, another approver and an outsider count two
//! people, never the away approver twice (herself and through her
//! delegate), and the receipt says the same.

use std::collections::BTreeSet;

use chrono::{Duration, SecondsFormat};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{approve, asked_by, away};
use crate::helpers::TestApp;
use crate::pg::PgDatabase;
use crate::races::claims;

const ACTORS: usize = 50;
const ROUNDS: usize = 3;

async fn overlapping_delegations(app: &TestApp, round: usize) {
    let ends_at =
        (app.clock_now() + Duration::hours(8)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let posts: Vec<_> = (0..ACTORS)
        .map(|n| {
            let api = app.api.clone();
            let body = json!({"person": format!("away{round}@example.com"),
                "delegate": format!("d{n}@example.com"), "ends_at": ends_at});
            tokio::spawn(async move { api.post("/api/v1/delegations", &body).await.0 })
        })
        .collect();
    let mut created = 0;
    for post in posts {
        match post.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::BAD_REQUEST => {}
            other => panic!("round {round}: {other}"),
        }
    }
    assert_eq!(created, 1, "round {round}: one delegation of many");
    let listed = app.api.get_json("/api/v1/delegations").await;
    let stored = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["person"] == format!("away{round}@example.com"))
        .count();
    assert_eq!(stored, 1, "round {round}: one stored");
}

/// Who each approval counted for: the person stood in for, or the actor.
fn counted(pause: &Value) -> Vec<String> {
    pause["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d.get("on_behalf_of")
                .unwrap_or(&d["actor"])
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn approvals_through_a_delegate(app: &TestApp, round: usize) {
    let [ana, bo, cy, eve, zed] =
        ["ana", "bo", "cy", "eve", "zed"].map(|n| format!("{n}{round}@example.com"));
    away(app, &ana, &bo, 24).await;
    let id = asked_by(
        app,
        "dan@example.com",
        &[ana.as_str(), cy.as_str(), eve.as_str()],
        2,
    )
    .await;
    let deciders = [ana.clone(), bo.clone(), cy.clone(), zed.clone()];
    let attempts: Vec<_> = (0..ACTORS)
        .map(|n| {
            let (pauses, id, who) = (app.pauses.clone(), id.clone(), deciders[n % 4].clone());
            tokio::spawn(async move {
                let decider = pausegate::pauses::Decider {
                    email: who,
                    by: pausegate::domain::IdentifiedBy::SignIn,
                    groups: Vec::new(),
                };
                let id = pausegate::domain::PauseId::parse(&id).unwrap();
                let verdict = pausegate::domain::Verdict::Approve;
                pauses
                    .decide_as(&id, verdict, &decider, None, Default::default())
                    .await
                    .is_ok()
            })
        })
        .collect();
    for attempt in attempts {
        attempt.await.unwrap();
    }
    let pause = app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved", "round {round}");
    let counted = counted(&pause);
    let distinct: BTreeSet<&str> = counted.iter().map(String::as_str).collect();
    assert_eq!(
        (counted.len(), distinct.len()),
        (2, 2),
        "round {round}: {counted:?}"
    );
    assert!(
        !distinct.contains(zed.as_str()) && !distinct.contains(bo.as_str()),
        "round {round}: {counted:?}"
    );
    let receipt = claims(pause["receipt"].as_str().unwrap());
    let signed: Vec<String> = counted_in(&receipt);
    assert_eq!(
        signed, counted,
        "round {round}: the receipt counts the same"
    );
    assert!(
        approve(app, &id, &cy).await.is_err(),
        "round {round}: settled"
    );
}

fn counted_in(receipt: &Value) -> Vec<String> {
    counted(&json!({"decisions": receipt["decisions"]}))
}

async fn rounds(app: TestApp) {
    for round in 0..ROUNDS {
        overlapping_delegations(&app, round).await;
        approvals_through_a_delegate(&app, round).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_delegations_and_approvals_at_once_count_each_person_once_on_sqlite() {
    rounds(TestApp::builder().manual().start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_delegations_and_approvals_at_once_count_each_person_once_on_postgres() {
    let database = PgDatabase::create().await;
    rounds(
        TestApp::builder()
            .database(&database.url)
            .manual()
            .start()
            .await,
    )
    .await;
}
