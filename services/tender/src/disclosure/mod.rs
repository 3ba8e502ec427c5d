//! Transparency (信息公开): for each contract, its firm or its compound's committee
//! publishes the open annual budget (开放式年度预算) and periodic accounts (收支公开):
//! fee income, common revenue (公共收益: parking, advertising, other), spending by
//! category, and the balance. Everything is public.
//!
//! The numbers must add up, and the publisher states the totals so that a typing mistake
//! is caught rather than silently recomputed:
//!
//! - `total_income_fen` = Σ income (fee + parking + advertising + other);
//! - `total_spending_fen` = Σ spending categories;
//! - `closing_balance_fen` = `opening_balance_fen` + Σ income − Σ spending.
//!
//! For a budget the balances are the planned ones (the surplus carried into and out of
//! the year). Balances may be negative (a deficit); amounts may not.
//!
//! | file | what |
//! | --- | --- |
//! | `figures.rs` | the figures as sent and the check that they add up |
//! | `store.rs` | published versions, as stored and read |
//! | `steps.rs` | who may publish, publishing and correcting (更正) |

pub mod figures;
pub mod steps;
pub mod store;

pub use figures::{DisclosureInput, DisclosureKind, Income, Spending};
pub use steps::CorrectionInput;
pub use store::{Disclosure, Publisher};
