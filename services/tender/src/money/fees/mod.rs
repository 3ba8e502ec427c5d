//! Fees collected (物业费收缴): bills per unit and month from the register and the fee
//! standard the year's approved budget sets; payments recorded one by one or imported
//! from a file; the collection rate (收缴率) per compound, street and district, public as
//! a rate; the arrears (欠费), which name units, for the compound's committee and serving
//! firm only.
//!
//! | file | what |
//! | --- | --- |
//! | `month.rs` | a billing month (`2026-03`) and a checked range of them |
//! | `store.rs` | bills and payments as stored (`fee_bill`, `fee_payment`), the sums per compound |
//! | `bills.rs` | generating a month's bills, idempotent per (unit, month) |
//! | `payments.rs` | one payment: its check, duplicates (409 `duplicate_payment`), never more than owed |
//! | `import.rs` | the payments file on `shared::sheet`: dry run, strict, good rows; duplicates recognised |
//! | `collection.rs` | the collection rate of a compound or an area; the arrears |

mod bills;
mod collection;
mod import;
mod month;
mod payments;
mod store;

pub use bills::{BillRun, BillRunInput, generate};
pub use collection::{
    Area, AreaCollection, Arrear, CollectionRate, arrears, basis_points, of_area, of_compound,
    rate_text,
};
pub use import::{COLUMNS, PAYMENTS, PaymentImportReport, import};
pub use month::{MAX_RANGE_MONTHS, Month, range};
pub use payments::{PaymentInput, PaymentView, ValidPayment, record};
