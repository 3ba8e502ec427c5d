//! Money as the plan wants it (issue 17; see ARCHITECTURE "Money"): the compound's fund, its
//! budget and its fees.
//!
//! | module | what |
//! | --- | --- |
//! | `budget/` | the annual budget put to the owners (年度预算): drafted by the committee or the serving firm, approved only by a passing vote from ballots on `approve_budget`; the fee standard (分/㎡·月) it implies, derived with its arithmetic |
//! | `fees/` | bills per unit and month from the register and the approved fee, payments recorded or imported, the collection rate (收缴率) and arrears |
//! | `fund/` | 酬金制 and 信托制: the remuneration a contract agrees, the compound's fund ledger, bank reconciliation, the monthly statement and the fund's months |

pub mod budget;
pub mod fees;
pub mod fund;
