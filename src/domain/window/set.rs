//! The configured windows, which target keeps to which, and the rules for
//! a pause: a start keeps to every window that governs it (the pause's own
//! `window` and its target's, both), so naming a window can only add
//! hours to wait, never skip the target's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{DuringFreeze, Freeze, MAX_STEPS, Window};
use crate::domain::delivery::{DeliveryKind, Event, NewDelivery};
use crate::domain::pause::Pause;
use crate::domain::validation::ValidationError;

/// The configured windows, and which target keeps to which.
#[derive(Debug, Clone, Default)]
pub struct Windows {
    by_name: BTreeMap<String, Window>,
    by_target: BTreeMap<String, String>,
}

impl Windows {
    /// `windows`, with `targets` naming which window each target keeps to;
    /// an unknown window is an error naming `targets.NAME.window`.
    pub fn new(windows: Vec<Window>, targets: BTreeMap<String, String>) -> Result<Self, String> {
        let by_name: BTreeMap<String, Window> =
            windows.into_iter().map(|w| (w.name.clone(), w)).collect();
        if let Some((target, window)) = targets.iter().find(|(_, w)| !by_name.contains_key(*w)) {
            return Err(format!(
                "targets.{target}.window: unknown window {window:?} (known: {})",
                known(&by_name)
            ));
        }
        Ok(Self {
            by_name,
            by_target: targets,
        })
    }

    /// A pause's `window`, checked: an unknown one is an error naming the
    /// field.
    pub fn check(&self, name: Option<&str>) -> Result<(), ValidationError> {
        match name {
            Some(name) if !self.by_name.contains_key(name) => Err(ValidationError::new(
                "window",
                format!(
                    "window: unknown window {name:?} (known: {})",
                    known(&self.by_name)
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The windows a start of `pause` to `target` keeps to: the pause's
    /// own and the target's.
    pub(super) fn governing(&self, pause: &Pause, target: Option<&str>) -> Vec<&Window> {
        let own = pause.window.as_deref().and_then(|n| self.by_name.get(n));
        let target = target
            .and_then(|t| self.by_target.get(t))
            .and_then(|n| self.by_name.get(n));
        let mut windows: Vec<&Window> = own.into_iter().collect();
        if let Some(window) = target.filter(|w| !windows.iter().any(|o| o.name == w.name)) {
            windows.push(window);
        }
        windows
    }

    /// The windows `pause`'s approval keeps to.
    pub fn for_approval(&self, pause: &Pause) -> Vec<&Window> {
        self.governing(pause, pause.target.as_deref())
    }

    /// The freeze that refuses decisions on `pause` at `at`, with its window.
    pub fn refusing_freeze(&self, pause: &Pause, at: DateTime<Utc>) -> Option<(&Window, &Freeze)> {
        self.for_approval(pause)
            .into_iter()
            .filter(|w| w.during_freeze == DuringFreeze::Refuse)
            .find_map(|w| Some((w, w.frozen_at(at)?)))
    }

    /// Holds each trigger of `deliveries` until every window it keeps to is
    /// open, and the callback announcing an approval likewise: the decision
    /// is recorded at `now`, what it starts waits.
    pub fn hold(&self, deliveries: &mut [NewDelivery], pause: &Pause, now: DateTime<Utc>) {
        for delivery in deliveries {
            let windows = match (delivery.kind, delivery.event) {
                (DeliveryKind::Trigger, _) => self.governing(pause, Some(&delivery.destination)),
                (DeliveryKind::Callback, Event::Approved) => self.for_approval(pause),
                _ => Vec::new(),
            };
            if let Some(opens) = opens_together(&windows, now).filter(|at| *at > now) {
                delivery.not_before = Some(opens);
            }
        }
    }

    /// Whether the configuration names any window.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The first time from `at` at which every one of `windows` is open;
/// `None` when they never are together (or there are none to wait for).
pub(super) fn opens_together(windows: &[&Window], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if windows.is_empty() {
        return None;
    }
    let mut t = at;
    for _ in 0..MAX_STEPS {
        let mut moved = false;
        for window in windows {
            let opens = window.opens_at(t)?;
            if opens > t {
                (t, moved) = (opens, true);
            }
        }
        if !moved {
            return Some(t);
        }
    }
    None
}

fn known(windows: &BTreeMap<String, Window>) -> String {
    match windows.is_empty() {
        true => "none".to_owned(),
        false => windows.keys().cloned().collect::<Vec<_>>().join(", "),
    }
}
