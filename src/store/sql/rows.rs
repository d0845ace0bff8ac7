//! Rows as stored, and their conversion into domain types: times, the
//! decisions and deliveries a pause's query aggregates as JSON arrays
//! (the pause's own columns are in [`super::pause_row`]), tokens, claims
//! and counts.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::pause_row::read_pause;
use super::{Columns, FromColumns};
use crate::domain::{
    ActorName, Decision, Delivery, DeliveryId, DeliveryKind, DeliveryState, Event, IdentifiedBy,
    LeaseId, Pause, PauseId, Verdict, Via,
};
use crate::store::{ClaimedDelivery, StoreError, TokenKind, TokenRecord};

/// Milliseconds since the epoch, as stored.
pub(crate) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Reads stored milliseconds back.
pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::internal(format!("timestamp {ms} is out of range")))
}

/// A decision as aggregated.
#[derive(Deserialize)]
pub(super) struct DecisionRow {
    decision: String,
    actor: Option<String>,
    via: String,
    identified_by: Option<String>,
    inputs: Option<String>,
    comment: Option<String>,
    at: i64,
    #[serde(default)]
    on_behalf_of: Option<String>,
}

impl DecisionRow {
    pub(super) fn into_decision(self) -> Result<Decision, StoreError> {
        Ok(Decision {
            decision: parsed("decision", &self.decision, Verdict::parse)?,
            via: parsed("via", &self.via, Via::parse)?,
            identified_by: self
                .identified_by
                .as_deref()
                .map(|text| parsed("identified_by", text, IdentifiedBy::parse))
                .transpose()?,
            at: from_millis(self.at)?,
            groups: Vec::new(),
            inputs: self
                .inputs
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            actor: self.actor.map(ActorName::from_stored),
            on_behalf_of: self.on_behalf_of,
            comment: self.comment,
        })
    }
}

/// A delivery as aggregated.
#[derive(Deserialize)]
pub(super) struct DeliveryRow {
    id: String,
    kind: String,
    destination: String,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    external_id: Option<String>,
    next_attempt_at: i64,
    updated_at: i64,
}

impl DeliveryRow {
    pub(super) fn into_delivery(self) -> Result<Delivery, StoreError> {
        let state = parsed("delivery state", &self.state, DeliveryState::parse)?;
        Ok(Delivery {
            kind: parsed("delivery kind", &self.kind, DeliveryKind::parse)?,
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

/// A whole pause.
impl FromColumns for Pause {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        read_pause(row, 0)
    }
}

/// A token (kind, actor) followed by the whole pause it opens.
impl FromColumns for (TokenRecord, Pause) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        let pause = read_pause(row, 2)?;
        let token = TokenRecord {
            pause_id: pause.id.clone(),
            kind: parsed("token kind", &row.text(0)?, TokenKind::parse)?,
            actor: row.opt_text(1)?,
        };
        Ok((token, pause))
    }
}

/// A delivery being claimed: id, pause, kind, destination, event, attempts.
pub(crate) struct ClaimRow {
    pub id: String,
    pub pause_id: String,
    pub kind: String,
    pub destination: String,
    pub event: String,
    pub attempts: i64,
}

impl FromColumns for ClaimRow {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.text(0)?,
            pause_id: row.text(1)?,
            kind: row.text(2)?,
            destination: row.text(3)?,
            event: row.text(4)?,
            attempts: row.int(5)?,
        })
    }
}

impl ClaimRow {
    /// Decodes the row under `lease_id`, counting the attempt it starts.
    pub(crate) fn into_claimed(self, lease_id: &LeaseId) -> Result<ClaimedDelivery, StoreError> {
        Ok(ClaimedDelivery {
            kind: parsed("delivery kind", &self.kind, DeliveryKind::parse)?,
            event: parsed("event", &self.event, Event::parse)?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX) + 1,
            lease_id: lease_id.to_string(),
            id: DeliveryId::from_stored(self.id),
            pause_id: PauseId::from_stored(self.pause_id),
            destination: self.destination,
        })
    }
}

/// A state, kind or similar read back with its parser; unknown text is
/// data this version cannot read.
pub(super) fn parsed<T>(
    what: &str,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(text)
        .ok_or_else(|| StoreError::internal(format!("unknown {what} {text:?} in the database")))
}

/// A count by one label (state).
impl FromColumns for (String, Option<String>) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok((row.text(0)?, row.opt_text(1)?))
    }
}

impl FromColumns for (String, i64) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok((row.text(0)?, row.int(1)?))
    }
}

/// A count by two labels (kind, state).
impl FromColumns for (String, String, i64) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok((row.text(0)?, row.text(1)?, row.int(2)?))
    }
}

/// Three text columns.
impl FromColumns for (String, String, String) {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok((row.text(0)?, row.text(1)?, row.text(2)?))
    }
}
