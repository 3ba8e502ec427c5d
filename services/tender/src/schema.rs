//! The tender service's schema: its migrations, embedded in the binary.

/// The service's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/tender");
