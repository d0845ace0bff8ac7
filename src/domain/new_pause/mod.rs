//! A new pause that passed every rule ([`NewPause`]), what the
//! configuration lets one ask for ([`CreatePolicy`]), and the rules for
//! the parts of a request that need more than one value or the policy to
//! check: targets and their parameters, expiry and reminders, who is told,
//! escalation, tags. The use case reads its command with these and with
//! the validated values of [`super::values`]; every refusal is a
//! [`ValidationError`] naming the field by its path in the request.

mod recipients;
mod targets;
mod timing;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde_json::Value;

use super::callback::{self, Callback, CallbackPolicy};
use super::fields::InputField;
use super::pause::{Notify, OnExpire};
use super::rules::{IdentifiedBy, Rules};
use super::subjects::Subject;
use super::text::{Lines, readable};
use super::validation::{MAX_DATA_BYTES, MAX_DESCRIPTION_CHARS, ValidationError};
use super::values::{IdempotencyKey, Tag, TargetName, Title};

pub use recipients::{parse_escalation, parse_notify, parse_tags};
pub use targets::{parse_target, parse_target_params};
pub use timing::{parse_expires_in, parse_expiry, parse_on_expire, parse_remind_before};

/// What the configuration allows a new pause to ask for.
#[derive(Clone)]
pub struct CreatePolicy {
    /// Expiry when the request names none.
    pub default_expires_in: Duration,
    /// Longest expiry a request may ask for.
    pub max_expires_in: Duration,
    /// Configured targets, each with the `target_params` keys it lets a pause set.
    pub targets: BTreeMap<String, Vec<String>>,
    /// Configured channel names.
    pub channels: BTreeSet<String>,
    /// Reminder lead time when the request names none.
    pub default_remind_before: Option<Duration>,
    /// Hosts a callback may point at.
    pub callbacks: CallbackPolicy,
    /// The callback kinds this server answers.
    pub callback_kinds: std::sync::Arc<dyn callback::CallbackKinds>,
}

impl std::fmt::Debug for CreatePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatePolicy")
            .field("targets", &self.targets)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

/// A pause request that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPause {
    /// Trimmed, 1–200 characters.
    pub title: Title,
    /// Possibly empty.
    pub description: String,
    /// `{}` when none was sent.
    pub data: Value,
    /// A configured target.
    pub target: Option<TargetName>,
    /// Only keys the target allows.
    pub target_params: Option<Value>,
    /// A configured target.
    pub on_reject: Option<TargetName>,
    /// Positive and within the maximum.
    pub expires_in: Duration,
    /// What expiry does.
    pub on_expire: OnExpire,
    /// Valid addresses, each once, and configured channels.
    pub notify: Notify,
    /// At most 200 characters.
    pub idempotency_key: Option<IdempotencyKey>,
    /// Remind email recipients this long before expiry, if at all.
    pub remind_before: Option<Duration>,
    /// The orchestrator to answer when it settles.
    pub callback: Option<Callback>,
    /// Who may decide, and how many must approve.
    pub rules: Option<Rules>,
    /// The identified caller that asked.
    pub requested_by: Option<String>,
    /// How the caller that asked was identified.
    pub requester_identified_by: Option<IdentifiedBy>,
    /// Labels to find it by.
    pub tags: Vec<Tag>,
    /// Fields the approver fills in.
    pub input_fields: Vec<InputField>,
    /// The artefacts it is about.
    pub subjects: Vec<Subject>,
    /// Who else is asked, and when, if nobody decides.
    pub escalation: Option<Escalation>,
    /// Its group: a newer pause of it supersedes this one.
    pub group: Option<Tag>,
    /// The change window it keeps to, besides its target's.
    pub window: Option<String>,
}

/// More people asked when a pause waits too long.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// How long after creation.
    pub after: Duration,
    /// Whom.
    pub to: Notify,
}

/// The description: possibly empty, readable text of several lines, up
/// to 10,000 characters.
pub fn parse_description(description: Option<String>) -> Result<String, ValidationError> {
    let description = description.unwrap_or_default();
    readable("description", &description, Lines::Many)?;
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ValidationError::new(
            "description",
            format!(
                "description is {chars} characters long; the most allowed is {MAX_DESCRIPTION_CHARS}"
            ),
        ));
    }
    Ok(description)
}

/// The data: any JSON up to 256 KiB, `{}` when none was sent.
pub fn parse_data(data: Option<Value>) -> Result<Value, ValidationError> {
    let data = data.unwrap_or_else(|| Value::Object(Default::default()));
    let size = serde_json::to_vec(&data).map(|v| v.len()).unwrap_or(0);
    if size > MAX_DATA_BYTES {
        return Err(ValidationError::new(
            "data",
            format!("data is {size} bytes as JSON; the most allowed is {MAX_DATA_BYTES}"),
        ));
    }
    Ok(data)
}

/// Names for a message: `a, b`, or `none`.
fn join_names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
