//! A pause as stored: one ordered table of the `pauses` columns, each with
//! how an insert writes it from a [`NewPauseRecord`] and how a read puts it
//! back into a [`Pause`]. The insert's column list and placeholders, the
//! select list and the reader are all built from that table, so a new
//! field is one line in [`COLUMNS`] (and its migration).
//!
//! A pause comes back in one query: its columns, then its decisions and
//! its deliveries aggregated as JSON arrays and its receipt, so reading a
//! whole pause is one round trip on either backend. The SQL is built once
//! per dialect and kept.

#[cfg(test)]
mod tests;
mod values;

use std::sync::LazyLock;

use chrono::DateTime;

use super::dialect::{POSTGRES, SQLITE};
use super::rows::to_millis;
use super::{Arg, Args, Columns, Dialect, DialectKind};
use crate::domain::{NewPause, Notify, OnExpire, Pause, PauseId, PauseState, Title};
use crate::store::{NewPauseRecord, StoreError};
use values::{
    decisions, decisions_array, deliveries, deliveries_array, identified_by, json, json_text, list,
    millis, non_empty, ok, on_expire, opt_json, opt_json_text, opt_millis, opt_pause_id, opt_tag,
    opt_target, opt_text, pause_id, receipt, state, text, title,
};

/// What an insert binds: the record, and its idempotency key as stored
/// (in its scope).
pub(crate) struct Insert<'a> {
    /// The new pause.
    pub record: &'a NewPauseRecord,
    /// Its request, `record.pause`.
    pub pause: &'a NewPause,
    /// The scoped idempotency key, if it has one.
    pub key: Option<&'a str>,
}

impl<'a> Insert<'a> {
    /// Binds `record` with its stored idempotency key.
    pub(crate) fn new(record: &'a NewPauseRecord, key: Option<&'a str>) -> Self {
        Self {
            record,
            pause: &record.pause,
            key,
        }
    }
}

/// Binds a column's value from the record.
type Bind = fn(&Insert<'_>) -> Result<Arg, StoreError>;
/// Puts a column's value, read from position `at`, into the pause.
type Read = fn(&mut Pause, &dyn Columns, usize) -> Result<(), StoreError>;
/// The select expression of a column computed from other tables.
type Computed = fn(&Dialect) -> String;

/// How an insert fills a column.
enum Write {
    /// Bound to the next placeholder.
    Bind(Bind),
    /// Always this SQL literal.
    Literal(&'static str),
    /// Not by the insert: NULL until something happens (or computed).
    Later,
}

/// One column of a whole pause.
struct Column {
    /// Its name in `pauses` (for a computed one, what it holds).
    name: &'static str,
    /// How an insert fills it.
    write: Write,
    /// How it is read back; `None`: never read (the insert's bookkeeping).
    read: Option<Read>,
    /// The select expression of a column computed from other tables;
    /// `None` for a column of `pauses` (`p.<name>`).
    computed: Option<Computed>,
}

/// A column written by the insert and read back.
const fn stored(name: &'static str, bind: Bind, read: Read) -> Column {
    column(name, Write::Bind(bind), Some(read), None)
}

/// A column every insert sets to the same SQL literal, read back.
const fn fixed(name: &'static str, literal: &'static str, read: Read) -> Column {
    column(name, Write::Literal(literal), Some(read), None)
}

/// A column the insert writes and no read needs.
const fn written(name: &'static str, bind: Bind) -> Column {
    column(name, Write::Bind(bind), None, None)
}

/// A column NULL at the insert, set when something happens to the pause.
const fn later(name: &'static str, read: Read) -> Column {
    column(name, Write::Later, Some(read), None)
}

/// A value computed from other tables when the pause is read.
const fn computed(name: &'static str, select: Computed, read: Read) -> Column {
    column(name, Write::Later, Some(read), Some(select))
}

const fn column(
    name: &'static str,
    write: Write,
    read: Option<Read>,
    computed: Option<Computed>,
) -> Column {
    Column {
        name,
        write,
        read,
        computed,
    }
}

/// Sets a field of the pause to what `reader` reads from the column.
macro_rules! into {
    ($field:ident, $reader:expr) => {
        |pause, row, at| {
            pause.$field = $reader(row, at)?;
            Ok(())
        }
    };
}

/// Every column of a whole pause, in the order of the insert and of the
/// select list: one line each. Empty lists are stored as NULL.
#[rustfmt::skip]
static COLUMNS: &[Column] = &[
    stored("id", |i| ok(i.record.id.as_str()), into!(id, pause_id)),
    fixed("state", "'pending'", into!(state, state)),
    stored("title", |i| ok(i.pause.title.as_str()), into!(title, title)),
    stored("description", |i| ok(i.pause.description.as_str()), into!(description, text)),
    stored("data", |i| ok(i.pause.data.to_string()), into!(data, json)),
    stored("target", |i| ok(i.pause.target.as_deref()), into!(target, opt_target)),
    stored("target_params", |i| opt_json_text(i.pause.target_params.as_ref()),
        into!(target_params, opt_json)),
    stored("on_reject", |i| ok(i.pause.on_reject.as_deref()), into!(on_reject, opt_target)),
    stored("on_expire", |i| ok(i.pause.on_expire.as_str()), into!(on_expire, on_expire)),
    stored("notify", |i| json_text(&i.pause.notify), into!(notify, json)),
    written("idempotency_key", |i| ok(i.key)),
    stored("created_at", |i| ok(to_millis(i.record.created_at)), into!(created_at, millis)),
    stored("expires_at", |i| ok(to_millis(i.record.expires_at)), into!(expires_at, millis)),
    later("decided_at", into!(decided_at, opt_millis)),
    computed("decisions", decisions_array, into!(decisions, decisions)),
    computed("deliveries", deliveries_array, into!(deliveries, deliveries)),
    stored("callback", |i| opt_json_text(i.pause.callback.as_ref()), into!(callback, opt_json)),
    stored("rules", |i| opt_json_text(i.pause.rules.as_ref()), into!(rules, opt_json)),
    stored("requested_by", |i| ok(i.pause.requested_by.as_deref()), into!(requested_by, opt_text)),
    stored("tags", |i| opt_json_text(non_empty(&i.pause.tags)), into!(tags, list)),
    stored("input_fields", |i| opt_json_text(non_empty(&i.pause.input_fields)),
        into!(input_fields, list)),
    stored("group_key", |i| ok(i.pause.group.as_deref()), into!(group, opt_tag)),
    written("request_sha256", |i| ok(i.record.fingerprint.as_str())),
    later("superseded_by", into!(superseded_by, opt_pause_id)),
    computed("receipt", receipt, into!(receipt, opt_text)),
    stored("requester_identified_by", |i| ok(i.pause.requester_identified_by.as_ref().map(|b| b.as_str())),
        into!(requester_identified_by, identified_by)),
    stored("subjects", |i| opt_json_text(non_empty(&i.pause.subjects)), into!(subjects, list)),
    stored("window_name", |i| ok(i.pause.window.as_deref()), into!(window, opt_text)),
    later("released", into!(released, opt_json)),
];

/// Inserts a pause unless its idempotency key is taken (then nothing
/// changes); its arguments are [`insert_args`].
pub(crate) fn insert_sql() -> &'static str {
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        let (mut names, mut values) = (Vec::new(), Vec::new());
        let mut placeholders = 0;
        for column in COLUMNS {
            let value = match column.write {
                Write::Bind(_) => {
                    placeholders += 1;
                    format!("${placeholders}")
                }
                Write::Literal(literal) => literal.to_owned(),
                Write::Later => continue,
            };
            names.push(column.name);
            values.push(value);
        }
        format!(
            "INSERT INTO pauses ({}) VALUES ({}) ON CONFLICT (idempotency_key) DO NOTHING",
            names.join(", "),
            values.join(", ")
        )
    });
    &INSERT
}

