//! The inbox: the pending pauses waiting on one signed-in person, those
//! whose approvers name them and those whose approvers name someone they
//! stand in for while a delegation holds.

use super::delegations::names;
use super::{Decider, PauseError, Pauses};
use crate::domain::{Delegation, EmailAddress, Pause, Verdict};

/// Most pending pauses an inbox looks through.
const INBOX_LIMIT: u32 = 500;

impl Pauses {
    /// The pending pauses waiting on `email`, soonest expiry first: those
    /// whose approvers admit them (or someone they stand in for) or that
    /// were sent to them, which they have not approved yet; only those
    /// tagged `tag` when given.
    pub async fn inbox(
        &self,
        decider: &Decider,
        tag: Option<&str>,
    ) -> Result<Vec<Pause>, PauseError> {
        let email = decider.email.as_str();
        let pending = self.store.pending_soonest(INBOX_LIMIT).await?;
        let standing_in = self.store.delegations_to(email, self.clock.now()).await?;
        let waits_on = |pause: &Pause| {
            let approved = pause.decisions.iter().any(|d| {
                d.decision == Verdict::Approve
                    && d.actor
                        .as_deref()
                        .is_some_and(|a| EmailAddress::same(a, email))
            });
            let asked = pause
                .requested_by
                .as_deref()
                .is_some_and(|r| EmailAddress::same(r, email));
            let tagged = tag.is_none_or(|t| pause.tags.iter().any(|x| x == t));
            named(pause, decider, &standing_in) && !approved && !asked && tagged
        };
        Ok(pending.into_iter().filter(waits_on).collect())
    }
}

/// Whether `pause` names `decider`, or someone a delegation in
/// `standing_in` lets them decide for.
fn named(pause: &Pause, decider: &Decider, standing_in: &[Delegation]) -> bool {
    let email = decider.email.as_str();
    match &pause.rules {
        Some(rules) if !rules.approvers.is_empty() => {
            rules.admits(email, decider.by, &decider.groups)
                || (standing_in.iter()).any(|d| d.covers(pause) && names(rules, &d.person))
        }
        _ => pause.notify.email.iter().any(|e| e.is(email)),
    }
}
