//! Tenders (招标): the stored record with its checked terms, what a committee sends, the
//! public view, and the committee's steps.
//!
//! Lifecycle (DESIGN.md §6): `draft` → `open` → `evaluation` → `awarded` → `contracted`,
//! or `cancelled` / `unsuccessful`. Every transition is one write transaction that changes
//! the row, appends a `tender` change to the outbox (payload: the [`TenderView`]) and an
//! audit row ([`change::record_change`]). The opening of bids is time-driven
//! ([`crate::opening`]); award and contract are [`crate::award`]'s.
//!
//! | file | what |
//! | --- | --- |
//! | `tender.rs` | [`Tender`], who sees it, and which [`Step`] its status admits |
//! | `input.rs` | [`TermsInput`] and its check into checked terms ([`Proposal`]) |
//! | `store.rs` | rows in and out, lists |
//! | `view.rs` | [`TenderView`], the API's answer and the feed's payload |
//! | `change.rs` | recording a step: feed change + audit row |
//! | `lifecycle.rs` | [`for_committee`] and the steps draft, revise, open for bids, cancel |

pub mod change;
pub mod input;
pub mod lifecycle;
pub mod store;
pub mod tender;
pub mod view;

pub use input::{CancelTender, CriterionInput, NewTender, Schedule, TermsInput};
pub use lifecycle::for_committee;
pub use tender::{Step, Tender, sealed};
pub use view::TenderView;
