//! The review form, read strictly and answered by one flow for both ways
//! into it: the review page a link opens (`POST /r/{token}`) and a
//! signed-in person's inbox (`POST /inbox/{id}`). Browsers send
//! `application/x-www-form-urlencoded`; anything else, a field sent twice,
//! or text that is not UTF-8 is refused (400) naming the problem, instead of
//! being guessed at: a comment with broken bytes is not stored as `�`.
//!
//! [`answer`] reads the form, checks a session's CSRF token, decides, and
//! answers with the same pages whichever way the person came: the form
//! again with what was typed when an input value is refused, "your approval
//! is recorded, N more needed" while a quorum is still short, the outcome
//! once the pause is settled, or the page of the error.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;

use super::AppState;
use super::inbox::{decider, pause_named, review_signed_in};
use super::review::{Problem, error_page, notice, outcome, review_page};
use super::sign_in::csrf_ok;
use crate::domain::{Pause, PauseId, PauseState, Verdict, approvals_missing};
use crate::http::body;
use crate::http::error::ApiError;
use crate::identity::session::Session;
use crate::pauses::{PauseError, TokenDecision};

/// The fields the review page posts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReviewForm {
    /// `approve` or `reject`.
    pub decision: Option<String>,
    /// Why.
    pub comment: Option<String>,
    /// Who is deciding, on a shared link.
    pub name: Option<String>,
    /// `input.NAME` fields: values for the pause's input fields, as text.
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// A signed-in session's token against cross-site forms.
    pub csrf: Option<String>,
}

/// Why a form could not be read: the status to answer and a sentence.
pub(crate) type FormError = (StatusCode, String);

/// Reads the review form from `request`.
pub(crate) async fn read(request: Request) -> Result<ReviewForm, FormError> {
    let form_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err((
            StatusCode::BAD_REQUEST,
            "The form must be sent as application/x-www-form-urlencoded.".to_owned(),
        ));
    }
    let bytes = body::read(request, &())
        .await
        .map_err(|error| match error {
            ApiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, m),
            ApiError::Invalid { message, .. } => (StatusCode::BAD_REQUEST, message),
            _ => (
                StatusCode::BAD_REQUEST,
                "The form could not be read.".to_owned(),
            ),
        })?;
    parse(&bytes).map_err(|message| (StatusCode::BAD_REQUEST, message))
}

/// Parses `decision=…&comment=…&name=…&input.NAME=…`; other fields are
/// ignored.
pub fn parse(bytes: &[u8]) -> Result<ReviewForm, String> {
    let mut form = ReviewForm::default();
    for pair in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let key = decode(halves.next().unwrap_or_default())
            .ok_or("A field name in the form is not valid UTF-8.")?;
        let mut value = || {
            decode(halves.next().unwrap_or_default())
                .ok_or_else(|| format!("The {key} field is not valid UTF-8."))
        };
        if let Some(name) = key.strip_prefix("input.") {
            let given = serde_json::Value::String(value()?);
            if form.inputs.insert(name.to_owned(), given).is_some() {
                return Err(format!("The {key} field was sent more than once."));
            }
            continue;
        }
        let slot = match key.as_str() {
            "decision" => &mut form.decision,
            "comment" => &mut form.comment,
            "name" => &mut form.name,
            "csrf" => &mut form.csrf,
            _ => continue,
        };
        let value = value()?;
        if slot.replace(value).is_some() {
            return Err(format!("The {key} field was sent more than once."));
        }
    }
    Ok(form)
}

/// Who answers a review form.
#[derive(Clone, Copy)]
pub(super) enum Reviewer<'a> {
    /// Whoever holds the review link `token`.
    Link(&'a str),
    /// A signed-in person, deciding the pause `id` names.
    SignedIn(&'a Session, &'a str),
}

