//! How the columns of a whole pause are written and read: the readers the
//! table's entries set fields with, the values they bind, and the
//! expressions of the columns computed from other tables.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{
    Decision, Delivery, IdentifiedBy, OnExpire, PauseId, PauseState, Tag, TargetName, Title,
};
use crate::store::StoreError;
use crate::store::sql::rows::{DecisionRow, DeliveryRow, from_millis, parsed};
use crate::store::sql::{Arg, Columns, Dialect};

/// The pause's decisions as a JSON array, read in the order of their key
/// so neither backend sorts.
pub(super) fn decisions_array(dialect: &Dialect) -> String {
    let (array, object, json) = (dialect.json_array, dialect.json_object, dialect.as_json);
    format!(
        "CAST(COALESCE((SELECT {array}({json}(v)) FROM (SELECT {object}('decision', c.decision, \
         'actor', c.actor, 'via', c.via, 'identified_by', c.identified_by, 'inputs', c.inputs, \
         'comment', c.comment, 'at', c.at, 'on_behalf_of', c.on_behalf_of) AS v \
         FROM decisions c WHERE c.pause_id = p.id ORDER BY c.id) AS ordered), '[]') AS TEXT)"
    )
}

/// The pause's deliveries as a JSON array, read in the order of
/// `deliveries_by_pause` so neither backend sorts.
pub(super) fn deliveries_array(dialect: &Dialect) -> String {
    let (array, object, json) = (dialect.json_array, dialect.json_object, dialect.as_json);
    format!(
        "CAST(COALESCE((SELECT {array}({json}(v)) FROM (SELECT {object}('id', d.id, \
         'kind', d.kind, 'destination', d.destination, 'state', d.state, 'attempts', d.attempts, \
         'last_error', d.last_error, 'external_id', d.external_id, \
         'next_attempt_at', d.next_attempt_at, 'updated_at', d.updated_at) AS v \
         FROM deliveries d WHERE d.pause_id = p.id ORDER BY d.created_at) AS ordered), \
         '[]') AS TEXT)"
    )
}

/// The pause's receipt, if it settled.
pub(super) fn receipt(_: &Dialect) -> String {
    "(SELECT r.jws FROM receipts r WHERE r.pause_id = p.id)".to_owned()
}

/// A text column.
pub(super) fn text(row: &dyn Columns, at: usize) -> Result<String, StoreError> {
    row.text(at)
}

/// A text column that may be NULL.
pub(super) fn opt_text(row: &dyn Columns, at: usize) -> Result<Option<String>, StoreError> {
    row.opt_text(at)
}

/// The title, checked when it was written.
pub(super) fn title(row: &dyn Columns, at: usize) -> Result<Title, StoreError> {
    Ok(Title::from_stored(row.text(at)?))
}

/// A target's name, checked when it was written, if any.
pub(super) fn opt_target(row: &dyn Columns, at: usize) -> Result<Option<TargetName>, StoreError> {
    Ok(row.opt_text(at)?.map(TargetName::from_stored))
}

/// A tag (the group), checked when it was written, if any.
pub(super) fn opt_tag(row: &dyn Columns, at: usize) -> Result<Option<Tag>, StoreError> {
    Ok(row.opt_text(at)?.map(Tag::from_stored))
}

/// A time, stored as milliseconds.
pub(super) fn millis(row: &dyn Columns, at: usize) -> Result<DateTime<Utc>, StoreError> {
    from_millis(row.int(at)?)
}

/// A time that may be NULL.
pub(super) fn opt_millis(
    row: &dyn Columns,
    at: usize,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    row.opt_int(at)?.map(from_millis).transpose()
}

/// A JSON column.
pub(super) fn json<T: DeserializeOwned>(row: &dyn Columns, at: usize) -> Result<T, StoreError> {
    Ok(serde_json::from_str(&row.text(at)?)?)
}

/// A JSON column that may be NULL.
pub(super) fn opt_json<T: DeserializeOwned>(
    row: &dyn Columns,
    at: usize,
) -> Result<Option<T>, StoreError> {
    match row.opt_text(at)? {
        Some(text) => Ok(Some(serde_json::from_str(&text)?)),
        None => Ok(None),
    }
}

/// A JSON list, NULL when empty.
pub(super) fn list<T: DeserializeOwned>(
    row: &dyn Columns,
    at: usize,
) -> Result<Vec<T>, StoreError> {
    Ok(opt_json(row, at)?.unwrap_or_default())
}

/// The pause's id.
pub(super) fn pause_id(row: &dyn Columns, at: usize) -> Result<PauseId, StoreError> {
    Ok(PauseId::from_stored(row.text(at)?))
}

/// Another pause's id, if any.
pub(super) fn opt_pause_id(row: &dyn Columns, at: usize) -> Result<Option<PauseId>, StoreError> {
    Ok(row.opt_text(at)?.map(PauseId::from_stored))
}

/// Where the pause stands.
pub(super) fn state(row: &dyn Columns, at: usize) -> Result<PauseState, StoreError> {
    parsed("state", &row.text(at)?, PauseState::parse)
}

/// What expiry does.
pub(super) fn on_expire(row: &dyn Columns, at: usize) -> Result<OnExpire, StoreError> {
    parsed("on_expire", &row.text(at)?, OnExpire::parse)
}

/// How someone was identified, if recorded.
pub(super) fn identified_by(
    row: &dyn Columns,
    at: usize,
) -> Result<Option<IdentifiedBy>, StoreError> {
    row.opt_text(at)?
        .map(|text| parsed("identified_by", &text, IdentifiedBy::parse))
        .transpose()
}

/// The decisions, aggregated by [`decisions_array`].
pub(super) fn decisions(row: &dyn Columns, at: usize) -> Result<Vec<Decision>, StoreError> {
    let rows: Vec<DecisionRow> = json(row, at)?;
    rows.into_iter().map(DecisionRow::into_decision).collect()
}

/// The deliveries, aggregated by [`deliveries_array`].
pub(super) fn deliveries(row: &dyn Columns, at: usize) -> Result<Vec<Delivery>, StoreError> {
    let rows: Vec<DeliveryRow> = json(row, at)?;
    rows.into_iter().map(DeliveryRow::into_delivery).collect()
}

/// A value to bind.
pub(super) fn ok(value: impl Into<Arg>) -> Result<Arg, StoreError> {
    Ok(value.into())
}

/// A value stored as JSON.
pub(super) fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<Arg, StoreError> {
    Ok(serde_json::to_string(value)?.into())
}

/// A value stored as JSON, or NULL.
pub(super) fn opt_json_text<T: Serialize + ?Sized>(value: Option<&T>) -> Result<Arg, StoreError> {
    Ok(value.map(serde_json::to_string).transpose()?.into())
}

/// The list, unless it is empty.
pub(super) fn non_empty<T>(list: &[T]) -> Option<&[T]> {
    (!list.is_empty()).then_some(list)
}
