//! Delegations in the use cases: recording one (operator or the person
//! themselves), listing and withdrawing them; asking a delegate when a
//! pause names the person they stand in for; and finding whom a decider
//! stands in for. See `domain::Delegation` for the rules.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{PauseError, Pauses};
use crate::domain::{
    DelegateAsked, Delegation, DelegationId, EmailAddress, IdentifiedBy, NewPause, Pause, Rules,
    ValidationError, Verdict,
};

/// `POST /api/v1/delegations` (and the page's form) as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationRequest {
    /// Who is away: an address.
    pub person: String,
    /// Who decides for them meanwhile: an address.
    pub delegate: String,
    /// From when (RFC 3339); now when absent.
    pub starts_at: Option<String>,
    /// Until when (RFC 3339).
    pub ends_at: String,
    /// Only pauses with this tag.
    pub tag: Option<String>,
}

fn time(field: &str, text: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.to_utc())
        .map_err(|_| {
            ValidationError::new(field, format!("{field}: {text:?} is not an RFC 3339 time"))
        })
}

impl Pauses {
    /// Records a delegation, made by `by` (who asked, for the record);
    /// one overlapping another of the same person is a 400 naming
    /// `starts_at`.
    pub async fn delegate(
        &self,
        request: DelegationRequest,
        by: Option<String>,
    ) -> Result<Delegation, PauseError> {
        let now = self.clock.now();
        let starts_at = match &request.starts_at {
            Some(text) => time("starts_at", text)?,
            None => now,
        };
        let ends_at = time("ends_at", &request.ends_at)?;
        let id = self.mint.delegation_id();
        let (person, delegate) = (&request.person, &request.delegate);
        let tag = request.tag.as_deref();
        let delegation = Delegation::parse(id, person, delegate, starts_at, ends_at, tag, by, now)?;
        match self.store.add_delegation(delegation).await? {
            Ok(recorded) => Ok(recorded),
            Err(other) => Err(ValidationError::new(
                "starts_at",
                format!(
                    "starts_at: {} already has delegation {} to {} from {} until {}; \
                     withdraw it first",
                    other.person,
                    other.id,
                    other.delegate,
                    other.starts_at.to_rfc3339(),
                    other.ends_at.to_rfc3339()
                ),
            )
            .into()),
        }
    }

    /// The delegations that have not ended.
    pub async fn delegations(&self) -> Result<Vec<Delegation>, PauseError> {
        Ok(self
            .store
            .current_delegations(self.clock.now(), None)
            .await?)
    }

    /// The delegations that have not ended for `email` (they are the
    /// person) or to them (they are the delegate).
    pub async fn delegations_involving(&self, email: &str) -> Result<Vec<Delegation>, PauseError> {
        let now = self.clock.now();
        Ok(self.store.current_delegations(now, Some(email)).await?)
    }

    /// Withdraws delegation `id` on behalf of `email`, the person it is
    /// for (whoever recorded it): anyone else's is not found, as if it
    /// were not there.
    pub async fn withdraw_own_delegation(&self, id: &str, email: &str) -> Result<(), PauseError> {
        self.withdraw(id, Some(email)).await
    }

    /// Withdraws delegation `id`.
    pub async fn withdraw_delegation(&self, id: &str) -> Result<(), PauseError> {
        self.withdraw(id, None).await
    }

    async fn withdraw(&self, id: &str, of: Option<&str>) -> Result<(), PauseError> {
        let id = DelegationId::parse(id).ok_or(PauseError::NotFound)?;
        match self.store.remove_delegation(&id, of).await? {
            true => Ok(()),
            false => Err(PauseError::NotFound),
        }
    }

    /// Adds to `pause`'s recipients the delegates of the approvers it
    /// names by address, while their delegations hold, and records them
    /// on its rules (for channels to mention).
    pub(super) async fn ask_delegates(&self, pause: &mut NewPause) -> Result<(), PauseError> {
        let Some(rules) = &mut pause.rules else {
            return Ok(());
        };
        let people: Vec<String> = (rules.approvers.iter())
            .filter(|a| EmailAddress::parse("approvers", a).is_ok())
            .cloned()
            .collect();
        let holding = self.store.delegations_of(&people, self.clock.now()).await?;
        for delegation in holding {
            let covers = (delegation.tag.as_deref())
                .is_none_or(|tag| pause.tags.iter().any(|t| t.as_ref() == tag));
            if !covers {
                continue;
            }
            rules.delegates.push(DelegateAsked {
                person: delegation.person.clone(),
                delegate: delegation.delegate.clone(),
                until: delegation.ends_at,
            });
            if !(pause.notify.email.iter()).any(|e| e.is(&delegation.delegate)) {
                let address = EmailAddress::parse("delegate", &delegation.delegate)?;
                pause.notify.email.push(address);
            }
        }
        Ok(())
    }

    /// Whom `actor`, identified `by` (in `groups`), stands in for on
    /// `pause`: the first person a holding delegation names whom the
    /// pause's approvers name by address (not by domain or group),
    /// preferring one who has not approved yet; `None` when the actor
    /// decides for themselves (they are an approver, or nobody is named).
    pub(super) async fn stands_in_for(
        &self,
        pause: &Pause,
        actor: &str,
        by: IdentifiedBy,
        groups: &[String],
    ) -> Result<Option<String>, PauseError> {
        let address = matches!(
            by,
            IdentifiedBy::Email | IdentifiedBy::SignIn | IdentifiedBy::Vouched(_)
        );
        let Some(rules) = pause.rules.as_ref().filter(|r| !r.approvers.is_empty()) else {
            return Ok(None);
        };
        if !address || rules.admits(actor, by, groups) {
            return Ok(None);
        }
        let holding = self.store.delegations_to(actor, self.clock.now()).await?;
        let approved = |person: &str| {
            pause.decisions.iter().any(|d| {
                d.decision == Verdict::Approve
                    && d.on_behalf_of
                        .as_deref()
                        .or(d.actor.as_deref())
                        .is_some_and(|a| EmailAddress::same(a, person))
            })
        };
        let people: Vec<String> = (holding.into_iter())
            .filter(|d| d.covers(pause) && names(rules, &d.person))
            .map(|d| d.person)
            .collect();
        // Someone they stand in for who has approved already still names
        // the decision, so it is refused as counted rather than as a
        // stranger's.
        let first = people.first().cloned();
        Ok(people.into_iter().find(|p| !approved(p)).or(first))
    }
}

/// Whether `rules` name `person` by their address: a delegate stands in
/// only for someone a pause asks by name, never for a whole domain.
pub(super) fn names(rules: &Rules, person: &str) -> bool {
    rules
        .approvers
        .iter()
        .any(|a| EmailAddress::same(a, person))
}
