//! Delegations: while a person is away, someone else may decide for them.
//! A delegation names the person, the delegate, when it holds (from
//! `starts_at` until `ends_at`) and, optionally, the one tag of pauses it
//! covers. It holds by the clock alone, so it ends on time with nothing
//! to run. Delegations do not chain: only a person a pause names directly
//! can be stood in for. Pure rules; the store keeps them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::DelegationId;
use super::pause::Pause;
use super::time;
use super::validation::ValidationError;
use super::values::{EmailAddress, Tag};

/// A recorded delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delegation {
    /// `dlg_…`.
    #[schema(value_type = String)]
    pub id: DelegationId,
    /// Who is away (lower case).
    pub person: String,
    /// Who decides for them (lower case).
    pub delegate: String,
    /// When it starts to hold.
    #[serde(with = "time::required")]
    pub starts_at: DateTime<Utc>,
    /// When it stops holding.
    #[serde(with = "time::required")]
    pub ends_at: DateTime<Utc>,
    /// Only pauses with this tag; every pause when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Who recorded it: the signed-in person or the API caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When it was recorded.
    #[serde(with = "time::required")]
    pub created_at: DateTime<Utc>,
}

/// A delegate asked on a pause because the approver they stand in for was
/// away when it was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DelegateAsked {
    /// The away approver.
    pub person: String,
    /// Who was asked for them.
    pub delegate: String,
    /// When the delegation ends.
    #[serde(with = "time::required")]
    pub until: DateTime<Utc>,
}

impl Delegation {
    /// A delegation from checked parts; errors name the field.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        id: DelegationId,
        person: &str,
        delegate: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        tag: Option<&str>,
        created_by: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        let person = EmailAddress::parse("person", person)?
            .to_string()
            .to_lowercase();
        let delegate = EmailAddress::parse("delegate", delegate)?
            .to_string()
            .to_lowercase();
        if person == delegate {
            let message = "delegate: must be someone other than the person who is away";
            return Err(ValidationError::new("delegate", message));
        }
        if ends_at <= starts_at {
            return Err(ValidationError::new(
                "ends_at",
                "ends_at: must be after starts_at",
            ));
        }
        if ends_at <= now {
            return Err(ValidationError::new(
                "ends_at",
                "ends_at: must be in the future",
            ));
        }
        let tag = tag.map(|t| Tag::parse("tag", t)).transpose()?;
        Ok(Self {
            id,
            person,
            delegate,
            starts_at,
            ends_at,
            tag: tag.map(Tag::into_string),
            created_by,
            created_at: now,
        })
    }

    /// Whether it holds at `at`.
    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }

    /// Whether it covers `pause` (every pause, or those with its tag).
    pub fn covers(&self, pause: &Pause) -> bool {
        self.tag
            .as_deref()
            .is_none_or(|tag| pause.tags.iter().any(|t| t.as_ref() == tag))
    }

    /// Whether it and `other` would both let someone decide for the same
    /// person at the same time on the same pause.
    pub fn overlaps(&self, other: &Self) -> bool {
        let same_scope = match (&self.tag, &other.tag) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        self.person == other.person
            && same_scope
            && self.starts_at < other.ends_at
            && other.starts_at < self.ends_at
    }
}
