//! Raw input as callers send it, and the rules that turn it into a valid
//! [`NewPause`]. Every refusal is a [`ValidationError`] naming the field.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::callback::{
    self, Callback, CallbackPolicy, CallbackRequest, parse_callback, parse_callback_timeout,
};
use super::duration::{format_duration, parse_duration};
use super::fields::{InputField, parse_fields};
use super::object_only::object_only;
use super::pause::{Notify, OnExpire};
use super::rules::{IdentifiedBy, Rules};
use super::text::{self, Lines, readable};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Largest `data`, in bytes of compact JSON.
pub const MAX_DATA_BYTES: usize = 256 * 1024;
/// Longest comment on a decision, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Longest actor name or idempotency key, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Most email recipients on one pause.
pub const MAX_RECIPIENTS: usize = 50;

/// Input that breaks a rule: which field, and a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The offending field, as named in the request.
    pub field: String,
    /// A sentence naming the field and the problem.
    pub message: String,
}

impl ValidationError {
    /// An error on `field` with a full message.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `POST /api/v1/pauses` as sent. Unknown fields are refused, so a typo such
/// as `expire_in` is an error rather than a silent default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Required, 1–200 characters: one line of readable text. Refused here
    /// and in every text people read: control, format (bidirectional,
    /// zero-width), line and paragraph separator, private-use and
    /// unassigned characters; the error names the field and the code point.
    // An `Option` so that a missing title gets this service's own message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff][^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$")]
    pub title: Option<String>,
    /// Up to 10,000 characters; line breaks and tabs allowed, hidden
    /// characters refused as in `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    pub description: Option<String>,
    /// Any JSON up to 256 KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Target to start on approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Overrides of the target's settings, limited to its `overridable` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_params: Option<Value>,
    /// Target to start on rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_reject: Option<String>,
    /// `"24h"` or whole seconds (string or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "24h")]
    pub expires_in: Option<Value>,
    /// `expire`, `approve` or `reject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_expire: Option<String>,
    /// Who to tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifyRequest>,
    /// Makes a retried create return the first pause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    pub idempotency_key: Option<String>,
    /// Email recipients again this long before expiry (`"1h"`), or `false`
    /// for no reminder; the config's `remind_before` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "1h")]
    pub remind_before: Option<Value>,
    /// Added by an orchestrator's callback activity: the outcome is POSTed there when the
    /// pause settles. The host must be in `[callbacks] allowed_hosts`.
    #[serde(
        rename = "callBackUri",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub call_back_uri: Option<String>,
    /// How to answer an orchestrator waiting for this pause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackRequest>,
    /// How long the orchestrator waits (its activity's `timeout`, e.g.
    /// `"0.12:00:00"`, or `"12h"`): `expires_in` defaults to just under it
    /// and may not exceed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_timeout: Option<String>,
    /// Who may decide: addresses, `*@domain`, or API caller names (up to
    /// 50). With any rule set, only identified people decide: personal
    /// links, named keys, OpenID Connect tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvers: Option<Vec<String>>,
    /// Distinct identified approvals that settle the pause (1–20, default
    /// 1); any rejection settles it rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 20)]
    pub approvals_required: Option<u32>,
    /// Let the requester approve their own pause (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_self_approval: Option<bool>,
    /// A key naming what this pause is about (`deploy:prod`): a newer
    /// pause of the same group cancels the older pending ones, so a stale
    /// request cannot be approved after a newer one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 50, pattern = "^[A-Za-z0-9._:/-]+$")]
    pub group: Option<String>,
    /// If nobody decided this long after creation (`"2h"`), `escalate_to`
    /// is asked too; shorter than `expires_in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2h")]
    pub escalate_after: Option<Value>,
    /// Who is asked at `escalate_after`: addresses (each a personal link)
    /// and channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_to: Option<NotifyRequest>,
    /// Typed fields the approver fills in (up to 20); their values come
    /// back as `inputs` on the pause, in triggers and callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_fields: Option<Vec<InputField>>,
    /// Up to 10 labels (`team:data`, `prod`) to find it by: letters,
    /// digits and `._:/-`, 1–50 characters each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 10)]
    pub tags: Option<Vec<String>>,
}

/// `notify` as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(remote = "Self")]
pub struct NotifyRequest {
    /// Addresses to email.
    #[serde(default)]
    pub email: Vec<String>,
    /// Channel names to post to.
    #[serde(default)]
    pub channels: Vec<String>,
}

