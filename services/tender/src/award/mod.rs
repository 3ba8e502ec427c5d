//! Evaluation (评标), award (定标), public notice (公示), complaints (质疑) and contracts
//! (合同).
//!
//! The award goes to the top-ranked bid; the committee may skip a bid only with a recorded
//! reason. It opens a notice period during which bidders may complain; a complaint upheld
//! revokes the award and reopens evaluation; a bidder not satisfied with the answer
//! escalates to the street, then to the district, and an upheld decision at any level does
//! the same. After the notice, with every complaint settled, the committee records the signed contract: the compound is covered from then
//! on (topic `contract` in the feed) until the contract ends or is terminated.
//!
//! | file | what |
//! | --- | --- |
//! | `rank.rs` | the rankings by method (pure) |
//! | `records.rs` | awards, complaints and contracts as stored and read; households on the platform, annual price, end of term |
//! | `evaluation.rs` | the ranking of a tender from its bids, votes and scores; the committee's scores |
//! | `decision.rs` | the award: the decision checked against the ranking, standing and capacity |
//! | `complaint_store.rs` | complaints and their escalations as stored and read; the stage and whether one still holds the contract back |
//! | `complaints.rs` | lodging, answering, escalating (street, then district) and deciding complaints |
//! | `contracts.rs` | signing and terminating contracts, with their dates' rules |
//! | `dismissal.rs` | the passing owners' votes on `dismiss_firm` a termination rests on |
//! | `guidance.rs` | the guided termination of a blacklisted firm's contract: the street's notice to the committee, the owners' decision, the termination |

pub mod complaint_store;
pub mod complaints;
pub mod contracts;
pub mod decision;
pub mod dismissal;
pub mod evaluation;
pub mod guidance;
pub mod rank;
pub mod records;

pub use rank::Ranked;
pub use records::{AwardStatus, Contract, ContractStatus, end_of_term};
