//! A compound's service fund (物业服务资金, 酬金制 and 信托制) as tender answers it
//! (`/tenders/compounds/{cid}/fund…`), with the texts the fund's pages print.

use serde::Deserialize;

use crate::format::yuan_label;

/// The fund's contract.
#[derive(Debug, Clone, Deserialize)]
pub struct FundContract {
    pub firm_name: String,
    pub fee_model: String,
    pub remuneration_terms: String,
    pub remuneration_allowed_fen: i64,
    pub remuneration_drawn_fen: i64,
}

impl FundContract {
    pub fn fee_model_label(&self) -> &'static str {
        match self.fee_model.as_str() {
            "trust" => "信托制",
            "commission" => "酬金制",
            _ => "包干制",
        }
    }

    pub fn allowed(&self) -> String {
        yuan_label(self.remuneration_allowed_fen)
    }

    pub fn drawn(&self) -> String {
        yuan_label(self.remuneration_drawn_fen)
    }
}

/// One month of the fund.
#[derive(Debug, Clone, Deserialize)]
pub struct FundMonth {
    pub month: String,
    pub opening_balance_fen: i64,
    pub income_fen: i64,
    pub common_revenue_fen: i64,
    pub spending_fen: i64,
    pub remuneration_fen: i64,
    pub closing_balance_fen: i64,
    pub deficit_months: i64,
    pub deficit_flagged: bool,
    #[serde(default)]
    pub common_revenue_not_pooled: bool,
}

impl FundMonth {
    pub fn opening(&self) -> String {
        yuan_label(self.opening_balance_fen)
    }
    pub fn income(&self) -> String {
        yuan_label(self.income_fen)
    }
    pub fn common_revenue(&self) -> String {
        yuan_label(self.common_revenue_fen)
    }
    pub fn spending(&self) -> String {
        yuan_label(self.spending_fen)
    }
    pub fn remuneration(&self) -> String {
        yuan_label(self.remuneration_fen)
    }
    pub fn closing(&self) -> String {
        yuan_label(self.closing_balance_fen)
    }
    pub fn in_deficit(&self) -> bool {
        self.closing_balance_fen < 0
    }
}

/// The fund, public.
#[derive(Debug, Clone, Deserialize)]
pub struct FundAccount {
    pub contract: Option<FundContract>,
    pub open: bool,
    pub balance_fen: i64,
    pub months: Vec<FundMonth>,
}

impl FundAccount {
    pub fn balance(&self) -> String {
        yuan_label(self.balance_fen)
    }

    /// The latest month, whose flags stand.
    pub fn latest(&self) -> Option<&FundMonth> {
        self.months.last()
    }

    /// The month whose statement the page opens on: the latest with a movement (a month
    /// just begun has none yet), else the latest.
    pub fn latest_with_movements(&self) -> Option<&FundMonth> {
        self.months
            .iter()
            .rev()
            .find(|m| m.income_fen != 0 || m.spending_fen != 0 || m.remuneration_fen != 0)
            .or_else(|| self.latest())
    }
}

/// A category's amount in a month.
#[derive(Debug, Clone, Deserialize)]
pub struct CategoryTotal {
    pub category_label: String,
    pub amount_fen: i64,
}

impl CategoryTotal {
    pub fn amount(&self) -> String {
        yuan_label(self.amount_fen)
    }
}

/// A line of the public statement.
#[derive(Debug, Clone, Deserialize)]
pub struct StatementLine {
    pub day: String,
    pub direction: String,
    pub category_label: String,
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    pub has_voucher: bool,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    pub balance_after_fen: i64,
}

impl StatementLine {
    pub fn amount(&self) -> String {
        signed_yuan(&self.direction, self.amount_fen)
    }
    pub fn balance(&self) -> String {
        yuan_label(self.balance_after_fen)
    }
    pub fn memo_text(&self) -> &str {
        self.memo.as_deref().unwrap_or("")
    }
}

/// An amount in 元 with `+` for income and `−` for spending.
fn signed_yuan(direction: &str, fen: i64) -> String {
    let sign = if direction == "income" { "+" } else { "−" };
    format!("{sign}{}", yuan_label(fen))
}

/// 月度收支公开.
#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    #[serde(flatten)]
    pub figures: FundMonth,
    pub remuneration_terms: String,
    pub income: Vec<CategoryTotal>,
    pub spending: Vec<CategoryTotal>,
    pub surplus_fen: i64,
    pub carried_forward_fen: i64,
    pub transactions: Vec<StatementLine>,
}

impl Statement {
    pub fn surplus(&self) -> String {
        yuan_label(self.surplus_fen)
    }
    pub fn carried(&self) -> String {
        yuan_label(self.carried_forward_fen)
    }
    pub fn is_deficit(&self) -> bool {
        self.surplus_fen < 0
    }
}