object_only!(NotifyRequest, "a JSON object with email and channels");

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
    pub title: String,
    /// Possibly empty.
    pub description: String,
    /// `{}` when none was sent.
    pub data: Value,
    /// A configured target.
    pub target: Option<String>,
    /// Only keys the target allows.
    pub target_params: Option<Value>,
    /// A configured target.
    pub on_reject: Option<String>,
    /// Positive and within the maximum.
    pub expires_in: Duration,
    /// What expiry does.
    pub on_expire: OnExpire,
    /// Valid addresses, each once, and configured channels.
    pub notify: Notify,
    /// At most 200 characters.
    pub idempotency_key: Option<String>,
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
    pub tags: Vec<String>,
    /// Fields the approver fills in.
    pub input_fields: Vec<InputField>,
    /// Who else is asked, and when, if nobody decides.
    pub escalation: Option<Escalation>,
    /// Its group: a newer pause of it supersedes this one.
    pub group: Option<String>,
}

/// More people asked when a pause waits too long.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// How long after creation.
    pub after: Duration,
    /// Whom.
    pub to: Notify,
}

impl NewPause {
    /// Checks every field of `request` against the rules and `policy`.
    pub fn parse(request: PauseRequest, policy: &CreatePolicy) -> Result<Self, ValidationError> {
        let target = parse_target("target", request.target, policy)?;
        let kinds = &*policy.callback_kinds;
        let callback = parse_callback(
            request.call_back_uri,
            request.callback,
            &policy.callbacks,
            kinds,
        )?;
        let callback_timeout = parse_callback_timeout(request.callback_timeout)?;
        Ok(Self {
            title: parse_title(request.title)?,
            description: parse_description(request.description)?,
            data: parse_data(request.data)?,
            target_params: parse_target_params(request.target_params, target.as_deref(), policy)?,
            target,
            on_reject: parse_target("on_reject", request.on_reject, policy)?,
            expires_in: parse_expiry(request.expires_in, callback_timeout, policy)?,
            on_expire: parse_on_expire(request.on_expire)?,
            notify: parse_notify(request.notify.unwrap_or_default(), policy)?,
            // An orchestrator's retry carries the same callback: same pause.
            idempotency_key: parse_idempotency_key(request.idempotency_key)?
                .or_else(|| callback.as_ref().map(|c| Callback::key(&kinds.identity(c)))),
            remind_before: parse_remind_before(request.remind_before, policy)?,
            callback,
            rules: Rules::parse(
                request.approvers,
                request.approvals_required,
                request.allow_self_approval,
            )?,
            // Never from the body: the use case sets who asked.
            requested_by: None,
            requester_identified_by: None,
            tags: parse_tags(request.tags)?,
            input_fields: parse_fields(request.input_fields)?,
            escalation: parse_escalation(request.escalate_after, request.escalate_to, policy)?,
            group: request.group.map(parse_group).transpose()?,
        })
    }
}

/// Most tags on a pause.
pub const MAX_TAGS: usize = 10;

/// Tags: each 1–50 of letters, digits and `._:/-`, at most ten, each once.
fn parse_tags(tags: Option<Vec<String>>) -> Result<Vec<String>, ValidationError> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(ValidationError::new(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut seen = Vec::with_capacity(tags.len());
    for (index, tag) in tags.into_iter().enumerate() {
        let field = format!("tags[{index}]");
        readable(&field, &tag, Lines::One)?;
        parse_tag(&tag).map_err(|m| ValidationError::new(&field, format!("{field}: {m}")))?;
        if !seen.contains(&tag) {
            seen.push(tag);
        }
    }
    Ok(seen)
}

/// One tag, as on a pause or in `?tag=`.
pub fn parse_tag(tag: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._:/-".contains(c);
    if tag.is_empty() || tag.len() > 50 || !tag.chars().all(allowed) {
        return Err(format!(
            "tag {tag:?} must be 1-50 letters, digits or ._:/- characters"
        ));
    }
    Ok(())
}

/// A group: one line of readable text, then a tag's characters.
fn parse_group(group: String) -> Result<String, ValidationError> {
    readable("group", &group, Lines::One)?;
    parse_tag(&group)
        .map(|()| group)
        .map_err(|m| ValidationError::new("group", m.replacen("tag", "group", 1)))
}

fn parse_title(title: Option<String>) -> Result<String, ValidationError> {
    let title = title.ok_or_else(|| ValidationError::new("title", "title is required"))?;
    let title = title.trim();
    if title.is_empty() {
        return Err(ValidationError::new("title", "title must not be empty"));
    }
    // It becomes an email subject and a log line: one line only.
    readable("title", title, Lines::One)?;
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(ValidationError::new(
            "title",
            format!("title is {chars} characters long; the most allowed is {MAX_TITLE_CHARS}"),
        ));
    }
    Ok(title.to_owned())
}

