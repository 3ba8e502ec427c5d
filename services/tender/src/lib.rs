//! The tender service: owners' votes, sealed-bid tenders, awards, contracts, disclosures,
//! satisfaction and OCDS (built out by the tender issue). It follows the catalog's change
//! feed into its own copy of what it needs, and publishes its own feed at `/tenders/feed`.

pub mod config;
pub mod error;
pub mod follow;
pub mod routes;
pub mod startup;
pub mod state;

pub use config::TenderConfig;
pub use error::Error;
pub use startup::build;

/// Where this service's API lives.
pub const PREFIX: &str = "/tenders";

/// The service's migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/tender");
