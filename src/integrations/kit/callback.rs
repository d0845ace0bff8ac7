//! Callback kinds: how an integration answers an orchestrator that waits
//! for a pause (a URL it handed out, a task token). Each kind reads its own
//! part of a request's `callback`, says what identifies one waiting
//! orchestrator, and answers when the pause settles.

use async_trait::async_trait;
use reqwest::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Kit;
use crate::domain::{
    Callback, CallbackPolicy, CallbackRequest, DeliveryId, Pause, ValidationError,
};
use crate::outbox::{SendError, Sent, check, transport};

/// One kind of waiting orchestrator.
#[async_trait]
pub trait CallbackKind: Send + Sync + 'static {
    /// The kind as named in requests and stored.
    fn kind(&self) -> &'static str;
    /// Who waits, in words (a "pipeline check").
    fn what(&self) -> &'static str;
    /// Hosts its URLs come from, allowed unless `[callbacks]
    /// allowed_hosts` replaces the defaults.
    fn default_hosts(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether a request's `callback` may name this kind (some are made
    /// only by their own integration's endpoint).
    fn requestable(&self) -> bool {
        true
    }
    /// Reads a request's `callback` of this kind; URLs are checked against
    /// `hosts`. By default a URL and nothing else.
    fn parse(
        &self,
        request: CallbackRequest,
        hosts: &CallbackPolicy,
    ) -> Result<Callback, ValidationError> {
        url_only(self.kind(), request, hosts)
    }
    /// What identifies one waiting orchestrator: by default its URL.
    fn identity(&self, callback: &Callback) -> String {
        callback.url.clone()
    }
    /// Tells the orchestrator how `pause` settled.
    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError>;
}

/// A callback that is a URL and nothing else; other fields are refused.
pub fn url_only(
    kind: &str,
    request: CallbackRequest,
    hosts: &CallbackPolicy,
) -> Result<Callback, ValidationError> {
    if let Some(field) = request.details.keys().next() {
        return Err(ValidationError::new(
            format!("callback.{field}"),
            format!("callback.{field} is not used by {kind}"),
        ));
    }
    let url = request.url.ok_or_else(|| {
        ValidationError::new("callback.url", "callback.url is required for this kind")
    })?;
    Ok(Callback {
        kind: kind.to_owned(),
        url: hosts.check("callback.url", &url)?,
        shown: Default::default(),
        details: Map::new(),
    })
}

/// The kind's own part of a callback, read as `T`.
pub fn details<T: DeserializeOwned>(callback: &Callback) -> Option<T> {
    serde_json::from_value(Value::Object(callback.details.clone())).ok()
}

/// POSTs `body` to the callback's URL, checked against the allow-list again
/// (it may have shrunk since), through the client that follows no
/// redirects (a redirect could lead anywhere); the URL never appears in an
/// error: it carries its own authority. `basic` is a password for basic
/// auth with any user name.
pub async fn post_to_url(
    kit: &Kit,
    callback: &Callback,
    delivery: &DeliveryId,
    body: &Value,
    basic: Option<&str>,
) -> Result<Sent, SendError> {
    let what = format!("the {} callback", callback.kind);
    kit.callbacks
        .check("callback", &callback.url)
        .map_err(|refused| SendError::Fatal {
            message: format!("not sent: {}", refused.message),
        })?;
    let mut request = kit.no_redirects.post(&callback.url);
    if let Some(password) = basic {
        request = request.basic_auth("", Some(password));
    }
    let response = request
        .header(CONTENT_TYPE, "application/json")
        .header("Pausegate-Delivery", delivery.as_str())
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport(&what, e))?;
    if response.status().is_redirection() {
        return Err(SendError::Fatal {
            message: format!(
                "{what} answered {} (a redirect); redirects are not followed",
                response.status()
            ),
        });
    }
    check(&what, response).await?;
    Ok(Sent::default())
}
