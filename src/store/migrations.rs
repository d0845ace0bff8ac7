//! Schema migrations, embedded in the binary so a fresh machine needs no
//! files beside it. Applied in order at start-up and recorded in
//! `_sqlx_migrations`: by sqlx's migrator on PostgreSQL, and on SQLite by
//! [`run_sqlite`], which keeps that table exactly as sqlx wrote it (earlier
//! versions of pausegate migrated SQLite through sqlx).

use rusqlite::OptionalExtension;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::StoreError;
use super::sqlite::sql_error as error;

/// The SQLite migrations, oldest first.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../migrations/sqlite/0001_core.sql"),
    ),
    (
        2,
        "deliveries",
        include_str!("../../migrations/sqlite/0002_deliveries.sql"),
    ),
    (
        3,
        "personal tokens",
        include_str!("../../migrations/sqlite/0003_personal_tokens.sql"),
    ),
    (
        4,
        "expiry index",
        include_str!("../../migrations/sqlite/0004_expiry_index.sql"),
    ),
    (
        5,
        "partial token index",
        include_str!("../../migrations/sqlite/0005_partial_token_index.sql"),
    ),
    (
        6,
        "callbacks",
        include_str!("../../migrations/sqlite/0006_callbacks.sql"),
    ),
    (
        7,
        "approver rules",
        include_str!("../../migrations/sqlite/0007_rules.sql"),
    ),
    (
        8,
        "tags",
        include_str!("../../migrations/sqlite/0008_tags.sql"),
    ),
    (
        9,
        "inputs",
        include_str!("../../migrations/sqlite/0009_inputs.sql"),
    ),
    (
        10,
        "supersession",
        include_str!("../../migrations/sqlite/0010_supersession.sql"),
    ),
    (
        11,
        "receipts",
        include_str!("../../migrations/sqlite/0011_receipts.sql"),
    ),
    (
        12,
        "scoped keys and group turns",
        include_str!("../../migrations/sqlite/0012_scoped_keys_and_group_turns.sql"),
    ),
    (
        13,
        "signed-out sessions",
        include_str!("../../migrations/sqlite/0013_signed_out_sessions.sql"),
    ),
    (
        14,
        "requester identified by",
        include_str!("../../migrations/sqlite/0014_requester_identified_by.sql"),
    ),
    (
        15,
        "shown callback fields",
        include_str!("../../migrations/sqlite/0015_shown_callback_fields.sql"),
    ),
    (
        16,
        "transparency log",
        include_str!("../../migrations/sqlite/0016_transparency_log.sql"),
    ),
    (
        17,
        "subjects and attestation keys",
        include_str!("../../migrations/sqlite/0017_subjects_and_attestation_keys.sql"),
    ),
    (
        18,
        "target turns",
        include_str!("../../migrations/sqlite/0018_target_turns.sql"),
    ),
    (
        19,
        "redemptions",
        include_str!("../../migrations/sqlite/0019_redemptions.sql"),
    ),
    (
        20,
        "delegations and pause windows",
        include_str!("../../migrations/sqlite/0020_delegations_and_pause_windows.sql"),
    ),
];

/// The PostgreSQL migrations, oldest first.
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../migrations/postgres/0001_core.sql"),
    ),
    (
        2,
        "expiry index",
        include_str!("../../migrations/postgres/0002_expiry_index.sql"),
    ),
    (
        3,
        "partial token index",
        include_str!("../../migrations/postgres/0003_partial_token_index.sql"),
    ),
    (
        4,
        "callbacks",
        include_str!("../../migrations/postgres/0004_callbacks.sql"),
    ),
    (
        5,
        "approver rules",
        include_str!("../../migrations/postgres/0005_rules.sql"),
    ),
    (
        6,
        "tags",
        include_str!("../../migrations/postgres/0006_tags.sql"),
    ),
    (
        7,
        "inputs",
        include_str!("../../migrations/postgres/0007_inputs.sql"),
    ),
    (
        8,
        "supersession",
        include_str!("../../migrations/postgres/0008_supersession.sql"),
    ),
    (
        9,
        "receipts",
        include_str!("../../migrations/postgres/0009_receipts.sql"),
    ),
    (
        10,
        "scoped keys and group turns",
        include_str!("../../migrations/postgres/0010_scoped_keys_and_group_turns.sql"),
    ),
    (
        11,
        "signed-out sessions",
        include_str!("../../migrations/postgres/0011_signed_out_sessions.sql"),
    ),
    (
        12,
        "requester identified by",
        include_str!("../../migrations/postgres/0012_requester_identified_by.sql"),
    ),
    (
        13,
        "shown callback fields",
        include_str!("../../migrations/postgres/0013_shown_callback_fields.sql"),
    ),
    (
        14,
        "transparency log",
        include_str!("../../migrations/postgres/0014_transparency_log.sql"),
    ),
    (
        15,
        "subjects and attestation keys",
        include_str!("../../migrations/postgres/0015_subjects_and_attestation_keys.sql"),
    ),
    (
        16,
        "target turns",
        include_str!("../../migrations/postgres/0016_target_turns.sql"),
    ),
    (
        17,
        "redemptions",
        include_str!("../../migrations/postgres/0017_redemptions.sql"),
    ),
    (
        18,
        "delegations and pause windows",
        include_str!("../../migrations/postgres/0018_delegations_and_pause_windows.sql"),
    ),
];

/// Applies the SQLite migrations not yet applied, each in its own
/// transaction with its record, refusing a database whose applied
/// migrations differ from this version's.
pub(crate) fn run_sqlite(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum BLOB NOT NULL,
            execution_time BIGINT NOT NULL
        )",
    )
    .map_err(error)?;
    for migration in migrator(SQLITE).iter() {
        let applied: Option<Vec<u8>> = conn
            .query_row(
                "SELECT checksum FROM _sqlx_migrations WHERE version = ?1 AND success",
                [migration.version],
                |row| row.get(0),
            )
            .optional()
            .map_err(error)?;
        match applied {
            Some(checksum) if checksum == *migration.checksum => continue,
            Some(_) => {
                return Err(StoreError::internal(format!(
                    "migration {} ({}) was applied in a different form; this database \
                     belongs to another version of pausegate",
                    migration.version, migration.description
                )));
            }
            None => apply(conn, migration)?,
        }
    }
    Ok(())
}

fn apply(conn: &mut rusqlite::Connection, migration: &Migration) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(error)?;
    tx.execute_batch(migration.sql.as_str()).map_err(error)?;
    tx.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, ?2, TRUE, ?3, -1)",
        rusqlite::params![
            migration.version,
            migration.description.as_ref(),
            migration.checksum.as_ref()
        ],
    )
    .map_err(error)?;
    tx.commit().map_err(error)
}

/// A migrator holding the PostgreSQL migrations.
pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

fn migrator(steps: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = steps
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                (*description).into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}
