//! The catalog's schema: its migrations, embedded in the binary.

/// The service's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/catalog");