impl Reviewer<'_> {
    /// Where the outcome page refreshes, relative to the page posted to:
    /// the link's own page, or the inbox's page of the pause.
    fn back(&self) -> &str {
        match self {
            Reviewer::Link(token) => token,
            Reviewer::SignedIn(..) => "",
        }
    }

    /// Records the form's decision as this reviewer.
    async fn decide(
        &self,
        state: &AppState,
        form: ReviewForm,
        verdict: Verdict,
    ) -> Result<Pause, PauseError> {
        match self {
            Reviewer::Link(token) => {
                let decision = TokenDecision {
                    verdict,
                    name: form.name,
                    name_field: "name",
                    comment: form.comment,
                    inputs: form.inputs,
                };
                state.pauses.decide_by_token(token, decision).await
            }
            Reviewer::SignedIn(session, id) => {
                let id = PauseId::parse(id).ok_or(PauseError::NotFound)?;
                let (comment, inputs) = (form.comment, form.inputs);
                let decider = decider(session);
                let decided = state
                    .pauses
                    .decide_as(&id, verdict, &decider, comment, inputs);
                decided.await
            }
        }
    }

    /// The review form again with `problem`, while the pause is pending;
    /// once it is not, the page of `refused`.
    async fn form_again(
        &self,
        state: &AppState,
        problem: Problem<'_>,
        refused: PauseError,
    ) -> Response {
        let back = self.back();
        match self {
            Reviewer::Link(token) => match state.pauses.review(token).await {
                Ok(review) if review.pause.state == PauseState::Pending => {
                    review_page(state, &review, Some(problem))
                }
                Ok(_) => error_page(state, refused, back),
                Err(error) => error_page(state, error, back),
            },
            Reviewer::SignedIn(session, id) => match pause_named(state, id).await {
                Ok(pause) if pause.state == PauseState::Pending => {
                    review_signed_in(state, &pause, session, Some(problem))
                }
                Ok(_) => error_page(state, refused, back),
                Err(error) => error_page(state, error, back),
            },
        }
    }
}

/// The one flow of a review form: read, check, decide, answer.
pub(super) async fn answer(state: &AppState, reviewer: Reviewer<'_>, request: Request) -> Response {
    let form = match read(request).await {
        Ok(form) => form,
        Err((status, message)) => {
            return notice(state, status, "The form could not be read", &message);
        }
    };
    if let Reviewer::SignedIn(session, _) = reviewer
        && !csrf_ok(session, form.csrf.as_deref())
    {
        let message = "The form is stale; open the page again.";
        return notice(state, StatusCode::FORBIDDEN, "Nothing was decided", message);
    }
    let Some(verdict) = form.decision.as_deref().and_then(Verdict::parse) else {
        let message = "Choose Approve or Reject.";
        return notice(
            state,
            StatusCode::BAD_REQUEST,
            "No decision was made",
            message,
        );
    };
    let (typed, comment) = (form.inputs.clone(), form.comment.clone());
    match reviewer.decide(state, form, verdict).await {
        // A bad value: the page again, with the message and what was typed.
        Err(PauseError::Invalid(e)) if e.field.starts_with("inputs") => {
            let problem = Problem {
                message: &e.message,
                inputs: &typed,
                comment: comment.as_deref(),
            };
            let refused = PauseError::Invalid(e.clone());
            reviewer.form_again(state, problem, refused).await
        }
        Ok(pause) if pause.state == PauseState::Pending => recorded(state, &pause),
        Ok(pause) => outcome(state, StatusCode::OK, &pause, None, reviewer.back()),
        Err(error) => error_page(state, error, reviewer.back()),
    }
}

/// An approval counted toward a quorum that is still short: say so, not
/// "decided".
fn recorded(state: &AppState, pause: &Pause) -> Response {
    let missing = approvals_missing(pause);
    let message = format!(
        "\u{201c}{}\u{201d} needs {missing} more approval{} before it goes ahead.",
        pause.title,
        if missing == 1 { "" } else { "s" }
    );
    notice(state, StatusCode::OK, "Your approval is recorded", &message)
}

/// `+` as space, then percent-decoding; `None` if the result is not UTF-8.
fn decode(raw: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_form_reads_back_with_spaces_and_accents() {
        let form = parse(b"decision=approve&comment=ok+for+M%C3%BCller&name=Ana&x=1").unwrap();
        assert_eq!(form.decision.as_deref(), Some("approve"));
        assert_eq!(form.comment.as_deref(), Some("ok for Müller"));
        assert_eq!(form.name.as_deref(), Some("Ana"));
    }

    #[test]
    fn broken_utf8_and_repeated_fields_are_refused_by_name() {
        assert!(
            parse(b"decision=approve&comment=%FF")
                .unwrap_err()
                .contains("comment")
        );
        assert!(
            parse(b"decision=approve&decision=reject")
                .unwrap_err()
                .contains("decision")
        );
    }
}
