//! `POST /integrations/teams/messages`: the bot's messaging endpoint. Only
//! a request whose Bot Connector token verifies is read (else 401, and
//! nothing is stored or called): RS256 with a key from the Bot Framework's
//! OpenID metadata (cached; the key must be endorsed for the activity's
//! `channelId`), `iss` `https://api.botframework.com`, `aud` the bot's app
//! id, `exp`/`nbf` within 30 seconds, and a `serviceurl` claim equal to the
//! activity's `serviceUrl`.
//!
//! An `adaptiveCard/action` invoke decides as the clicking member's email
//! or UPN, from the Connector's member API (never from the card), under
//! the pause's approver rules and quorum, with the card's inputs; it is
//! answered with the card that member sees next. Settling updates every
//! posted copy through the outbox (see [`super::channel`]). The bot being
//! added to a team is logged with the conversation id to configure.
//!
//! Followed: learn.microsoft.com/azure/bot-service/rest-api/
//! bot-framework-rest-connector-authentication ("Authenticate requests from
//! the Bot Connector service to your bot": the metadata at
//! `login.botframework.com/v1/.well-known/openidconfiguration`, its
//! `jwks_uri`, endorsements, issuer, audience, `serviceUrl`),
//! learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/
//! universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
//! (the invoke `name` `adaptiveCard/action`, `value.action.verb` and
//! `.data`; the response `{statusCode: 200, type:
//! "application/vnd.microsoft.card.adaptive", value}` shown to the invoking
//! user, and `application/vnd.microsoft.error` for a bad request) and
//! Teams' "conversation events" (`conversationUpdate` with `membersAdded`
//! and `channelData.team`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{Map, Value, json};

use super::card::{self, APPROVE, PAUSE_KEY, REFRESH, REJECT, View};
use super::connector::{Connector, Conversation, Http};
use crate::domain::{IdentifiedBy, Pause, PauseId, PauseState, Verdict, approvals_missing};
use crate::http::{ApiError, AppState};
use crate::identity::jwt::{Expected, IssuerKeys, TokenError};
use crate::pauses::{Decider, PauseError};

/// The issuer of the Bot Connector's tokens.
const ISSUER: &str = "https://api.botframework.com";
/// How long the Bot Framework may take to publish its keys.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The bot, when `[teams_app]` is configured.
#[derive(Clone)]
pub(crate) struct Bot(pub Option<Arc<BotParts>>);

/// What the endpoint needs: the Connector and the cache of signing keys.
pub(crate) struct BotParts {
    connector: Arc<Connector>,
    keys: IssuerKeys,
}

impl BotParts {
    pub(crate) fn new(connector: Arc<Connector>) -> Self {
        Self {
            connector,
            keys: IssuerKeys::new(FETCH_TIMEOUT),
        }
    }
}

/// `POST /integrations/teams/messages`.
pub(crate) fn router(bot: Bot) -> Router<AppState> {
    Router::new()
        .route("/integrations/teams/messages", post(messages))
        .layer(Extension(bot))
}

