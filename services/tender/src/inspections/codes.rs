//! An owner's one-time code (业主表决码), resolved to the unit it was printed for. The codes
//! are the ballots work's (`owners::ballots`, whose `resolve_code` finds the unit and
//! compound of a code); until it is wired here, no code resolves, so an inspection request
//! by code answers 404 `code_unknown` like a wrong code.

use shared::domain::OwnerCode;
use sqlx::AnyConnection;

use crate::error::Result;

/// The unit a code speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHolder {
    pub unit_id: String,
    pub compound_id: String,
}

/// The unit of `code`, if it is a code the platform issued.
pub async fn resolve(_conn: &mut AnyConnection, _code: &OwnerCode) -> Result<Option<CodeHolder>> {
    Ok(None)
}