fn parse_description(description: Option<String>) -> Result<String, ValidationError> {
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

fn parse_data(data: Option<Value>) -> Result<Value, ValidationError> {
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

fn parse_target(
    field: &str,
    name: Option<String>,
    policy: &CreatePolicy,
) -> Result<Option<String>, ValidationError> {
    let Some(name) = name else { return Ok(None) };
    readable(field, &name, Lines::One)?;
    if policy.targets.contains_key(&name) {
        return Ok(Some(name));
    }
    let known = join_names(policy.targets.keys());
    Err(ValidationError::new(
        field,
        format!("{field} {name:?} is not a configured target (configured: {known})"),
    ))
}

fn parse_target_params(
    params: Option<Value>,
    target: Option<&str>,
    policy: &CreatePolicy,
) -> Result<Option<Value>, ValidationError> {
    let Some(params) = params else {
        return Ok(None);
    };
    let field = "target_params";
    let Value::Object(map) = &params else {
        return Err(ValidationError::new(
            field,
            "target_params must be a JSON object",
        ));
    };
    let Some(target) = target else {
        return Err(ValidationError::new(field, "target_params needs a target"));
    };
    let allowed = &policy.targets[target];
    if let Some(key) = map.keys().find(|key| !allowed.contains(key)) {
        let allowed = join_names(allowed.iter());
        return Err(ValidationError::new(
            field,
            format!(
                "target_params may not set {key:?}: target {target:?} lets a pause override only: {allowed}"
            ),
        ));
    }
    // Values become parts of requests to other systems: plain names only.
    for (key, value) in map {
        let name = format!("target_params.{key}");
        let Some(text) = value.as_str() else {
            return Err(ValidationError::new(
                &name,
                format!("{name} must be a string"),
            ));
        };
        text::plain_name(&name, text)?;
    }
    Ok(Some(params))
}

/// `expires_in`, or just under the orchestrator's own wait when it says
/// how long that is; never longer than that wait.
fn parse_expiry(
    expires_in: Option<Value>,
    callback_timeout: Option<Duration>,
    policy: &CreatePolicy,
) -> Result<Duration, ValidationError> {
    let Some(timeout) = callback_timeout else {
        return parse_expires_in(expires_in, policy);
    };
    if expires_in.is_none() {
        return Ok(callback::just_under(timeout).min(policy.max_expires_in));
    }
    let expires_in = parse_expires_in(expires_in, policy)?;
    if expires_in > timeout {
        return Err(ValidationError::new(
            "expires_in",
            format!(
                "expires_in ({}) is longer than callback_timeout ({}): the orchestrator would \
                 stop waiting before the pause expires",
                format_duration(expires_in),
                format_duration(timeout)
            ),
        ));
    }
    Ok(expires_in)
}

/// Reads `expires_in` (a duration string or whole seconds), within the
/// longest expiry allowed.
pub fn parse_expires_in(
    expires_in: Option<Value>,
    policy: &CreatePolicy,
) -> Result<Duration, ValidationError> {
    let field = "expires_in";
    let duration = match expires_in {
        None => policy.default_expires_in,
        Some(Value::String(text)) => parse_duration(&text)
            .map_err(|why| ValidationError::new(field, format!("expires_in: {why}")))?,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(seconds) if seconds > 0 => parse_duration(&seconds.to_string())
                .map_err(|why| ValidationError::new(field, format!("expires_in: {why}")))?,
            _ => {
                return Err(ValidationError::new(
                    field,
                    format!("expires_in must be a positive whole number of seconds, got {n}"),
                ));
            }
        },
        Some(other) => {
            return Err(ValidationError::new(
                field,
                format!("expires_in must be a string like \"24h\" or whole seconds, got {other}"),
            ));
        }
    };
    if duration > policy.max_expires_in {
        return Err(ValidationError::new(
            field,
            format!(
                "expires_in is {}; the most allowed is {} (max_expires_in)",
                format_duration(duration),
                format_duration(policy.max_expires_in)
            ),
        ));
    }
    Ok(duration)
}

/// `escalate_after` and `escalate_to`, which come together.
fn parse_escalation(
    after: Option<Value>,
    to: Option<NotifyRequest>,
    policy: &CreatePolicy,
) -> Result<Option<Escalation>, ValidationError> {
    let (after, to) = match (after, to) {
        (None, None) => return Ok(None),
        (Some(after), Some(to)) => (after, to),
        (Some(_), None) => {
            return Err(ValidationError::new(
                "escalate_to",
                "escalate_to: say whom escalate_after asks",
            ));
        }
        (None, Some(_)) => {
            return Err(ValidationError::new(
                "escalate_after",
                "escalate_after: say when to ask escalate_to",
            ));
        }
    };
    let after = match after {
        Value::String(text) => parse_duration(&text).map_err(|why| {
            ValidationError::new("escalate_after", format!("escalate_after: {why}"))
        })?,
        _ => {
            return Err(ValidationError::new(
                "escalate_after",
                "escalate_after must be a duration such as \"2h\"",
            ));
        }
    };
    let to = parse_notify(to, policy).map_err(|e| {
        ValidationError::new(
            e.field.replacen("notify", "escalate_to", 1),
            e.message.replacen("notify", "escalate_to", 1),
        )
    })?;
    if to.is_empty() {
        return Err(ValidationError::new(
            "escalate_to",
            "escalate_to names nobody",
        ));
    }
    Ok(Some(Escalation { after, to }))
}

fn parse_remind_before(
    remind_before: Option<Value>,
    policy: &CreatePolicy,
) -> Result<Option<Duration>, ValidationError> {
    let field = "remind_before";
    match remind_before {
        None => Ok(policy.default_remind_before),
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(text)) => parse_duration(&text)
            .map(Some)
            .map_err(|why| ValidationError::new(field, format!("remind_before: {why}"))),
        Some(other) => Err(ValidationError::new(
            field,
            format!("remind_before must be a duration like \"1h\" or false, got {other}"),
        )),
    }
}

