//! The pages a review link opens. `GET` only reads (mail scanners open
//! links before people do); `POST` decides and answers with the outcome.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::{AppState, form};
use crate::domain::{
    Delivery, DeliveryKind, DeliveryState, HeldStart, Pause, PauseState, Verdict, Via,
    escape_hidden,
};
use crate::http::error::InternalCause;
use crate::pauses::{PauseError, Review};
use crate::render::{STYLESHEET, readable, relative};
use crate::store::TokenKind;

/// `GET /r/{token}`: the review page, or the outcome once decided.
pub(crate) async fn review(
    State(state): State<AppState>,
    token: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(token)) = token else {
        return unknown_link(&state);
    };
    review_token(&state, &token).await
}

/// The review page `token` opens, or the outcome once decided.
pub(crate) async fn review_token(state: &AppState, token: &str) -> Response {
    match state.pauses.review(token).await {
        Ok(Review { pause, .. }) if pause.state != PauseState::Pending => {
            outcome(state, StatusCode::OK, &pause, None, token)
        }
        Ok(review) => review_page(state, &review, None),
        Err(error) => error_page(state, error, token),
    }
}

/// `POST /r/{token}`: records the decision and shows the outcome.
pub(crate) async fn decide(
    State(state): State<AppState>,
    token: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let Ok(Path(token)) = token else {
        return unknown_link(&state);
    };
    decide_token(&state, &token, request).await
}

/// Records the decision the review form (`request`) makes with `token`,
/// through the one review-form flow ([`form::answer`]).
pub(crate) async fn decide_token(state: &AppState, token: &str, request: Request) -> Response {
    form::answer(state, form::Reviewer::Link(token), request).await
}

/// `GET /assets/style.css`.
pub(crate) async fn stylesheet() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

/// What was typed into a form the server sent back, and why.
pub(super) struct Problem<'a> {
    pub(super) message: &'a str,
    pub(super) inputs: &'a serde_json::Map<String, serde_json::Value>,
    pub(super) comment: Option<&'a str>,
}

/// The review page `review`'s token opens, with the `problem` of a form
/// sent back.
pub(super) fn review_page(
    state: &AppState,
    review: &Review,
    problem: Option<Problem<'_>>,
) -> Response {
    let recipient = match review.token.kind {
        TokenKind::Recipient => review.token.actor.clone(),
        TokenKind::Creator | TokenKind::Channel => None,
    };
    review_for(state, &review.pause, recipient, None, problem)
}

/// The review page of `pause` for `recipient` (a signed-in person when
/// `csrf` is given), with the `problem` of a form sent back.
pub(super) fn review_for(
    state: &AppState,
    pause: &Pause,
    recipient: Option<String>,
    csrf: Option<&str>,
    problem: Option<Problem<'_>>,
) -> Response {
    let now = state.pauses.now();
    let empty = serde_json::Map::new();
    let typed = problem.as_ref().map_or(&empty, |p| p.inputs);
    let context = json!({
        "pause": pause,
        "data": pretty(pause),
        "expires_words": relative(pause.expires_at, now),
        "expires_at": readable(pause.expires_at),
        "created_words": relative(pause.created_at, now),
        "recipient": recipient,
        "signed_in": csrf.is_some(),
        "csrf": csrf,
        "fields": super::fields_view::field_views(&pause.input_fields, typed),
        "problem": problem.as_ref().map(|p| p.message),
        "comment": problem.as_ref().and_then(|p| p.comment),
        "about": state.renderer.about(pause),
    });
    let status = match problem {
        Some(_) => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    };
    page(state, status, "review.html", context)
}

/// The outcome of a settled pause; with `heading` for the 409 page. While a
/// trigger is still pending the page refreshes itself (no script needed),
/// at `back`, relative to the page's own address.
pub(super) fn outcome(
    state: &AppState,
    status: StatusCode,
    pause: &Pause,
    heading: Option<&str>,
    back: &str,
) -> Response {
    let heading = heading.unwrap_or(match pause.state {
        PauseState::Approved => "Approved",
        PauseState::Rejected => "Rejected",
        PauseState::Cancelled => "Cancelled",
        PauseState::Expired => "Expired",
        PauseState::Pending => "Waiting",
    });
    let triggers: Vec<_> = pause
        .deliveries
        .iter()
        .filter(|d| d.kind == DeliveryKind::Trigger)
        .map(|d| json!({"state": d.state, "text": trigger_line(d, pause.held.as_ref())}))
        .collect();
    let waiting = pause
        .deliveries
        .iter()
        .any(|d| d.kind == DeliveryKind::Trigger && d.state == DeliveryState::Pending);
    // Relative, so it works behind any path prefix. A start a change
    // window holds is not worth refreshing for.
    let refresh_url = (waiting && pause.held.is_none()).then_some(back);
    let mut summary = summary(pause, state.pauses.now());
    if let Some(held) = &pause.held {
        summary = format!(
            "{} It starts {} (change window {}).",
            summary, held.starts, held.window
        );
    }
    if let Some(run) = pause.deliveries.iter().find_map(|d| match d.state {
        DeliveryState::Delivered if d.kind == DeliveryKind::Trigger => d.external_id.as_ref(),
        _ => None,
    }) {
        summary = format!(
            "{}; pipeline run {run} started.",
            summary.trim_end_matches('.')
        );
    }
    let context = json!({
        "heading": heading,
        "summary": summary,
        "triggers": triggers,
        "refresh_url": refresh_url,
        "decision": pause.decision(),
        "pause": pause,
        "data": pretty(pause),
    });
    page(state, status, "outcome.html", context)
}

