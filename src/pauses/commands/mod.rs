//! The commands the use cases take, as callers send them: a new pause
//! ([`PauseRequest`], with [`NotifyRequest`]) and the optional parts of a
//! decision ([`DecisionInput`]). Nothing here is checked yet: the use case
//! reads a command into validated values and a [`crate::domain::NewPause`]
//! (see [`PauseRequest::parse`]), so no unchecked text reaches a rule or
//! the store. Their schemas are the API's request bodies.

mod fingerprint;
mod parse;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{CallbackRequest, InputField, SecretText, object_only};

pub use fingerprint::request_fingerprint;
pub(crate) use parse::callback_key;

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
    // A signed URL: a secret, which `Debug` never shows.
    #[serde(
        rename = "callBackUri",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub call_back_uri: Option<SecretText>,
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
    /// A change window (`[windows.NAME]`) what this pause starts keeps to,
    /// besides its target's own: its trigger and its approval's callback
    /// are held until the window opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
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
    /// The artefacts this pause is about (up to 64), such as a container
    /// image and its digest: the `subject` of its attestation
    /// (`GET /api/v1/pauses/{id}/attestation`), so a deploy can check that
    /// what it runs is what was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 64)]
    pub subjects: Option<Vec<SubjectRequest>>,
}

/// One of `subjects` as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(remote = "Self")]
pub struct SubjectRequest {
    /// What the artefact is called (`registry.example/app`): 1–256
    /// characters, one line.
    #[schema(min_length = 1, max_length = 256)]
    pub name: String,
    /// Its digest.
    pub digest: DigestRequest,
}

object_only!(SubjectRequest, "a JSON object with name and digest");

/// A subject's `digest` as sent: its SHA-256.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(remote = "Self")]
pub struct DigestRequest {
    /// The artefact's SHA-256, 64 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
}

object_only!(DigestRequest, "a JSON object with sha256");

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
