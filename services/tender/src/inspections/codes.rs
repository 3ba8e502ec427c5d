//! An owner's one-time code (业主表决码), resolved to the unit it was printed for, through
//! the ballots' [`crate::owners::ballots::resolve_code`]. A code that was issued and not
//! replaced by a newer notice speaks for its unit even after its vote or survey closed:
//! it proves the owner holds the unit's notice, which is all an inspection request needs.

use sqlx::AnyConnection;

use crate::error::Result;

/// The unit a code speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHolder {
    pub unit_id: String,
    pub compound_id: String,
}

/// The unit of `code` as an owner typed it, if it is a live code the platform issued.
pub async fn resolve(conn: &mut AnyConnection, code: &str) -> Result<Option<CodeHolder>> {
    Ok(crate::owners::ballots::resolve_code(conn, code)
        .await?
        .map(|h| CodeHolder {
            unit_id: h.unit_id,
            compound_id: h.compound_id,
        }))
}
