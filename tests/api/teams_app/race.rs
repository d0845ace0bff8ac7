//! Fifty Teams clicks at once on a 2-of-3 pause, several rounds, on SQLite
//! and PostgreSQL: the pause is approved by exactly two distinct approvers,
//! every click is answered with a card, the receipt names the same two, and
//! the posted card is replaced once.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Bot, card_of};
use crate::pg::PgDatabase;
use crate::races::claims;

const CLICKS: usize = 50;
const ROUNDS: usize = 3;
const CLICKERS: [&str; 4] = ["29:ana", "29:bo", "29:cy", "29:zed"];

async fn one_round(bot: &Bot, round: usize) {
    let approvers = ["ana@example.com", "bo@example.com", "cy@example.com"];
    let id = bot
        .posted(json!({"title": format!("Round {round}?"), "approvers": approvers, "approvals_required": 2}))
        .await;
    let clicks: Vec<_> = (0..CLICKS)
        .map(|n| {
            let activity = super::invoke(
                &bot.standin.base,
                CLICKERS[n % 4],
                "pausegate.approve",
                json!({"pausegate_pause": id}),
            );
            let request = bot
                .app
                .api
                .anonymous()
                .request(reqwest::Method::POST, "/integrations/teams/messages")
                .bearer_auth(bot.token("good"))
                .json(&activity);
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    for click in clicks {
        let (status, answer) = click.await.unwrap();
        assert_eq!(status, StatusCode::OK, "round {round}: {answer}");
        card_of(&answer);
    }
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved", "round {round}");
    let actors: Vec<&str> = pause["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["actor"].as_str().unwrap())
        .collect();
    let distinct: BTreeSet<&str> = actors.iter().copied().collect();
    assert_eq!(
        (actors.len(), distinct.len()),
        (2, 2),
        "round {round}: {actors:?}"
    );
    assert!(
        distinct.iter().all(|a| approvers.contains(a)),
        "round {round}: {actors:?}"
    );
    let receipt = claims(pause["receipt"].as_str().unwrap());
    assert_eq!(receipt["outcome"], "approved");
    let named: BTreeSet<&str> = receipt["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["actor"].as_str())
        .collect();
    assert_eq!(
        named, distinct,
        "round {round}: the receipt names the same two"
    );
    bot.app.drain_outbox().await;
    let posted = bot.standin.calls_to("send").last().unwrap().1[1].clone();
    let replaced = bot
        .standin
        .calls_to("update")
        .into_iter()
        .filter(|u| u.1[1] == posted)
        .count();
    assert_eq!(replaced, 1, "round {round}: the card is replaced once");
}

async fn fifty_clicks(bot: Bot) {
    for round in 0..ROUNDS {
        one_round(&bot, round).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_teams_clicks_at_once_settle_two_of_three_with_two_distinct_approvers_on_sqlite() {
    fifty_clicks(Bot::start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_teams_clicks_at_once_settle_two_of_three_with_two_distinct_approvers_on_postgres() {
    let database = PgDatabase::create().await;
    fifty_clicks(Bot::on(Some(&database.url)).await).await;
}
