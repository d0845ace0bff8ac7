//! `POST /integrations/teams/messages`: the bot's messaging endpoint. Only
//! a request whose Bot Connector token verifies is read (else 401, and
//! nothing is stored or called): RS256 with a key from the Bot Framework's
//! OpenID metadata (cached; the key must be endorsed for the activity's
//! `channelId`), `iss` `https://api.botframework.com`, `aud` the bot's app
//! id, `exp`/`nbf` within 30 seconds, and a `serviceurl` claim equal to the
//! activity's `serviceUrl`.
//!
//! An `adaptiveCard/action` invoke goes to [`super::click`]; settling
//! updates every posted copy through the outbox (see [`super::channel`]).
//! The bot being added to a team is logged with the conversation id to
//! configure.
//!
//! Followed: learn.microsoft.com/azure/bot-service/rest-api/
//! bot-framework-rest-connector-authentication ("Authenticate requests from
//! the Bot Connector service to your bot": the metadata at
//! `login.botframework.com/v1/.well-known/openidconfiguration`, its
//! `jwks_uri`, endorsements, issuer, audience, `serviceUrl`) and Teams'
//! "conversation events" (`conversationUpdate` with `membersAdded`
//! and `channelData.team`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::Value;

use super::click;
use super::connector::Connector;
use crate::http::{ApiError, AppState};
use crate::identity::jwt::{Expected, IssuerKeys, TokenError};

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
    if let Err(refused) = ours(&bot, &activity) {
        return refused.into_response();
    }
    match activity["type"].as_str() {
        Some("invoke") if activity["name"] == "adaptiveCard/action" => {
            Json(click::action(&state, &bot.connector, &activity).await).into_response()
        }
        Some("conversationUpdate") => {
            added_to_team(&bot, &activity);
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// Refuses an activity from another channel than Teams, or from a tenant
/// other than the bot's own or none (when the tenant is configured by its
/// GUID):
/// a member of someone else's directory is not one of ours, whatever
/// address it shows.
fn ours(bot: &BotParts, activity: &Value) -> Result<(), ApiError> {
    if activity["channelId"] != "msteams" {
        return Err(ApiError::Forbidden(
            "only Microsoft Teams activities are taken".to_owned(),
        ));
    }
    let ours = &bot.connector.app().tenant_id;
    let theirs = activity["channelData"]["tenant"]["id"].as_str();
    let by_guid = ours.len() == 36 && ours.matches('-').count() == 4;
    if by_guid && theirs.is_none_or(|t| !t.eq_ignore_ascii_case(ours)) {
        return Err(ApiError::Forbidden(
            "the activity comes from another tenant".to_owned(),
        ));
    }
    Ok(())
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
