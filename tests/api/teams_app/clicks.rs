//! Clicks on the card: an approver's decides as their Teams address (with
//! the card's inputs), anyone else's is refused to them alone, and a 2-of-3
//! pause needs two different members.

use reqwest::StatusCode;
use serde_json::json;

use super::{Bot, CHANNEL, TEAM, card_of, text, verbs};

#[tokio::test]
async fn a_teams_click_signed_by_the_bot_framework_approves_as_the_members_address() {
    let bot = Bot::start().await;
    let fields = json!([{"name": "ticket", "type": "text", "required": true}]);
    let id = bot
        .posted(
            json!({"title": "Deploy 2.0?", "approvers": ["*@example.com"], "input_fields": fields,
                       "data": {"release": "2.0"}}),
        )
        .await;
    let sent = bot.standin.calls_to("send");
    assert_eq!(sent.len(), 1, "one card");
    assert_eq!(sent[0].1[0], CHANNEL);
    let card = &sent[0].2["attachments"][0]["content"];
    assert_eq!(card["version"], "1.5");
    assert!(text(card).contains("Deploy 2.0?") && text(card).contains("release"));
    assert_eq!(
        verbs(card),
        Vec::<String>::new(),
        "the shared view has no buttons: approvers are named"
    );
    assert_eq!(card["refresh"]["action"]["verb"], "pausegate.refresh");
    assert_eq!(
        card["refresh"]["userIds"],
        json!(["29:ana", "29:bo", "29:cy"]),
        "zed is no approver"
    );
    assert_eq!(bot.standin.calls_to("token").len(), 1);

    // An approver's client refreshes to the buttons; another's to the status.
    let data = json!({"pausegate_pause": id});
    let (status, answer) = bot.click("29:ana", "pausegate.refresh", data.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let buttons = card_of(&answer);
    assert_eq!(verbs(buttons), ["pausegate.approve", "pausegate.reject"]);
    assert_eq!(
        buttons["body"].as_array().unwrap().last().unwrap()["id"],
        "ticket"
    );
    let (_, answer) = bot.click("29:zed", "pausegate.refresh", data.clone()).await;
    assert!(verbs(card_of(&answer)).is_empty());

    // Someone not among the approvers is told why, and nothing changes.
    let (_, answer) = bot.click("29:zed", "pausegate.approve", data.clone()).await;
    assert!(text(card_of(&answer)).contains("Not recorded"), "{answer}");
    let missing = json!({"pausegate_pause": id, "ticket": ""});
    let (_, answer) = bot.click("29:ana", "pausegate.approve", missing).await;
    assert!(
        text(card_of(&answer)).contains("ticket"),
        "the required field is named: {answer}"
    );
    assert_eq!(bot.app.api.pause(&id).await["state"], "pending");

    let approve = json!({"pausegate_pause": id, "ticket": "CHG-7", "actor": "cy@example.com"});
    let (status, answer) = bot.click("29:ana", "pausegate.approve", approve).await;
    assert_eq!(status, StatusCode::OK);
    let settled = card_of(&answer);
    assert!(
        text(settled).contains("Approved by ana@example.com"),
        "{settled}"
    );
    assert!(verbs(settled).is_empty());
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved");
    assert_eq!(
        pause["decisions"][0]["actor"], "ana@example.com",
        "from the member API, not the card"
    );
    assert_eq!(pause["decisions"][0]["identified_by"], "teams");
    assert_eq!(pause["inputs"]["ticket"], "CHG-7");
    let looked_up = bot.standin.calls_to("member");
    assert!(
        looked_up.iter().all(|c| c.1[0] == TEAM),
        "the team's roster answers"
    );

    // A second click changes nothing; the settled card replaces the posted one.
    let (_, answer) = bot.click("29:bo", "pausegate.reject", data).await;
    assert!(text(card_of(&answer)).contains("Approved by ana@example.com"));
    assert_eq!(
        bot.app.api.pause(&id).await["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    bot.app.drain_outbox().await;
    let updates = bot.standin.calls_to("update");
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].1, [CHANNEL.to_owned(), sent[0].1[1].clone()]);
    let replaced = &updates[0].2["attachments"][0]["content"];
    assert!(text(replaced).contains("Approved by ana@example.com") && verbs(replaced).is_empty());
}

#[tokio::test]
async fn two_of_three_is_settled_by_two_teams_members_and_the_same_member_twice_counts_once() {
    let bot = Bot::start().await;
    let approvers = ["ana@example.com", "bo@example.com", "cy@example.com"];
    let id = bot
        .posted(json!({"title": "Rotate keys?", "approvers": approvers, "approvals_required": 2}))
        .await;
    let data = json!({"pausegate_pause": id});
    let (_, answer) = bot.click("29:ana", "pausegate.approve", data.clone()).await;
    assert!(text(card_of(&answer)).contains("1 more needed"), "{answer}");
    let (_, answer) = bot.click("29:ana", "pausegate.approve", data.clone()).await;
    assert!(
        text(card_of(&answer)).contains("already approved"),
        "{answer}"
    );
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["state"], "pending");
    assert_eq!(
        pause["decisions"].as_array().unwrap().len(),
        1,
        "counted once"
    );

    let (_, answer) = bot.click("29:bo", "pausegate.approve", data).await;
    assert!(text(card_of(&answer)).contains("Approved"), "{answer}");
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["state"], "approved");
    let actors: Vec<&str> = pause["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["ana@example.com", "bo@example.com"]);
    bot.app.drain_outbox().await;
    assert_eq!(
        bot.standin.calls_to("update").len(),
        1,
        "the card is replaced once settled"
    );
}

#[tokio::test]
async fn a_delegate_is_mentioned_on_the_card_sees_the_buttons_and_approves_for_the_away_approver() {
    let bot = Bot::start().await;
    crate::delegation::away(&bot.app, "ana@example.com", "bo@example.com", 48).await;
    let id = bot
        .posted(json!({"title": "Deploy 2.1?", "approvers": ["ana@example.com", "cy@example.com"]}))
        .await;
    let sent = bot.standin.calls_to("send");
    let card = &sent[0].2["attachments"][0]["content"];
    assert!(
        text(card).contains("Standing in: <at>bo@example.com</at> for ana@example.com"),
        "{card}"
    );
    assert_eq!(
        card["msteams"]["entities"],
        json!([{"type": "mention", "text": "<at>bo@example.com</at>",
                "mentioned": {"id": "29:bo", "name": "bo@example.com"}}]),
        "mentioned by the member id the roster gives"
    );
    assert_eq!(
        card["refresh"]["userIds"],
        json!(["29:ana", "29:bo", "29:cy"])
    );

    let data = json!({"pausegate_pause": id});
    let (_, answer) = bot.click("29:bo", "pausegate.refresh", data.clone()).await;
    assert_eq!(
        verbs(card_of(&answer)),
        ["pausegate.approve", "pausegate.reject"]
    );
    let (status, _) = bot.click("29:bo", "pausegate.approve", data).await;
    assert_eq!(status, StatusCode::OK);
    let pause = bot.app.api.pause(&id).await;
    assert_eq!(pause["decisions"][0]["actor"], "bo@example.com");
    assert_eq!(pause["decisions"][0]["on_behalf_of"], "ana@example.com");
}
