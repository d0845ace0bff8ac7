//! pausegate as a Teams bot: a pause with a `teams_app` channel posts one
//! Adaptive Card with `Action.Execute` Approve and Reject through the Bot
//! Connector; a click whose token the Bot Framework's key signed (PyJWT,
//! not ours) decides as the member's address from the Connector's member
//! API and answers with the card; every posted card is replaced when the
//! pause settles, however it was decided. Tokens that do not verify get
//! 401 and nothing is stored or called.

mod clicks;
mod race;
mod standin;
mod tokens;

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
