//! Slack incoming-webhook messages: a section with the title and
//! description, a context line with the expiry, who asked and what
//! approving does, and a button that opens the review page; a one-line
//! follow-up when the pause settles. Where a delegate was asked for an away
//! approver, a context line names them: a real mention (`<@U…>`, from
//! `users.lookupByEmail`) in an app channel, their address through an
//! incoming webhook, which cannot look anyone up
//! (docs.slack.dev/messaging/formatting-message-text, "Mentioning users").

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::{Event, Pause};
use crate::integrations::kit::{Notice, outcome_line};
use crate::render::{About, readable, relative, shorten};

/// Slack's limit on a section's text.
const MAX_SECTION_CHARS: usize = 3000;

/// Names a delegate in a message: a mention, or their escaped address.
pub(crate) type Mention<'a> = &'a dyn Fn(&str) -> String;

/// Names a delegate by their address alone.
pub(crate) fn by_address(address: &str) -> String {
    escape(address)
}

/// "Standing in: bo@… for ana@…, away until …" for the delegates the
/// pause asked, each named by `mention`; `None` when it asked none.
pub(crate) fn standing_in(pause: &Pause, mention: Mention<'_>) -> Option<String> {
    let asked = &pause.rules.as_ref()?.delegates;
    let lines: Vec<String> = (asked.iter())
        .map(|d| {
            let until = readable(d.until);
            format!(
                "{} for {}, away until {until}",
                mention(&d.delegate),
                escape(&d.person)
            )
        })
        .collect();
    (!lines.is_empty()).then(|| cut(&format!("Standing in: {}", lines.join("; "))))
}

/// The JSON body for the notice; `about` says who asked and what
/// approving does, `mention` names the delegates asked.
pub(crate) fn message(
    notice: Notice<'_>,
    about: &About,
    now: DateTime<Utc>,
    mention: Mention<'_>,
) -> Value {
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
            let mut context = vec![
                json!({"type": "mrkdwn", "text": expiry}),
                json!({"type": "mrkdwn", "text": escape(&about.requester)}),
                json!({"type": "mrkdwn", "text": escape(&about.consequences())}),
            ];
            if let Some(line) = standing_in(pause, mention) {
                context.push(json!({"type": "mrkdwn", "text": line}));
            }
            json!({
                "text": escape(&format!("Approval needed: {}", pause.title)),
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": cut(&text)}},
                    {"type": "context", "elements": context},
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
pub(crate) fn app_message(
    notice: Notice<'_>,
    about: &About,
    now: DateTime<Utc>,
    mention: Mention<'_>,
) -> Value {
    let asks = matches!(
        notice.event,
        Event::Requested | Event::Reminder | Event::Escalated
    ) && notice.link.is_some();
    let id = notice.pause.id.as_str().to_owned();
    let mut message = message(notice, about, now, mention);
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
