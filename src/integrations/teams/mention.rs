//! The delegates a pause asked for away approvers, on the bot's card and
//! the incoming-webhook card: a TextBlock "Standing in: … for …". On the
//! bot's card, a delegate who is a member of the conversation is mentioned
//! (`<at>…</at>` with an `msteams.entities` mention of their member id,
//! read from the roster); anyone else is only named, since a mention Teams
//! cannot resolve would have the whole card refused.
//!
//! Followed: learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
//! cards/cards-format, "Mention support within Adaptive Cards" (the entity's
//! `text` matches the `<at>` text exactly; `mentioned.id` is the user's id
//! in the conversation, or their Entra object id or UPN).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::card::plain;
use crate::domain::Pause;
use crate::render::readable;

/// The element id of the standing-in line, so it is found again by id and
/// never by text a requester wrote.
const BLOCK_ID: &str = "pausegate_standing_in";

/// Members of the conversation by address (lower case): their member id.
pub(crate) type Members = BTreeMap<String, String>;

/// The TextBlock naming the delegates `pause` asked, and the mention
/// entities of those among `members`; `None` when it asked none.
pub(crate) fn standing_in(pause: &Pause, members: &Members) -> Option<(Value, Vec<Value>)> {
    let asked = &pause.rules.as_ref()?.delegates;
    if asked.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let mut entities = Vec::new();
    for delegate in asked {
        let name = plain(&delegate.delegate);
        let named = match members.get(&delegate.delegate.to_lowercase()) {
            Some(id) => {
                let tag = format!("<at>{name}</at>");
                entities.push(json!({"type": "mention", "text": tag,
                    "mentioned": {"id": id, "name": name}}));
                tag
            }
            None => name,
        };
        let (person, until) = (plain(&delegate.person), readable(delegate.until));
        lines.push(format!("{named} for {person}, away until {until}"));
    }
    let text = format!("Standing in: {}", lines.join("; "));
    let block = json!({"type": "TextBlock", "id": BLOCK_ID, "text": text, "wrap": true});
    Some((block, entities))
}

/// Replaces the standing-in line of `card` (an AdaptiveCard built with
/// nobody to mention) with one mentioning the delegates among `members`.
pub(crate) fn add_to(card: &mut Value, pause: &Pause, members: &Members) {
    let Some((block, entities)) = standing_in(pause, members) else {
        return;
    };
    if entities.is_empty() {
        return;
    }
    let Some(body) = card["body"].as_array_mut() else {
        return;
    };
    if let Some(line) = body.iter_mut().find(|b| b["id"] == BLOCK_ID) {
        *line = block;
    }
    card["msteams"] = json!({"entities": entities});
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn asking_bo_for_ana() -> Pause {
        serde_json::from_value(json!({
            "id": "pau_x", "state": "pending", "title": "t", "description": "", "data": {},
            "target": null, "on_reject": null, "notify": {"email": [], "channels": []},
            "created_at": "2026-12-03T08:00:00Z", "expires_at": "2026-12-04T08:00:00Z", "decided_at": null,
            "decisions": [], "deliveries": [], "callback": null,
            "rules": {"approvers": ["ana@example.com"], "approvals_required": 1,
                      "delegates": [{"person": "ana@example.com", "delegate": "bo@example.com",
                                     "until": "2026-12-05T08:00:00Z"}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_delegate_outside_the_roster_is_named_and_one_in_it_is_mentioned_by_member_id() {
        let pause = asking_bo_for_ana();
        let (line, entities) = standing_in(&pause, &Members::new()).unwrap();
        let text = line["text"].as_str().unwrap();
        assert!(
            text.starts_with("Standing in: bo@example.com for ana@example.com"),
            "{text}"
        );
        assert!(entities.is_empty(), "nobody Teams might not resolve");

        let members = Members::from([("bo@example.com".to_owned(), "29:bo".to_owned())]);
        let mut card = json!({"body": [line, {"type": "TextBlock", "text": "Standing in: x"}]});
        add_to(&mut card, &pause, &members);
        assert!(
            card["body"][0]["text"]
                .as_str()
                .unwrap()
                .contains("<at>bo@example.com</at>")
        );
        assert_eq!(
            card["body"][1]["text"], "Standing in: x",
            "found by id, not by text"
        );
        assert_eq!(card["msteams"]["entities"][0]["mentioned"]["id"], "29:bo");
    }
}
