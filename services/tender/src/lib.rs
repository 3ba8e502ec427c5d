//! The tender service: owners' votes (业主共同决定), sealed-bid tenders (招标投标), awards,
//! contracts, disclosures, satisfaction and OCDS. It follows the catalog's change feed
//! into its own copy of what it needs (firms, compounds, places), and publishes its own
//! feed at `/tenders/feed` (topics `tender`, `tender_question`, `vote`, `complaint`,
//! `contract`, `disclosure`, `satisfaction`) and OCDS 1.1 release packages at
//! `/tenders/ocds/releases`.

pub mod audit;
pub mod award;
pub mod best;
pub mod bidding;
pub mod bids;
pub mod bulk;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod disclosure;
pub mod documents;
pub mod error;
pub mod files;
pub mod follow;
pub mod input;
pub mod inspections;
pub mod invitations;
pub mod money;
pub mod ocds;
pub mod ocds_documents;
pub mod opening;
pub mod owners;
pub mod period;
pub mod questions;
pub mod replica;
pub mod roster;
pub mod routes;
pub mod rows;
pub mod satisfaction;
pub mod scheduler;
mod schema;
pub mod startup;
pub mod state;
pub mod tenders;
pub mod terms;
pub mod votes;

pub use config::{TenderConfig, TenderPolicy};
pub use error::Error;
pub use routes::PREFIX;
pub use schema::MIGRATOR;
pub use startup::build;
