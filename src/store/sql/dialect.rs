//! The few places where SQLite's SQL and PostgreSQL's differ, side by
//! side. Everything else in the SQL core is the same text on both.

use super::{Dialect, DialectKind};

/// What SQLite's SQL needs: no row locks (one writer excludes everyone),
/// its own JSON function names.
pub const SQLITE: Dialect = Dialect {
    kind: DialectKind::Sqlite,
    for_update: "",
    for_share: "",
    skip_locked: "",
    json_array: "json_group_array",
    json_object: "json_object",
    as_json: "json",
    json_texts: "SELECT value FROM json_each($1)",
};

/// What PostgreSQL's SQL needs: row locks, skipping locked rows in
/// claims (and in the turns of targets with an hourly limit).
pub const POSTGRES: Dialect = Dialect {
    kind: DialectKind::Postgres,
    for_update: " FOR UPDATE",
    for_share: " FOR SHARE",
    skip_locked: " FOR UPDATE SKIP LOCKED",
    json_array: "json_agg",
    json_object: "json_build_object",
    as_json: "",
    json_texts: "SELECT json_array_elements_text($1::json)",
};
