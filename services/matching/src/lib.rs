//! The matching service: a search index fed by the catalog and tender change feeds,
//! two-way matching, bundles and coverage statistics (built out by the matching issue).

pub mod config;
pub mod error;
pub mod follow;
pub mod routes;
pub mod startup;
pub mod state;

pub use config::MatchingConfig;
pub use error::Error;
pub use startup::build;

/// Where this service's API lives.
pub const PREFIX: &str = "/match";

/// The service's migrations (feed cursors and the copies it keeps), embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/matching");