/// A line of the whole ledger (the parties and officials).
#[derive(Debug, Clone, Deserialize)]
pub struct LedgerLine {
    pub id: String,
    pub day: String,
    pub direction: String,
    pub category_label: String,
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    pub bank_reference: Option<String>,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    pub recorded_by: String,
    pub recorded_by_name: String,
    pub balance_after_fen: i64,
}

impl LedgerLine {
    pub fn amount(&self) -> String {
        signed_yuan(&self.direction, self.amount_fen)
    }
    pub fn balance(&self) -> String {
        yuan_label(self.balance_after_fen)
    }
    pub fn memo_text(&self) -> &str {
        self.memo.as_deref().unwrap_or("")
    }
    pub fn reference_text(&self) -> &str {
        self.bank_reference.as_deref().unwrap_or("")
    }
    pub fn recorder_label(&self) -> String {
        let who = if self.recorded_by == "firm" {
            "物业服务企业"
        } else {
            "自治组织"
        };
        format!("{}（{who}）", self.recorded_by_name)
    }
    /// Still reversible: neither reversed nor a reversal.
    pub fn reversible(&self) -> bool {
        self.reverses.is_none() && self.reversed_by.is_none()
    }
}

/// A row error of an import.
#[derive(Debug, Clone, Deserialize)]
pub struct RowError {
    pub line: u32,
    pub field: String,
    pub value: String,
    pub message: String,
}

/// A statement line no transaction matched.
#[derive(Debug, Clone, Deserialize)]
pub struct UnmatchedLine {
    pub line: u32,
    pub day: String,
    pub amount_fen: i64,
    pub counterparty: String,
    pub reference: Option<String>,
}

impl UnmatchedLine {
    pub fn amount(&self) -> String {
        yuan_label(self.amount_fen)
    }
    pub fn reference_text(&self) -> &str {
        self.reference.as_deref().unwrap_or("")
    }
}

/// A transaction no statement line matched.
#[derive(Debug, Clone, Deserialize)]
pub struct UnmatchedTransaction {
    pub day: String,
    pub category_label: String,
    pub amount_fen: i64,
    pub direction: String,
    pub counterparty: String,
}

impl UnmatchedTransaction {
    pub fn amount(&self) -> String {
        signed_yuan(&self.direction, self.amount_fen)
    }
}

/// What a bank statement import found.
#[derive(Debug, Clone, Deserialize)]
pub struct BankReport {
    pub statement_id: Option<String>,
    pub lines_total: usize,
    pub lines_ok: usize,
    pub errors: Vec<RowError>,
    pub errors_total: usize,
    pub errors_not_listed: Option<String>,
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    pub closing_balance_fen: Option<i64>,
    pub ledger_balance_fen: Option<i64>,
    pub difference_fen: Option<i64>,
    pub reconciled: bool,
    pub matched: usize,
    pub unmatched_lines: Vec<UnmatchedLine>,
    pub unmatched_transactions: Vec<UnmatchedTransaction>,
}

impl BankReport {
    pub fn applied(&self) -> bool {
        self.statement_id.is_some()
    }
    pub fn closing(&self) -> String {
        self.closing_balance_fen
            .map_or("（无余额）".into(), yuan_label)
    }
    pub fn ledger(&self) -> String {
        self.ledger_balance_fen.map_or("—".into(), yuan_label)
    }
    pub fn difference(&self) -> String {
        self.difference_fen.map_or("—".into(), yuan_label)
    }
    pub fn period(&self) -> String {
        match (&self.first_day, &self.last_day) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => "—".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_opens_on_the_latest_month_with_movements() {
        let month = |m: &str, income: i64| {
            serde_json::from_value::<FundMonth>(serde_json::json!({
                "month": m, "opening_balance_fen": 0, "income_fen": income,
                "common_revenue_fen": 0, "spending_fen": 0, "remuneration_fen": 0,
                "closing_balance_fen": income, "deficit_months": 0, "deficit_flagged": false,
            }))
            .unwrap()
        };
        let mut fund = FundAccount {
            contract: None,
            open: true,
            balance_fen: 0,
            months: vec![
                month("2026-10", 5),
                month("2026-11", 7),
                month("2026-12", 0),
            ],
        };
        assert_eq!(fund.latest().unwrap().month, "2026-12");
        assert_eq!(fund.latest_with_movements().unwrap().month, "2026-11");
        fund.months = vec![month("2026-12", 0)];
        assert_eq!(fund.latest_with_movements().unwrap().month, "2026-12");
        fund.months.clear();
        assert!(fund.latest_with_movements().is_none());
    }
}
