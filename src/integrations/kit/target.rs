//! Targets: the pipelines a settled pause starts. The core knows a target
//! by its name, what a pause may override, its hourly limit and a
//! [`Starter`] that sends; each integration's folder supplies the starter
//! for its `kind` and reads its own `[targets.NAME]` keys.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::Kit;
use crate::domain::{DeliveryId, Event, Pause};
use crate::outbox::{SendError, Sent};

/// A configured target, checked and with its secrets loaded.
#[derive(Clone)]
pub struct Target {
    /// The name pauses use.
    pub name: String,
    /// Settings a pause may override in `target_params`.
    pub overridable: Vec<String>,
    /// Most deliveries per hour; more wait their turn.
    pub max_per_hour: Option<u32>,
    /// What it starts and how.
    pub starter: Arc<dyn Starter>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("kind", &self.starter.kind())
            .field("overridable", &self.overridable)
            .field("max_per_hour", &self.max_per_hour)
            .finish()
    }
}

/// Starts one kind of pipeline.
#[async_trait]
pub trait Starter: Send + Sync + 'static {
    /// The `kind` the config names (`webhook`).
    fn kind(&self) -> &'static str;
    /// What it starts, in words for people ("data pipeline").
    fn what(&self) -> &'static str;
    /// Starts it for `trigger`, as `target` (name, overrides) says.
    async fn start(
        &self,
        kit: &Kit,
        target: &Target,
        trigger: Trigger<'_>,
    ) -> Result<Sent, SendError>;
}

/// What a kind's `[targets.NAME]` resolved to, before the checks every
/// target shares.
pub struct TargetParts {
    /// The sender.
    pub starter: Arc<dyn Starter>,
    /// `overridable` as written (or as the kind completes it).
    pub overridable: Vec<String>,
    /// `max_per_hour` as written.
    pub max_per_hour: Option<u32>,
    /// The keys this kind lets a pause override.
    pub allowed: &'static [&'static str],
}

impl TargetParts {
    /// The target, once `overridable` and `max_per_hour` pass; errors name
    /// `targets.NAME.key`.
    pub fn into_target(self, name: &str) -> Result<Target, String> {
        let key = |k: &str| format!("targets.{name}.{k}");
        let allowed = self.allowed;
        if let Some(bad) = self
            .overridable
            .iter()
            .find(|k| !allowed.contains(&k.as_str()))
        {
            let allowed = match allowed.is_empty() {
                true => "none".to_owned(),
                false => allowed.join(", "),
            };
            return Err(format!(
                "{}: {bad:?} cannot be overridden for this kind of target (allowed: {allowed})",
                key("overridable")
            ));
        }
        if self.max_per_hour == Some(0) {
            return Err(format!("{}: must be at least 1", key("max_per_hour")));
        }
        Ok(Target {
            name: name.to_owned(),
            overridable: self.overridable,
            max_per_hour: self.max_per_hour,
            starter: self.starter,
        })
    }
}

/// One trigger to send.
#[derive(Debug, Clone, Copy)]
pub struct Trigger<'a> {
    /// Same on every attempt; receivers de-duplicate on it.
    pub delivery_id: &'a DeliveryId,
    /// What happened to the pause.
    pub event: Event,
    /// The pause, as the API shows it.
    pub pause: &'a Pause,
}

impl Trigger<'_> {
    /// The pause's `target_params` when `target` is the one they were given
    /// for (they never apply to the `on_reject` target).
    fn overrides(&self, target: &Target) -> Option<&serde_json::Map<String, Value>> {
        if self.pause.target.as_deref() != Some(target.name.as_str()) {
            return None;
        }
        self.pause.target_params.as_ref()?.as_object()
    }

    /// The setting `key`, overridden by `target_params` if the target allows it.
    pub fn setting<'s>(&'s self, target: &Target, key: &str, configured: &'s str) -> &'s str {
        let allowed = target.overridable.iter().any(|k| k == key);
        self.overrides(target)
            .filter(|_| allowed)
            .and_then(|params| params.get(key))
            .and_then(Value::as_str)
            .unwrap_or(configured)
    }
}

/// The id a receiver's 2xx answer gives what it started, read by `pick`;
/// the run exists once the receiver said 2xx, so an odd answer only costs
/// the id (and a warning naming `what`).
pub async fn started_id<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
    pick: impl FnOnce(T) -> Option<String>,
) -> Sent {
    let external_id = match response.json::<T>().await {
        Ok(answer) => pick(answer),
        Err(error) => {
            tracing::warn!(%error, "{what} started a run but its answer gave no id");
            None
        }
    };
    Sent { external_id }
}

/// `base` with `segments` appended, each percent-encoded, keeping any path
/// `base` already has (an API under `/api/v3`).
pub fn join_path(base: &reqwest::Url, segments: &[&str]) -> reqwest::Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("http(s) URLs have a path")
        .pop_if_empty()
        .extend(segments);
    url
}
