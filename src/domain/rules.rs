//! Who may decide a pause, and when its decisions settle it: approver
//! patterns, how many distinct identified people must approve, whether the
//! requester may approve their own pause. Pure: the store calls
//! [`rule_on`] with the pause it holds locked, so racing decisions are
//! ruled on one at a time and a pause settles exactly once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::approvers;
use super::delegation::DelegateAsked;
use super::pause::{Decision, Pause, PauseState, Verdict, Via};
use super::text::{Lines, readable};
use super::validation::ValidationError;
use super::values::EmailAddress;

/// Most approvers a pause may list, and most approvals it may require.
pub(crate) const MAX_APPROVERS: usize = 50;
const MAX_REQUIRED: u32 = 20;

/// How a decision's actor was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifiedBy {
    /// The recipient of a personal email link.
    Email,
    /// A named API key.
    ApiKey,
    /// A verified OpenID Connect token.
    Oidc,
    /// A person signed in with the configured OpenID Connect provider.
    SignIn,
    /// A chat user, by the address the chat's own API gave for them, as
    /// the integration named here (stored as its name) vouched.
    Vouched(Voucher),
    /// A name typed on a shared link, or sent with the server's unnamed
    /// key: it never counts toward a rule.
    SelfDeclared,
    /// A configured policy, by its name.
    Policy,
}

/// The integration that vouched for an address (`chat`): 1 to 16 ASCII
/// lowercase letters, digits or `_`, kept inline so an identification
/// stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Voucher {
    len: u8,
    name: [u8; 16],
}

impl Voucher {
    /// The voucher named `name`; `None` if it is not a plain name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::from_static(name)
    }

    /// As [`Voucher::parse`], usable in constants.
    pub const fn from_static(name: &str) -> Option<Self> {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() > 16 {
            return None;
        }
        let mut inline = [0; 16];
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return None;
            }
            inline[i] = b;
            i += 1;
        }
        Some(Self {
            len: bytes.len() as u8,
            name: inline,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.name[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Voucher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Voucher({})", self.as_str())
    }
}

impl IdentifiedBy {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email => "email",
            Self::ApiKey => "api_key",
            Self::Oidc => "oidc",
            Self::SignIn => "sign_in",
            Self::Vouched(voucher) => voucher.as_str(),
            Self::SelfDeclared => "self_declared",
            Self::Policy => "policy",
        }
    }

    /// Reads the stored form: the core's ways, or an integration's name.
    pub fn parse(text: &str) -> Option<Self> {
        let core = [
            Self::Email,
            Self::ApiKey,
            Self::Oidc,
            Self::SignIn,
            Self::SelfDeclared,
            Self::Policy,
        ];
        match core.into_iter().find(|k| k.as_str() == text) {
            Some(way) => Some(way),
            None => Voucher::parse(text).map(Self::Vouched),
        }
    }
}

impl Serialize for IdentifiedBy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdentifiedBy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a way of identifying"))
        })
    }
}

impl utoipa::PartialSchema for IdentifiedBy {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "email, api_key, oidc, sign_in, self_declared, policy, or the name of the \
                 integration that vouched for the address (a chat's)",
            ))
            .examples(["email"])
            .into()
    }
}

impl utoipa::ToSchema for IdentifiedBy {}

/// A pause's approver rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rules {
    /// Who may decide: addresses, `*@domain`, `group:NAME` (a group the
    /// sign-in provider vouches for), `oidc:CALLER:SUBJECT` (or
    /// `oidc:CALLER:PREFIX*`), or named API keys; empty lets any identified
    /// person decide. Each admits only identities of its own kind
    /// ([`approvers`]).
    #[serde(default)]
    pub approvers: Vec<String>,
    /// Distinct identified approvals that settle the pause.
    pub approvals_required: u32,
    /// Whether the requester may approve their own pause.
    #[serde(default)]
    pub allow_self_approval: bool,
    /// Whom each `oncall:` approver named when the pause was created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_call: Vec<OnCallResolution>,
    /// The delegates asked because an approver was away when the pause
    /// was created: channels mention them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegates: Vec<DelegateAsked>,
}

