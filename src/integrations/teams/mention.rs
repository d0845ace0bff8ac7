//! Mentions of the delegates a pause asked for away approvers, on both the
//! bot's card and the incoming-webhook card: a TextBlock with
//! `<at>…</at>` and, for each, an `msteams.entities` mention whose
//! `mentioned.id` is the delegate's address taken as their UPN.
//!
//! Followed: learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
//! cards/cards-format, "Mention support within Adaptive Cards" (the entity's
//! `text` matches the `<at>` text exactly; bots and incoming webhooks take
//! an Entra object id or a UPN as `mentioned.id`).

use serde_json::{Value, json};

use super::card::plain;
use crate::domain::Pause;
use crate::render::readable;

/// The TextBlock naming the delegates `pause` asked and the mention
/// entities it needs; `None` when it asked none.
pub(crate) fn standing_in(pause: &Pause) -> Option<(Value, Vec<Value>)> {
    let asked = &pause.rules.as_ref()?.delegates;
    if asked.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let mut entities = Vec::new();
    for delegate in asked {
        let tag = format!("<at>{}</at>", delegate.delegate);
        lines.push(format!(
            "{tag} for {}, away until {}",
            plain(&delegate.person),
            readable(delegate.until)
        ));
        entities.push(json!({"type": "mention", "text": tag,
            "mentioned": {"id": delegate.delegate, "name": delegate.delegate}}));
    }
    let text = format!("Standing in: {}", lines.join("; "));
    let block = json!({"type": "TextBlock", "text": text, "wrap": true});
    Some((block, entities))
}

/// Adds to `card` (an AdaptiveCard) whom the delegates stand in for, with
/// their mentions.
pub(crate) fn add_to(card: &mut Value, pause: &Pause) {
    let Some((block, entities)) = standing_in(pause) else {
        return;
    };
    if let Some(body) = card["body"].as_array_mut() {
        body.push(block);
    }
    card["msteams"] = json!({"entities": entities});
}
