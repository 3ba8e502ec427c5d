//! The catalog service: the association's supplier roster, the districts' compound ledger,
//! places, service models and the accounts that act on them. It is the source of truth
//! that tender and matching follow through its change feed (`/catalog/feed`).

pub mod accounts;
pub mod bulk;
pub mod compounds;
pub mod config;
pub mod demo;
pub mod error;
pub mod firms;
pub mod incentives;
pub mod passwords;
pub mod places;
pub mod plans;
pub mod policy;
pub mod routes;
mod schema;
pub mod startup;
pub mod state;
pub mod throttle;

pub use config::CatalogConfig;
pub use error::Error;
pub use routes::PREFIX;
pub use startup::build;

pub use schema::MIGRATOR;
