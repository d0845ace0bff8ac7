//! A pause seen as a task of the Tasks extension (`io.modelcontextprotocol/tasks`):
//! the task id is the pause id, so any replica answers `tasks/get` from the
//! database and nothing is kept in memory.
//!
//! States: pending is `working`; approved, rejected and expired are
//! `completed`, their `result` the `CallToolResult` `request_approval`
//! would have answered; cancelled (or superseded by a newer pause of its
//! group) is `cancelled`. `failed` is left for JSON-RPC errors, as the
//! extension asks, and a settled pause is never one.
//!
//! Shapes (`Task`, `DetailedTask`, `CreateTaskResult` with
//! `resultType: "task"`, `ttlMs`, `pollIntervalMs`): the extension's
//! specification, `specification/draft/tasks.md` in
//! <https://github.com/modelcontextprotocol/ext-tasks> (SEP-2663), and
//! <https://modelcontextprotocol.io/extensions/tasks>.

use serde_json::{Value, json};

use super::approvals::{tool_result, view};
use crate::domain::{Pause, PauseState};

/// The extension's identifier, as clients declare it.
pub(crate) const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// How often a client should look again, in milliseconds: people take
/// minutes, and a poll costs one read.
const POLL_INTERVAL_MS: u64 = 2_000;

/// `pause` as a `DetailedTask` (the shape of `tasks/get` and of
/// `notifications/tasks`).
pub(crate) fn detailed(pause: &Pause) -> Value {
    let mut task = json!({
        "taskId": pause.id,
        "status": status(pause.state),
        "statusMessage": message(pause),
        "createdAt": pause.created_at,
        "lastUpdatedAt": last_updated(pause),
        // The pause outlives its own expiry (it then reads `expired`), so
        // the task has no time-to-live of its own.
        "ttlMs": null,
        "pollIntervalMs": POLL_INTERVAL_MS,
    });
    if status(pause.state) == "completed" {
        task["result"] = tool_result(view(pause), false);
    }
    task
}

/// `pause`, just created, as the `CreateTaskResult` answering its call.
pub(crate) fn created(pause: &Pause, review_url: &str) -> Value {
    let mut task = detailed(pause);
    task["resultType"] = json!("task");
    task["_meta"] = json!({ "pausegate/review_url": review_url });
    task
}

fn status(state: PauseState) -> &'static str {
    match state {
        PauseState::Pending => "working",
        PauseState::Approved | PauseState::Rejected | PauseState::Expired => "completed",
        PauseState::Cancelled => "cancelled",
    }
}

fn message(pause: &Pause) -> String {
    match (pause.state, &pause.superseded_by) {
        (PauseState::Pending, _) => format!(
            "waiting for people to decide; {} approval(s) so far",
            pause.decisions.len()
        ),
        (PauseState::Cancelled, Some(newer)) => format!("superseded by {newer}"),
        (state, _) => format!("the approval was {}", state.as_str()),
    }
}

fn last_updated(pause: &Pause) -> Value {
    let latest = pause.decisions.iter().map(|d| d.at).max();
    json!(pause.decided_at.or(latest).unwrap_or(pause.created_at))
}
