//! `/inbox/away`: a signed-in person records that they are away and who
//! decides for them meanwhile (optionally only for one tag), sees the
//! delegations that hold or are to come for them and to them, and
//! withdraws their own (also one an operator recorded for them). The
//! person is always the one signed in: nobody names someone else as away
//! from here (operators use the API or the CLI). Times are read as UTC.
//! Every form carries the session's CSRF token, and a form that worked
//! answers with a redirect to the page, so reloading it sends nothing twice.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::inbox::{first, read_pairs, signed_in_or_login};
use super::review::{error_page, notice, page};
use super::sign_in::csrf_ok;
use crate::domain::{Delegation, EmailAddress};
use crate::http::AppState;
use crate::identity::session::Session;
use crate::pauses::{DelegationRequest, PauseError};

const HERE: &str = "/inbox/away";

/// `?recorded=` or `?withdrawn=`: what the form just did (a form answers
/// with a redirect here, so reloading the page sends nothing again).
#[derive(Deserialize)]
pub(crate) struct Done {
    recorded: Option<String>,
    withdrawn: Option<String>,
}

/// `GET /inbox/away`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Query(done): Query<Done>,
    request: Request,
) -> Response {
    let session = match signed_in_or_login(&state, request.headers(), HERE).await {
        Ok(session) => session,
        Err(response) => return *response,
    };
    // Said only of the signed-in person's own delegations, never echoed.
    let mine = state.pauses.delegations_involving(&session.email).await;
    let own = |id: &str| {
        (mine.iter().flatten())
            .find(|d| d.id.as_str() == id && EmailAddress::same(&d.person, &session.email))
    };
    let said = match (done.recorded.as_deref().and_then(own), done.withdrawn) {
        (Some(d), _) => Some(format!(
            "Recorded: {} decides for you {}.",
            d.delegate,
            span(d)
        )),
        (None, Some(_)) => Some("Withdrawn.".to_owned()),
        (None, None) => None,
    };
    away_page(&state, &session, StatusCode::OK, json!({"done": said})).await
}

/// Back to the page, saying what was done.
fn see_page(query: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let location = format!("{HERE}?{query}");
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// `POST /inbox/away`: records a delegation of the signed-in person.
pub(crate) async fn record(State(state): State<AppState>, request: Request) -> Response {
    let (session, pairs) = match signed_in_form(&state, request).await {
        Ok(form) => form,
        Err(response) => return *response,
    };
    let text = |key: &str| first(&pairs, key).map(str::trim).unwrap_or_default();
    let optional = |key: &str| Some(text(key)).filter(|t| !t.is_empty());
    let request = DelegationRequest {
        person: session.email.clone(),
        delegate: text("delegate").to_owned(),
        starts_at: optional("starts_at").map(as_utc),
        ends_at: as_utc(text("ends_at")),
        tag: optional("tag").map(str::to_owned),
    };
    let sent = json!({"delegate": text("delegate"), "starts_at": text("starts_at"),
                      "ends_at": text("ends_at"), "tag": text("tag")});
    let by = Some(session.email.clone());
    match state.pauses.delegate(request, by).await {
        Ok(recorded) => see_page(&format!("recorded={}", recorded.id.as_str())),
        Err(PauseError::Invalid(error)) => {
            let context = json!({"problem": error.message, "field": error.field, "sent": sent});
            away_page(&state, &session, StatusCode::BAD_REQUEST, context).await
        }
        Err(error) => error_page(&state, error, ""),
    }
}

/// `POST /inbox/away/{id}/withdraw`: withdraws one of the signed-in
/// person's own delegations.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (session, _) = match signed_in_form(&state, request).await {
        Ok(form) => form,
        Err(response) => return *response,
    };
    match state
        .pauses
        .withdraw_own_delegation(&id, &session.email)
        .await
    {
        Ok(()) => see_page("withdrawn=1"),
        Err(PauseError::NotFound) => notice(
            &state,
            StatusCode::NOT_FOUND,
            "Nothing was withdrawn",
            "You have no delegation by that id; it may have ended or been withdrawn already.",
        ),
        Err(error) => error_page(&state, error, ""),
    }
}

/// The page with the delegations for and to the signed-in person, and
/// whatever `extra` says (a problem, what was just done, what was sent).
async fn away_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    extra: Value,
) -> Response {
    let all = match state.pauses.delegations_involving(&session.email).await {
        Ok(all) => all,
        Err(error) => return error_page(state, error, ""),
    };
    let row = |d: &Delegation| {
        json!({"id": d.id, "person": d.person, "delegate": d.delegate,
                                     "span": span(d), "tag": d.tag})
    };
    let (mine, theirs): (Vec<&Delegation>, Vec<&Delegation>) = all
        .iter()
        .partition(|d| EmailAddress::same(&d.person, &session.email));
    let mut context = json!({
        "email": session.email, "csrf": session.csrf, "sent": {},
        "mine": mine.into_iter().map(row).collect::<Vec<_>>(),
        "theirs": theirs.into_iter().map(row).collect::<Vec<_>>(),
    });
    if let (Some(context), Value::Object(extra)) = (context.as_object_mut(), extra) {
        context.extend(extra);
    }
    page(state, status, "away.html", context)
}

/// "from … until …", in UTC as the form reads it.
fn span(delegation: &Delegation) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%A %-d %B %Y %H:%M UTC").to_string();
    format!(
        "from {} until {}",
        at(delegation.starts_at),
        at(delegation.ends_at)
    )
}

/// A browser's `datetime-local` value (`2026-12-07T09:00`, seconds
/// optional) as RFC 3339 in UTC; anything else is passed on as written,
/// for the delegation's own check to name the field.
fn as_utc(text: &str) -> String {
    let local = text.as_bytes().get(10) == Some(&b'T');
    match text.len() {
        16 if local => format!("{text}:00Z"),
        // With seconds, or seconds and milliseconds.
        19 | 23 if local => format!("{text}Z"),
        _ => text.to_owned(),
    }
}

/// The signed-in person and the form they sent with their session's CSRF
/// token; else where to go instead (sign in, or a stale form's notice).
async fn signed_in_form(
    state: &AppState,
    request: Request,
) -> Result<(Session, Vec<(String, String)>), Box<Response>> {
    let session = signed_in_or_login(state, &request.headers().clone(), HERE).await?;
    let pairs = read_pairs(request).await.unwrap_or_default();
    match csrf_ok(&session, first(&pairs, "csrf")) {
        true => Ok((session, pairs)),
        false => Err(Box::new(stale(state))),
    }
}

fn stale(state: &AppState) -> Response {
    notice(
        state,
        StatusCode::FORBIDDEN,
        "Nothing was changed",
        "The form is stale; open the page again.",
    )
}

#[cfg(test)]
mod tests {
    use super::as_utc;

    #[test]
    fn a_browser_local_time_is_read_as_utc_and_anything_else_is_left_for_the_check() {
        assert_eq!(as_utc("2026-12-07T09:00"), "2026-12-07T09:00:00Z");
        assert_eq!(as_utc("2026-12-07T09:00:30"), "2026-12-07T09:00:30Z");
        assert_eq!(
            as_utc("2026-12-07T09:00:30.000"),
            "2026-12-07T09:00:30.000Z"
        );
        assert_eq!(
            as_utc("2026-12-07T09:00:00+01:00"),
            "2026-12-07T09:00:00+01:00"
        );
        assert_eq!(as_utc("next week"), "next week");
        assert_eq!(as_utc(""), "");
    }
}
