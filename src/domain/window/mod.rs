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
mod set;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

pub use held::{HeldStart, Released};
pub use parse::{FreezeSpec, OpenSpec, WindowSpec};
pub use set::Windows;

/// Most steps the search for the next opening takes: each step passes a
/// freeze or reaches the next weekly opening, so only a window frozen for
/// years on end runs out.
pub(super) const MAX_STEPS: usize = 1000;

/// What a freeze does to decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuringFreeze {
    /// Decisions are taken; what they start waits for the freeze to end.
    Hold,
    /// Decisions are refused until the freeze ends.
    Refuse,
}

/// Open on `days` from `from` until `until`, local time; `until` is
/// `None` for midnight at the end of the day (`24:00`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Weekly {
    days: Vec<Weekday>,
    from: NaiveTime,
    until: Option<NaiveTime>,
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
        let time = local.time();
        self.open.iter().any(|w| {
            w.days.contains(&local.weekday()) && w.from <= time && w.until.is_none_or(|u| time < u)
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
