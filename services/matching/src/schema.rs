//! Matching's schema: its migrations (feed cursors and the replica it keeps), embedded in
//! the binary.

/// The service's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/matching");
