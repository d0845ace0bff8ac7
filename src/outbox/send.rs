//! The outbox's vocabulary for every send (targets, posts, mail, callback
//! answers), below all of them: [`Sent`], [`SendError`] (`Retryable` or
//! `Fatal`), and how a receiver's answer becomes an outcome: 2xx is sent; 429, 5xx,
//! timeouts and connection errors are worth retrying (with `Retry-After`
//! when given); any other answer fails the delivery with what the receiver
//! said.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};

use crate::render::shorten;

/// Longest part of a receiver's answer kept in `last_error`.
const MAX_ANSWER_CHARS: usize = 500;

/// A delivery the receiver accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// The id the receiver gave what it started (a pipeline's run id).
    pub external_id: Option<String>,
}

/// Why a send did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt later.
    #[error("{message}")]
    Retryable {
        /// What went wrong.
        message: String,
        /// How long the receiver asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    #[error("{message}")]
    Fatal {
        /// What went wrong, with the receiver's answer.
        message: String,
    },
}

impl SendError {
    /// A retryable error with no requested wait.
    pub fn retry(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// Passes a 2xx response through; turns anything else into a `SendError`.
pub async fn check(what: &str, response: Response) -> Result<Response, SendError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = retry_after(response.headers(), Utc::now());
    let answer = trimmed(&response.text().await.unwrap_or_default());
    let message = format!("{what} answered {status}: {answer}");
    if retryable(status) {
        Err(SendError::Retryable {
            message,
            retry_after,
        })
    } else {
        Err(SendError::Fatal { message })
    }
}

/// 408, 429 and 5xx may succeed later; other statuses will not.
pub(crate) fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// Turns a transport failure into a `SendError`: timeouts and connection
/// failures are retryable, a request that could not even be built is not.
pub fn transport(what: &str, error: reqwest::Error) -> SendError {
    if error.is_builder() {
        return SendError::Fatal {
            message: format!("cannot build the request to {what}: {error}"),
        };
    }
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    // Without the URL: it may carry a secret (an incoming-message path).
    SendError::retry(format!("request to {what} {kind}: {}", error.without_url()))
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok()
}

/// The answer on one line, cut to a readable length.
pub(crate) fn trimmed(answer: &str) -> String {
    let line = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&line, MAX_ANSWER_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Utc::now();
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(5)));
        let later = (now + chrono::Duration::seconds(120)).to_rfc2822();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&headers, now).unwrap();
        assert!(wait > Duration::from_secs(118) && wait <= Duration::from_secs(120));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn only_throttling_and_server_errors_are_retried() {
        assert!(retryable(StatusCode::TOO_MANY_REQUESTS));
        assert!(retryable(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!retryable(StatusCode::BAD_REQUEST));
        assert!(!retryable(StatusCode::NOT_FOUND));
    }

    #[test]
    fn long_answers_are_cut_to_one_line() {
        assert_eq!(trimmed("a\n  b\tc"), "a b c");
        assert_eq!(trimmed(&"x".repeat(600)).chars().count(), MAX_ANSWER_CHARS);
    }
}
