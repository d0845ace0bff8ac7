//! Redeeming a settled pause (`POST /api/v1/pauses/{id}/redeem`): fifty
//! callers racing for one approval, several rounds, on SQLite and
//! PostgreSQL: exactly one is answered 200, the other forty-nine 409, and
//! the stored redemption is the winner's. A pending pause, or another
//! caller's, is refused.

use pausegate::domain::PauseId;
use pausegate::store::Redemption;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::pg::PgDatabase;

const RACERS: usize = 50;
const ROUNDS: usize = 3;

async fn one_round(app: &TestApp) {
    let id = app
        .api
        .create_id(json!({"title": "Restart billing?"}))
        .await;
    app.api.decide_ok(&id, "approve").await;
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let api = app.api.clone();
            let path = format!("/api/v1/pauses/{id}/redeem");
            tokio::spawn(async move { api.post_empty(&path).await })
        })
        .collect();
    let mut winners: Vec<Value> = Vec::new();
    for racer in racers {
        match racer.await.unwrap() {
            (StatusCode::OK, body) => winners.push(body),
            (StatusCode::CONFLICT, body) => {
                assert!(error_message(&body).contains("already redeemed"), "{body}")
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption wins");
    assert_eq!(winners[0]["state"], "approved");
    let stored = app
        .pauses
        .store()
        .redeem(&PauseId::parse(&id).unwrap(), None, app.clock_now())
        .await
        .unwrap();
    let Redemption::Earlier { at, by } = stored else {
        panic!("the stored redemption is the winner's, not a new one: {stored:?}")
    };
    let winner_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(winners[0]["redeemed_at"].clone()).unwrap();
    assert_eq!((at, by), (winner_at, None));
}

async fn fifty_racers_one_winner(app: TestApp) {
    for _ in 0..ROUNDS {
        one_round(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_fifty_callers_redeeming_one_approval_exactly_one_wins_on_sqlite() {
    fifty_racers_one_winner(TestApp::builder().manual().start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_fifty_callers_redeeming_one_approval_exactly_one_wins_on_postgres() {
    let database = PgDatabase::create().await;
    let app = TestApp::builder()
        .database(&database.url)
        .config("[database]\ntimeout = \"5s\"\n")
        .manual()
        .start()
        .await;
    fifty_racers_one_winner(app).await;
}

#[tokio::test]
async fn a_pending_pause_and_another_callers_pause_are_not_redeemed() {
    let config = "[api_keys.other]\nkey_env = \"OTHER_KEY\"\n";
    let other_key = "other-key-0123456789abcdef";
    let app = TestApp::builder()
        .config(config)
        .env(&[("OTHER_KEY", other_key)])
        .manual()
        .start()
        .await;
    let id = app.api.create_id(json!({"title": "Go?"})).await;
    let path = format!("/api/v1/pauses/{id}/redeem");
    let (status, body) = app.api.post_empty(&path).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error_message(&body).contains("still pending"), "{body}");
    app.api.decide_ok(&id, "approve").await;
    let (status, body) = app.api.as_key(other_key).post_empty(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.api.post_empty(&path).await.0, StatusCode::OK);
}
