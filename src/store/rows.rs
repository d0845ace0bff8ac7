//! Backend-neutral rows: the plain columns each backend reads (`FromRow`
//! for either database), and their conversion into domain types. Keeps the
//! decoding rules in one place so SQLite and PostgreSQL cannot drift apart.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};

use crate::domain::{
    Decision, Delivery, DeliveryId, DeliveryKind, DeliveryState, Event, LeaseId, Notify, OnExpire,
    Pause, PauseId, PauseState, Verdict, Via,
};
use crate::store::ClaimedDelivery;

/// Milliseconds since the epoch, as stored.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Reads stored milliseconds back.
pub fn from_millis(ms: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| anyhow!("timestamp {ms} is out of range"))
}

/// The columns of `pauses`.
#[derive(sqlx::FromRow)]
pub struct PauseRow {
    pub id: String,
    pub state: String,
    pub title: String,
    pub description: String,
    pub data: String,
    pub target: Option<String>,
    pub target_params: Option<String>,
    pub on_reject: Option<String>,
    pub on_expire: String,
    pub notify: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
}

/// The columns of `decisions`.
#[derive(sqlx::FromRow)]
pub struct DecisionRow {
    pub decision: String,
    pub actor: Option<String>,
    pub via: String,
    pub comment: Option<String>,
    pub at: i64,
}

impl DecisionRow {
    /// Decodes the row.
    pub fn into_decision(self) -> anyhow::Result<Decision> {
        Ok(Decision {
            decision: Verdict::parse(&self.decision)
                .ok_or_else(|| anyhow!("unknown decision {:?} in the database", self.decision))?,
            actor: self.actor,
            via: Via::parse(&self.via)
                .ok_or_else(|| anyhow!("unknown via {:?} in the database", self.via))?,
            comment: self.comment,
            at: from_millis(self.at)?,
        })
    }
}

/// The columns of `deliveries` the API shows.
#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub kind: String,
    pub destination: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub external_id: Option<String>,
    pub next_attempt_at: i64,
    pub updated_at: i64,
}

impl DeliveryRow {
    /// Decodes the row.
    pub fn into_delivery(self) -> anyhow::Result<Delivery> {
        let state = DeliveryState::parse(&self.state)
            .ok_or_else(|| anyhow!("unknown delivery state {:?} in the database", self.state))?;
        Ok(Delivery {
            kind: DeliveryKind::parse(&self.kind)
                .ok_or_else(|| anyhow!("unknown delivery kind {:?} in the database", self.kind))?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            next_attempt_at: match state {
                DeliveryState::Pending => Some(from_millis(self.next_attempt_at)?),
                DeliveryState::Delivered | DeliveryState::Failed => None,
            },
            updated_at: from_millis(self.updated_at)?,
            id: DeliveryId::from_stored(self.id),
            state,
            destination: self.destination,
            last_error: self.last_error,
            external_id: self.external_id,
        })
    }
}

impl PauseRow {
    /// Decodes the row together with its decisions and deliveries.
    pub fn into_pause(
        self,
        decisions: Vec<DecisionRow>,
        deliveries: Vec<DeliveryRow>,
    ) -> anyhow::Result<Pause> {
        let context = || format!("pause {} in the database is malformed", self.id);
        Ok(Pause {
            state: PauseState::parse(&self.state)
                .ok_or_else(|| anyhow!("unknown state {:?}", self.state))
                .with_context(context)?,
            data: serde_json::from_str(&self.data).with_context(context)?,
            target_params: self
                .target_params
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .with_context(context)?,
            on_expire: OnExpire::parse(&self.on_expire)
                .ok_or_else(|| anyhow!("unknown on_expire {:?}", self.on_expire))
                .with_context(context)?,
            notify: serde_json::from_str::<Notify>(&self.notify).with_context(context)?,
            created_at: from_millis(self.created_at)?,
            expires_at: from_millis(self.expires_at)?,
            decided_at: self.decided_at.map(from_millis).transpose()?,
            decisions: decisions
                .into_iter()
                .map(DecisionRow::into_decision)
                .collect::<anyhow::Result<_>>()?,
            deliveries: deliveries
                .into_iter()
                .map(DeliveryRow::into_delivery)
                .collect::<anyhow::Result<_>>()?,
            id: PauseId::from_stored(self.id),
            title: self.title,
            description: self.description,
            target: self.target,
            on_reject: self.on_reject,
        })
    }
}

/// The columns of a delivery being claimed.
#[derive(sqlx::FromRow)]
pub struct ClaimRow {
    pub id: String,
    pub pause_id: String,
    pub kind: String,
    pub destination: String,
    pub event: String,
    pub attempts: i64,
}

impl ClaimRow {
    /// Decodes the row under a new lease id.
    pub fn into_claimed(self) -> anyhow::Result<ClaimedDelivery> {
        Ok(ClaimedDelivery {
            kind: DeliveryKind::parse(&self.kind)
                .ok_or_else(|| anyhow!("unknown delivery kind {:?} in the database", self.kind))?,
            event: Event::parse(&self.event)
                .ok_or_else(|| anyhow!("unknown event {:?} in the database", self.event))?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            lease_id: LeaseId::generate().to_string(),
            id: DeliveryId::from_stored(self.id),
            pause_id: PauseId::from_stored(self.pause_id),
            destination: self.destination,
        })
    }
}
