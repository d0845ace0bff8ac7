//! The Teams bot's Adaptive Card (1.5): the title, description, a summary
//! of `data`, who asked and what approving does, the expiry, the input
//! fields the pause declares, the delegates asked for away approvers
//! (mentioned, see `mention`), and `Action.Execute` Approve and Reject. It
//! has three views: with buttons (for approvers, or everyone when the pause
//! names none), status only (for the others, or with a note for one
//! person), and settled (the outcome, no buttons).
//!
//! Where the pause names approvers, the card everyone sees is the status
//! view with a `refresh` naming the approvers among the conversation's
//! members (at most 60), so their Teams clients fetch the view with
//! buttons through a `pausegate.refresh` invoke.
//!
//! Followed: learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
//! cards/universal-actions-for-adaptive-cards/overview and /work-with-universal-actions-for-adaptive-cards
//! (`Action.Execute` with `verb` and `data`; `refresh` with `action` and
//! up to 60 `userIds`; schema version 1.4 or later), adaptivecards.io's
//! schema explorer (Input.Text, Input.Number, Input.Toggle with
//! `valueOn`/`valueOff`, Input.ChoiceSet, `associatedInputs`) and the Bot
//! Connector's attachment `contentType` `application/vnd.microsoft.card.adaptive`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::{FieldKind, InputField, Pause, PauseState, approvals_missing};
use crate::integrations::kit::outcome_line;
use crate::render::{About, readable, relative, shorten};

/// The card's content type.
pub(crate) const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";
/// The verbs of the card's actions.
pub(crate) const APPROVE: &str = "pausegate.approve";
pub(crate) const REJECT: &str = "pausegate.reject";
pub(crate) const REFRESH: &str = "pausegate.refresh";
/// The key of an action's data naming the pause.
pub(crate) const PAUSE_KEY: &str = "pausegate_pause";

/// The most members `refresh.userIds` may name.
pub(crate) const MAX_REFRESH_USERS: usize = 60;
/// The most `data` entries shown.
const MAX_FACTS: usize = 10;

/// Which view of an open pause.
pub(crate) enum View<'a> {
    /// Approve and Reject, with the input fields.
    Buttons,
    /// What it is and where it stands, with a note for the one who sees it.
    Status(Option<&'a str>),
}

/// The card for `pause` in `view`; `refresh_for` are the members whose
/// clients fetch their own view (none: no refresh).
pub(crate) fn card(
    pause: &Pause,
    about: &About,
    now: DateTime<Utc>,
    view: View<'_>,
    refresh_for: &[String],
) -> Value {
    if pause.state != PauseState::Pending {
        return settled(pause);
    }
    let mut body = details(pause, about, now);
    let mut actions = Vec::new();
    match view {
        View::Buttons => {
            body.extend(pause.input_fields.iter().map(input));
            actions = vec![
                execute(pause, "Approve", APPROVE, "positive", "auto"),
                execute(pause, "Reject", REJECT, "destructive", "none"),
            ];
        }
        View::Status(note) => {
            let waiting = status_line(pause);
            body.push(
                json!({"type": "TextBlock", "text": waiting, "isSubtle": true, "wrap": true}),
            );
            if let Some(note) = note {
                body.push(json!({"type": "TextBlock", "text": plain(note), "color": "Attention", "wrap": true}));
            }
        }
    }
    let mut card = adaptive(body, actions);
    if !refresh_for.is_empty() {
        card["refresh"] = json!({
            "action": {"type": "Action.Execute", "verb": REFRESH, "data": {PAUSE_KEY: pause.id.as_str()}},
            "userIds": refresh_for.iter().take(MAX_REFRESH_USERS).collect::<Vec<_>>(),
        });
    }
    card
}

/// The card of a settled pause: the outcome, the title, the comment.
pub(crate) fn settled(pause: &Pause) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "text": plain(&outcome_line(pause)), "weight": "Bolder", "wrap": true}),
        json!({"type": "TextBlock", "text": plain(&pause.title), "wrap": true}),
    ];
    if let Some(comment) = pause.decision().and_then(|d| d.comment.as_deref()) {
        body.push(json!({"type": "TextBlock", "text": plain(&format!("“{comment}”")), "isSubtle": true, "wrap": true}));
    }
    adaptive(body, Vec::new())
}