async fn messages(
    State(state): State<AppState>,
    Extension(Bot(bot)): Extension<Bot>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(bot) = bot else {
        return ApiError::NotFound("no [teams_app] is configured".to_owned()).into_response();
    };
    let activity = match authenticated(&bot, &headers, &body).await {
        Ok(activity) => activity,
        Err(refused) => return refused.into_response(),
    };
    match activity["type"].as_str() {
        Some("invoke") if activity["name"] == "adaptiveCard/action" => {
            Json(action(&state, &bot.connector, &activity).await).into_response()
        }
        Some("conversationUpdate") => {
            added_to_team(&bot, &activity);
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// The activity, once its token verifies.
async fn authenticated(
    bot: &BotParts,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    let unauthorized = |why: String| ApiError::Unauthorized(format!("Bot Connector token: {why}"));
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("none was sent".to_owned()))?;
    let activity: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid("body", format!("the activity is not JSON: {e}")))?;
    let app = bot.connector.app();
    let metadata = bot
        .keys
        .published(&app.openid_metadata_url)
        .await
        .map_err(unavailable)?;
    let jwks = metadata["jwks_uri"].as_str().ok_or_else(|| {
        ApiError::Unavailable("the Bot Framework's metadata names no jwks_uri".to_owned())
    })?;
    let expected = Expected {
        issuers: &[ISSUER.to_owned()],
        audiences: std::slice::from_ref(&app.app_id),
        nonce: None,
        endorsement: Some(activity["channelId"].as_str().unwrap_or_default()),
    };
    let claims = bot
        .keys
        .verify(token, jwks, &expected)
        .await
        .map_err(|e| match e {
            TokenError::Refused(why) => unauthorized(format!("the token was refused: {why}")),
            unreachable => unavailable(unreachable),
        })?;
    let same = |v: &Value| v.as_str().map(|s| s.trim_end_matches('/').to_owned());
    if same(&claims["serviceurl"]).is_none()
        || same(&claims["serviceurl"]) != same(&activity["serviceUrl"])
    {
        return Err(unauthorized(
            "its serviceurl is not the activity's serviceUrl".to_owned(),
        ));
    }
    Ok(activity)
}

fn unavailable(error: TokenError) -> ApiError {
    ApiError::Unavailable(format!("the Bot Framework's signing keys: {error}"))
}

/// Answers a click or a refresh with the card the member sees next.
async fn action(state: &AppState, connector: &Connector, activity: &Value) -> Value {
    let action = &activity["value"]["action"];
    let data = action["data"].as_object().cloned().unwrap_or_default();
    let Some(id) = data
        .get(PAUSE_KEY)
        .and_then(Value::as_str)
        .and_then(PauseId::parse)
    else {
        return bad_request("the action names no pause of pausegate's");
    };
    let verb = action["verb"].as_str().unwrap_or_default();
    if ![APPROVE, REJECT, REFRESH].contains(&verb) {
        return bad_request(&format!("the verb {verb:?} is not pausegate's"));
    }
    let pause = match state.pauses.get(&id).await {
        Ok(pause) => pause,
        Err(error) => return bad_request(&format!("pause {id}: {error}")),
    };
    let member = match clicker(state, connector, activity).await {
        Ok(address) => address,
        Err(why) => return status(state, &pause, &why, None),
    };
    let me = activity["from"]["id"].as_str().map(str::to_owned);
    if verb == REFRESH {
        return refreshed(state, &pause, &member, me);
    }
    let verdict = if verb == APPROVE {
        Verdict::Approve
    } else {
        Verdict::Reject
    };
    let inputs = inputs(&pause, &data);
    let who = Decider {
        email: member,
        by: IdentifiedBy::Vouched(super::VOUCHER),
        groups: Vec::new(),
    };
    match state
        .pauses
        .decide_as(&id, verdict, &who, None, inputs)
        .await
    {
        Ok(decided) if decided.state != PauseState::Pending => {
            card::invoke_response(card::settled(&decided))
        }
        Ok(decided) => {
            let note = format!(
                "Your approval is recorded; {} more needed.",
                approvals_missing(&decided)
            );
            status(state, &decided, &note, me)
        }
        Err(PauseError::AlreadySettled(settled)) => card::invoke_response(card::settled(&settled)),
        Err(error) => status(state, &pause, &format!("Not recorded: {error}"), me),
    }
}

/// The clicking member's address, asked of the Connector.
async fn clicker(
    state: &AppState,
    connector: &Connector,
    activity: &Value,
) -> Result<String, String> {
    let service_url = activity["serviceUrl"].as_str().and_then(|u| u.parse().ok());
    // In a team's channel the roster is the team's; elsewhere the chat's.
    let conversation = activity["channelData"]["team"]["id"]
        .as_str()
        .or_else(|| activity["conversation"]["id"].as_str());
    let from = activity["from"]["id"].as_str();
    let (Some(service_url), Some(id), Some(from)) = (service_url, conversation, from) else {
        return Err("Not recorded: the click did not say who and where you are.".to_owned());
    };
    let of = Conversation {
        service_url,
        id: id.to_owned(),
    };
    let http = Http {
        client: &state.kit.client,
        clock: state.kit.clock.as_ref(),
    };
    let member = connector.member(http, &of, from).await.map_err(|error| {
        tracing::warn!(%error, "could not look up a Teams member");
        "Not recorded: Teams could not say who you are; try again.".to_owned()
    })?;
    member
        .address
        .ok_or_else(|| "Not recorded: your Teams account has no email address.".to_owned())
}

/// The view a refresh asks for: buttons for an approver of an open pause.
fn refreshed(state: &AppState, pause: &Pause, member: &str, me: Option<String>) -> Value {
    let by = IdentifiedBy::Vouched(super::VOUCHER);
    let admitted = pause
        .rules
        .as_ref()
        .is_none_or(|r| r.admits(member, by, &[]));
    let about = state.kit.renderer.about(pause);
    let view = if admitted && pause.is_open(state.pauses.now()) {
        View::Buttons
    } else {
        View::Status(None)
    };
    let me: Vec<String> = me.into_iter().collect();
    card::invoke_response(card::card(pause, &about, state.pauses.now(), view, &me))
}

/// The status view with `note`, for the member alone.
fn status(state: &AppState, pause: &Pause, note: &str, me: Option<String>) -> Value {
    let about = state.kit.renderer.about(pause);
    let me: Vec<String> = me.into_iter().collect();
    let view = View::Status(Some(note));
    card::invoke_response(card::card(pause, &about, state.pauses.now(), view, &me))
}

/// The values of the pause's declared fields among the action's data.
fn inputs(pause: &Pause, data: &Map<String, Value>) -> Map<String, Value> {
    pause
        .input_fields
        .iter()
        .filter_map(|f| data.get(&f.name).map(|v| (f.name.clone(), v.clone())))
        .collect()
}

fn bad_request(message: &str) -> Value {
    json!({
        "statusCode": 400,
        "type": "application/vnd.microsoft.error",
        "value": {"code": "BadRequest", "message": message},
    })
}

/// Logs where the bot was added, so the operator can name the conversation.
fn added_to_team(bot: &BotParts, activity: &Value) {
    let recipient = activity["recipient"]["id"].as_str();
    let added = activity["membersAdded"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if !added.iter().any(|m| m["id"].as_str() == recipient) {
        return;
    }
    let team = &activity["channelData"]["team"];
    tracing::info!(
        team = team["name"].as_str().unwrap_or("-"),
        conversation = activity["conversation"]["id"].as_str().unwrap_or("-"),
        service_url = activity["serviceUrl"].as_str().unwrap_or("-"),
        app_id = %bot.connector.app().app_id,
        "the Teams bot was added; name this conversation in a [channels.NAME] kind = \"teams_app\""
    );
}