fn parse_on_expire(on_expire: Option<String>) -> Result<OnExpire, ValidationError> {
    match on_expire {
        None => Ok(OnExpire::default()),
        Some(text) => OnExpire::parse(&text).ok_or_else(|| {
            ValidationError::new(
                "on_expire",
                format!("on_expire must be \"expire\", \"approve\" or \"reject\", got {text:?}"),
            )
        }),
    }
}

fn parse_notify(notify: NotifyRequest, policy: &CreatePolicy) -> Result<Notify, ValidationError> {
    if notify.email.len() > MAX_RECIPIENTS {
        return Err(ValidationError::new(
            "notify.email",
            format!(
                "notify.email lists {} addresses; the most allowed is {MAX_RECIPIENTS}",
                notify.email.len()
            ),
        ));
    }
    let mut email: Vec<String> = Vec::new();
    for (index, address) in notify.email.iter().enumerate() {
        readable(&format!("notify.email[{index}]"), address, Lines::One)?;
        let address = parse_email(address)?;
        if !email.iter().any(|seen| seen.eq_ignore_ascii_case(&address)) {
            email.push(address);
        }
    }
    let mut channels: Vec<String> = Vec::new();
    for (index, name) in notify.channels.into_iter().enumerate() {
        readable(&format!("notify.channels[{index}]"), &name, Lines::One)?;
        if !policy.channels.contains(&name) {
            let known = join_names(policy.channels.iter());
            return Err(ValidationError::new(
                "notify.channels",
                format!(
                    "notify.channels: {name:?} is not a configured channel (configured: {known})"
                ),
            ));
        }
        if !channels.contains(&name) {
            channels.push(name);
        }
    }
    Ok(Notify { email, channels })
}

/// Accepts a plain address (`ana@example.com`): one `@`, a dotted domain, no
/// spaces. Display names are not accepted: the address is also the actor.
fn parse_email(address: &str) -> Result<String, ValidationError> {
    let address = address.trim();
    let valid = address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
        && match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(address.to_owned())
    } else {
        Err(ValidationError::new(
            "notify.email",
            format!("notify.email: {address:?} is not an email address"),
        ))
    }
}

fn parse_idempotency_key(key: Option<String>) -> Result<Option<String>, ValidationError> {
    if let Some(key) = &key {
        readable("idempotency_key", key, Lines::One)?;
    }
    match key {
        Some(key) if key.is_empty() || key.chars().count() > MAX_NAME_CHARS => {
            Err(ValidationError::new(
                "idempotency_key",
                format!("idempotency_key must be 1 to {MAX_NAME_CHARS} characters"),
            ))
        }
        other => Ok(other),
    }
}

