//! What a reader is told about a start a change window holds: which
//! window, and when it opens, in UTC and in the window's own words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Windows;
use crate::domain::delivery::{DeliveryKind, DeliveryState};
use crate::domain::pause::Pause;
use crate::domain::time;

/// An operator's early release of what a change window held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Released {
    /// The API caller (`null`: the server's own key).
    pub by: Option<String>,
    /// When.
    #[serde(with = "time::required")]
    pub at: DateTime<Utc>,
}

/// A trigger or callback waiting for its change window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldStart {
    /// The window's name.
    pub window: String,
    /// When it starts.
    #[serde(with = "time::required")]
    pub starts_at: DateTime<Utc>,
    /// The same in the window's time zone, for people ("Monday 7 December
    /// 2026 09:00 Europe/Amsterdam").
    pub starts: String,
}

impl Windows {
    /// The soonest start of `pause` a window holds at `now`: a trigger or
    /// callback under a window, not yet tried, not due before then.
    pub fn held_start(&self, pause: &Pause, now: DateTime<Utc>) -> Option<HeldStart> {
        pause
            .deliveries
            .iter()
            .filter(|d| d.state == DeliveryState::Pending && d.attempts == 0)
            // A target's hourly limit postpones a trigger by moving it later
            // and saying so in `last_error`: that is not a window's hold.
            .filter(|d| d.last_error.is_none())
            .filter_map(|d| {
                let windows = match d.kind {
                    DeliveryKind::Trigger => self.governing(pause, Some(&d.destination)),
                    DeliveryKind::Callback => self.for_approval(pause),
                    DeliveryKind::Email | DeliveryKind::Channel => return None,
                };
                let at = d.next_attempt_at.filter(|at| *at > now)?;
                // Named after a window closed now: the one that holds it (or
                // the first, if the windows were edited since).
                let closed = windows.iter().find(|w| !w.is_open(now));
                let window = closed.or(windows.first())?;
                Some(HeldStart {
                    window: window.name.clone(),
                    starts_at: at,
                    starts: window.describe(at),
                })
            })
            .min_by_key(|held| held.starts_at)
    }
}
