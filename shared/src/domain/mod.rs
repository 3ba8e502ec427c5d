//! Domain newtypes that cannot hold invalid values.
//!
//! Every type here follows "parse, don't validate": its fields are private, the only way
//! to obtain one is a constructor (`parse` / `new` / `TryFrom`) that checks the input and
//! returns [`DomainError`] otherwise, and `serde` deserialisation goes through that same
//! constructor. Code that receives a [`CreditCode`] or a [`DistrictCode`] never has to
//! check it again.
//!
//! Error messages are written in Simplified Chinese for end users; the `code` of a
//! [`DomainError`] is a stable snake_case identifier for machines.
//!
//! | type | what it is |
//! | --- | --- |
//! | [`CreditCode`] | 统一社会信用代码 (unified social credit code, GB 32100-2015) |
//! | [`DistrictCode`], [`StreetCode`] | 区县 / 街道（镇）codes of Chengdu, checked against reference data |
//! | [`Coordinates`] | WGS-84 经纬度 inside China |
//! | [`Fen`], [`FeeRate`] | money in 分, and the 物业费单价 in 分/㎡·月 |
//! | [`Households`], [`FloorArea`], [`Buildings`] | 户数, 建筑面积, 楼栋数 |
//! | [`PhoneNumber`] | mainland mobile (手机号) or landline (固定电话) number |
//! | [`VoteTally`] | the count of an 业主共同决定 (owners' common decision, Civil Code art. 278) |
//! | [`ExclusiveArea`], [`UnitLabel`], [`Holder`], [`RegisterCount`] | the 业主名册 (owner register) and how it counts owners and area (SPC interpretation arts. 8–9) |
//! | [`OwnerCode`] | the one-time code on a unit's paper notice (stored as its digest) |
//! | [`BallotCount`], [`Choice`] | an owners' vote counted from its ballots against the register |

mod ballot;
pub mod compound;
mod credit_code;
mod error;
mod geo;
mod measure;
mod money;
mod owner_code;
mod phone;
mod place;
pub mod plan;
pub mod register;
pub mod roster;
mod schema;
mod vote;

#[cfg(test)]
mod hostile;

pub use ballot::{BallotCount, Choice, ChoiceCount};
pub use credit_code::{CREDIT_CODE_ALPHABET, CreditCode, check_char};
pub use error::{DomainError, QUOTED_CHARS, quoted};
pub use geo::Coordinates;
pub use measure::{Buildings, FloorArea, Households};
pub use money::{FeeRate, Fen};
pub use owner_code::OwnerCode;
pub use phone::{PhoneKind, PhoneNumber};
pub use place::{
    District, DistrictCode, DistrictKind, Street, StreetCode, district, districts, street, streets,
    streets_of,
};
pub use register::{Centi, ExclusiveArea, Holder, Owner, OwnerKey, RegisterCount, UnitLabel};
pub use vote::{Matter, VoteError, VoteOutcome, VoteTally};
