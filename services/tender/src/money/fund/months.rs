//! The fund month by month, derived from its ledger alone: each month's opening balance,
//! income (common revenue apart), spending, remuneration and closing balance, and the two
//! flags officials follow:
//!
//! - **deficit** (入不敷出): `deficit_months` counts the consecutive months, ending with
//!   this one, whose closing balance is below zero; the month is flagged once it reaches
//!   `[tender] fund_deficit_months` (default 3).
//! - **common revenue not pooled** (公共收益未归集): once the fund has kept at least
//!   `[tender] fund_pooling_months` months (default 3), a month is flagged when the fund
//!   recorded no common revenue (parking, advertising, other) over the last that many
//!   months up to it. A compound whose parking and advertising income goes elsewhere shows
//!   up here.
//!
//! And the public monthly statement (月度收支公开): every transaction of the month with the
//! balance after it, but fee income without its payer (no owner's name, ever).

use std::collections::BTreeMap;

use serde::Serialize;
use shared::events::tender::FundMonth;
use time::Date;
use utoipa::ToSchema;

use super::category::{Category, Direction};
use super::ledger::Transaction;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u8,
}

impl Month {
    pub fn of(d: Date) -> Self {
        Self {
            year: d.year(),
            month: u8::from(d.month()),
        }
    }

    /// `YYYY-MM` (years 2000–2100).
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (year, month): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
        ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The rules' settings.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub deficit_months: u32,
    pub pooling_months: u32,
}

/// Net amounts by category in one month (a reversal subtracts from its category).
#[derive(Debug, Clone, Default)]
struct Totals {
    by_category: BTreeMap<Category, i64>,
}

impl Totals {
    fn add(&mut self, t: &Transaction) {
        let booked = t.category.direction();
        let net = if t.direction == booked {
            t.amount_fen
        } else {
            -t.amount_fen
        };
        *self.by_category.entry(t.category).or_default() += net;
    }

    fn sum(&self, keep: impl Fn(Category) -> bool) -> i64 {
        self.by_category
            .iter()
            .filter(|(c, _)| keep(**c))
            .map(|(_, v)| v)
            .sum()
    }

    fn income(&self) -> i64 {
        self.sum(|c| c.direction() == Direction::Income)
    }

    fn common_revenue(&self) -> i64 {
        self.sum(Category::is_common_revenue)
    }

    fn spending(&self) -> i64 {
        self.sum(|c| c.direction() == Direction::Spending && c != Category::Remuneration)
    }

    fn remuneration(&self) -> i64 {
        self.sum(|c| c == Category::Remuneration)
    }
}

/// Every month of the fund from its first transaction's through `through`'s, with the
/// flags; `contract_id` and `fee_model` name the fund's contract.
pub fn months(
    list: &[Transaction],
    through: Date,
    (contract_id, fee_model): (&str, &str),
    rules: Thresholds,
    compound_id: &str,
) -> Vec<FundMonth> {
    let Some(first) = list.iter().map(Transaction::date).min() else {
        return Vec::new();
    };
    let mut by_month: BTreeMap<Month, Totals> = BTreeMap::new();
    for t in list {
        by_month.entry(Month::of(t.date())).or_default().add(t);
    }
    let last = Month::of(through).max(by_month.keys().last().copied().unwrap_or(Month::of(first)));
    let (mut out, mut month, mut balance, mut deficit) = (Vec::new(), Month::of(first), 0i64, 0i64);
    let mut common: Vec<i64> = Vec::new();
    let empty = Totals::default();
    while month <= last {
        let totals = by_month.get(&month).unwrap_or(&empty);
        let opening = balance;
        balance += totals.income() - totals.spending() - totals.remuneration();
        deficit = if balance < 0 { deficit + 1 } else { 0 };
        common.push(totals.common_revenue());
        let n = rules.pooling_months.max(1) as usize;
        let not_pooled = common.len() >= n && common[common.len() - n..].iter().sum::<i64>() <= 0;
        out.push(FundMonth {
            compound_id: compound_id.to_string(),
            contract_id: contract_id.to_string(),
            fee_model: fee_model.to_string(),
            month: month.to_string(),
            opening_balance_fen: opening,
            income_fen: totals.income(),
            common_revenue_fen: totals.common_revenue(),
            spending_fen: totals.spending(),
            remuneration_fen: totals.remuneration(),
            closing_balance_fen: balance,
            deficit_months: deficit,
            deficit_flagged: deficit >= i64::from(rules.deficit_months.max(1)),
            common_revenue_not_pooled: not_pooled,
        });
        month = month.next();
    }
    out
}

/// One line of the public statement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatementLine {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub direction: Direction,
    pub category: Category,
    pub category_label: String,
    pub amount_fen: i64,
    /// Who paid or was paid; for fee income always `业主缴费`, never an owner's name.
    pub counterparty: String,
    /// The memo; none for fee income.
    pub memo: Option<String>,
    /// Whether a 凭证 backs it (the parties and officials open it; owners through 查阅).
    pub has_voucher: bool,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    /// The fund's balance after it.
    pub balance_after_fen: i64,
}

/// A category's net amount in the month.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryTotal {
    pub category: Category,
    pub category_label: String,
    pub amount_fen: i64,
}

/// 月度收支公开: a compound's fund in one month, public.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Statement {
    #[serde(flatten)]
    pub figures: FundMonth,
    /// The remuneration the contract agrees, in Chinese (none: 未约定).
    pub remuneration_terms: String,
    /// Income by category (fee income, each kind of common revenue, carried in).
    pub income: Vec<CategoryTotal>,
    /// Spending by category, remuneration apart.
    pub spending: Vec<CategoryTotal>,
    /// Income − spending − remuneration of the month: a surplus (≥ 0) or a deficit.
    pub surplus_fen: i64,
    /// The closing balance, carried into the next month as its opening balance.
    pub carried_forward_fen: i64,
    pub transactions: Vec<StatementLine>,
}

