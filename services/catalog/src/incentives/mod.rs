//! Incentives (激励) the catalog keeps, since it owns compounds and service models:
//!
//! - demonstration compounds (标杆示范) per service model: proposed by the street official
//!   of the compound's street (`demonstrations`), confirmed or declined by the district
//!   official of its district, withdrawn by either; every step kept append-only in
//!   `demonstration_event` (`migrations/catalog/0013_incentives.sql`) and each change
//!   published whole on the feed's `demonstration` topic.
//! - 以奖代补 subsidies (`subsidy`): recorded by the district official of the compound's
//!   district (amount in fen, reason, period, the approval document's 文号); never changed:
//!   a correction is a new record naming the one it replaces. Public, and published on the
//!   feed's `subsidy` topic, which matching follows for the monthly report.
//!
//! - firms flagged for priority in public procurement (`priority`): derived on every read
//!   from the whitelist, standing and credit, never stored.
//!
//! City officials read, never write; the public sees confirmed demonstrations only.

pub mod demonstration;
pub mod demonstration_store;
pub mod priority;
pub mod subsidy;
pub mod subsidy_store;
