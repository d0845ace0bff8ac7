//! Change windows: when a target may be started. A window is a set of
//! weekly open hours in a time zone (none means always open) less its
//! freezes. A pause approved while its target's window is closed is still
//! approved at once; its trigger (and, when approved, the waiting
//! orchestrator's callback) is held until the window opens. A freeze may
//! also refuse decisions outright (`during_freeze = "refuse"`).
//!
//! Pure rules: the caller passes `now`. Time zones are the IANA database
//! as `chrono-tz` bundles it, so a window opening at 09:00 in
//! `Europe/Amsterdam` opens at 09:00 local time on both sides of a
//! daylight-saving change.

mod held;
mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::delivery::{DeliveryKind, Event, NewDelivery};
use super::pause::Pause;
use super::validation::ValidationError;

pub use held::{HeldStart, Released};
pub use parse::{FreezeSpec, OpenSpec, WindowSpec};

/// Most steps the search for the next opening takes: each step passes a
/// freeze or reaches the next weekly opening, so only a window frozen for
/// years on end runs out.
const MAX_STEPS: usize = 1000;

/// What a freeze does to decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuringFreeze {
    /// Decisions are taken; what they start waits for the freeze to end.
    Hold,
    /// Decisions are refused until the freeze ends.
    Refuse,
}

/// Open on `days` from `from` until `until`, local time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Weekly {
    days: Vec<Weekday>,
    from: NaiveTime,
    until: NaiveTime,
}

/// Closed from `from` until `until`, whatever the weekly hours say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    /// When it starts.
    pub from: DateTime<Utc>,
    /// When it ends.
    pub until: DateTime<Utc>,
    /// Why, in words for people.
    pub reason: Option<String>,
}

/// A named change window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Its name in the config.
    pub name: String,
    zone: Tz,
    open: Vec<Weekly>,
    freezes: Vec<Freeze>,
    /// What a freeze does to decisions.
    pub during_freeze: DuringFreeze,
}

impl Window {
    /// The freeze under way at `at`, if any.
    pub fn frozen_at(&self, at: DateTime<Utc>) -> Option<&Freeze> {
        self.freezes.iter().find(|f| f.from <= at && at < f.until)
    }

    /// Whether what it guards may start at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.frozen_at(at).is_none() && self.in_hours(at)
    }

    /// When what it guards may start: `at` itself when open then, else
    /// the next opening; `None` if it never opens again.
    pub fn opens_at(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut t = at;
        for _ in 0..MAX_STEPS {
            if let Some(freeze) = self.frozen_at(t) {
                t = freeze.until;
            } else if self.in_hours(t) {
                return Some(t);
            } else {
                t = self.next_start_after(t)?;
            }
        }
        None
    }

    /// `at` as people of this window read it: "Monday 7 December 2026
    /// 09:00 Europe/Amsterdam".
    pub fn describe(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone);
        format!(
            "{} {}",
            local.format("%A %-d %B %Y %H:%M"),
            self.zone.name()
        )
    }

    fn in_hours(&self, at: DateTime<Utc>) -> bool {
        if self.open.is_empty() {
            return true;
        }
        let local = at.with_timezone(&self.zone).naive_local();
        self.open.iter().any(|w| {
            w.days.contains(&local.weekday()) && w.from <= local.time() && local.time() < w.until
        })
    }

    /// The first weekly opening after `at`, looking a week ahead.
    fn next_start_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = at.with_timezone(&self.zone).date_naive();
        (0..=7)
            .flat_map(|d| {
                let date = today + Duration::days(d);
                self.open
                    .iter()
                    .filter(move |w| w.days.contains(&date.weekday()))
                    .filter_map(move |w| self.utc(date.and_time(w.from)))
            })
            .filter(|start| *start > at)
            .min()
    }

    /// A local time in UTC; one that a clock change skips is taken an
    /// hour later, when the local clock shows it again.
    fn utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let at = self
            .zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                let later = local + Duration::hours(1);
                self.zone.from_local_datetime(&later).earliest()
            })?;
        Some(at.with_timezone(&Utc))
    }
}

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

    /// The window target `target` keeps to, if any.
    pub fn for_target(&self, target: &str) -> Option<&Window> {
        self.by_name.get(self.by_target.get(target)?)
    }

    /// The window named `name`, if configured.
    pub fn named(&self, name: &str) -> Option<&Window> {
        self.by_name.get(name)
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

    /// The window `pause`'s approval keeps to, if any: its own, else its
    /// target's.
    pub fn for_pause(&self, pause: &Pause) -> Option<&Window> {
        match &pause.window {
            Some(name) => self.named(name),
            None => self.for_target(pause.target.as_deref()?),
        }
    }

    /// The window a trigger to `target` for `pause` keeps to: the pause's
    /// own, else the target's.
    pub(super) fn for_trigger(&self, pause: &Pause, target: &str) -> Option<&Window> {
        match &pause.window {
            Some(name) => self.named(name),
            None => self.for_target(target),
        }
    }

    /// Holds each trigger of `deliveries` until its target's window opens,
    /// and the callback announcing an approval until the approval target's
    /// window does: the decision is recorded at `now`, what it starts
    /// waits.
    pub fn hold(&self, deliveries: &mut [NewDelivery], pause: &Pause, now: DateTime<Utc>) {
        for delivery in deliveries {
            let window = match (delivery.kind, delivery.event) {
                (DeliveryKind::Trigger, _) => self.for_trigger(pause, &delivery.destination),
                (DeliveryKind::Callback, Event::Approved) => self.for_pause(pause),
                _ => None,
            };
            let opens = window.and_then(|w| w.opens_at(now));
            if let Some(opens) = opens.filter(|at| *at > now) {
                delivery.not_before = Some(opens);
            }
        }
    }

    /// Whether the configuration names any window.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

fn known(windows: &BTreeMap<String, Window>) -> String {
    match windows.is_empty() {
        true => "none".to_owned(),
        false => windows.keys().cloned().collect::<Vec<_>>().join(", "),
    }
}
