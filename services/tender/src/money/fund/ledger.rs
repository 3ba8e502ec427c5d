//! The fund's transactions (收支记录) as sent, checked and answered. A transaction is
//! never changed: a correction is a reversal (冲正), a new transaction of the opposite
//! direction, same category and amount, naming the one it reverses.

use serde::{Deserialize, Serialize};
use shared::clock::china_today;
use shared::error::{FieldError, Problem, Validation};
use time::Date;
use utoipa::ToSchema;
use validator::Validate;

use super::category::{Category, Direction};
use crate::clock;
use crate::input::{trimmed, trimmed_opt};

/// The largest amount of one transaction: 10 亿元.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000;

/// Who recorded a transaction for the fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FundRecorder)]
pub enum Recorder {
    /// The contract's firm (the trustee under 信托制, the manager under 酬金制).
    Firm,
    /// The compound's committee.
    Committee,
}

impl Recorder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firm => "firm",
            Self::Committee => "committee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "firm" => Some(Self::Firm),
            "committee" => Some(Self::Committee),
            _ => None,
        }
    }
}

/// A transaction of the fund, whole: what the contract's firm, the compound's committee
/// and the association read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = FundTransaction)]
pub struct Transaction {
    pub id: String,
    pub compound_id: String,
    /// The commission or trust contract it was recorded under.
    pub contract_id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub direction: Direction,
    pub category: Category,
    pub category_label: String,
    /// 分, positive; `direction` says which way it moves the balance.
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    /// A 凭证 (voucher) in the documents store.
    pub voucher_id: Option<String>,
    /// The bank's reference of the movement, when known (matched on reconciliation).
    pub bank_reference: Option<String>,
    /// The transaction this one reverses (a correction).
    pub reverses: Option<String>,
    /// The reversal of this transaction, if it was reversed.
    pub reversed_by: Option<String>,
    pub recorded_by: Recorder,
    pub recorded_by_name: String,
    /// RFC 3339.
    pub recorded_at: String,
}

impl Transaction {
    /// How it moves the balance.
    pub fn signed_fen(&self) -> i64 {
        self.direction.signed(self.amount_fen)
    }

    /// Its day (stored as checked).
    pub fn date(&self) -> Date {
        clock::parse_date(&self.day).unwrap_or(Date::MIN)
    }

    /// `YYYY-MM`.
    pub fn month(&self) -> &str {
        &self.day[..7.min(self.day.len())]
    }
}

/// A transaction to record.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct TransactionInput {
    /// The day of the movement, `YYYY-MM-DD`: not in the future, not before the contract's
    /// start.
    #[serde(deserialize_with = "trimmed")]
    pub day: String,
    /// `fee`, `parking`, `advertising`, `other_common`, `carried_in` (income);
    /// `personnel`, `cleaning`, `greening`, `security`, `maintenance`, `energy`,
    /// `other_spending`, `remuneration` (spending). The category decides the direction.
    #[serde(deserialize_with = "trimmed")]
    pub category: String,
    /// 分, 1 – 100 000 000 000.
    #[validate(range(
        min = 1,
        max = 100_000_000_000i64,
        message = "金额应为 0.01 元至 10 亿元"
    ))]
    pub amount_fen: i64,
    /// Who paid or was paid, 1–100 characters (for fee income e.g. 业主缴费; an owner's
    /// name is never shown publicly).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 100, message = "请填写对方单位或个人（1–100 字）"))]
    pub counterparty: String,
    /// Up to 500 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 500, message = "摘要不能超过 500 字"))]
    pub memo: Option<String>,
    /// A 凭证 of this compound in the documents store.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 64, message = "凭证编号不能超过 64 个字符"))]
    pub voucher_id: Option<String>,
    /// The bank's reference (流水号), up to 64 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 64, message = "银行流水号不能超过 64 个字符"))]
    pub bank_reference: Option<String>,
}

/// A transaction checked field by field (the rules needing records follow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTransaction {
    pub day: Date,
    pub category: Category,
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    pub voucher_id: Option<String>,
    pub bank_reference: Option<String>,
}

/// A day the fund may book: a date, not in the future.
fn booking_day(field: &str, input: &str, v: &mut Validation) -> Option<Date> {
    let day = v.field(field, clock::parse_date(input))?;
    if day > china_today() {
        v.push(FieldError::new(field, "date_in_future", "日期不能晚于今天"));
        return None;
    }
    Some(day)
}

fn blank_to_none(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

impl TransactionInput {
    /// The fields parsed once, every problem at once (422).
    pub fn check(&self) -> Result<ValidTransaction, Problem> {
        let mut v = Validation::new();
        let day = booking_day("day", &self.day, &mut v);
        let category = v.field("category", Category::parse(&self.category));
        v.rules(
            self,
            &[
                "amount_fen",
                "counterparty",
                "memo",
                "voucher_id",
                "bank_reference",
            ],
        );
        let (day, category) = v.finish_with(|| Some((day?, category?)))?;
        Ok(ValidTransaction {
            day,
            category,
            amount_fen: self.amount_fen,
            counterparty: self.counterparty.clone(),
            memo: blank_to_none(&self.memo),
            voucher_id: blank_to_none(&self.voucher_id),
            bank_reference: blank_to_none(&self.bank_reference),
        })
    }
}

/// A reversal (冲正) of a recorded transaction.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct ReversalInput {
    /// Why, 2–500 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 500, message = "请填写冲正原因（2–500 字）"))]
    pub reason: String,
    /// The reversal's day, `YYYY-MM-DD` (default today; not before the reversed one's).
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub day: Option<String>,
}

impl ReversalInput {
    /// The reversal's day (today when not given) and reason, every problem at once.
    pub fn check(&self) -> Result<(Date, String), Problem> {
        let mut v = Validation::new();
        let day = match self.day.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => booking_day("day", d, &mut v),
            None => Some(china_today()),
        };
        v.rules(self, &["reason"]);
        v.finish_with(|| Some((day?, self.reason.clone())))
    }
}
