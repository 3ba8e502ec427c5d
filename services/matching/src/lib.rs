//! The matching service: follows the catalog and tender change feeds into its own tables
//! (and, with the matching issue's search index, into the index), and answers coverage
//! statistics (覆盖率), satisfaction rankings (满意度排名) and the officials' attention
//! lists; two-way matching, search and bundles join with the search index.

pub mod attention;
pub mod config;
pub mod coverage;
pub mod error;
pub mod follow;
pub mod funds;
pub mod index;
pub mod inspections;
pub mod live_coverage;
pub mod notifications;
pub mod policy;
pub mod progress;
pub mod rebuild;
pub mod replica;
pub mod reports;
pub mod routes;
pub mod satisfaction;
mod schema;
pub mod serving;
pub mod startup;
pub mod state;

pub use config::MatchingConfig;
pub use error::Error;
pub use policy::MatchingPolicy;
pub use routes::PREFIX;
pub use startup::{build, build_with};

pub use schema::MIGRATOR;
