//! 业主名册 (owner register): per compound, its units (专有部分: building, unit, room), each
//! with its exclusive area as registered (不动产登记簿, in 0.01 ㎡, an integer) and its
//! owners (name, phone) or the developer while unsold; the totals (units, owners by head,
//! area) derived from the units as the SPC interpretation arts. 8–9 counts them, never
//! typed. Kept by the compound's committee and its street official: imported from CSV or
//! XLSX the ledger's way (dry run naming every bad row in Chinese, strict or good rows only,
//! idempotent by unit, export round trip), edited one unit at a time, every change a
//! numbered version in the history.
//!
//! | file | what |
//! | --- | --- |
//! | `store.rs` | the rows (`register_unit`) and their history (`register_unit_history`) |
//! | `access.rs` | who reads (whole or masked) and who keeps a compound's register |
//! | `input.rs` | a unit as sent (`UnitInput`) and the one check the API and the file rows share |
//! | `edit.rs` | add, change (naming the version), remove one unit |
//! | `file.rs`, `check.rs`, `import.rs`, `export.rs` | the file: its columns and report, its rows checked, the import, the export |
//! | `view.rs` | the API's answers: units whole or masked, the derived totals, the history, the public summary |

mod access;
mod check;
mod edit;
mod export;
mod file;
mod import;
mod input;
mod store;
mod view;

pub use access::{Access, Sight, actor, compound};
pub use edit::{MAX_UNITS, change, create, remove};
pub use export::{csv as export_csv, xlsx as export_xlsx};
pub use file::{COLUMNS, ImportReport, REGISTER};
pub use import::{ImportOutcome, import};
pub use input::{CheckedUnit, OwnerInput, UnitInput};
pub use store::{
    Source, Unit, Version, all_units, count, history, key_of, last_change, save, unit,
    unit_by_label, units,
};
pub use view::{
    ChangeKind, OwnerView, RegisterSummary, RegisterView, Totals, UnitState, UnitView, VersionView,
    units_per_owner,
};
