//! What a reviewer is told beside the title, in one wording for the review
//! page, the emails and the Slack and Teams messages: who asked (the
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

use crate::config::{Target, TargetSpec};
use crate::domain::{CallbackKind, IdentifiedBy, Pause};

/// Who asked and what deciding does, as sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct About {
    /// "Requested by ci-bot (a named API key)."
    pub requester: String,
    /// "Approving starts sales-part2 (Azure Data Factory pipeline)."
    pub approving: String,
    /// "Rejecting starts cleanup (webhook).", when a target is set for it.
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

/// The configured targets' kinds in words, by target name.
pub fn target_kinds(targets: &BTreeMap<String, Target>) -> BTreeMap<String, &'static str> {
    targets
        .iter()
        .map(|(name, target)| (name.clone(), kind_words(&target.spec)))
        .collect()
}

fn kind_words(spec: &TargetSpec) -> &'static str {
    match spec {
        TargetSpec::Webhook { .. } => "webhook",
        TargetSpec::AzureDataFactory(_) => "Azure Data Factory pipeline",
        TargetSpec::GithubWorkflow(_) => "GitHub Actions workflow",
        TargetSpec::AirflowDag(_) => "Airflow DAG",
        TargetSpec::ArgoWorkflows(_) => "Argo Workflows suspended step",
    }
}

/// What `pause` is about, with target kinds from `kinds`.
pub fn about(pause: &Pause, kinds: &BTreeMap<String, &'static str>) -> About {
    let starts = |verb: &str, target: &str| {
        let kind = kinds.get(target).copied().unwrap_or("no longer configured");
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
            orchestrator(&callback.view())
        ));
    }
    if approving.is_empty() {
        approving.push("Approving lets the waiting pipeline continue.".to_owned());
    }
    About {
        requester: requester(pause),
        approving: approving.join(" "),
        rejecting: pause.on_reject.as_deref().map(|t| starts("Rejecting", t)),
    }
}

/// Who asked, as stored, and what identified them.
fn requester(pause: &Pause) -> String {
    let github = pause
        .callback
        .as_ref()
        .is_some_and(|c| c.kind == CallbackKind::Github);
    match (&pause.requested_by, pause.requester_identified_by) {
        (name, _) if github => format!(
            "Requested by {} through GitHub (a deployment protection rule, signed with the \
             App's webhook secret).",
            name.as_deref().unwrap_or("GitHub")
        ),
        (Some(name), Some(IdentifiedBy::ApiKey)) => {
            format!("Requested by {name} (a named API key).")
        }
        (Some(name), Some(IdentifiedBy::Oidc)) => {
            format!("Requested by {name} (an OpenID Connect caller).")
        }
        (Some(name), _) => format!("Requested by {name} (an API caller)."),
        (None, _) => "Requested with the server's API key, which names no caller.".to_owned(),
    }
}

/// The orchestrator a callback answers, and where it waits.
fn orchestrator(view: &crate::domain::CallbackView) -> String {
    let what = match view.kind {
        CallbackKind::AdfWebhook => "Azure Data Factory Webhook activity",
        CallbackKind::LogicApps => "Logic Apps HTTP Webhook action",
        CallbackKind::StepFunctions => "Step Functions task",
        CallbackKind::AzureDevops => "Azure DevOps check",
        CallbackKind::Github => "GitHub deployment protection rule",
    };
    match (&view.host, &view.aws) {
        (Some(host), _) => format!("{what} waiting at {host}"),
        (None, Some(account)) => format!("{what} waiting through AWS account {account}"),
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
        let kinds = BTreeMap::new();
        let said = |changes| about(&pause(changes), &kinds).requester;
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
        let kinds = BTreeMap::from([("hook".to_owned(), "webhook")]);
        let plain = about(&pause(json!({})), &kinds);
        assert_eq!(
            plain.approving,
            "Approving lets the waiting pipeline continue."
        );
        assert_eq!(plain.rejecting, None);
        let both = about(
            &pause(json!({"target": "hook", "on_reject": "gone"})),
            &kinds,
        );
        assert_eq!(both.approving, "Approving starts hook (webhook).");
        assert_eq!(
            both.rejecting.as_deref(),
            Some("Rejecting starts gone (no longer configured).")
        );
        let mut waited = pause(json!({}));
        waited.callback = Some(Callback {
            kind: CallbackKind::AzureDevops,
            url: "https://dev.azure.com/org/x".to_owned(),
            task_token: None,
            aws: None,
            devops: None,
            github: None,
        });
        assert_eq!(
            about(&waited, &kinds).approving,
            "Approving tells the Azure DevOps check waiting at dev.azure.com to continue."
        );
    }
}