/// Whom an `oncall:SERVICE:SCHEDULE` approver stood for, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OnCallResolution {
    /// The approver as given (`oncall:pagerduty:P1234`).
    pub schedule: String,
    /// The addresses asked for it: the people on call, or the fallback
    /// approvers when the service could not be reached.
    pub people: Vec<String>,
    /// When the schedule was read.
    #[serde(with = "super::time::required")]
    pub resolved_at: DateTime<Utc>,
    /// Set when the service could not be reached: what went wrong, and
    /// that the fallback approvers were asked instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl Rules {
    /// Whether `address` was asked as a delegate whose delegation holds
    /// at `at` (whether they may still decide is checked when they do).
    pub fn asks_delegate(&self, address: &str, at: DateTime<Utc>) -> bool {
        (self.delegates.iter()).any(|d| at < d.until && EmailAddress::same(&d.delegate, address))
    }

    /// Checks the request's rule fields; `None` when it asks for none.
    pub fn parse(
        approvers: Option<Vec<String>>,
        required: Option<u32>,
        allow_self_approval: Option<bool>,
    ) -> Result<Option<Self>, ValidationError> {
        if approvers.is_none() && required.is_none() && allow_self_approval.is_none() {
            return Ok(None);
        }
        let approvers = approvers.unwrap_or_default();
        if approvers.len() > MAX_APPROVERS {
            let message = format!("approvers: at most {MAX_APPROVERS}");
            return Err(ValidationError::new("approvers", &message));
        }
        for (index, approver) in approvers.iter().enumerate() {
            let field = format!("approvers[{index}]");
            readable(&field, approver, Lines::One)?;
            let bad = approver.trim().is_empty()
                || approver.len() > 200
                || approver.chars().any(char::is_control)
                || !approvers::is_pattern(approver);
            if bad {
                let message = format!(
                    "{field}: {approver:?} is not an address, *@domain, group:NAME, \
                     oidc:CALLER:SUBJECT (or oidc:CALLER:PREFIX*), \
                     oncall:pagerduty:SCHEDULE, oncall:opsgenie:SCHEDULE or an API key's name"
                );
                return Err(ValidationError::new(&field, &message));
            }
        }
        let approvals_required = required.unwrap_or(1);
        if !(1..=MAX_REQUIRED).contains(&approvals_required) {
            let message = format!("approvals_required must be between 1 and {MAX_REQUIRED}");
            return Err(ValidationError::new("approvals_required", &message));
        }
        Ok(Some(Self {
            approvers,
            approvals_required,
            allow_self_approval: allow_self_approval.unwrap_or(false),
            on_call: Vec::new(),
            delegates: Vec::new(),
        }))
    }

    /// Whether `actor`, identified `by`, in `groups`, is among the
    /// approvers (everyone when none are named).
    pub fn admits(&self, actor: &str, by: IdentifiedBy, groups: &[String]) -> bool {
        self.approvers.is_empty()
            || self
                .approvers
                .iter()
                .any(|pattern| approvers::admits(pattern, actor, by, groups))
    }
}

/// What a decision does to a pending pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruling {
    /// It settles the pause in this state.
    Settle(PauseState),
    /// It is recorded; the pause waits for more approvals.
    Record,
    /// It may not be made; the reason says why.
    Refuse(String),
    /// This person already approved; nothing changes.
    AlreadyCounted(String),
}

/// Rules on `decision` for the pending `pause`.
pub fn rule_on(pause: &Pause, decision: &Decision) -> Ruling {
    let settles = match decision.decision {
        Verdict::Approve => PauseState::Approved,
        Verdict::Reject => PauseState::Rejected,
    };
    if decision.via == Via::Timeout {
        return Ruling::Settle(settles);
    }
    let identified = identified_actor(decision);
    // A delegate's decision counts for the person they stand in for.
    let counted = identified
        .and(decision.on_behalf_of.as_deref())
        .or(identified);
    let allow_self = pause.rules.as_ref().is_some_and(|r| r.allow_self_approval);
    if let (Some(requester), Verdict::Approve) = (&pause.requested_by, decision.decision)
        && let Some(own) = [identified, counted]
            .into_iter()
            .flatten()
            .find(|who| who.eq_ignore_ascii_case(requester))
        && !allow_self
    {
        return Ruling::Refuse(format!("{own} asked for this pause and may not approve it"));
    }
    let Some(rules) = &pause.rules else {
        return Ruling::Settle(settles);
    };
    let Some((actor, by)) = counted.zip(decision.identified_by) else {
        return Ruling::Refuse(
            "this pause has approver rules: a self-declared name cannot decide it; use your \
             personal link or an API key of your own"
                .to_owned(),
        );
    };
    if !rules.admits(actor, by, &decision.groups) {
        return Ruling::Refuse(format!("{actor} is not among this pause's approvers"));
    }
    if decision.decision == Verdict::Reject {
        return Ruling::Settle(PauseState::Rejected);
    }
    let approvers = distinct_approvers(pause);
    if approvers.contains(&actor.to_lowercase()) {
        return Ruling::AlreadyCounted(format!("{actor} has already approved this pause"));
    }
    // One person, one approval: a delegate who approved (for themselves
    // or for someone) cannot approve again for anyone else.
    if let Some(person) = identified
        && deciders(pause).contains(&person.to_lowercase())
    {
        return Ruling::AlreadyCounted(format!("{person} has already approved this pause"));
    }
    if approvers.len() as u32 + 1 >= rules.approvals_required {
        Ruling::Settle(PauseState::Approved)
    } else {
        Ruling::Record
    }
}

