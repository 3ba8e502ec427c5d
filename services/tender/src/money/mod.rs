//! Money as the plan wants it (issue 17): the compound's fund, its budget and its fees.
//!
//! | module | what |
//! | --- | --- |
//! | `budget/` | the annual budget put to the owners (年度预算): drafted by the committee or the serving firm, approved only by a passing vote from ballots on `approve_budget`; the fee standard (分/㎡·月) it implies, derived with its arithmetic |
//! | `fees/` | bills per unit and month from the register and the approved fee, payments recorded or imported, the collection rate (收缴率) and arrears |

pub mod budget;
pub mod fees;
