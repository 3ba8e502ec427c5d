//! Money as the plan wants it (see ARCHITECTURE "Money").
//!
//! | module | what |
//! | --- | --- |
//! | `fund/` | 酬金制 and 信托制: the remuneration a contract agrees, the compound's fund ledger, bank reconciliation, the monthly statement and the fund's months |

pub mod fund;
