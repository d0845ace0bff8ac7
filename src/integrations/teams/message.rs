//! Microsoft Teams incoming-webhook messages: an Adaptive Card (1.4) with
//! the title, description, who asked, what approving does and the expiry,
//! the delegates asked for away approvers (mentioned), and an
//! `Action.OpenUrl` button; a one-line card when the pause settles.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::card::plain;
use crate::domain::Event;
use crate::integrations::kit::{Notice, outcome_line};
use crate::render::{About, readable, relative};

/// The JSON body for the notice; `about` says who asked and what
/// approving does.
pub(crate) fn message(notice: Notice<'_>, about: &About, now: DateTime<Utc>) -> Value {
    let pause = notice.pause;
    let (body, actions) = match (notice.event, notice.link) {
        (Event::Requested | Event::Reminder | Event::Escalated, Some(link)) => {
            let mut body = vec![
                json!({"type": "TextBlock", "text": "Approval needed", "isSubtle": true, "wrap": true}),
                json!({"type": "TextBlock", "text": plain(&pause.title), "weight": "Bolder", "size": "Medium", "wrap": true}),
            ];
            if !pause.description.is_empty() {
                body.push(
                    json!({"type": "TextBlock", "text": plain(&pause.description), "wrap": true}),
                );
            }
            for line in [about.requester.clone(), about.consequences()] {
                body.push(json!({"type": "TextBlock", "text": plain(&line), "wrap": true}));
            }
            // An incoming webhook cannot look anyone up: named, not mentioned.
            if let Some((line, _)) = super::mention::standing_in(pause, &Default::default()) {
                body.push(line);
            }
            body.push(json!({
                "type": "FactSet",
                "facts": [{"title": "Expires", "value": format!("{} ({})", relative(pause.expires_at, now), readable(pause.expires_at))}],
            }));
            let actions =
                vec![json!({"type": "Action.OpenUrl", "title": "Review and decide", "url": link})];
            (body, actions)
        }
        _ => {
            let body = vec![
                json!({"type": "TextBlock", "text": plain(&outcome_line(pause)), "weight": "Bolder", "wrap": true}),
                json!({"type": "TextBlock", "text": plain(&pause.title), "wrap": true}),
            ];
            (body, Vec::new())
        }
    };
    let content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": actions,
    });
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": content,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_in_user_text_are_broken() {
        assert_eq!(
            plain("[Approve](https://evil)"),
            "[Approve]\u{200B}(https://evil)"
        );
        assert_eq!(plain("plain words"), "plain words");
    }
}
