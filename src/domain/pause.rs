//! A pause and its history: state, decisions and deliveries, with the rules
//! for how it may change. Serialized exactly as the API shows it.

use super::fields::InputField;
use super::rules::{IdentifiedBy, Rules};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::callback::Callback;
#[allow(unused_imports)] // named by the schema attribute below
use super::callback::CallbackView;
use super::delivery::Delivery;
use super::ids::PauseId;
use super::subjects::Subject;
use super::time;
use super::values::{ActorName, ChannelName, EmailAddress, Tag, TargetName, Title};

/// Where a pause stands. Only `Pending` ever changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseState {
    /// Waiting for a decision.
    Pending,
    /// Someone (or the timeout) approved it.
    Approved,
    /// Someone (or the timeout) rejected it.
    Rejected,
    /// Nobody decided before it expired.
    Expired,
    /// Withdrawn through the API before anyone decided.
    Cancelled,
}

impl PauseState {
    /// The state as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a state back from text; `None` for anything unknown.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Approved,
            Self::Rejected,
            Self::Expired,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// What a decision says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Go ahead.
    Approve,
    /// Stop.
    Reject,
}

impl Verdict {
    /// The verdict as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }

    /// Reads `approve` or `reject`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    /// The state a pending pause moves to on this verdict.
    pub fn resulting_state(self) -> PauseState {
        match self {
            Self::Approve => PauseState::Approved,
            Self::Reject => PauseState::Rejected,
        }
    }
}

/// How a decision reached pausegate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Through a review link (the page or `POST /api/v1/decisions`).
    Link,
    /// Through the management API with the API key.
    Api,
    /// Recorded by expiry, as `on_expire` asked.
    Timeout,
    /// Settled at creation by a configured policy.
    Policy,
}

impl Via {
    /// The channel as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Api => "api",
            Self::Timeout => "timeout",
            Self::Policy => "policy",
        }
    }

    /// Reads a stored channel.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "link" => Some(Self::Link),
            "api" => Some(Self::Api),
            "timeout" => Some(Self::Timeout),
            "policy" => Some(Self::Policy),
            _ => None,
        }
    }
}

/// What happens when a pause reaches `expires_at` undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnExpire {
    /// Becomes `expired`, with no decision.
    #[default]
    Expire,
    /// Approved, recorded `via: "timeout"`.
    Approve,
    /// Rejected, recorded `via: "timeout"`.
    Reject,
}

impl OnExpire {
    /// The setting as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expire => "expire",
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }

    /// Reads `expire`, `approve` or `reject`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "expire" => Some(Self::Expire),
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    /// The verdict expiry records, if any.
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            Self::Expire => None,
            Self::Approve => Some(Verdict::Approve),
            Self::Reject => Some(Verdict::Reject),
        }
    }
}

/// Who is told about a pause.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notify {
    /// Addresses that each get a personal link.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub email: Vec<EmailAddress>,
    /// Configured channel names that get a shared link.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub channels: Vec<ChannelName>,
}