/// Says who settled the pause and when, in a sentence.
fn summary(pause: &Pause, now: chrono::DateTime<chrono::Utc>) -> String {
    // An expired pause is settled when it is noticed; say when it expired.
    let at = match pause.state {
        PauseState::Expired => pause.expires_at,
        _ => pause.decided_at.unwrap_or(pause.expires_at),
    };
    let when = format!("{} ({})", relative(at, now), readable(at));
    match (pause.state, pause.decision()) {
        (PauseState::Cancelled, _) => format!("Cancelled through the API {when}."),
        (PauseState::Expired, _) => format!("Nobody decided before it expired {when}."),
        (_, Some(decision)) => {
            let verb = match decision.decision {
                Verdict::Approve => "Approved",
                Verdict::Reject => "Rejected",
            };
            let who = match (&decision.actor, decision.via) {
                (Some(actor), _) => actor.to_string(),
                (None, Via::Link) => "someone with the review link".to_owned(),
                (None, Via::Api) => "an API call".to_owned(),
                (None, Via::Timeout) => "timeout, as the request asked".to_owned(),
                (None, Via::Policy) => "a policy".to_owned(),
            };
            format!("{verb} by {who} {when}.")
        }
        (_, None) => format!("Still waiting; it expires {when}."),
    }
}

/// One sentence on a trigger: started (with the run id), on its way, or failed.
fn trigger_line(delivery: &Delivery, held: Option<&HeldStart>) -> String {
    let target = &delivery.destination;
    match (delivery.state, &delivery.external_id) {
        (DeliveryState::Pending, _) if delivery.attempts == 0 && held.is_some() => {
            format!("{target} waits for its change window.")
        }
        (DeliveryState::Delivered, Some(run)) => format!("Pipeline run {run} started on {target}."),
        (DeliveryState::Delivered, None) => format!("{target} was started."),
        (DeliveryState::Pending, _) if delivery.attempts == 0 => format!("Starting {target}…"),
        (DeliveryState::Pending, _) => format!(
            "Starting {target}: attempt {} did not go through ({}); trying again.",
            delivery.attempts,
            delivery.last_error.as_deref().unwrap_or("no answer")
        ),
        (DeliveryState::Failed, _) => format!(
            "Starting {target} failed: {}",
            delivery.last_error.as_deref().unwrap_or("unknown error")
        ),
    }
}

/// The page for a link that opens nothing (404).
fn unknown_link(state: &AppState) -> Response {
    notice(
        state,
        StatusCode::NOT_FOUND,
        "This link is not valid",
        "It may be incomplete or mistyped. Open the link from the message you received.",
    )
}

/// The page for a decision or review that failed, saying why.
pub(super) fn error_page(state: &AppState, error: PauseError, token: &str) -> Response {
    match error {
        PauseError::NotFound => unknown_link(state),
        PauseError::Expired(pause) => {
            // Say what expired: the link alone does not tell the reader.
            let message = format!(
                "\u{201c}{}\u{201d}: {} Nothing can be decided any more.",
                pause.title,
                summary(&pause, state.pauses.now())
            );
            notice(
                state,
                StatusCode::GONE,
                "This request has expired",
                &message,
            )
        }
        PauseError::AlreadySettled(pause) => outcome(
            state,
            StatusCode::CONFLICT,
            &pause,
            Some("Already decided"),
            token,
        ),
        PauseError::Invalid(e) => notice(
            state,
            StatusCode::BAD_REQUEST,
            "That did not work",
            &e.message,
        ),
        PauseError::Conflict(why) | PauseError::KeyReused(why) => {
            notice(state, StatusCode::CONFLICT, "That did not work", &why)
        }
        PauseError::Forbidden(why) => {
            notice(state, StatusCode::FORBIDDEN, "You cannot decide this", &why)
        }
        PauseError::Unavailable(why) | PauseError::OutcomeUnknown(why) => with_cause(
            notice(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again in a moment",
                "The service cannot reach its database right now. Open the link again \
                 shortly to see whether your decision was recorded.",
            ),
            why,
        ),
        PauseError::Internal(e) => with_cause(
            notice(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Your decision may not have been recorded. Please try again in a moment.",
            ),
            format!("{e:#}"),
        ),
    }
}

/// `response`, carrying `why` for the request log (never for the reader).
fn with_cause(mut response: Response, why: String) -> Response {
    response.extensions_mut().insert(InternalCause(why));
    response
}

/// A page with a heading and a sentence.
pub(super) fn outcome_page(state: &AppState, pause: &Pause) -> Response {
    outcome(state, StatusCode::OK, pause, None, "")
}

pub(crate) fn notice(
    state: &AppState,
    status: StatusCode,
    heading: &str,
    message: &str,
) -> Response {
    let context = json!({"heading": heading, "message": message});
    page(state, status, "notice.html", context)
}

pub(super) fn page(
    state: &AppState,
    status: StatusCode,
    template: &str,
    context: serde_json::Value,
) -> Response {
    match state.renderer.render(template, context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            let mut response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("Something went wrong."),
            )
                .into_response();
            response
                .extensions_mut()
                .insert(InternalCause(format!("template {template}: {e:#}")));
            response
        }
    }
}

/// The data as indented JSON. `data` is the pipeline's and is not checked
/// like text, so what could hide or reorder it is shown as an escape.
fn pretty(pause: &Pause) -> String {
    escape_hidden(&serde_json::to_string_pretty(&pause.data).unwrap_or_default())
}
