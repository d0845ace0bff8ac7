//! `POST /integrations/slack/actions`: the Approve and Reject buttons of a
//! `[slack_app]` message. Each request must carry Slack's signature over
//! its raw body, made within 5 minutes (else 401 and nothing happens); the
//! clicker is the Slack user's address, from `users.info`; a decision that
//! settles the pause replaces the message with its outcome, anything else
//! is told to the clicker alone.
//!
//! Followed: docs.slack.dev/authentication/verifying-requests-from-slack
//! (`v0:{timestamp}:{body}`, HMAC-SHA256 with the signing secret, hex,
//! `v0=`; 5 minutes), docs.slack.dev/interactivity/handling-user-interaction
//! (a form with one `payload` field of JSON; answer 200 within 3 s) and
//! docs.slack.dev/reference/interaction-payloads/block_actions-payload.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::api::SlackApi;
use super::message::{APPROVE, REJECT, decided_message};
use crate::domain::{IdentifiedBy, PauseId, PauseState, Verdict, approvals_missing};
use crate::http::{ApiError, AppState};
use crate::pauses::Decider;

/// The app, when `[slack_app]` is configured.
#[derive(Clone)]
pub(crate) struct App(pub Option<Arc<SlackApi>>);

/// `POST /integrations/slack/actions`.
pub(crate) fn router(app: App) -> Router<AppState> {
    Router::new()
        .route("/integrations/slack/actions", post(actions))
        .layer(Extension(app))
}

/// Oldest a signed request may be.
const MAX_AGE_SECONDS: i64 = 300;

/// Whether `body` carries a valid, fresh Slack signature.
pub(crate) fn signed(
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp: i64 = header("x-slack-request-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or("no X-Slack-Request-Timestamp")?;
    if (now - timestamp).abs() > MAX_AGE_SECONDS {
        return Err("the request is older than 5 minutes".to_owned());
    }
    let presented = header("x-slack-signature")
        .and_then(|s| s.strip_prefix("v0="))
        .and_then(|hex| hex::decode(hex).ok())
        .ok_or("no X-Slack-Signature")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length works");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    mac.verify_slice(&presented)
        .map_err(|_| "the signature does not verify".to_owned())
}

/// What a click asks for.
struct Click {
    verdict: Verdict,
    pause: PauseId,
    user: String,
    channel: String,
    ts: String,
    response_url: Option<String>,
}

fn read_click(body: &[u8]) -> Result<Click, ApiError> {
    let payload = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .ok_or_else(|| ApiError::invalid("payload", "no payload field"))?
        .1;
    let payload: Value = serde_json::from_str(&payload)
        .map_err(|e| ApiError::invalid("payload", format!("payload: {e}")))?;
    if payload["type"] != "block_actions" {
        let message = format!("payload.type {} is not handled", payload["type"]);
        return Err(ApiError::invalid("payload.type", message));
    }
    let action = &payload["actions"][0];
    let verdict = match action["action_id"].as_str() {
        Some(APPROVE) => Verdict::Approve,
        Some(REJECT) => Verdict::Reject,
        other => {
            let message = format!("action {other:?} is not pausegate's");
            return Err(ApiError::invalid("payload.actions[0].action_id", message));
        }
    };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    Ok(Click {
        verdict,
        pause: action["value"]
            .as_str()
            .and_then(PauseId::parse)
            .ok_or_else(|| {
                ApiError::invalid("payload.actions[0].value", "the button names no pause")
            })?,
        user: text(&payload["user"]["id"])
            .ok_or_else(|| ApiError::invalid("payload.user.id", "payload.user.id is missing"))?,
        channel: text(&payload["container"]["channel_id"]).unwrap_or_default(),
        ts: text(&payload["container"]["message_ts"]).unwrap_or_default(),
        response_url: text(&payload["response_url"]),
    })
}

/// `POST /integrations/slack/actions`.
async fn actions(
    State(state): State<AppState>,
    Extension(App(slack)): Extension<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(slack) = slack else {
        return ApiError::NotFound("no [slack_app] is configured".to_owned()).into_response();
    };
    let now = state.pauses.now().timestamp();
    if let Err(why) = signed(&headers, &body, slack.signing_secret(), now) {
        return ApiError::Unauthorized(format!("Slack signature: {why}")).into_response();
    }
    let click = match read_click(&body) {
        Ok(click) => click,
        Err(refused) => return refused.into_response(),
    };
    let client = &state.kit.client;
    let told = match decide(&state, &slack, &click).await {
        Ok(None) => Ok(()),
        Ok(Some(private)) | Err(private) => match &click.response_url {
            Some(url) => slack.reply_privately(client, url, &private).await,
            None => Ok(()),
        },
    };
    if let Err(error) = told {
        tracing::warn!(error = %error, "could not answer a Slack click");
    }
    StatusCode::OK.into_response()
}

/// Decides as the clicker; `Some(text)` to tell them alone, `Err` why not.
async fn decide(
    state: &AppState,
    slack: &SlackApi,
    click: &Click,
) -> Result<Option<String>, String> {
    let client = &state.kit.client;
    let email = slack
        .user_email(client, &click.user)
        .await
        .map_err(|e| e.to_string())?;
    let who = Decider {
        email,
        by: IdentifiedBy::Vouched(super::VOUCHER),
        groups: Vec::new(),
    };
    let pause = state
        .pauses
        .decide_as(&click.pause, click.verdict, &who, None, Map::new())
        .await
        .map_err(|e| format!("Not recorded: {e}"))?;
    if pause.state == PauseState::Pending {
        let missing = approvals_missing(&pause);
        return Ok(Some(format!(
            "Your approval is recorded; {missing} more needed."
        )));
    }
    slack
        .update(client, &click.channel, &click.ts, &decided_message(&pause))
        .await
        .map_err(|e| format!("Decided, but the message could not be updated: {e}"))?;
    Ok(None)
}
