//! Rows as stored, and their conversion into domain types. A pause comes
//! back in one query: its columns, then its decisions and its deliveries
//! aggregated as JSON arrays, so reading a whole pause is one round trip
//! on either backend.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Columns, Dialect, FromColumns};
use crate::domain::{
    Decision, Delivery, DeliveryId, DeliveryKind, DeliveryState, Event, IdentifiedBy, LeaseId,
    Notify, OnExpire, Pause, PauseId, PauseState, Verdict, Via,
};
use crate::store::{ClaimedDelivery, StoreError, TokenKind, TokenRecord};

/// Milliseconds since the epoch, as stored.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Reads stored milliseconds back.
pub fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::internal(format!("timestamp {ms} is out of range")))
}

/// The select list of a whole pause (table alias `p`): its columns, then
/// its decisions and deliveries as JSON arrays.
pub fn pause_columns(dialect: &Dialect) -> String {
    let (array, object, json) = (dialect.json_array, dialect.json_object, dialect.as_json);
    // Each array is built from a subquery read in index order, so neither
    // backend sorts: deliveries by `deliveries_by_pause`, decisions by
    // their key.
    format!(
        "p.id, p.state, p.title, p.description, p.data, p.target, p.target_params, \
         p.on_reject, p.on_expire, p.notify, p.created_at, p.expires_at, p.decided_at, \
         CAST(COALESCE((SELECT {array}({json}(v)) FROM (SELECT {object}('decision', c.decision, \
           'actor', c.actor, 'via', c.via, 'identified_by', c.identified_by, 'inputs', c.inputs, \
           'comment', c.comment, 'at', c.at) AS v \
           FROM decisions c WHERE c.pause_id = p.id ORDER BY c.id) AS ordered), '[]') AS TEXT), \
         CAST(COALESCE((SELECT {array}({json}(v)) FROM (SELECT {object}('id', d.id, 'kind', d.kind, \
           'destination', d.destination, 'state', d.state, 'attempts', d.attempts, \
           'last_error', d.last_error, 'external_id', d.external_id, \
           'next_attempt_at', d.next_attempt_at, 'updated_at', d.updated_at) AS v \
           FROM deliveries d WHERE d.pause_id = p.id ORDER BY d.created_at) AS ordered), \
           '[]') AS TEXT), \
         p.callback, p.rules, p.requested_by, p.tags, p.input_fields, p.group_key, \
         p.superseded_by, (SELECT r.jws FROM receipts r WHERE r.pause_id = p.id), \
         p.requester_identified_by"
    )
}

/// A decision as aggregated.
#[derive(Deserialize)]
struct DecisionRow {
    decision: String,
    actor: Option<String>,
    via: String,
    identified_by: Option<String>,
    inputs: Option<String>,
    comment: Option<String>,
    at: i64,
}

impl DecisionRow {
    fn into_decision(self) -> Result<Decision, StoreError> {
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
            actor: self.actor,
            comment: self.comment,
        })
    }
}

/// A delivery as aggregated.
#[derive(Deserialize)]
struct DeliveryRow {
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
    fn into_delivery(self) -> Result<Delivery, StoreError> {
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

/// Reads a whole pause starting at column `at`.
pub fn read_pause(row: &dyn Columns, at: usize) -> Result<Pause, StoreError> {
    let id = row.text(at)?;
    let malformed = |e: StoreError| StoreError::internal(format!("pause {id} is malformed: {e}"));
    let json = |index: usize| -> Result<serde_json::Value, StoreError> {
        Ok(serde_json::from_str(&row.text(at + index)?)?)
    };
    let decisions: Vec<DecisionRow> = serde_json::from_str(&row.text(at + 13)?)?;
    let deliveries: Vec<DeliveryRow> = serde_json::from_str(&row.text(at + 14)?)?;
    let pause = Pause {
        state: parsed("state", &row.text(at + 1)?, PauseState::parse).map_err(malformed)?,
        title: row.text(at + 2)?,
        description: row.text(at + 3)?,
        data: json(4).map_err(malformed)?,
        target: row.opt_text(at + 5)?,
        target_params: match row.opt_text(at + 6)? {
            Some(text) => Some(serde_json::from_str(&text).map_err(StoreError::from)?),
            None => None,
        },
        on_reject: row.opt_text(at + 7)?,
        on_expire: parsed("on_expire", &row.text(at + 8)?, OnExpire::parse)?,
        notify: serde_json::from_str::<Notify>(&row.text(at + 9)?)?,
        created_at: from_millis(row.int(at + 10)?)?,
        expires_at: from_millis(row.int(at + 11)?)?,
        decided_at: row.opt_int(at + 12)?.map(from_millis).transpose()?,
        decisions: decisions
            .into_iter()
            .map(DecisionRow::into_decision)
            .collect::<Result<_, _>>()?,
        deliveries: deliveries
            .into_iter()
            .map(DeliveryRow::into_delivery)
            .collect::<Result<_, _>>()?,
        callback: match row.opt_text(at + 15)? {
            Some(text) => Some(serde_json::from_str(&text).map_err(StoreError::from)?),
            None => None,
        },
        rules: match row.opt_text(at + 16)? {
            Some(text) => Some(serde_json::from_str(&text).map_err(StoreError::from)?),
            None => None,
        },
        requested_by: row.opt_text(at + 17)?,
        tags: match row.opt_text(at + 18)? {
            Some(text) => serde_json::from_str(&text).map_err(StoreError::from)?,
            None => Vec::new(),
        },
        input_fields: match row.opt_text(at + 19)? {
            Some(text) => serde_json::from_str(&text).map_err(StoreError::from)?,
            None => Vec::new(),
        },
        inputs: None,
        group: row.opt_text(at + 20)?,
        superseded_by: row.opt_text(at + 21)?.map(PauseId::from_stored),
        receipt: row.opt_text(at + 22)?,
        requester_identified_by: row
            .opt_text(at + 23)?
            .map(|text| parsed("requester_identified_by", &text, IdentifiedBy::parse))
            .transpose()?,
        id: PauseId::from_stored(id.clone()),
    };
    let mut pause = pause;
    pause.refresh_inputs();
    Ok(pause)
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
pub struct ClaimRow {
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
    pub fn into_claimed(self, lease_id: &LeaseId) -> Result<ClaimedDelivery, StoreError> {
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
fn parsed<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
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
