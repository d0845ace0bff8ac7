//! Slack incoming-webhook messages: a section with the title and
//! description, a context line with the expiry, who asked and what
//! approving does, and a button that opens the review page; a one-line
//! follow-up when the pause settles.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::Event;
use crate::integrations::kit::{Notice, outcome_line};
use crate::render::{About, readable, relative, shorten};

/// Slack's limit on a section's text.
const MAX_SECTION_CHARS: usize = 3000;

/// The JSON body for the notice; `about` says who asked and what
/// approving does.
pub(crate) fn message(notice: Notice<'_>, about: &About, now: DateTime<Utc>) -> Value {
    let pause = notice.pause;
    match (notice.event, notice.link) {
        (Event::Requested | Event::Reminder | Event::Escalated, Some(link)) => {
            let mut text = format!("*{}*", escape(&pause.title));
            if !pause.description.is_empty() {
                text.push('\n');
                text.push_str(&escape(&pause.description));
            }
            let expiry = format!(
                "Expires {} ({})",
                relative(pause.expires_at, now),
                readable(pause.expires_at)
            );
            json!({
                "text": escape(&format!("Approval needed: {}", pause.title)),
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": cut(&text)}},
                    {"type": "context", "elements": [
                        {"type": "mrkdwn", "text": expiry},
                        {"type": "mrkdwn", "text": escape(&about.requester)},
                        {"type": "mrkdwn", "text": escape(&about.consequences())},
                    ]},
                    {"type": "actions", "elements": [{
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Review and decide"},
                        "url": link,
                        "style": "primary",
                        "action_id": "pausegate_review",
                    }]},
                ],
            })
        }
        _ => {
            let line = format!("{}: {}", outcome_line(pause), pause.title);
            json!({
                "text": escape(&line),
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": cut(&escape(&line))}}],
            })
        }
    }
}

/// The message for a `[slack_app]` channel: the same, and on a request
/// Approve and Reject buttons whose clicks come back to
/// `/integrations/slack/actions` (Block Kit button elements,
/// docs.slack.dev/reference/block-kit/block-elements/button-element).
pub(crate) fn app_message(notice: Notice<'_>, about: &About, now: DateTime<Utc>) -> Value {
    let asks = matches!(
        notice.event,
        Event::Requested | Event::Reminder | Event::Escalated
    ) && notice.link.is_some();
    let id = notice.pause.id.as_str().to_owned();
    let mut message = message(notice, about, now);
    if asks && let Some(actions) = message["blocks"].as_array_mut().and_then(|b| b.last_mut()) {
        let buttons = [
            json!({"type": "button", "action_id": APPROVE, "value": id, "style": "primary",
                   "text": {"type": "plain_text", "text": "Approve"}}),
            json!({"type": "button", "action_id": REJECT, "value": id, "style": "danger",
                   "text": {"type": "plain_text", "text": "Reject"},
                   "confirm": {"title": {"type": "plain_text", "text": "Reject?"},
                               "text": {"type": "plain_text", "text": "Nothing will start."},
                               "confirm": {"type": "plain_text", "text": "Reject"},
                               "deny": {"type": "plain_text", "text": "Cancel"}}}),
        ];
        if let Some(elements) = actions["elements"].as_array_mut() {
            elements.iter_mut().for_each(|e| {
                e.as_object_mut().map(|o| o.remove("style"));
            });
            elements.splice(0..0, buttons);
        }
    }
    message
}

/// The `action_id` of the Approve button.
pub(crate) const APPROVE: &str = "pausegate_approve";
/// The `action_id` of the Reject button.
pub(crate) const REJECT: &str = "pausegate_reject";

/// What replaces a decided request's message: its outcome, no buttons.
pub(crate) fn decided_message(pause: &crate::domain::Pause) -> Value {
    let line = format!("{}: {}", outcome_line(pause), pause.title);
    json!({
        "text": escape(&line),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": cut(&escape(&line))}}],
    })
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters: escaped,
/// a title or a self-declared name cannot mention `@channel` or make a link.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(text: &str) -> String {
    shorten(text, MAX_SECTION_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }

    #[test]
    fn long_text_is_cut_to_slacks_limit() {
        assert_eq!(cut(&"x".repeat(5000)).chars().count(), MAX_SECTION_CHARS);
    }
}
