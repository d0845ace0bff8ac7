//! The few places where SQLite's SQL and PostgreSQL's differ, side by
//! side. Everything else in the SQL core is the same text on both.

use super::{Dialect, DialectKind};

/// What SQLite's SQL needs: no row locks (one writer excludes everyone),
/// its own JSON function names, nothing to notify.
pub const SQLITE: Dialect = Dialect {
    kind: DialectKind::Sqlite,
    for_update: "",
    skip_locked: "",
    json_array: "json_group_array",
    json_object: "json_object",
    as_json: "json",
    try_lock: None,
    notify_settled: None,
};

/// What PostgreSQL's SQL needs: row locks, skipping locked rows in
/// claims, advisory locks for hourly limits, and `NOTIFY` on settling.
pub const POSTGRES: Dialect = Dialect {
    kind: DialectKind::Postgres,
    for_update: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED",
    json_array: "json_agg",
    json_object: "json_build_object",
    as_json: "",
    try_lock: Some("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))"),
    notify_settled: Some("SELECT pg_notify('pausegate_settled', $1)"),
};
