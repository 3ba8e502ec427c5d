//! Incentives (激励) the catalog keeps, since it owns compounds and service models:
//!
//! - demonstration compounds (标杆示范) per service model: proposed by the street official
//!   of the compound's street (`demonstrations`), confirmed or declined by the district
//!   official of its district, withdrawn by either; every step kept append-only in
//!   `demonstration_event` (`migrations/catalog/0013_incentives.sql`) and each change
//!   published whole on the feed's `demonstration` topic.
//!
//! City officials read, never write; the public sees confirmed ones only.

pub mod demonstration;
pub mod demonstration_store;
