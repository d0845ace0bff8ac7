//! `/inbox`: for a signed-in person, the pending pauses waiting on them,
//! soonest expiry first (`?tag=` narrows it); each opens at
//! `/inbox/{id}`, and several can be approved or rejected at once with one
//! comment, each recorded as its own decision. Every form carries the
//! session's CSRF token.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::form;
use super::review::{Problem, error_page, notice, outcome_page, review_for};
use super::sign_in::{csrf_ok, session};
use crate::domain::{IdentifiedBy, Pause, PauseId, PauseState, Verdict, approvals_missing};
use crate::http::{AppState, body};
use crate::identity::session::Session;
use crate::pauses::{Decider, PauseError};
use crate::render::relative;

/// The form fields as sent, in order (a checkbox list repeats `pause`).
pub(crate) async fn read_pairs(request: Request) -> Option<Vec<(String, String)>> {
    let bytes = body::read(request, &()).await.ok()?;
    Some(
        url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

pub(super) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Signed in, or off to sign in and back to `here`.
pub(super) async fn signed_in_or_login(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    here: &str,
) -> Result<Session, Box<Response>> {
    if state.sign_in.is_none() {
        return Err(Box::new(notice(
            state,
            StatusCode::NOT_FOUND,
            "Sign-in is not set up",
            "This server has no [sign_in] provider.",
        )));
    }
    session(state, headers).await?.ok_or_else(|| {
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        let mut response = StatusCode::SEE_OTHER.into_response();
        let location = format!("/auth/login?next={next}");
        response.headers_mut().insert(
            axum::http::header::LOCATION,
            location.parse().expect("ascii"),
        );
        Box::new(response)
    })
}

/// The signed-in person as a decider.
pub(super) fn decider(session: &Session) -> Decider {
    Decider {
        email: session.email.clone(),
        by: IdentifiedBy::SignIn,
        groups: session.groups.clone(),
    }
}

/// `?tag=` of the inbox.
#[derive(Deserialize)]
pub(crate) struct InboxParams {
    tag: Option<String>,
}

/// `GET /inbox`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<InboxParams>,
    request: Request,
) -> Response {
    let here = request
        .uri()
        .path_and_query()
        .map_or("/inbox".to_owned(), |p| p.to_string());
    let session = match signed_in_or_login(&state, request.headers(), &here).await {
        Ok(session) => session,
        Err(response) => return *response,
    };
    let tag = params
        .tag
        .filter(|t| crate::domain::Tag::parse("tag", t).is_ok());
    let pauses = match state.pauses.inbox(&decider(&session), tag.as_deref()).await {
        Ok(pauses) => pauses,
        Err(error) => return error_page(&state, error, ""),
    };
    let now = state.pauses.now();
    let items: Vec<Value> = pauses
        .iter()
        .map(|p| {
            let missing = approvals_missing(p);
            let progress = (p.rules.as_ref().is_some_and(|r| r.approvals_required > 1))
                .then(|| format!("{missing} more approval(s) needed"));
            json!({"id": p.id, "title": p.title, "expires_words": relative(p.expires_at, now),
                   "tags": p.tags, "progress": progress})
        })
        .collect();
    let context = json!({"email": session.email, "csrf": session.csrf, "items": items, "tag": tag});
    super::review::page(&state, StatusCode::OK, "inbox.html", context)
}

/// `POST /inbox`: one verdict and comment for every selected pause.
pub(crate) async fn decide_many(State(state): State<AppState>, request: Request) -> Response {
    let session = match signed_in_or_login(&state, &request.headers().clone(), "/inbox").await {
        Ok(session) => session,
        Err(response) => return *response,
    };
    let pairs = read_pairs(request).await.unwrap_or_default();
    if !csrf_ok(&session, first(&pairs, "csrf")) {
        return notice(
            &state,
            StatusCode::FORBIDDEN,
            "Nothing was decided",
            "The form is stale; open the inbox again.",
        );
    }
    let Some(verdict) = first(&pairs, "decision").and_then(Verdict::parse) else {
        return notice(
            &state,
            StatusCode::BAD_REQUEST,
            "Nothing was decided",
            "Choose Approve or Reject.",
        );
    };
    let comment = first(&pairs, "comment")
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned);
    let pauses = pairs.iter().filter(|(k, _)| k == "pause").map(|(_, id)| id);
    let (done, problems) = decide_each(&state, &session, verdict, comment, pauses).await;
    let verb = if verdict == Verdict::Approve {
        "Approved"
    } else {
        "Rejected"
    };
    let plural = if done.len() == 1 { "" } else { "s" };
    let mut message = format!(
        "{} pause{plural} as {}: {}.",
        done.len(),
        session.email,
        done.join(", ")
    );
    if !problems.is_empty() {
        message.push_str(&format!(" Not decided: {}.", problems.join("; ")));
    }
    let heading = format!("{verb} {} pause{plural}", done.len());
    notice(&state, StatusCode::OK, &heading, &message)
}

/// Decides each pause named in the form, each its own decision: the titles
/// decided, and why the others were not.
async fn decide_each(
    state: &AppState,
    session: &Session,
    verdict: Verdict,
    comment: Option<String>,
    ids: impl Iterator<Item = &String>,
) -> (Vec<String>, Vec<String>) {
    let (mut done, mut problems) = (Vec::new(), Vec::new());
    for id in ids {
        let outcome = match PauseId::parse(id) {
            Some(pause) => {
                let who = decider(session);
                let pauses = &state.pauses;
                pauses
                    .decide_as(&pause, verdict, &who, comment.clone(), Map::new())
                    .await
            }
            None => Err(PauseError::NotFound),
        };
        match outcome {
            Ok(pause) => done.push(pause.title.into_string()),
            Err(error) => problems.push(format!("{id}: {error}")),
        }
    }
    (done, problems)
}

/// `GET /inbox/{id}`: one pause, for the signed-in person.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let session = match signed_in_or_login(&state, request.headers(), &format!("/inbox/{id}")).await
    {
        Ok(session) => session,
        Err(response) => return *response,
    };
    match pause_named(&state, &id).await {
        Ok(pause) if pause.state == PauseState::Pending => {
            review_signed_in(&state, &pause, &session, None)
        }
        Ok(pause) => outcome_page(&state, &pause),
        Err(error) => error_page(&state, error, ""),
    }
}

/// The pause `id` names; not found when it is not a pause id at all.
pub(super) async fn pause_named(state: &AppState, id: &str) -> Result<Pause, PauseError> {
    let id = PauseId::parse(id).ok_or(PauseError::NotFound)?;
    state.pauses.get(&id).await
}

/// The review form of `pause` for the signed-in person, with the `problem`
/// of a form sent back.
pub(super) fn review_signed_in(
    state: &AppState,
    pause: &Pause,
    session: &Session,
    problem: Option<Problem<'_>>,
) -> Response {
    let (email, csrf) = (Some(session.email.clone()), Some(session.csrf.as_str()));
    review_for(state, pause, email, csrf, problem)
}

/// `POST /inbox/{id}`: the pause page's decision, with its inputs, through
/// the one review-form flow ([`form::answer`]).
pub(crate) async fn decide_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let here = format!("/inbox/{id}");
    let session = match signed_in_or_login(&state, request.headers(), &here).await {
        Ok(session) => session,
        Err(response) => return *response,
    };
    form::answer(&state, form::Reviewer::SignedIn(&session, &id), request).await
}