/// A message carrying `card`, as the Connector takes it.
pub(crate) fn activity(card: Value) -> Value {
    json!({
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
    })
}

/// The answer to an `adaptiveCard/action` invoke: `card` for the clicker.
pub(crate) fn invoke_response(card: Value) -> Value {
    json!({"statusCode": 200, "type": ADAPTIVE_CARD, "value": card})
}

fn adaptive(body: Vec<Value>, actions: Vec<Value>) -> Value {
    json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": body,
        "actions": actions,
    })
}

fn details(pause: &Pause, about: &About, now: DateTime<Utc>) -> Vec<Value> {
    let mut body = vec![
        json!({"type": "TextBlock", "text": "Approval needed", "isSubtle": true, "wrap": true}),
        json!({"type": "TextBlock", "text": plain(&pause.title), "weight": "Bolder", "size": "Medium", "wrap": true}),
    ];
    if !pause.description.is_empty() {
        body.push(json!({"type": "TextBlock", "text": plain(&pause.description), "wrap": true}));
    }
    for line in [&about.requester, &about.consequences()] {
        body.push(json!({"type": "TextBlock", "text": plain(line), "wrap": true}));
    }
    if let Some((line, _)) = super::mention::standing_in(pause, &Default::default()) {
        body.push(line);
    }
    let mut facts = data_facts(&pause.data);
    let expiry = format!(
        "{} ({})",
        relative(pause.expires_at, now),
        readable(pause.expires_at)
    );
    facts.push(json!({"title": "Expires", "value": expiry}));
    body.push(json!({"type": "FactSet", "facts": facts}));
    body
}

/// The first entries of `data`, each shortened.
fn data_facts(data: &Value) -> Vec<Value> {
    let Some(entries) = data.as_object() else {
        return Vec::new();
    };
    let mut facts: Vec<Value> = entries
        .iter()
        .take(MAX_FACTS)
        .map(|(key, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            json!({"title": plain(&shorten(key, 40)), "value": plain(&shorten(&text, 120))})
        })
        .collect();
    if entries.len() > MAX_FACTS {
        let more = format!("{} more on the review page", entries.len() - MAX_FACTS);
        facts.push(json!({"title": "…", "value": more}));
    }
    facts
}

fn status_line(pause: &Pause) -> String {
    match approvals_missing(pause) {
        0 | 1 => "Waiting for an approver.".to_owned(),
        n => format!("Waiting for {n} more approvals."),
    }
}

fn execute(pause: &Pause, title: &str, verb: &str, style: &str, inputs: &str) -> Value {
    json!({
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "style": style,
        "associatedInputs": inputs,
        "data": {PAUSE_KEY: pause.id.as_str()},
    })
}

/// The card input for a declared field; checked again when it comes back.
fn input(field: &InputField) -> Value {
    let label = plain(field.label.as_deref().unwrap_or(&field.name));
    // Input.Number takes a number; the others take text.
    let default = field.default.as_ref().map(|v| match (field.kind, v) {
        (FieldKind::Number, number) => number.clone(),
        (_, Value::String(text)) => json!(text),
        (_, other) => json!(other.to_string()),
    });
    let mut input = match field.kind {
        FieldKind::Text | FieldKind::Multiline => json!({
            "type": "Input.Text",
            "isMultiline": field.kind == FieldKind::Multiline,
            "maxLength": field.max_length,
        }),
        FieldKind::Number => json!({"type": "Input.Number", "min": field.min, "max": field.max}),
        FieldKind::Boolean => json!({
            "type": "Input.Toggle", "title": label, "valueOn": "true", "valueOff": "false",
        }),
        FieldKind::Choice => json!({
            "type": "Input.ChoiceSet",
            "choices": field.options.iter().map(|o| json!({"title": plain(o), "value": o})).collect::<Vec<_>>(),
        }),
    };
    input["id"] = json!(field.name);
    input["label"] = json!(if field.required {
        format!("{label} (required to approve)")
    } else {
        label
    });
    if let Some(default) = default {
        input["value"] = default;
    }
    // Nulls (no limit given) are left out rather than sent.
    if let Some(object) = input.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    input
}

/// Teams renders markdown in a TextBlock; breaking the `](` of a link keeps
/// a title or a self-declared name from becoming a clickable link.
pub(crate) fn plain(text: &str) -> String {
    text.replace("](", "]\u{200B}(")
}