/// The values of [`insert_sql`]'s placeholders, in order.
pub(crate) fn insert_args(insert: &Insert<'_>) -> Result<Args, StoreError> {
    COLUMNS
        .iter()
        .filter_map(|column| match column.write {
            Write::Bind(bind) => Some(bind(insert)),
            Write::Literal(_) | Write::Later => None,
        })
        .collect()
}

/// The select list of a whole pause (table alias `p`), in the order
/// [`read_pause`] reads it.
pub(crate) fn pause_columns(dialect: &Dialect) -> &'static str {
    static SQLITE_LIST: LazyLock<String> = LazyLock::new(|| select_list(&SQLITE));
    static POSTGRES_LIST: LazyLock<String> = LazyLock::new(|| select_list(&POSTGRES));
    match dialect.kind {
        DialectKind::Sqlite => &SQLITE_LIST,
        DialectKind::Postgres => &POSTGRES_LIST,
    }
}

fn select_list(dialect: &Dialect) -> String {
    let selected: Vec<String> = read_columns()
        .map(|(column, _)| match column.computed {
            Some(select) => select(dialect),
            None => format!("p.{}", column.name),
        })
        .collect();
    selected.join(", ")
}

/// The columns a read selects, with their readers.
fn read_columns() -> impl Iterator<Item = (&'static Column, Read)> {
    COLUMNS
        .iter()
        .filter_map(|column| Some((column, column.read?)))
}

/// Reads a whole pause selected by [`pause_columns`], starting at column `at`.
pub(crate) fn read_pause(row: &dyn Columns, at: usize) -> Result<Pause, StoreError> {
    let mut pause = unread();
    for (index, (column, read)) in read_columns().enumerate() {
        read(&mut pause, row, at + index).map_err(|e| {
            StoreError::internal(format!(
                "pause {} is malformed: {}: {e}",
                pause.id, column.name
            ))
        })?;
    }
    pause.refresh_inputs();
    Ok(pause)
}

/// A pause before its columns are read: each field is then set by its
/// column in [`COLUMNS`], `inputs` by the decisions. Empty values, so
/// nothing is allocated that a column then replaces.
fn unread() -> Pause {
    Pause {
        id: PauseId::from_stored(String::new()),
        state: PauseState::Pending,
        title: Title::from_stored(String::new()),
        description: String::new(),
        data: serde_json::Value::Null,
        target: None,
        target_params: None,
        on_reject: None,
        on_expire: OnExpire::Expire,
        notify: Notify::default(),
        created_at: DateTime::UNIX_EPOCH,
        expires_at: DateTime::UNIX_EPOCH,
        decided_at: None,
        decisions: Vec::new(),
        rules: None,
        requested_by: None,
        requester_identified_by: None,
        tags: Vec::new(),
        group: None,
        superseded_by: None,
        held: None,
        window: None,
        released: None,
        input_fields: Vec::new(),
        subjects: Vec::new(),
        inputs: None,
        deliveries: Vec::new(),
        callback: None,
        receipt: None,
    }
}