impl Notify {
    /// True when nobody is to be told.
    pub fn is_empty(&self) -> bool {
        self.email.is_empty() && self.channels.is_empty()
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// Approve or reject.
    pub decision: Verdict,
    /// Who decided: an email address, a self-declared name, an API caller's
    /// label, or `null` when the link holder gave no name.
    #[schema(value_type = Option<String>)]
    pub actor: Option<ActorName>,
    /// The person a delegate decided for ("bo@example.com for
    /// ana@example.com"): set only from a delegation pausegate holds, never
    /// from a request. The decision counts for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// How the decision arrived.
    pub via: Via,
    /// How the actor was identified; only identified actors count toward
    /// a pause's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identified_by: Option<IdentifiedBy>,
    /// The groups the decider's sign-in vouched for, for `group:` approver
    /// rules at the moment of deciding; not stored.
    #[serde(skip)]
    pub groups: Vec<String>,
    /// The values this decider gave for the pause's `input_fields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<serde_json::Map<String, Value>>,
    /// The decider's comment, if any.
    pub comment: Option<String>,
    /// When it was recorded.
    #[serde(with = "time::required")]
    pub at: DateTime<Utc>,
}

/// A pause with everything that happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pause {
    /// `pau_…`.
    pub id: PauseId,
    /// Where it stands.
    pub state: PauseState,
    /// One line saying what waits (1–200 characters).
    #[schema(value_type = String)]
    pub title: Title,
    /// More words for the reviewer.
    pub description: String,
    /// Opaque JSON handed to the pipeline that resumes.
    pub data: Value,
    /// Target started on approval.
    #[schema(value_type = Option<String>)]
    pub target: Option<TargetName>,
    /// Per-pause overrides of the target's settings.
    #[serde(default)]
    pub target_params: Option<Value>,
    /// Target started on rejection.
    #[schema(value_type = Option<String>)]
    pub on_reject: Option<TargetName>,
    /// What expiry does.
    #[serde(default)]
    pub on_expire: OnExpire,
    /// Who is told.
    #[serde(default)]
    pub notify: Notify,
    /// When it was created.
    #[serde(with = "time::required")]
    pub created_at: DateTime<Utc>,
    /// When it stops accepting decisions.
    #[serde(with = "time::required")]
    pub expires_at: DateTime<Utc>,
    /// When it left `pending`.
    #[serde(with = "time::optional")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Decisions recorded: the one that settled it, and before it the
    /// approvals a quorum collected.
    pub decisions: Vec<Decision>,
    /// Who may decide and how many must approve; none: the first decision
    /// settles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Rules>,
    /// The identified caller that asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// How the caller that asked was identified: `api_key` (a named key,
    /// `requested_by` its name), `oidc` (an OpenID Connect token,
    /// `requested_by` the caller it names), or `self_declared` (the
    /// server's own key, which names nobody: `requested_by` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_identified_by: Option<IdentifiedBy>,
    /// Labels to find it by (`?tag=` on the list).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// Its group: a newer pause of the same group cancels this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub group: Option<Tag>,
    /// The newer pause of its group that cancelled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub superseded_by: Option<PauseId>,
    /// The artefacts it is about (`{name, digest: {sha256}}`), as the
    /// request named them: the subject of its attestation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Fields the approver fills in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_fields: Vec<InputField>,
    /// The values given with the latest decision that gave any, typed as
    /// declared: what a trigger, a callback and `wait` pass on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<serde_json::Map<String, Value>>,
    /// Triggers and notifications sent for it.
    pub deliveries: Vec<Delivery>,
    /// The orchestrator answered when it settles, shown as kind and host
    /// only: its URL is a secret.
    #[serde(
        default,
        skip_deserializing,
        skip_serializing_if = "Option::is_none",
        serialize_with = "callback_view"
    )]
    #[schema(value_type = Option<CallbackView>)]
    pub callback: Option<Callback>,
    /// The signed receipt (JWS, compact form) once the pause settled; see
    /// `GET /api/v1/pauses/{id}/receipt` and `/.well-known/jwks.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// The change window it keeps to, besides its target's (`[windows]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// Who released what a change window held, before it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<super::window::Released>,
    /// When what it starts is held by a change window: worked out when it
    /// is read, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<super::window::HeldStart>,
}

fn callback_view<S: serde::Serializer>(
    callback: &Option<Callback>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    callback.as_ref().map(Callback::view).serialize(serializer)
}

impl Pause {
    /// Sets `inputs` from the decisions: the latest that gave values.
    pub fn refresh_inputs(&mut self) {
        self.inputs = self.decisions.iter().rev().find_map(|d| d.inputs.clone());
    }

    /// True while it still waits and its expiry has not passed.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.state == PauseState::Pending && now < self.expires_at
    }

    /// True when it still says pending but its time has run out.
    pub fn is_due_for_expiry(&self, now: DateTime<Utc>) -> bool {
        self.state == PauseState::Pending && now >= self.expires_at
    }

    /// The decision that settled it, if one did.
    pub fn decision(&self) -> Option<&Decision> {
        self.decisions.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_reads_back_from_its_name() {
        for state in [
            PauseState::Pending,
            PauseState::Approved,
            PauseState::Rejected,
            PauseState::Expired,
            PauseState::Cancelled,
        ] {
            assert_eq!(PauseState::parse(state.as_str()), Some(state));
        }
        assert_eq!(PauseState::parse("done"), None);
    }

    #[test]
    fn verdicts_lead_to_their_states() {
        assert_eq!(Verdict::Approve.resulting_state(), PauseState::Approved);
        assert_eq!(Verdict::Reject.resulting_state(), PauseState::Rejected);
        assert_eq!(OnExpire::Expire.verdict(), None);
        assert_eq!(OnExpire::Approve.verdict(), Some(Verdict::Approve));
    }
}
