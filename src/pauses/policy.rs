//! Asking the configured policies about a new pause: an `approve` or
//! `reject` becomes a decision recorded `via: "policy"` and applied in the
//! create's own transaction; an `ask` may change who decides, how many
//! must approve, and how long they have, each checked like the request's
//! own fields.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{PauseError, Pauses};
use crate::domain::{
    ActorName, Decision, IdentifiedBy, NewPause, NextId, Rules, ValidationError, Via,
    deliveries_on_settling, parse_expires_in,
};
use crate::policies::{Answer, Ask, PolicyInput};
use crate::store::{Deadline, NewPauseRecord, Settlement};

impl Pauses {
    /// What the policies say of `pause`: a decision to settle it with, or
    /// `None` (people decide, `pause` adjusted as the policies asked).
    pub(super) fn consult(
        &self,
        pause: &mut NewPause,
        now: DateTime<Utc>,
    ) -> Result<Option<Decision>, PauseError> {
        if self.policies.is_empty() {
            return Ok(None);
        }
        let input = PolicyInput {
            title: pause.title.to_string(),
            description: pause.description.clone(),
            data: pause.data.clone(),
            tags: pause.tags.iter().map(ToString::to_string).collect(),
            target: pause.target.as_deref().map(str::to_owned),
            requester: pause.requested_by.clone(),
            group: pause.group.as_deref().map(str::to_owned),
        };
        let answer = self
            .policies
            .evaluate(&input)
            .map_err(|why| PauseError::Internal(anyhow::anyhow!(why)))?;
        match answer {
            Answer::Settle {
                policy,
                verdict,
                reason,
            } => Ok(Some(Decision {
                on_behalf_of: None,
                decision: verdict,
                actor: Some(policy_actor(&policy)?),
                via: Via::Policy,
                identified_by: Some(IdentifiedBy::Policy),
                groups: Vec::new(),
                inputs: None,
                comment: Some(reason).filter(|r| !r.is_empty()),
                at: now,
            })),
            Answer::Ask(ask) => {
                self.apply_overrides(pause, ask)?;
                Ok(None)
            }
        }
    }

    fn apply_overrides(&self, pause: &mut NewPause, ask: Ask) -> Result<(), PauseError> {
        // A policy's override that breaks a rule is the policy's fault:
        // the error says so instead of blaming the request.
        let blame = |e: ValidationError| {
            PauseError::Internal(anyhow::anyhow!("a policy's ask override is invalid: {e}"))
        };
        if ask.approvers.is_some() || ask.approvals_required.is_some() {
            let current = pause.rules.clone();
            let approvers = ask
                .approvers
                .or_else(|| current.as_ref().map(|r| r.approvers.clone()));
            let required = ask
                .approvals_required
                .or_else(|| current.as_ref().map(|r| r.approvals_required));
            let allow_self = current.map(|r| r.allow_self_approval);
            pause.rules = Rules::parse(approvers, required, allow_self).map_err(blame)?;
        }
        if let Some(text) = ask.expires_in {
            pause.expires_in =
                parse_expires_in(Some(Value::String(text)), &self.policy).map_err(blame)?;
        }
        Ok(())
    }
}

/// The actor a policy's decision is recorded as: `policy:NAME`.
fn policy_actor(policy: &str) -> Result<ActorName, PauseError> {
    ActorName::parse("policy", &format!("policy:{policy}"))
        .map_err(|e| PauseError::Internal(anyhow::anyhow!("a policy's name: {e}")))
}

/// `record`, settled at once by a policy's `decision` when there is one:
/// nobody is asked, and the outcome's triggers (ids from `next_id`) go out
/// instead.
pub(super) fn settled_by_policy(
    mut record: NewPauseRecord,
    decision: Option<Decision>,
    next_id: NextId<'_>,
) -> NewPauseRecord {
    let Some(decision) = decision else {
        return record;
    };
    let state = decision.decision.resulting_state();
    record.deliveries.clear();
    record.settle_at_once = Some(Settlement {
        state,
        deliveries: deliveries_on_settling(&record.to_pause(), state, next_id),
        decision: Some(decision),
        deadline: Deadline::BeforeExpiry,
    });
    record
}
