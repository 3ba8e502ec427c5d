//! What the fund's readers are answered: the public account with its months, the public
//! monthly statement, and the whole ledger with running balances for those who may read it.

use serde::Serialize;
use shared::clock::china_today;
use shared::error::Problem;
use shared::events::tender::FundMonth;
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::account;
use super::category::Category;
use super::ledger::Transaction;
use super::months::{self, Month, Statement};
use super::steps::thresholds;
use super::store;
use super::terms::{self, Remuneration};
use crate::award::records::{self, Contract};
use crate::config::TenderPolicy;
use crate::error::Result;

/// The fund's contract as the public reads it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FundContract {
    pub contract_id: String,
    pub tender_id: String,
    pub firm_id: String,
    pub firm_name: String,
    /// `commission` (酬金制) or `trust` (信托制).
    pub fee_model: String,
    pub remuneration: Option<Remuneration>,
    /// The remuneration in Chinese (未约定 when none).
    pub remuneration_terms: String,
    /// What the terms allow by today, and what was drawn (net of reversals).
    pub remuneration_allowed_fen: i64,
    pub remuneration_drawn_fen: i64,
}

/// A compound's service fund, public: its contract, balance and every month.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FundAccount {
    pub compound_id: String,
    /// The active commission or trust contract, or the one the latest transaction was
    /// recorded under; none when the compound never had a fund.
    pub contract: Option<FundContract>,
    /// Whether transactions may be recorded now (an active commission or trust contract).
    pub open: bool,
    pub balance_fen: i64,
    /// Month by month from the first transaction's to this one (oldest first).
    pub months: Vec<FundMonth>,
}

/// A ledger line: the transaction with the balance after it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LedgerLine {
    #[serde(flatten)]
    pub transaction: Transaction,
    pub balance_after_fen: i64,
}

/// Describes a contract's remuneration.
pub fn remuneration_terms(c: &Contract) -> String {
    c.remuneration
        .map_or_else(|| "未约定".to_string(), terms::describe)
}

fn net(list: &[Transaction], c: &Contract, category: Category, by: time::Date) -> i64 {
    list.iter()
        .filter(|t| t.contract_id == c.id && t.category == category && t.date() <= by)
        .map(|t| {
            if t.direction == category.direction() {
                t.amount_fen
            } else {
                -t.amount_fen
            }
        })
        .sum()
}

fn fund_contract(c: &Contract, list: &[Transaction]) -> FundContract {
    let today = china_today();
    let fee = net(list, c, Category::Fee, today);
    FundContract {
        contract_id: c.id.clone(),
        tender_id: c.tender_id.clone(),
        firm_id: c.firm_id.clone(),
        firm_name: c.firm_name.clone(),
        fee_model: c.fee_model.clone(),
        remuneration: c.remuneration,
        remuneration_terms: remuneration_terms(c),
        remuneration_allowed_fen: c.remuneration.map_or(0, |r| {
            terms::allowance(
                r,
                terms::months_begun(c.start_date, c.term_months, today),
                fee,
            )
        }),
        remuneration_drawn_fen: net(list, c, Category::Remuneration, today),
    }
}

/// The compound's fund: its contract (active, else the latest transaction's), ledger and
/// months.
pub async fn load(
    conn: &mut AnyConnection,
    compound_id: &str,
    policy: &TenderPolicy,
) -> Result<(Option<Contract>, bool, Vec<Transaction>, Vec<FundMonth>)> {
    account::compound(conn, compound_id).await?;
    let active = account::fund_contract(conn, compound_id).await?;
    let list = store::of_compound(conn, compound_id).await?;
    let open = active.is_some();
    let contract = match (active, list.last()) {
        (Some(c), _) => Some(c),
        (None, Some(t)) => records::contract(conn, &t.contract_id).await?,
        (None, None) => None,
    };
    let all = match &contract {
        Some(c) => months::months(
            &list,
            china_today(),
            (c.id.as_str(), c.fee_model.as_str()),
            thresholds(policy),
            compound_id,
        ),
        None => Vec::new(),
    };
    Ok((contract, open, list, all))
}

/// The public account.
pub async fn account(
    conn: &mut AnyConnection,
    compound_id: &str,
    policy: &TenderPolicy,
) -> Result<FundAccount> {
    let (contract, open, list, all) = load(conn, compound_id, policy).await?;
    Ok(FundAccount {
        compound_id: compound_id.to_string(),
        contract: contract.as_ref().map(|c| fund_contract(c, &list)),
        open,
        balance_fen: list.iter().map(Transaction::signed_fen).sum(),
        months: all,
    })
}

/// The public statement of `month` (404 for a month the fund did not keep).
pub async fn statement(
    conn: &mut AnyConnection,
    compound_id: &str,
    month: Month,
    policy: &TenderPolicy,
) -> Result<Statement> {
    let (contract, _, list, all) = load(conn, compound_id, policy).await?;
    let wanted = month.to_string();
    match (contract, all.into_iter().find(|m| m.month == wanted)) {
        (Some(c), Some(figures)) => Ok(months::statement(&list, figures, remuneration_terms(&c))),
        _ => {
            Err(Problem::not_found(format!("该小区没有 {wanted} 的物业服务资金收支记录。")).into())
        }
    }
}

/// The whole ledger, newest first, each line with the balance after it; only `month`'s
/// when given.
pub fn ledger(list: &[Transaction], month: Option<Month>) -> Vec<LedgerLine> {
    let mut balance = 0;
    let mut lines: Vec<LedgerLine> = list
        .iter()
        .map(|t| {
            balance += t.signed_fen();
            LedgerLine {
                transaction: t.clone(),
                balance_after_fen: balance,
            }
        })
        .filter(|l| month.is_none_or(|m| l.transaction.month() == m.to_string()))
        .collect();
    lines.reverse();
    lines
}
