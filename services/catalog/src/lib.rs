//! The catalog service: the association's supplier roster, the districts' compound ledger,
//! places, service models and the accounts that act on them. It is the source of truth
//! that tender and matching follow through its change feed (`/catalog/feed`).

pub mod accounts;
pub mod compounds;
pub mod config;
pub mod demo;
pub mod error;
pub mod firms;
pub mod passwords;
pub mod places;
pub mod policy;
pub mod routes;
pub mod startup;
pub mod state;
pub mod throttle;

pub use config::CatalogConfig;
pub use error::Error;
pub use startup::build;

/// Where this service's API lives.
pub const PREFIX: &str = "/catalog";

/// The service's migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/catalog");
