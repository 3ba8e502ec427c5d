//! Owners taking part themselves (业主共同决定, 查阅权): the owner register (业主名册) and, on
//! it, votes from each unit's ballot, residents' surveys per unit and inspection requests.
//! The rules are in `shared::domain` (`register`, `ballot`, `owner_code`); this module keeps
//! the records.

pub mod ballots;
pub mod lookup;
pub mod register;
pub mod surveys;
