//! Deliveries: what the outbox sends for a pause, and the rule for which
//! target a settled pause triggers with which event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::DeliveryId;
use super::pause::{Notify, Pause, PauseState};
use super::time;

/// What a delivery announces: a request for a decision, a reminder, or
/// what happened to the pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Event {
    /// A decision is needed (emails and channel posts with a link).
    #[serde(rename = "pause.requested")]
    Requested,
    /// The decision is still needed and time is running out.
    #[serde(rename = "pause.reminder")]
    Reminder,
    /// Nobody decided within `escalate_after`: more people are asked.
    #[serde(rename = "pause.escalated")]
    Escalated,
    /// Approved by a person or by `on_expire = "approve"`.
    #[serde(rename = "pause.approved")]
    Approved,
    /// Rejected by a person or by `on_expire = "reject"`.
    #[serde(rename = "pause.rejected")]
    Rejected,
    /// Expired with nobody deciding.
    #[serde(rename = "pause.expired")]
    Expired,
    /// Withdrawn through the API.
    #[serde(rename = "pause.cancelled")]
    Cancelled,
}

impl Event {
    /// The name receivers see (`pause.approved`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "pause.approved",
            Self::Rejected => "pause.rejected",
            Self::Expired => "pause.expired",
            Self::Cancelled => "pause.cancelled",
            Self::Requested => "pause.requested",
            Self::Reminder => "pause.reminder",
            Self::Escalated => "pause.escalated",
        }
    }

    /// The event announcing that a pause reached `state`.
    pub fn settled_as(state: PauseState) -> Option<Self> {
        match state {
            PauseState::Pending => None,
            PauseState::Approved => Some(Self::Approved),
            PauseState::Rejected => Some(Self::Rejected),
            PauseState::Expired => Some(Self::Expired),
            PauseState::Cancelled => Some(Self::Cancelled),
        }
    }

    /// Reads a stored event name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Requested,
            Self::Reminder,
            Self::Escalated,
            Self::Approved,
            Self::Rejected,
            Self::Expired,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|event| event.as_str() == text)
    }
}

/// What a delivery sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// Starts a configured target.
    Trigger,
    /// Emails one person.
    Email,
    /// Posts to a configured channel.
    Channel,
    /// Answers the orchestrator waiting for the pause.
    Callback,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet sent, or waiting for its next attempt.
    Pending,
    /// The receiver accepted it.
    Delivered,
    /// Given up: attempts ran out or the receiver refused it.
    Failed,
}

/// One attempt-tracked send through the outbox, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Stays the same across retries, so receivers can de-duplicate.
    pub id: DeliveryId,
    /// What is sent.
    pub kind: DeliveryKind,
    /// The target, address or channel it goes to.
    pub destination: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// The id the receiver gave the run it started (a pipeline's run id).
    pub external_id: Option<String>,
    /// When the next attempt is due, while pending.
    #[serde(default, with = "time::optional")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(with = "time::required")]
    pub updated_at: DateTime<Utc>,
}

impl DeliveryKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::Email => "email",
            Self::Channel => "channel",
            Self::Callback => "callback",
        }
    }

    /// Reads a stored kind.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Trigger, Self::Email, Self::Channel, Self::Callback]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

impl DeliveryState {
    /// The state as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored state.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// A delivery to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Its id, fixed for every attempt.
    pub id: DeliveryId,
    /// What it sends.
    pub kind: DeliveryKind,
    /// Target name, address or channel name.
    pub destination: String,
    /// What it announces.
    pub event: Event,
    /// Not to be sent before this time (a reminder); `None` sends at once.
    pub not_before: Option<DateTime<Utc>>,
}

impl NewDelivery {
    /// The delivery as it stands once enqueued at `now`: pending, not yet
    /// attempted, due at `not_before` or at once.
    pub fn pending(&self, now: DateTime<Utc>) -> Delivery {
        Delivery {
            id: self.id.clone(),
            kind: self.kind,
            destination: self.destination.clone(),
            state: DeliveryState::Pending,
            attempts: 0,
            last_error: None,
            external_id: None,
            next_attempt_at: Some(self.not_before.unwrap_or(now)),
            updated_at: now,
        }
    }

