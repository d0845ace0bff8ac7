//! Composing an email: subject, plain text and HTML from the templates,
//! with a short summary of the data.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::{Event, escape_hidden};
use crate::integrations::kit::Notice;
use crate::outbox::SendError;
use crate::render::{Renderer, readable, relative, shorten};

/// Most `data` lines shown in an email.
const SUMMARY_LINES: usize = 8;
/// Longest value shown on one summary line.
const SUMMARY_VALUE_CHARS: usize = 80;

/// A composed email, ready for a mailer.
#[derive(Debug, Clone)]
pub(crate) struct Email {
    /// One recipient's address.
    pub to: String,
    /// "Approval needed: <title>".
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Builds the email for `to`.
pub(crate) fn compose(
    renderer: &Renderer,
    to: &str,
    notice: Notice<'_>,
    now: DateTime<Utc>,
) -> Result<Email, SendError> {
    let reminder = match notice.event {
        Event::Requested | Event::Escalated => false,
        Event::Reminder => true,
        other => {
            return Err(SendError::Fatal {
                message: format!(
                    "emails are sent for requests and reminders, not {}",
                    other.as_str()
                ),
            });
        }
    };
    let link = notice.link.ok_or_else(|| SendError::Fatal {
        message: "an email needs a review link".to_owned(),
    })?;
    let pause = notice.pause;
    let subject = if reminder {
        format!("Reminder: approval needed: {}", pause.title)
    } else if notice.event == Event::Escalated {
        format!("Escalated: approval needed: {}", pause.title)
    } else {
        format!("Approval needed: {}", pause.title)
    };
    let context = json!({
        "pause": pause,
        "subject": subject,
        "reminder": reminder,
        "escalated": notice.event == Event::Escalated,
        "recipient": to,
        "review_url": link,
        "data_summary": data_summary(&pause.data),
        "expires_words": relative(pause.expires_at, now),
        "expires_at": readable(pause.expires_at),
        "about": renderer.about(pause),
    });
    let render = |name: &str| {
        renderer
            .render(name, &context)
            .map_err(|e| SendError::Fatal {
                message: format!("template {name}: {e:#}"),
            })
    };
    Ok(Email {
        to: to.to_owned(),
        subject,
        text: render("email_request.txt")?,
        html: render("email_request.html")?,
    })
}

/// A few `key: value` lines describing `data`, each cut short.
pub(crate) fn data_summary(data: &Value) -> Vec<String> {
    let lines: Vec<String> = match data {
        Value::Object(map) if map.is_empty() => return Vec::new(),
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| format!("{}: {}", escape_hidden(key), short(value)))
            .collect(),
        Value::Null => return Vec::new(),
        other => vec![short(other)],
    };
    let total = lines.len();
    let mut shown: Vec<String> = lines.into_iter().take(SUMMARY_LINES).collect();
    if total > SUMMARY_LINES {
        shown.push(format!("… and {} more", total - SUMMARY_LINES));
    }
    shown
}

/// A value cut short, with what could hide or reorder it escaped: `data`
/// is the pipeline's and is not checked like text.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    shorten(&escape_hidden(&text), SUMMARY_VALUE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_short_and_says_what_it_left_out() {
        assert_eq!(data_summary(&json!({})), Vec::<String>::new());
        assert_eq!(
            data_summary(&json!({"run_date": "2026-11-23", "rows": 12})),
            vec!["rows: 12", "run_date: 2026-11-23"]
        );
        let many: serde_json::Map<String, Value> =
            (0..12).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let lines = data_summary(&Value::Object(many));
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[8], "… and 4 more");
        let long = data_summary(&json!({"x": "y".repeat(200)}));
        assert!(long[0].chars().count() < 100);
    }
}
