//! Whose fund it is and who may do what with it.
//!
//! A compound has a fund while it has an active contract whose fee model is `commission`
//! (酬金制) or `trust` (信托制): the fund is the owners' money, its ledger the compound's
//! (the balance carries from one contract to the next).
//!
//! | who | records | reverses | reads the whole ledger | imports bank statements |
//! | --- | --- | --- | --- | --- |
//! | the fund contract's firm (trustee / manager) | every category | any transaction | yes | yes |
//! | the compound's committee | every category but `remuneration` (the firm draws it) | any transaction | yes | yes |
//! | the association, the compound's street and district officials, city officials | no | no | yes | no |
//! | anyone | no | no | the public monthly statement and the months (no owner's name) | no |

use shared::auth::Identity;
use shared::error::Problem;
use shared::identity::{Role, Scope};
use sqlx::{AnyConnection, Row};

use super::category::Category;
use super::ledger::Recorder;
use crate::award::records::{self, Contract};
use crate::error::Result;
use crate::replica::{self, CompoundCopy};

/// The compound as tender knows it, or 404.
pub async fn compound(conn: &mut AnyConnection, id: &str) -> Result<CompoundCopy> {
    replica::compound(conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("平台尚未收到该小区的台账信息。").into())
}

/// The compound's active commission or trust contract (the latest signed), if any.
pub async fn fund_contract(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Option<Contract>> {
    let row = sqlx::query(
        "SELECT id FROM contract WHERE compound_id = $1 AND status = 'active' \
         AND fee_model IN ('commission', 'trust') ORDER BY signed_at DESC LIMIT 1",
    )
    .bind(compound_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    Ok(records::contract(conn, &id).await?)
}

/// The fund contract, or 409 `no_fund`.
pub async fn require_fund_contract(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Contract> {
    fund_contract(conn, compound_id).await?.ok_or_else(|| {
        Problem::conflict(
            "no_fund",
            "该小区没有在履行的酬金制或信托制物业服务合同，没有可记账的物业服务资金。",
        )
        .into()
    })
}

/// Who records for the fund of `c`'s compound: its firm or the committee (403 otherwise).
pub fn recorder(identity: &Identity, c: &Contract) -> Result<Recorder> {
    if identity.own_firm() == Some(c.firm_id.as_str()) {
        Ok(Recorder::Firm)
    } else if identity.is_committee_of(&c.compound_id) {
        Ok(Recorder::Committee)
    } else {
        Err(
            Problem::forbidden("只有合同的物业服务企业或小区自治组织可以记录物业服务资金的收支。")
                .into(),
        )
    }
}

/// What `by` may record: the committee never draws the firm's remuneration (403).
pub fn may_record(by: Recorder, category: Category) -> Result<()> {
    if by == Recorder::Committee && category == Category::Remuneration {
        return Err(Problem::forbidden(
            "酬金由物业服务企业按合同约定提取，小区自治组织不能记录酬金。",
        )
        .into());
    }
    Ok(())
}

/// Whether `identity` may read the whole ledger of `compound` (fee income's payers and
/// who recorded what): the parties, the association and the officials whose area holds
/// the compound.
pub fn may_read_ledger(
    identity: &Identity,
    compound: &CompoundCopy,
    contract: Option<&Contract>,
) -> Result<()> {
    let official = match (&identity.role, &identity.scope) {
        (Role::StreetOfficial, Scope::Street(s)) => {
            compound.street_code.as_deref() == Some(s.as_str())
        }
        (Role::DistrictOfficial, Scope::District(d)) => compound.district_code == *d,
        (Role::CityOfficial, Scope::City) | (Role::Association, _) => true,
        _ => false,
    };
    let firm = contract.is_some_and(|c| identity.own_firm() == Some(c.firm_id.as_str()));
    if official || firm || identity.is_committee_of(&compound.id) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "物业服务资金的明细账只对合同双方、小区所在街道和区县及协会开放；公众请查看月度收支公开。",
        )
        .into())
    }
}