fn join_names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The optional parts of a decision made with the API key or a token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Who decides, e.g. `ci-bot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    pub actor: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ue000-\\uf8ff]*$"
    )]
    pub comment: Option<String>,
    /// Values for the pause's `input_fields`, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<serde_json::Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy() -> CreatePolicy {
        CreatePolicy {
            default_expires_in: Duration::hours(24),
            max_expires_in: Duration::days(30),
            targets: BTreeMap::from([
                ("etl".to_owned(), vec!["pipeline".to_owned()]),
                ("hook".to_owned(), vec![]),
            ]),
            channels: BTreeSet::from(["ops".to_owned()]),
            default_remind_before: None,
            callbacks: CallbackPolicy::default(),
            callback_kinds: std::sync::Arc::new(callback::NoCallbackKinds),
        }
    }

    fn request(body: Value) -> PauseRequest {
        serde_json::from_value(body).unwrap()
    }

    fn error_for(body: Value) -> ValidationError {
        NewPause::parse(request(body), &policy()).unwrap_err()
    }

    #[test]
    fn a_title_alone_is_enough() {
        let pause = NewPause::parse(request(json!({"title": " Load? "})), &policy()).unwrap();
        assert_eq!(pause.title, "Load?");
        assert_eq!(pause.expires_in, Duration::hours(24));
        assert_eq!(pause.data, json!({}));
        assert_eq!(pause.on_expire, OnExpire::Expire);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let cases = [
            (json!({}), "title"),
            (json!({"title": "x".repeat(201)}), "title"),
            (
                json!({"title": "t", "description": "d".repeat(10_001)}),
                "description",
            ),
            (json!({"title": "t", "expires_in": "soon"}), "expires_in"),
            (json!({"title": "t", "expires_in": "31d"}), "expires_in"),
            (json!({"title": "t", "expires_in": 0}), "expires_in"),
            (json!({"title": "t", "target": "nope"}), "target"),
            (json!({"title": "t", "on_reject": "nope"}), "on_reject"),
            (json!({"title": "t", "on_expire": "later"}), "on_expire"),
            (
                json!({"title": "t", "notify": {"email": ["not-an-address"]}}),
                "notify.email",
            ),
            (
                json!({"title": "t", "notify": {"channels": ["nope"]}}),
                "notify.channels",
            ),
            (
                json!({"title": "t", "target": "etl", "target_params": {"factory": "x"}}),
                "target_params",
            ),
            (
                json!({"title": "t", "data": "x".repeat(MAX_DATA_BYTES)}),
                "data",
            ),
            (
                json!({"title": "t", "remind_before": "later"}),
                "remind_before",
            ),
            (json!({"title": "t", "remind_before": 5}), "remind_before"),
            (json!({"title": "two\nlines"}), "title"),
            (
                json!({"title": "t", "description": "a\u{0}b"}),
                "description",
            ),
            (
                json!({"title": "t", "idempotency_key": "k\u{0}"}),
                "idempotency_key",
            ),
            (
                json!({"title": "t", "target": "etl", "target_params": {"pipeline": ".."}}),
                "target_params.pipeline",
            ),
            (
                json!({"title": "t", "target": "etl", "target_params": {"pipeline": "a\tb"}}),
                "target_params.pipeline",
            ),
            (json!({"title": "t\u{202e}gnp.exe"}), "title"),
            (
                json!({"title": "t", "description": "x\u{2066}y"}),
                "description",
            ),
        ];
        for (body, field) in cases {
            let error = error_for(body.clone());
            assert_eq!(error.field, field, "{body}");
            assert!(
                error.message.contains(field),
                "{} should name {field}",
                error.message
            );
        }
    }

    #[test]
    fn expires_in_accepts_every_documented_form_up_to_the_maximum() {
        for (value, seconds) in [(json!("1s"), 1), (json!(1), 1), (json!("30d"), 30 * 86_400)] {
            let pause = NewPause::parse(
                request(json!({"title": "t", "expires_in": value})),
                &policy(),
            )
            .unwrap();
            assert_eq!(pause.expires_in.num_seconds(), seconds);
        }
        assert!(
            error_for(json!({"title": "t", "expires_in": "31d"}))
                .message
                .contains("30d")
        );
    }

    #[test]
    fn allowed_target_params_and_duplicate_recipients_pass() {
        let pause = NewPause::parse(
            request(
                json!({"title": "t", "target": "etl", "target_params": {"pipeline": "p2"},
                "notify": {"email": ["a@example.com", "A@example.com"], "channels": ["ops"]}}),
            ),
            &policy(),
        )
        .unwrap();
        assert_eq!(pause.notify.email, vec!["a@example.com"]);
        assert_eq!(pause.target_params, Some(json!({"pipeline": "p2"})));
    }
}
