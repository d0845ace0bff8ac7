//! What the commands print: short aligned lines for people, the API's JSON
//! for scripts (`--json`). Results go to standard output; progress and
//! errors to standard error, so `--json` output stays parseable.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::{DeliveryState, Pause, PauseState};
use crate::render::{readable, relative};

/// Prints `value` as JSON on standard output.
pub(crate) fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Reads an API answer as a pause.
pub(crate) fn as_pause(value: &Value) -> Result<Pause, String> {
    serde_json::from_value(value.clone())
        .map_err(|e| format!("unexpected answer from the server: {e}"))
}

/// Label-value lines with the values aligned.
pub(crate) fn aligned(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(label, value)| format!("{label:width$}  {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The pause in a few aligned lines.
pub(crate) fn describe(pause: &Pause, now: DateTime<Utc>) -> String {
    let mut rows = vec![
        ("id", pause.id.to_string()),
        ("state", pause.state.as_str().to_owned()),
        ("title", pause.title.to_string()),
        ("created", when(pause.created_at, now)),
        ("expires", when(pause.expires_at, now)),
    ];
    if pause.state != PauseState::Pending {
        rows.push(("outcome", outcome(pause)));
    }
    if let Some(held) = &pause.held {
        let line = format!("{}, starts {}", pause.state.as_str(), held.starts);
        rows.push(("starts", format!("{line} (change window {})", held.window)));
    }
    if let Some(comment) = pause.decision().and_then(|d| d.comment.clone()) {
        rows.push(("comment", comment));
    }
    for delivery in &pause.deliveries {
        let state = match (delivery.state, &delivery.external_id, &delivery.last_error) {
            (DeliveryState::Delivered, Some(run), _) => format!("delivered, run {run}"),
            (DeliveryState::Pending, _, _) if pause.held.is_some() && delivery.attempts == 0 => {
                "held for its change window".to_owned()
            }
            (DeliveryState::Failed, _, Some(error)) => format!("failed: {error}"),
            (state, _, _) => format!("{state:?}").to_lowercase(),
        };
        let label = match delivery.kind {
            crate::domain::DeliveryKind::Trigger => "trigger",
            crate::domain::DeliveryKind::Email => "email",
            crate::domain::DeliveryKind::Channel => "channel",
            crate::domain::DeliveryKind::Callback => "callback",
        };
        rows.push((label, format!("{}: {state}", delivery.destination)));
    }
    aligned(&rows)
}

/// "approved by Ana at 2026-11-23 19:05 UTC".
pub(crate) fn outcome(pause: &Pause) -> String {
    let at = pause.decided_at.map(readable).unwrap_or_default();
    match pause.decision() {
        Some(d) => {
            let who = d.actor.as_ref().map_or_else(
                || format!("{} decision", d.via.as_str()),
                ToString::to_string,
            );
            format!("{} by {who} at {at}", pause.state.as_str())
        }
        None => format!("{} at {at}", pause.state.as_str()),
    }
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", readable(at), relative(at, now))
}

/// One table row per pause: id, state, created, title.
pub(crate) fn table(pauses: &[Pause]) -> String {
    let mut lines = vec![format!(
        "{:<28}  {:<9}  {:<20}  TITLE",
        "ID", "STATE", "CREATED"
    )];
    for pause in pauses {
        lines.push(format!(
            "{:<28}  {:<9}  {:<20}  {}",
            pause.id,
            pause.state.as_str(),
            readable(pause.created_at),
            pause.title
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_line_up() {
        let text = aligned(&[("id", "a".into()), ("expires", "b".into())]);
        assert_eq!(text, "id       a\nexpires  b");
    }
}
