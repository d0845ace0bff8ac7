//! A callback as a request gives it: a callback activity's `callBackUri`, or
//! `callback` of any registered kind, read by that kind; and
//! `callback_timeout`, the orchestrator's own wait.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Callback, CallbackKinds, CallbackPolicy};
use crate::domain::duration::parse_duration;
use crate::domain::object_only::object_only;
use crate::domain::validation::ValidationError;
use crate::domain::values::SecretText;

/// `callback` as sent: `{"kind": "…", "url": "…"}`, or a kind with fields
/// of its own (a task token and the account to answer through): each
/// kind's documentation says which.
// The URL and those fields carry their own authority, so `Debug` shows the
// kind and the names of the fields only.
#[derive(Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(remote = "Self")]
pub struct CallbackRequest {
    /// The kind of orchestrator waiting, as the server's integrations name
    /// them (the documentation lists them).
    pub kind: String,
    /// The URL the orchestrator handed out (`listCallbackUrl()`).
    #[serde(default)]
    pub url: Option<String>,
    /// The kind's own fields.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

object_only!(
    CallbackRequest,
    "a JSON object with kind and url (or task_token and aws)"
);

impl std::fmt::Debug for CallbackRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackRequest")
            .field("kind", &self.kind)
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .field("details", &self.details.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Reads the callback of a request: a callback activity's `callBackUri`, or
/// `callback`, each read by its kind.
pub fn parse_callback(
    call_back_uri: Option<SecretText>,
    callback: Option<CallbackRequest>,
    policy: &CallbackPolicy,
    kinds: &dyn CallbackKinds,
) -> Result<Option<Callback>, ValidationError> {
    match (call_back_uri, callback) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ValidationError::new(
            "callback",
            "give callBackUri or callback, not both",
        )),
        (Some(_), None) if kinds.uri_kind().is_empty() => Err(ValidationError::new(
            "callBackUri",
            "callBackUri: this server answers no callback activity",
        )),
        (Some(url), None) => {
            let url = policy.check("callBackUri", url.expose())?;
            Ok(Some(Callback {
                kind: kinds.uri_kind().to_owned(),
                url,
                shown: Default::default(),
                details: Map::new(),
            }))
        }
        (None, Some(request)) => kinds.parse(request, policy).map(Some),
    }
}

/// Reads `callback_timeout`: a .NET TimeSpan (`d.hh:mm:ss`, `hh:mm:ss`) or
/// a duration like `12h`.
pub fn parse_callback_timeout(text: Option<String>) -> Result<Option<Duration>, ValidationError> {
    let Some(text) = text else { return Ok(None) };
    let invalid = || {
        ValidationError::new(
            "callback_timeout",
            format!(
                "callback_timeout must be a TimeSpan like \"0.12:00:00\" or a duration like \"12h\", got {text:?}"
            ),
        )
    };
    if !text.contains(':') {
        return parse_duration(&text).map(Some).map_err(|_| invalid());
    }
    let (days, clock) = match text.split_once('.') {
        Some((days, clock)) => (days.parse::<i64>().map_err(|_| invalid())?, clock),
        None => (0, text.as_str()),
    };
    let parts: Vec<i64> = clock
        .split(':')
        .map(|part| part.parse::<i64>().map_err(|_| invalid()))
        .collect::<Result<_, _>>()?;
    let [hours, minutes, seconds] = parts[..] else {
        return Err(invalid());
    };
    if !(0..24).contains(&hours) || !(0..60).contains(&minutes) || !(0..60).contains(&seconds) {
        return Err(invalid());
    }
    let total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
    if !(1..=100 * 365 * 86_400).contains(&total) {
        return Err(invalid());
    }
    Ok(Some(Duration::seconds(total)))
}

/// A pause's expiry for an orchestrator that gives up after `timeout`: a
/// little under it, so the orchestrator hears "expired" before it stops
/// listening.
pub(crate) fn just_under(timeout: Duration) -> Duration {
    let margin = (timeout / 10).min(Duration::minutes(1));
    (timeout - margin).max(Duration::seconds(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_the_url_nor_the_kinds_own_fields() {
        let request: CallbackRequest = serde_json::from_value(serde_json::json!({
            "kind": "a_kind", "url": "https://h.example.com/cb?sig=s3cret", "task_token": "t0k3n"
        }))
        .unwrap();
        let shown = format!("{request:?}");
        assert!(
            shown.contains("a_kind") && shown.contains("task_token"),
            "{shown}"
        );
        assert!(
            !shown.contains("s3cret") && !shown.contains("t0k3n"),
            "{shown}"
        );
    }

    #[test]
    fn adf_timespans_and_durations_are_read() {
        let read = |t: &str| parse_callback_timeout(Some(t.to_owned())).map(|d| d.unwrap());
        assert_eq!(read("00:10:00").unwrap(), Duration::minutes(10));
        assert_eq!(read("1.02:00:00").unwrap(), Duration::hours(26));
        assert_eq!(read("12h").unwrap(), Duration::hours(12));
        for bad in ["1:2", "00:61:00", "x.00:10:00", "00:00:00", ""] {
            assert_eq!(read(bad).unwrap_err().field, "callback_timeout", "{bad}");
        }
        assert_eq!(just_under(Duration::minutes(10)), Duration::minutes(9));
        assert_eq!(just_under(Duration::seconds(30)), Duration::seconds(27));
    }
}
