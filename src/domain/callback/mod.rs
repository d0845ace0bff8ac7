//! Callbacks: how to answer an orchestrator that waits inside its own run
//! for this pause. The core knows a callback as a kind (registered by the
//! integration that answers it), a URL and the kind's own details, all
//! secret but what the kind chose to show; the allow-list a caller-given
//! URL must pass; and the outcome every orchestrator is told. Pure: each
//! kind's integration reads requests, answers and says what it is (see
//! `integrations`).

mod hosts;
mod request;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::pause::{Pause, PauseState};
use super::validation::ValidationError;

pub use hosts::{CallbackPolicy, HostRule};
pub(crate) use request::just_under;
pub use request::{CallbackRequest, parse_callback, parse_callback_timeout};

/// A stored callback. The URL and the details carry their own authority
/// (a signed URL, a task token, a run's access token), so they are secrets:
/// only [`CallbackView`] is ever shown.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    /// Which orchestrator waits: a registered callback kind.
    pub kind: String,
    /// Where the answer goes, for kinds answered at a URL; passed the allow-list.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// What the API may show besides the kind and the URL's host (the
    /// configured account a callback answers through).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shown: BTreeMap<String, String>,
    /// The rest the kind needs to answer, as it stored it.
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("kind", &self.kind)
            .field("url", &"[redacted]")
            .field("shown", &self.shown)
            .field("details", &"[redacted]")
            .finish()
    }
}

/// What the API shows of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallbackView {
    /// Which orchestrator waits.
    pub kind: String,
    /// The host answered; the rest of the URL is a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// What the kind shows besides (the configured account it answers through).
    #[serde(flatten)]
    pub shown: BTreeMap<String, String>,
}

/// The callback kinds the integrations registered: how a request's
/// `callback` of each kind is read, and what identifies one waiting
/// orchestrator. Implemented by the registry; pure.
pub trait CallbackKinds: Send + Sync {
    /// Reads a request's callback, checking URLs against `hosts`; errors
    /// name the field (`callback.kind`, `callback.url`, …).
    fn parse(
        &self,
        request: CallbackRequest,
        hosts: &CallbackPolicy,
    ) -> Result<Callback, ValidationError>;

    /// The kind a bare `callBackUri` (a callback activity's) is.
    fn uri_kind(&self) -> &str;

    /// What identifies the orchestrator waiting on `callback` (its URL, or
    /// task token, with the task for kinds whose URL serves a whole run):
    /// its retry gets the same pause.
    fn identity(&self, callback: &Callback) -> String;
}

/// No callback kinds: every `callback` is refused.
#[derive(Debug, Default)]
pub struct NoCallbackKinds;

impl CallbackKinds for NoCallbackKinds {
    fn parse(
        &self,
        request: CallbackRequest,
        _: &CallbackPolicy,
    ) -> Result<Callback, ValidationError> {
        Err(ValidationError::new(
            "callback.kind",
            format!(
                "callback.kind {:?} is not a callback this server answers",
                request.kind
            ),
        ))
    }

    fn uri_kind(&self) -> &str {
        ""
    }

    fn identity(&self, callback: &Callback) -> String {
        callback.url.clone()
    }
}

impl Callback {
    /// The idempotency key of a pause made for the callback whose identity
    /// is `secret`: an orchestrator that retries its request gets the same
    /// pause. Hashed, because the secret is one.
    pub fn key(secret: &str) -> String {
        format!(
            "callback-{}",
            hex::encode(Sha256::digest(secret.as_bytes()))
        )
    }

    /// The callback as the API shows it.
    pub fn view(&self) -> CallbackView {
        let host = url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        CallbackView {
            kind: self.kind.clone(),
            host,
            shown: self.shown.clone(),
        }
    }

    /// The kind's detail `key` as text, if it is one.
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.details.get(key)?.as_str()
    }
}

/// The decision as every orchestrator gets it.
pub fn outcome(pause: &Pause) -> Value {
    let last = pause.decisions.last();
    json!({
        "pause_id": pause.id,
        "state": pause.state,
        "approved": pause.state == PauseState::Approved,
        "actor": last.and_then(|d| d.actor.clone()),
        "comment": last.and_then(|d| d.comment.clone()),
        "via": last.map(|d| d.via),
        "decided_at": pause.decided_at.map(|at| super::time::rfc3339(&at)),
        "data": pause.data,
        "inputs": pause.inputs,
        "receipt": pause.receipt,
    })
}

/// An HTTP-like status and an error code for an outcome that must fail the
/// waiting step, so the orchestrator's failure path runs; `None` when it
/// goes on.
pub fn failure(state: PauseState) -> Option<(&'static str, &'static str)> {
    match state {
        PauseState::Approved | PauseState::Pending => None,
        PauseState::Rejected => Some(("403", "Rejected")),
        PauseState::Expired => Some(("408", "Expired")),
        PauseState::Cancelled => Some(("409", "Cancelled")),
    }
}

/// One sentence: what happened, who, why.
pub fn outcome_message(pause: &Pause) -> String {
    let last = pause.decisions.last();
    let who = last
        .and_then(|d| d.actor.as_deref())
        .map(|actor| format!(" by {actor}"))
        .unwrap_or_default();
    let why = last
        .and_then(|d| d.comment.as_deref())
        .map(|comment| format!(": {comment}"))
        .unwrap_or_default();
    let what = match pause.state {
        PauseState::Rejected => "rejected",
        PauseState::Expired => "expired with nobody deciding",
        PauseState::Cancelled => "cancelled",
        PauseState::Approved | PauseState::Pending => "approved",
    };
    format!("\"{}\" was {what}{who}{why}", pause.title)
}