    /// A delivery of `kind` to `destination` announcing `event`, due at once.
    pub fn new(id: DeliveryId, kind: DeliveryKind, destination: &str, event: Event) -> Self {
        Self {
            id,
            kind,
            destination: destination.to_owned(),
            event,
            not_before: None,
        }
    }
}

/// Makes the id of each new delivery: the caller's source of new ids.
pub type NextId<'a> = &'a (dyn Fn() -> DeliveryId + Sync);

/// What a new pause sends: one email per recipient, one post per channel,
/// and, when `remind_at` is given, a reminder email per recipient then.
/// Each takes its id from `next_id`.
pub fn notifications_for_new(
    notify: &Notify,
    remind_at: Option<DateTime<Utc>>,
    escalation: Option<(DateTime<Utc>, &Notify)>,
    next_id: NextId<'_>,
) -> Vec<NewDelivery> {
    let emails = notify
        .email
        .iter()
        .map(|address| NewDelivery::new(next_id(), DeliveryKind::Email, address, Event::Requested));
    let posts = notify.channels.iter().map(|channel| {
        NewDelivery::new(next_id(), DeliveryKind::Channel, channel, Event::Requested)
    });
    let reminders = remind_at.into_iter().flat_map(|at| {
        notify.email.iter().map(move |address| NewDelivery {
            not_before: Some(at),
            ..NewDelivery::new(next_id(), DeliveryKind::Email, address, Event::Reminder)
        })
    });
    // Escalation: more people asked, at its time, unless someone decided.
    let escalations = escalation.into_iter().flat_map(|(at, to)| {
        let emails = to
            .email
            .iter()
            .map(|address| (DeliveryKind::Email, address.as_str()));
        let posts = to
            .channels
            .iter()
            .map(|channel| (DeliveryKind::Channel, channel.as_str()));
        emails.chain(posts).map(move |(kind, to)| NewDelivery {
            not_before: Some(at),
            ..NewDelivery::new(next_id(), kind, to, Event::Escalated)
        })
    });
    emails
        .chain(posts)
        .chain(reminders)
        .chain(escalations)
        .collect()
}

/// What a pause reaching `state` sends: its trigger (see [`trigger_for`])
/// and a short follow-up to each channel it was posted to, each with an id
/// from `next_id`.
pub fn deliveries_on_settling(
    pause: &Pause,
    state: PauseState,
    next_id: NextId<'_>,
) -> Vec<NewDelivery> {
    let followups =
        Event::settled_as(state).into_iter().flat_map(|event| {
            pause.notify.channels.iter().map(move |channel| {
                NewDelivery::new(next_id(), DeliveryKind::Channel, channel, event)
            })
        });
    // The waiting orchestrator hears every outcome, cancel included.
    let callback = Event::settled_as(state).and_then(|event| {
        let callback = pause.callback.as_ref()?;
        Some(NewDelivery::new(
            next_id(),
            DeliveryKind::Callback,
            callback.kind.as_str(),
            event,
        ))
    });
    trigger_for(pause, state, next_id)
        .into_iter()
        .chain(callback)
        .chain(followups)
        .collect()
}

/// The trigger a pause starts on reaching `state`: its `target` on
/// approval, its `on_reject` target on rejection and on expiry (the branch
/// for "not approved"); nothing on cancellation. Its id is from `next_id`.
pub fn trigger_for(pause: &Pause, state: PauseState, next_id: NextId<'_>) -> Option<NewDelivery> {
    let (target, event) = match state {
        PauseState::Approved => (pause.target.as_ref()?, Event::Approved),
        PauseState::Rejected => (pause.on_reject.as_ref()?, Event::Rejected),
        PauseState::Expired => (pause.on_reject.as_ref()?, Event::Expired),
        PauseState::Pending | PauseState::Cancelled => return None,
    };
    Some(NewDelivery::new(
        next_id(),
        DeliveryKind::Trigger,
        target,
        event,
    ))
}

#[cfg(test)]
mod tests;