/// The actor, if identified by something other than their own word.
fn identified_actor(decision: &Decision) -> Option<&str> {
    match decision.identified_by {
        Some(IdentifiedBy::SelfDeclared) | None => None,
        Some(_) => decision.actor.as_deref(),
    }
}

/// The identified people approvals counted for so far, each once: the
/// person a delegate stood in for, or the decider.
fn distinct_approvers(pause: &Pause) -> Vec<String> {
    approvals(pause, |d| {
        identified_actor(d)
            .and(d.on_behalf_of.as_deref())
            .or(identified_actor(d))
    })
}

/// The identified people who approved so far themselves, each once.
fn deciders(pause: &Pause) -> Vec<String> {
    approvals(pause, identified_actor)
}

fn approvals(pause: &Pause, who: impl Fn(&Decision) -> Option<&str>) -> Vec<String> {
    let mut approvers: Vec<String> = pause
        .decisions
        .iter()
        .filter(|d| d.decision == Verdict::Approve)
        .filter_map(who)
        .map(str::to_lowercase)
        .collect();
    approvers.sort();
    approvers.dedup();
    approvers
}

/// How many more approvals `pause` needs, for messages.
pub fn approvals_missing(pause: &Pause) -> u32 {
    let Some(rules) = &pause.rules else { return 0 };
    rules
        .approvals_required
        .saturating_sub(distinct_approvers(pause).len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_name_their_field() {
        let error = Rules::parse(Some(vec!["a*b".into()]), None, None).unwrap_err();
        assert_eq!(error.field, "approvers[0]");
        let error = Rules::parse(None, Some(0), None).unwrap_err();
        assert_eq!(error.field, "approvals_required");
        assert_eq!(Rules::parse(None, None, None).unwrap(), None);
    }

    #[test]
    fn a_domain_pattern_admits_that_domain_only() {
        let rules = Rules::parse(
            Some(vec!["*@example.com".into(), "ci-bot".into()]),
            None,
            None,
        )
        .unwrap()
        .unwrap();
        let sign_in = IdentifiedBy::SignIn;
        assert!(rules.admits("ana@EXAMPLE.com", sign_in, &[]));
        assert!(rules.admits("ci-bot", IdentifiedBy::ApiKey, &[]));
        assert!(!rules.admits("ana@example.com.evil.org", sign_in, &[]));
        assert!(!rules.admits("eve@elsewhere.org", sign_in, &[]));
        let by_group = Rules::parse(Some(vec!["group:release-managers".into()]), None, None)
            .unwrap()
            .unwrap();
        let managers = ["release-managers".to_owned()];
        assert!(by_group.admits("eve@elsewhere.org", sign_in, &managers));
        assert!(!by_group.admits("eve@elsewhere.org", sign_in, &["interns".to_owned()]));
    }

    #[test]
    fn an_oidc_token_shaped_like_an_address_is_not_that_person() {
        let rules = Rules::parse(
            Some(vec!["ana@example.com".into(), "*@example.com".into()]),
            None,
            None,
        )
        .unwrap()
        .unwrap();
        let oidc = IdentifiedBy::Oidc;
        assert!(!rules.admits("oidc:gha:ana@example.com", oidc, &[]));
        assert!(!rules.admits("oidc:gha:repo:org/x@example.com", oidc, &[]));
        let by_prefix = Rules::parse(Some(vec!["oidc:gha:repo:org/*".into()]), None, None)
            .unwrap()
            .unwrap();
        assert!(by_prefix.admits("oidc:gha:repo:org/app:ref:refs/heads/main", oidc, &[]));
        let error = Rules::parse(Some(vec!["oidc:*".into()]), None, None).unwrap_err();
        assert_eq!(error.field, "approvers[0]");
    }
}
