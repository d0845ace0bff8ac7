//! What reaches the endpoint without a good Bot Connector token (401,
//! nothing stored or called), and the card replaced when the pause is
//! decided elsewhere.

use reqwest::StatusCode;
use serde_json::json;

use super::{Bot, invoke, text, verbs};

#[tokio::test]
async fn a_request_without_a_good_bot_framework_token_is_401_and_stores_nothing() {
    let bot = Bot::start().await;
    let id = bot.posted(json!({"title": "Deploy?"})).await;
    let calls_before = bot.standin.calls().len();
    let activity = invoke(
        &bot.standin.base,
        "29:ana",
        "pausegate.approve",
        json!({"pausegate_pause": id}),
    );
    let (status, _) = bot.send(None, &activity).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no token");
    for name in [
        "wrong_audience",
        "expired",
        "forged",
        "wrong_issuer",
        "unendorsed",
        "other_service",
    ] {
        let (status, body) = bot.send(Some(&bot.token(name)), &activity).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
    }
    let mut elsewhere = activity.clone();
    elsewhere["channelId"] = json!("webchat");
    let (status, _) = bot.send(Some(&bot.token("good")), &elsewhere).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the key is not endorsed for webchat"
    );
    let mut foreign = activity.clone();
    foreign["channelData"]["tenant"]["id"] = json!("99999999-9999-9999-9999-999999999999");
    let (status, _) = bot.send(Some(&bot.token("good")), &foreign).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a member of another tenant is not ours"
    );
    let mut tenantless = activity.clone();
    tenantless["channelData"]
        .as_object_mut()
        .unwrap()
        .remove("tenant");
    let (status, _) = bot.send(Some(&bot.token("good")), &tenantless).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no tenant is not ours either"
    );
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["state"], "pending");
    assert!(pause["decisions"].as_array().unwrap().is_empty());
    assert_eq!(
        bot.standin.calls().len(),
        calls_before,
        "no Connector call for a refused request"
    );

    let (status, _) = bot.send(Some(&bot.token("good")), &activity).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same activity with a good token"
    );
    assert_eq!(bot.app.api.pause(&id).await["state"], "approved");
}

#[tokio::test]
async fn a_pause_decided_elsewhere_replaces_its_teams_card() {
    let bot = Bot::start().await;
    let id = bot.posted(json!({"title": "Backfill?"})).await;
    let sent = bot.standin.calls_to("send");
    let card = &sent[0].2["attachments"][0]["content"];
    assert_eq!(
        verbs(card),
        ["pausegate.approve", "pausegate.reject"],
        "no approvers named: buttons for all"
    );
    assert!(card.get("refresh").is_none());
    assert!(
        bot.standin.calls_to("members").is_empty(),
        "no roster needed"
    );

    bot.app.api.decide_ok(&id, "reject").await;
    bot.app.drain_outbox().await;
    let updates = bot.standin.calls_to("update");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].1[1], sent[0].1[1]);
    let replaced = &updates[0].2["attachments"][0]["content"];
    assert!(
        text(replaced).contains("Rejected") && verbs(replaced).is_empty(),
        "{replaced}"
    );
    assert_eq!(
        bot.standin.calls_to("send").len(),
        1,
        "replaced, not posted again"
    );
}