/// The public label of fee income's payer.
pub const FEE_PAYER: &str = "业主缴费";

/// The statement of `month` from the whole ledger and that month's figures.
pub fn statement(
    list: &[Transaction],
    figures: FundMonth,
    remuneration_terms: String,
) -> Statement {
    let mut balance = figures.opening_balance_fen;
    let mut totals = Totals::default();
    let mut lines = Vec::new();
    for t in list.iter().filter(|t| t.month() == figures.month) {
        balance += t.signed_fen();
        totals.add(t);
        let fee = t.category == Category::Fee;
        lines.push(StatementLine {
            id: t.id.clone(),
            day: t.day.clone(),
            direction: t.direction,
            category: t.category,
            category_label: t.category_label.clone(),
            amount_fen: t.amount_fen,
            counterparty: if fee {
                FEE_PAYER.to_string()
            } else {
                t.counterparty.clone()
            },
            memo: if fee { None } else { t.memo.clone() },
            has_voucher: t.voucher_id.is_some(),
            reverses: t.reverses.clone(),
            reversed_by: t.reversed_by.clone(),
            balance_after_fen: balance,
        });
    }
    let of = |direction: Direction| -> Vec<CategoryTotal> {
        Category::ALL
            .into_iter()
            .filter(|c| c.direction() == direction && *c != Category::Remuneration)
            .map(|c| CategoryTotal {
                category: c,
                category_label: c.label_zh().to_string(),
                amount_fen: totals.by_category.get(&c).copied().unwrap_or(0),
            })
            .collect()
    };
    Statement {
        surplus_fen: figures.income_fen - figures.spending_fen - figures.remuneration_fen,
        carried_forward_fen: figures.closing_balance_fen,
        income: of(Direction::Income),
        spending: of(Direction::Spending),
        remuneration_terms,
        transactions: lines,
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::fund::ledger::Recorder;
    use time::macros::date;

    fn t(day: &str, category: Category, amount: i64) -> Transaction {
        Transaction {
            id: format!("{day}-{}", category.as_str()),
            compound_id: "c".into(),
            contract_id: "k".into(),
            day: day.into(),
            direction: category.direction(),
            category,
            category_label: category.label_zh().into(),
            amount_fen: amount,
            counterparty: "张三".into(),
            memo: Some("3栋2单元301".into()),
            voucher_id: None,
            bank_reference: None,
            reverses: None,
            reversed_by: None,
            recorded_by: Recorder::Firm,
            recorded_by_name: "x".into(),
            recorded_at: String::new(),
        }
    }

    const RULES: Thresholds = Thresholds {
        deficit_months: 3,
        pooling_months: 3,
    };

    #[test]
    fn months_carry_their_balance_and_count_deficits() {
        let list = vec![
            t("2026-01-05", Category::Fee, 10_000),
            t("2026-01-20", Category::Cleaning, 15_000),
            t("2026-03-01", Category::Maintenance, 1_000),
            t("2026-05-01", Category::Fee, 30_000),
            t("2026-05-02", Category::Parking, 500),
        ];
        let m = months(&list, date!(2026 - 06 - 15), ("k", "trust"), RULES, "c");
        let closing: Vec<i64> = m.iter().map(|m| m.closing_balance_fen).collect();
        assert_eq!(closing, [-5_000, -5_000, -6_000, -6_000, 24_500, 24_500]);
        let deficit: Vec<i64> = m.iter().map(|m| m.deficit_months).collect();
        assert_eq!(deficit, [1, 2, 3, 4, 0, 0]);
        let flagged: Vec<bool> = m.iter().map(|m| m.deficit_flagged).collect();
        assert_eq!(flagged, [false, false, true, true, false, false]);
        let pooled: Vec<bool> = m.iter().map(|m| m.common_revenue_not_pooled).collect();
        assert_eq!(pooled, [false, false, true, true, false, false]);
        assert_eq!(m[1].opening_balance_fen, -5_000);
        assert_eq!(m[4].income_fen, 30_500);
        assert_eq!(m[4].common_revenue_fen, 500);
    }

    #[test]
    fn a_reversal_nets_out_and_fee_income_names_no_owner() {
        let fee = t("2026-02-01", Category::Fee, 8_000);
        let mut wrong = t("2026-02-02", Category::Remuneration, 900);
        wrong.counterparty = "某物业公司".into();
        wrong.memo = None;
        let mut reversal = wrong.clone();
        reversal.id = "rev".into();
        reversal.direction = Direction::Income;
        reversal.reverses = Some(wrong.id.clone());
        let list = vec![fee, wrong, reversal];
        let m = months(
            &list,
            date!(2026 - 02 - 28),
            ("k", "commission"),
            RULES,
            "c",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].remuneration_fen, 0);
        assert_eq!(m[0].closing_balance_fen, 8_000);
        let s = statement(&list, m[0].clone(), "未约定".into());
        assert_eq!(s.transactions.len(), 3);
        assert_eq!(s.transactions[0].counterparty, FEE_PAYER);
        assert_eq!(s.transactions[0].memo, None);
        assert_eq!(s.transactions[1].counterparty, "某物业公司");
        assert_eq!(s.transactions[2].balance_after_fen, 8_000);
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("张三") && !json.contains("301"), "{json}");
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(Month::parse("2026-03").unwrap().to_string(), "2026-03");
        for bad in ["2026-3", "2026-13", "1999-01", "2026/03", "abcd-ef"] {
            assert!(Month::parse(bad).is_none(), "{bad}");
        }
    }
}
