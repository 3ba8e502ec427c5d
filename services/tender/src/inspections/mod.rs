//! 查阅 (the owners' right to inspect, 业主享有查阅权): an owner, with the unit's one-time
//! code, or the committee for owners asks to inspect the accounts, vouchers or contract of
//! the compound's firm; the request is due a configured number of days later (`[tender]
//! inspection_days`, 15 by default) and is answered by the serving firm or the committee;
//! the officials see their area's open and overdue requests.
//!
//! | file | what |
//! | --- | --- |
//! | `terms.rs` | what is asked ([`What`]), who asked, where it stands ([`State`]: open, overdue the day after its due date, answered) |
//! | `input.rs` | the requests and the answer as sent, checked |
//! | `codes.rs` | an owner's code resolved to its unit by the ballots' `resolve_code` |
//! | `store.rs` | the rows and the lists |
//! | `steps.rs` | ask, answer, who reads (the table) |
//! | `granted.rs` | the documents an answer gave, opened by the owner with the unit's code |
//! | `view.rs` | [`InspectionView`], the API's answer; the feed's `inspection` payload (no owner, unit or text) |

mod codes;
mod granted;
mod input;
mod steps;
mod store;
mod terms;
mod view;

pub use codes::{CodeHolder, resolve};
pub use granted::document as granted_document;
pub use input::{AnswerInput, Checked, InspectionInput, OwnerInspectionInput};
pub use steps::{
    Asker, answer, answerer, ask, code_unknown, may_ask_for, of_area, of_code, of_compound,
    of_unit, one, serving_firm,
};
pub use terms::{AskedBy, State, What};
pub use view::InspectionView;
