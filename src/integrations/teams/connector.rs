//! The Bot Connector, as the Teams bot uses it: sending a card to a
//! conversation, replacing it, and asking who a member is. Every call
//! carries `Authorization: Bearer` with a token for the scope
//! `https://api.botframework.com/.default` from the tenant's Entra token
//! endpoint, cached until shortly before it expires and fetched again once
//! when the Connector answers 401.
//!
//! Followed: learn.microsoft.com/azure/bot-service/rest-api/
//! bot-framework-rest-connector-api-reference (the activity's `serviceUrl`
//! is the base; `https://smba.trafficmanager.net/teams/` when none is
//! known yet; Send to Conversation `POST /v3/conversations/{conversationId}/activities`
//! answering a ResourceResponse `{id}`, Update Activity `PUT
//! /v3/conversations/{conversationId}/activities/{activityId}`, Get
//! Conversation Member `GET /v3/conversations/{conversationId}/members/{memberId}`
//! and Get Conversation Members `GET /v3/conversations/{conversationId}/members`),
//! bot-framework-rest-connector-authentication ("Authenticate requests from
//! your bot": client credentials at
//! `login.microsoftonline.com/{tenant}/oauth2/v2.0/token` for single-tenant
//! bots, scope `https://api.botframework.com/.default`) and Teams' "Get
//! roster" (a member carries `email`, `userPrincipalName` and
//! `aadObjectId`).

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::app::TeamsApp;
use crate::clock::Clock;
use crate::integrations::entra::{Principal, TokenCache, token};
use crate::integrations::kit::join_path;
use crate::outbox::{SendError, check, transport};

/// The resource the Bot Connector's tokens are for.
const BOT_FRAMEWORK: &str = "https://api.botframework.com";

/// One conversation the bot posts in: a channel, a group chat or a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conversation {
    /// The Bot Connector serving it.
    pub service_url: Url,
    /// Its id (`19:…@thread.tacv2` for a channel).
    pub id: String,
}

/// A member of a conversation, as the Connector describes them.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Their id in the conversation (`29:…`), what `refresh.userIds` takes.
    pub id: String,
    /// Their address: `userPrincipalName`, else `email` (the UPN is the
    /// tenant's own name for them; `email` is an attribute anyone's
    /// directory may set).
    pub address: Option<String>,
}

impl Member {
    fn read(value: &Value) -> Option<Self> {
        let text = |key: &str| {
            value[key]
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Some(Self {
            id: text("id")?,
            address: text("userPrincipalName").or_else(|| text("email")),
        })
    }
}

/// The Connector, called as the bot.
pub(crate) struct Connector {
    app: TeamsApp,
    tokens: TokenCache,
}

impl Connector {
    /// Calls the Connector as `app`.
    pub(crate) fn new(app: TeamsApp) -> Self {
        Self {
            app,
            tokens: TokenCache::default(),
        }
    }

    /// The bot's settings.
    pub(crate) fn app(&self) -> &TeamsApp {
        &self.app
    }

    /// Sends `activity` to `to`; the new activity's id.
    pub(crate) async fn send(
        &self,
        http: Http<'_>,
        to: &Conversation,
        activity: &Value,
    ) -> Result<String, SendError> {
        let url = join_path(
            &to.service_url,
            &["v3", "conversations", &to.id, "activities"],
        );
        let answer = self.call(http, Method::POST, url, Some(activity)).await?;
        answer["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SendError::Fatal {
                message: "the Bot Connector answered no activity id".to_owned(),
            })
    }

    /// Replaces the activity `activity_id` in `to` with `activity`.
    pub(crate) async fn update(
        &self,
        http: Http<'_>,
        to: &Conversation,
        activity_id: &str,
        activity: &Value,
    ) -> Result<(), SendError> {
        let path = ["v3", "conversations", &to.id, "activities", activity_id];
        let mut activity = activity.clone();
        activity["id"] = Value::String(activity_id.to_owned());
        let url = join_path(&to.service_url, &path);
        self.call(http, Method::PUT, url, Some(&activity))
            .await
            .map(|_| ())
    }

    /// The member `member_id` of `of`.
    pub(crate) async fn member(
        &self,
        http: Http<'_>,
        of: &Conversation,
        member_id: &str,
    ) -> Result<Member, SendError> {
        let path = ["v3", "conversations", &of.id, "members", member_id];
        let url = join_path(&of.service_url, &path);
        let answer = self.call(http, Method::GET, url, None).await?;
        Member::read(&answer).ok_or_else(|| SendError::Fatal {
            message: "the Bot Connector described the member without an id".to_owned(),
        })
    }

    /// Everyone in `of`.
    pub(crate) async fn members(
        &self,
        http: Http<'_>,
        of: &Conversation,
    ) -> Result<Vec<Member>, SendError> {
        let url = join_path(&of.service_url, &["v3", "conversations", &of.id, "members"]);
        let answer = self.call(http, Method::GET, url, None).await?;
        let members = answer.as_array().map(Vec::as_slice).unwrap_or_default();
        Ok(members.iter().filter_map(Member::read).collect())
    }

    /// One call with a token, and once more with a fresh one on 401.
    async fn call(
        &self,
        http: Http<'_>,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, SendError> {
        let app = &self.app;
        let principal = Principal::new(
            &app.login_url,
            &app.tenant_id,
            &app.app_id,
            &app.client_secret,
            BOT_FRAMEWORK,
        );
        let mut response = None;
        for _ in 0..2 {
            let bearer = token(http.client, http.clock, &self.tokens, &principal).await?;
            let mut request = http
                .client
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, format!("Bearer {bearer}"))
                .header(ACCEPT, "application/json");
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, "application/json; charset=utf-8")
                    .body(body.to_string());
            }
            let answer = request
                .send()
                .await
                .map_err(|e| transport("the Bot Connector", e))?;
            if answer.status() != StatusCode::UNAUTHORIZED {
                response = Some(answer);
                break;
            }
            // Revoked or rotated early: one fresh token, then give up.
            self.tokens.forget(&principal.cache_key);
            response = Some(answer);
        }
        let response = check("the Bot Connector", response.expect("tried at least once")).await?;
        let text = response.text().await.unwrap_or_default();
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// What a call goes through: the shared client and the clock tokens are
/// timed by.
#[derive(Clone, Copy)]
pub(crate) struct Http<'a> {
    /// The HTTP client.
    pub client: &'a reqwest::Client,
    /// The one source of "now".
    pub clock: &'a dyn Clock,
}
