//! The annual budget put to the owners (年度预算, 以开放式年度预算确定小区收费标准): the
//! compound's committee or the firm serving it drafts a year's spending by category,
//! expected common revenue, the firm's remuneration (酬金制) and a planned carry-in; the
//! committee puts it to a vote from ballots on `approve_budget`. Only that vote, closed
//! and passed, approves it; until then it is a draft (草案). The fee standard it implies
//! (分/㎡·月) is derived from it and the register the vote was measured against, each term
//! shown, and is the compound's fee for the year: the bills follow it (`super::fees`).
//!
//! | file | what |
//! | --- | --- |
//! | `figures.rs` | the figures as drafted (`BudgetInput::check`), the fee arithmetic and a unit's monthly bill (pure) |
//! | `store.rs` | budgets as stored (`fee_budget`) |
//! | `access.rs` | who keeps a compound's budget and fees (committee, serving firm), who puts it to a vote (committee) |
//! | `steps.rs` | draft or revise, put to a vote, the view with its state derived from the vote, the approved fee and a contract's fee in force |

mod access;
mod figures;
mod steps;
mod store;

pub use access::{Keeper, actor, committee, compound, keeper};
pub use figures::{
    BudgetInput, CommonRevenue, FeeArithmetic, MAX_LINE_FEN, ValidBudget, monthly_bill_fen,
};
pub use steps::{
    ApprovedFee, BudgetState, BudgetView, BudgetVote, TOPIC, approved_fee, draft, fee_in_force,
    no_approved_budget, not_found, of_compound, one, put_to_vote, view,
};
pub use store::StoredBudget;
