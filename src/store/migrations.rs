//! Schema migrations, embedded in the binary so a fresh machine needs no
//! files beside it. Applied in order at start-up; sqlx records which ran.

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

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
];

/// A migrator holding the SQLite migrations.
pub fn sqlite() -> Migrator {
    migrator(SQLITE)
}

/// A migrator holding the PostgreSQL migrations.
pub fn postgres() -> Migrator {
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
