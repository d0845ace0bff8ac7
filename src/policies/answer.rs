//! A policy's answer, read from the JSON its `decision` rule produced and
//! checked, so a policy that answers nonsense is named, not obeyed.

use serde::Deserialize;

use crate::domain::Verdict;

/// What the policies said.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Settle the pause now.
    Settle {
        /// The policy that decided.
        policy: String,
        /// Approve or reject.
        verdict: Verdict,
        /// Why, in the policy's words.
        reason: String,
    },
    /// Let people decide, with these overrides.
    Ask(Ask),
}

/// Overrides an `ask` may give; unset fields keep the request's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ask {
    /// Who may decide instead.
    pub approvers: Option<Vec<String>>,
    /// How many approvals settle it.
    pub approvals_required: Option<u32>,
    /// How long people have, as a duration (`"2h"`).
    pub expires_in: Option<String>,
    /// The reasons the asking policies gave, `name: reason`.
    pub reasons: Vec<String>,
}

impl Ask {
    /// Takes the overrides `other` gives that are still unset.
    pub fn fill_from(&mut self, other: Ask) {
        self.approvers = self.approvers.take().or(other.approvers);
        self.approvals_required = self.approvals_required.or(other.approvals_required);
        self.expires_in = self.expires_in.take().or(other.expires_in);
        self.reasons.extend(other.reasons);
    }
}

/// `decision` as a policy writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    outcome: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    approvers: Option<Vec<String>>,
    #[serde(default)]
    approvals_required: Option<u32>,
    #[serde(default)]
    expires_in: Option<String>,
}

/// Reads policy `name`'s answer.
pub(crate) fn read(name: &str, json: &str) -> Result<Answer, String> {
    let written: Written = serde_json::from_str(json)
        .map_err(|e| format!("decision must be an object with an outcome: {e} (got {json})"))?;
    let reason = written.reason.unwrap_or_default();
    let verdict = match written.outcome.as_str() {
        "approve" => Verdict::Approve,
        "reject" => Verdict::Reject,
        "ask" => {
            return Ok(Answer::Ask(Ask {
                approvers: written.approvers,
                approvals_required: written.approvals_required,
                expires_in: written.expires_in,
                reasons: vec![format!("{name}: {reason}")],
            }));
        }
        other => {
            return Err(format!(
                "decision.outcome must be approve, reject or ask, got {other:?}"
            ));
        }
    };
    if written.approvers.is_some()
        || written.approvals_required.is_some()
        || written.expires_in.is_some()
    {
        return Err("approvers, approvals_required and expires_in only go with ask".to_owned());
    }
    Ok(Answer::Settle {
        policy: name.to_owned(),
        verdict,
        reason,
    })
}
