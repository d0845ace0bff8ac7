//! Backend-neutral rows: the plain columns each backend reads, and their
//! conversion into domain types. Keeps the decoding rules in one place so
//! SQLite and PostgreSQL cannot drift apart.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};

use crate::domain::{Decision, Notify, OnExpire, Pause, PauseId, PauseState, Verdict, Via};

/// Milliseconds since the epoch, as stored.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Reads stored milliseconds back.
pub fn from_millis(ms: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| anyhow!("timestamp {ms} is out of range"))
}

/// The columns of `pauses`.
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

impl PauseRow {
    /// Decodes the row together with its decisions.
    pub fn into_pause(self, decisions: Vec<DecisionRow>) -> anyhow::Result<Pause> {
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
            deliveries: Vec::new(),
            id: PauseId::from_stored(self.id),
            title: self.title,
            description: self.description,
            target: self.target,
            on_reject: self.on_reject,
        })
    }
}
