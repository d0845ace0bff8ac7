//! An `adaptiveCard/action` invoke, once its token verified: a click on
//! Approve or Reject decides as the clicking member's email or UPN, from
//! the Connector's member API (never from the card), under the pause's
//! approver rules and quorum, with the card's inputs; a refresh shows an
//! approver the buttons and anyone else the status. Either is answered with
//! the card that member alone sees next.
//!
//! Followed: learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/
//! universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
//! (the invoke `name` `adaptiveCard/action`, `value.action.verb` and
//! `.data` with the inputs merged in; the response `{statusCode: 200, type:
//! "application/vnd.microsoft.card.adaptive", value}` shown to the invoking
//! user, and `application/vnd.microsoft.error` for a bad request) and Teams'
//! "Get single member" (`/v3/conversations/{teamId}/members/{userId}` in a
//! team).

use serde_json::{Map, Value, json};

use super::card::{self, APPROVE, PAUSE_KEY, REFRESH, REJECT, View};
use super::connector::{Connector, Conversation, Http};
use crate::domain::{IdentifiedBy, Pause, PauseId, PauseState, Verdict, approvals_missing};
use crate::http::AppState;
use crate::pauses::{Decider, PauseError};

/// Answers a click or a refresh with the card the member sees next.
pub(crate) async fn action(state: &AppState, connector: &Connector, activity: &Value) -> Value {
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
    let me = activity["from"]["id"].as_str().map(str::to_owned);
    let member = match clicker(state, connector, activity).await {
        Ok(address) => address,
        Err(why) => return status(state, &pause, &why, me),
    };
    if verb == REFRESH {
        return refreshed(state, &pause, &member, me);
    }
    let verdict = if verb == APPROVE {
        Verdict::Approve
    } else {
        Verdict::Reject
    };
    decide(state, &pause, verdict, member, &data, me).await
}

/// Decides `pause` as `member`; the card they see next.
async fn decide(
    state: &AppState,
    pause: &Pause,
    verdict: Verdict,
    member: String,
    data: &Map<String, Value>,
    me: Option<String>,
) -> Value {
    let who = Decider {
        email: member,
        by: IdentifiedBy::Vouched(super::VOUCHER),
        groups: Vec::new(),
    };
    let inputs = inputs(pause, data);
    let decided = state
        .pauses
        .decide_as(&pause.id, verdict, &who, None, inputs);
    match decided.await {
        Ok(decided) if decided.state != PauseState::Pending => {
            card::invoke_response(card::settled(&decided))
        }
        Ok(decided) => {
            let missing = approvals_missing(&decided);
            let note = format!("Your approval is recorded; {missing} more needed.");
            status(state, &decided, &note, me)
        }
        Err(PauseError::AlreadySettled(settled)) => card::invoke_response(card::settled(&settled)),
        Err(error) => status(state, pause, &format!("Not recorded: {error}"), me),
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
        .is_none_or(|r| r.admits(member, by, &[]) || r.asks_delegate(member, state.pauses.now()));
    let approved = pause.decisions.iter().any(|d| {
        d.decision == Verdict::Approve && d.actor.as_ref().is_some_and(|a| a.as_str() == member)
    });
    let about = state.kit.renderer.about(pause);
    let view = match (admitted && pause.is_open(state.pauses.now()), approved) {
        (true, false) => View::Buttons,
        (true, true) => View::Status(Some("Your approval is recorded.")),
        (false, _) => View::Status(None),
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
