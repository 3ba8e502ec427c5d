//! Bills (物业费账单): one per unit of the register and month, its exclusive area × the fee
//! standard the year's approved budget sets, rounded half up to 分. Generating a month
//! again bills only the units not yet billed for it (a unit added to the register since),
//! so it is idempotent per (unit, month).

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::{Problem, Validation};
use shared::feed::WriteTx;
use utoipa::ToSchema;

use super::month::Month;
use super::store::{self, Bill};
use crate::audit;
use crate::error::Result;
use crate::money::budget::{self, monthly_bill_fen};
use crate::owners::register;
use crate::replica::CompoundCopy;

/// The month to bill.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillRunInput {
    /// `YYYY-MM`; its year must have an approved budget.
    pub month: String,
}

impl BillRunInput {
    pub fn check(&self) -> std::result::Result<Month, Problem> {
        let mut v = Validation::new();
        let month = v.field("month", Month::parse(&self.month));
        v.finish_with(|| month)
    }
}

/// What generating a month's bills did (no unit is named: see the arrears for those).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BillRun {
    pub compound_id: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The approved budget whose fee the bills follow.
    pub budget_id: String,
    /// 分/㎡·月.
    pub fee_fen_per_m2_month: i64,
    /// Bills created now.
    pub created: usize,
    /// Units already billed for the month (left as they were).
    pub already_billed: usize,
    /// The month's bills and their sum, 分, after this run.
    pub bills: i64,
    pub billed_fen: i64,
}

/// Bills every unit of `compound`'s register not yet billed for `month`, at the fee of the
/// year's approved budget (409 `no_approved_budget` without one). The committee or the
/// serving firm.
pub async fn generate(
    tx: &mut WriteTx,
    identity: &Identity,
    compound: &CompoundCopy,
    month: Month,
) -> Result<BillRun> {
    budget::keeper(tx.conn(), identity, compound).await?;
    let fee = budget::approved_fee(tx.conn(), &compound.id, month.year)
        .await?
        .ok_or_else(|| budget::no_approved_budget(month.year))?;
    let label = month.to_string();
    let billed = store::billed_units(tx.conn(), &compound.id, &label).await?;
    let units = register::units(tx.conn(), &compound.id).await?;
    let (now, who) = (now_ms(), budget::actor(identity));
    let mut created = 0;
    for u in units.iter().filter(|u| !billed.contains(&u.id)) {
        let area_centi = i64::try_from(u.area.centi()).unwrap_or(i64::MAX);
        let bill = Bill {
            id: new_id(),
            compound_id: compound.id.clone(),
            unit_id: u.id.clone(),
            unit_label: u.label.to_string(),
            month: label.clone(),
            area_centi,
            fee_fen_per_m2: fee.fee_fen_per_m2_month,
            amount_fen: monthly_bill_fen(u.area.centi(), fee.fee_fen_per_m2_month),
            budget_id: fee.budget_id.clone(),
        };
        store::insert_bill(tx.conn(), &bill, &who, now).await?;
        created += 1;
    }
    let (bills, billed_fen) = store::month_total(tx.conn(), &compound.id, &label).await?;
    let run = BillRun {
        compound_id: compound.id.clone(),
        month: label,
        budget_id: fee.budget_id,
        fee_fen_per_m2_month: fee.fee_fen_per_m2_month,
        created,
        already_billed: billed.len(),
        bills,
        billed_fen,
    };
    if created > 0 {
        audit::record_step(
            tx.conn(),
            identity,
            ("fee_bills", &format!("{}:{}", compound.id, run.month)),
            None,
            ("billed", false),
            &run,
        )
        .await?;
    }
    Ok(run)
}
