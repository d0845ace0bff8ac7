//! The review form, read strictly. Browsers send
//! `application/x-www-form-urlencoded`; anything else, a field sent twice,
//! or text that is not UTF-8 is refused (400) naming the problem, instead of
//! being guessed at: a comment with broken bytes is not stored as `�`.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;

use super::body;
use super::error::ApiError;

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
pub type FormError = (StatusCode, String);

/// Reads the review form from `request`.
pub async fn read(request: Request) -> Result<ReviewForm, FormError> {
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
