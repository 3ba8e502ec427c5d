//! An owner's one-time code (业主表决码), resolved to the unit it was printed for by the
//! ballots' `owners::ballots::resolve_code`. A code speaks for its unit while its vote or
//! survey takes answers; a code that is unknown, replaced or past its period answers 404
//! `code_unknown` like a wrong one (the owner can still ask through the committee).

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
pub async fn resolve(conn: &mut AnyConnection, code: &OwnerCode) -> Result<Option<CodeHolder>> {
    let holder = crate::owners::ballots::resolve_code(conn, &code.printed()).await?;
    Ok(holder.filter(|h| h.valid_now).map(|h| CodeHolder {
        unit_id: h.unit_id,
        compound_id: h.compound_id,
    }))
}
