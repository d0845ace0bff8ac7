//! What a reviewer is told beside the title, in one wording for the review
//! page, the emails and the chat messages: who asked (the
//! requester exactly as stored, with how the pause records it was
//! identified) and what approving does (the target it starts, the
//! orchestrator it tells, or the waiting pipeline it lets go on).
//!
//! "How identified" comes from `requester_identified_by`, never from the
//! shape of the name, so a caller named like an address or like
//! `oidc:NAME:SUBJECT` is described by what vouched for it. The sentences
//! are plain text: each template or message escapes them its own way.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{IdentifiedBy, Pause};

/// What the configured targets and the callback kinds are, in words, by
/// name: the integrations say (`a pipeline`, `a check`).
#[derive(Debug, Clone, Default)]
pub struct Words {
    /// Target name to what it starts.
    pub targets: BTreeMap<String, &'static str>,
    /// Callback kind to who waits.
    pub callbacks: BTreeMap<String, &'static str>,
}

/// Who asked and what deciding does, as sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct About {
    /// "Requested by ci-bot (a named API key)."
    pub requester: String,
    /// "Approving starts sales-part2 (a data pipeline)."
    pub approving: String,
    /// "Rejecting starts cleanup (an HTTP POST).", when a target is set for it.
    pub rejecting: Option<String>,
}

impl About {
    /// What approving does, then what rejecting does when that is set.
    pub fn consequences(&self) -> String {
        match &self.rejecting {
            Some(rejecting) => format!("{} {rejecting}", self.approving),
            None => self.approving.clone(),
        }
    }
}

/// What `pause` is about, in `words`.
pub(crate) fn about(pause: &Pause, words: &Words) -> About {
    let starts = |verb: &str, target: &str| {
        let kind = words.targets.get(target).copied();
        let kind = kind.unwrap_or("no longer configured");
        format!("{verb} starts {target} ({kind}).")
    };
    let mut approving: Vec<String> = pause
        .target
        .iter()
        .map(|t| starts("Approving", t))
        .collect();
    if let Some(callback) = &pause.callback {
        approving.push(format!(
            "Approving tells the {} to continue.",
            orchestrator(&callback.view(), words)
        ));
    }
    if approving.is_empty() {
        approving.push("Approving lets the waiting pipeline continue.".to_owned());
    }
    About {
        requester: requester(pause, words),
        approving: approving.join(" "),
        rejecting: pause.on_reject.as_deref().map(|t| starts("Rejecting", t)),
    }
}

/// Who asked, as stored, and what identified them: an API caller, or,
/// for a pause an integration made from a signed request, that request.
fn requester(pause: &Pause, words: &Words) -> String {
    let made_by = pause.callback.as_ref().map(|c| what_waits(&c.kind, words));
    match (&pause.requested_by, pause.requester_identified_by, made_by) {
        (Some(name), Some(IdentifiedBy::ApiKey), _) => {
            format!("Requested by {name} (a named API key).")
        }
        (Some(name), Some(IdentifiedBy::Oidc), _) => {
            format!("Requested by {name} (an OpenID Connect caller).")
        }
        (Some(name), None, Some(what)) => format!("Requested by {name} through a {what}."),
        (Some(name), _, _) => format!("Requested by {name} (an API caller)."),
        (None, _, _) => "Requested with the server's API key, which names no caller.".to_owned(),
    }
}

fn what_waits<'w>(kind: &'w str, words: &Words) -> &'w str {
    words.callbacks.get(kind).copied().unwrap_or(kind)
}

/// The orchestrator a callback answers, and where it waits.
fn orchestrator(view: &crate::domain::CallbackView, words: &Words) -> String {
    let what = what_waits(&view.kind, words);
    match (&view.host, view.shown.iter().next()) {
        (Some(host), _) => format!("{what} waiting at {host}"),
        (None, Some((key, account))) => format!(
            "{what} waiting through {} account {account}",
            key.to_uppercase()
        ),
        (None, None) => format!("waiting {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Callback;
    use serde_json::json;

    fn pause(changes: serde_json::Value) -> Pause {
        let mut base = json!({
            "id": "pau_x", "state": "pending", "title": "t", "description": "", "data": {},
            "target": null, "on_reject": null, "created_at": "2026-11-23T19:00:00Z",
            "expires_at": "2026-11-24T19:00:00Z", "decided_at": null, "decisions": [],
            "deliveries": [],
        });
        for (key, value) in changes.as_object().unwrap() {
            base[key] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn the_requester_is_described_by_what_identified_it_not_by_its_name() {
        let words = Words::default();
        let said = |changes| about(&pause(changes), &words).requester;
        assert_eq!(
            said(
                json!({"requested_by": "oidc:gha:ana@example.com", "requester_identified_by": "oidc"})
            ),
            "Requested by oidc:gha:ana@example.com (an OpenID Connect caller)."
        );
        assert_eq!(
            said(json!({"requested_by": "ana@example.com", "requester_identified_by": "api_key"})),
            "Requested by ana@example.com (a named API key)."
        );
        assert_eq!(
            said(json!({"requester_identified_by": "self_declared"})),
            "Requested with the server's API key, which names no caller."
        );
    }

    #[test]
    fn approving_names_the_target_and_its_kind_or_the_orchestrator_or_the_waiting_pipeline() {
        let words = Words {
            targets: BTreeMap::from([("hook".to_owned(), "an HTTP POST")]),
            callbacks: BTreeMap::from([("a_check".to_owned(), "pipeline check")]),
        };
        let plain = about(&pause(json!({})), &words);
        assert_eq!(
            plain.approving,
            "Approving lets the waiting pipeline continue."
        );
        assert_eq!(plain.rejecting, None);
        let both = about(
            &pause(json!({"target": "hook", "on_reject": "gone"})),
            &words,
        );
        assert_eq!(both.approving, "Approving starts hook (an HTTP POST).");
        assert_eq!(
            both.rejecting.as_deref(),
            Some("Rejecting starts gone (no longer configured).")
        );
        let mut waited = pause(json!({}));
        waited.callback = Some(Callback {
            kind: "a_check".to_owned(),
            url: "https://ci.example.com/org/x".to_owned(),
            shown: Default::default(),
            details: Default::default(),
        });
        assert_eq!(
            about(&waited, &words).approving,
            "Approving tells the pipeline check waiting at ci.example.com to continue."
        );
    }
}
