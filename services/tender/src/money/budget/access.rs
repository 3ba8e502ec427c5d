//! Who keeps a compound's budget and fees.
//!
//! | who | drafts the budget, bills, records and imports payments, reads arrears | puts the budget to the owners' vote |
//! | --- | --- | --- |
//! | the compound's committee | yes | yes |
//! | the firm of its current contract (serving firm) | yes | no |
//! | anyone else, officials and the association included | 403 (anonymous 401) | 403 |
//!
//! Budgets, the fee standard and the collection rate are public; arrears name units, so
//! they stay with the two who collect.

use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;
use sqlx::AnyConnection;

use crate::error::Result;
use crate::inspections::serving_firm;
use crate::replica::{self, CompoundCopy};

/// Who keeps the money of a compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeper {
    Committee,
    ServingFirm,
}

/// The compound as tender knows it, or 404.
pub async fn compound(conn: &mut AnyConnection, id: &str) -> Result<CompoundCopy> {
    Ok(replica::compound(conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("平台尚未收到该小区的台账信息。"))?)
}

/// The caller as a keeper of `compound`'s budget and fees, or the 403.
pub async fn keeper(
    conn: &mut AnyConnection,
    identity: &Identity,
    compound: &CompoundCopy,
) -> Result<Keeper> {
    match (&identity.role, &identity.scope) {
        (Role::Committee, Scope::Compound(c)) if *c == compound.id => Ok(Keeper::Committee),
        (Role::Firm, Scope::Firm(f))
            if serving_firm(conn, &compound.id).await?.as_deref() == Some(f.as_str()) =>
        {
            Ok(Keeper::ServingFirm)
        }
        _ => Err(Problem::forbidden(
            "只有本小区自治组织和为本小区提供服务（合同期内）的物业服务企业可以编制预算、生成账单、登记缴费和查看欠费。",
        )
        .into()),
    }
}

/// 403 unless the caller is `compound`'s committee (which runs the owners' votes).
pub fn committee(identity: &Identity, compound: &CompoundCopy) -> Result<()> {
    if identity.is_committee_of(&compound.id) {
        Ok(())
    } else {
        Err(Problem::forbidden("只有本小区自治组织可以将预算提交业主表决。").into())
    }
}

/// Who did it, as people read it (`王主任（小区自治组织）`).
pub fn actor(identity: &Identity) -> String {
    format!("{}（{}）", identity.name, identity.role.label_zh())
}
