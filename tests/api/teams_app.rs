//! pausegate as a Teams bot: a pause with a `teams_app` channel posts one
//! Adaptive Card with `Action.Execute` Approve and Reject through the Bot
//! Connector; a click whose token the Bot Framework's key signed (PyJWT,
//! not ours) decides as the member's address from the Connector's member
//! API and answers with the card; every posted card is replaced when the
//! pause settles, however it was decided. Tokens that do not verify get
//! 401 and nothing is stored or called.

mod race;
mod standin;

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use standin::{APP_ID, SECRET, Standin, TENANT};

const CHANNEL: &str = "19:ops@thread.tacv2";
const TEAM: &str = "19:team@thread.tacv2";

/// A server with a Teams bot, the stand-in it talks to and the tokens the
/// Bot Connector would send it.
struct Bot {
    app: TestApp,
    standin: Standin,
    tokens: Value,
}

impl Bot {
    async fn start() -> Self {
        Self::on(None).await
    }

    /// The same, on the PostgreSQL database at `database` when given.
    async fn on(database: Option<&str>) -> Self {
        let standin = standin::start().await;
        let base = &standin.base;
        let python = crate::python::with(&[("jwt", "pyjwt"), ("cryptography", "cryptography")]);
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/standins/teams_tokens.py"
        );
        let output = std::process::Command::new(python)
            .args([script, APP_ID, &format!("{base}/")])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let made: Value = serde_json::from_slice(&output.stdout).unwrap();
        standin.publish(made["jwks"].clone());
        let config = format!(
            "[teams_app]\ntenant_id = \"{TENANT}\"\napp_id = \"{APP_ID}\"\n\
             client_secret_env = \"TEAMS_SECRET\"\nservice_url = \"{base}/\"\n\
             login_url = \"{base}/login\"\n\
             openid_metadata_url = \"{base}/botframework/openidconfiguration\"\n\n\
             [channels.ops]\nkind = \"teams_app\"\nconversation = \"{CHANNEL}\"\n"
        );
        let mut builder = TestApp::builder();
        if let Some(url) = database {
            builder = builder.database(url);
        }
        let app = builder
            .config(&config)
            .env(&[("TEAMS_SECRET", SECRET)])
            .manual()
            .start()
            .await;
        Self {
            app,
            standin,
            tokens: made["tokens"].clone(),
        }
    }

    fn token(&self, name: &str) -> String {
        self.tokens[name].as_str().unwrap().to_owned()
    }

    /// A pause posted to the channel; its id.
    async fn posted(&self, body: Value) -> String {
        let mut body = body;
        body["notify"] = json!({"channels": ["ops"]});
        let id = self.app.api.create_id(body).await;
        self.app.drain_outbox().await;
        id
    }

    /// An `adaptiveCard/action` invoke from `member`, sent with the good token.
    async fn click(&self, member: &str, verb: &str, data: Value) -> (StatusCode, Value) {
        self.send(
            Some(&self.token("good")),
            &invoke(&self.standin.base, member, verb, data),
        )
        .await
    }

    async fn send(&self, token: Option<&str>, activity: &Value) -> (StatusCode, Value) {
        let mut request = self
            .app
            .api
            .anonymous()
            .request(Method::POST, "/integrations/teams/messages")
            .json(activity);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The activity Teams sends when `member` uses the card's action `verb`.
fn invoke(base: &str, member: &str, verb: &str, data: Value) -> Value {
    json!({
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": "f:1",
        "channelId": "msteams",
        "serviceUrl": format!("{base}/"),
        "from": {"id": member, "name": "someone", "aadObjectId": "aad"},
        "conversation": {"id": format!("{CHANNEL};messageid=1"), "conversationType": "channel", "tenantId": TENANT},
        "recipient": {"id": format!("28:{APP_ID}"), "name": "pausegate"},
        "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": CHANNEL}},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    })
}

/// The card an invoke answer carries.
fn card_of(answer: &Value) -> &Value {
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["type"], "application/vnd.microsoft.card.adaptive");
    &answer["value"]
}

/// The verbs of a card's actions.
fn verbs(card: &Value) -> Vec<String> {
    let actions = card["actions"].as_array().cloned().unwrap_or_default();
    actions
        .iter()
        .map(|a| a["verb"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn text(card: &Value) -> String {
    card["body"].to_string()
}

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
