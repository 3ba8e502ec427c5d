//! 引导解除 (guided termination) of a blacklisted firm's contract: the street official of
//! the compound's street notifies the committee (recorded here), the owners decide to
//! dismiss the firm (a passing `dismiss_firm` vote, [`super::dismissal`]) and the committee
//! terminates the contract on that decision. Which compounds need it is matching's
//! attention list (firm standing and live contracts); each step's state here is derived
//! from records, nothing is ticked by hand.

use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::Validate;

use super::dismissal::{self, DismissalVote};
use super::records::{self, Contract, ContractStatus};
use crate::audit;
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::input::trimmed;
use crate::replica::{self, CompoundCopy};

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewNotice {
    /// What the committee was told (e.g. how and when), 2–1000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 1000, message = "通知内容应为 2–1000 个字符"))]
    pub note: String,
}

/// A recorded notice to the committee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CommitteeNotice {
    pub id: String,
    pub contract_id: String,
    pub compound_id: String,
    pub note: String,
    pub notified_at: String,
}

/// Where a contract's guided termination stands, step by step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Guidance {
    pub contract: Contract,
    /// Step 1: the committee was notified (the notices, oldest first).
    pub notices: Vec<CommitteeNotice>,
    /// Step 2: the owners' passing decisions to dismiss the firm since the signing.
    pub owners_decisions: Vec<DismissalVote>,
    /// Step 3: the contract is terminated (on the vote linked in `contract`).
    pub terminated: bool,
}

fn no_contract() -> Problem {
    Problem::not_found("没有这份合同。")
}

/// The contract and its compound (tender's copy).
async fn contract_and_compound(
    conn: &mut AnyConnection,
    cid: &str,
) -> Result<(Contract, CompoundCopy)> {
    let c = records::contract(conn, cid)
        .await?
        .ok_or_else(no_contract)?;
    let compound = replica::compound(conn, &c.compound_id)
        .await?
        .ok_or_else(no_contract)?;
    Ok((c, compound))
}

/// Whether `identity` is the street official of `compound`'s street.
fn is_street_of(identity: &Identity, compound: &CompoundCopy) -> bool {
    matches!((&identity.role, &identity.scope),
        (Role::StreetOfficial, Scope::Street(s)) if compound.street_code.as_ref() == Some(s))
}

/// Who reads a contract's guidance: the street and district officials of its compound,
/// city officials, the association, and the compound's committee.
fn may_read(identity: &Identity, compound: &CompoundCopy) -> bool {
    match (&identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => true,
        (Role::DistrictOfficial, Scope::District(d)) => *d == compound.district_code,
        (Role::Committee, Scope::Compound(c)) => *c == compound.id,
        _ => is_street_of(identity, compound),
    }
}

async fn notices(conn: &mut AnyConnection, cid: &str) -> Result<Vec<CommitteeNotice>> {
    let rows = sqlx::query(
        "SELECT id, contract_id, compound_id, note, notified_at FROM committee_notice \
         WHERE contract_id = $1 ORDER BY notified_at, id",
    )
    .bind(cid)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommitteeNotice {
                id: r.try_get("id")?,
                contract_id: r.try_get("contract_id")?,
                compound_id: r.try_get("compound_id")?,
                note: r.try_get("note")?,
                notified_at: to_rfc3339(r.try_get("notified_at")?),
            })
        })
        .collect()
}

/// The guidance of contract `cid`, for those who may read it.
pub async fn of_contract(
    conn: &mut AnyConnection,
    cid: &str,
    identity: &Identity,
) -> Result<Guidance> {
    let (contract, compound) = contract_and_compound(conn, cid).await?;
    if !may_read(identity, &compound) {
        return Err(Problem::forbidden(
            "只有小区所在街道、区县的工作人员、市级工作人员、协会和本小区自治组织可以查看。",
        )
        .into());
    }
    let notices = notices(conn, cid).await?;
    let owners_decisions =
        dismissal::passing(conn, &contract.compound_id, contract.signed_on).await?;
    Ok(Guidance {
        terminated: contract.status == ContractStatus::Terminated,
        contract,
        notices,
        owners_decisions,
    })
}

/// The contract, if `identity` is the street official of its compound's street (the check
/// before the body is read; [`notify`] decides again inside its transaction).
pub async fn may_notify(
    conn: &mut AnyConnection,
    cid: &str,
    identity: &Identity,
) -> Result<Contract> {
    let (contract, compound) = contract_and_compound(conn, cid).await?;
    if !is_street_of(identity, &compound) {
        return Err(Problem::forbidden("只有小区所在街道的工作人员可以登记通知。").into());
    }
    Ok(contract)
}

/// Records that the street official notified the committee about contract `cid`, inside the
/// transaction (topic `committee_notice`, kind `recorded`). Only the street official of the
/// compound's street, while the contract is active.
pub async fn notify(
    tx: &mut WriteTx,
    cid: &str,
    input: NewNotice,
    identity: &Identity,
) -> Result<CommitteeNotice> {
    let contract = may_notify(tx.conn(), cid, identity).await?;
    if contract.status != ContractStatus::Active {
        return Err(Problem::conflict("contract_not_active", "该合同已终止。").into());
    }
    let now = now_ms();
    let n = CommitteeNotice {
        id: new_id(),
        contract_id: contract.id.clone(),
        compound_id: contract.compound_id.clone(),
        note: input.note,
        notified_at: to_rfc3339(now),
    };
    sqlx::query(
        "INSERT INTO committee_notice (id, contract_id, compound_id, note, notified_by, notified_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&n.id)
    .bind(&n.contract_id)
    .bind(&n.compound_id)
    .bind(&n.note)
    .bind(&identity.account_id)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    tx.emit(
        shared::events::tender::COMMITTEE_NOTICE,
        &n.id,
        "recorded",
        &n,
    )
    .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("committee_notice", &n.id),
        Some(&contract.tender_id),
        ("recorded", false),
        &n,
    )
    .await?;
    Ok(n)
}
