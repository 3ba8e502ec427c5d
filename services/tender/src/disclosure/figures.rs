//! The figures of a budget or accounts (预算、收支): what is published, the categories of
//! income and spending, and the check that the numbers add up.

use serde::{Deserialize, Serialize};
use shared::domain::Fen;
use shared::error::{FieldError, from_validator};
use utoipa::ToSchema;
use validator::Validate;

use crate::input::trimmed_opt;
use crate::period::Period;

/// What is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureKind {
    /// 年度预算: a year's planned income and spending.
    Budget,
    /// 收支情况: a year's, quarter's or month's actual income and spending.
    Accounts,
}

impl DisclosureKind {
    pub fn parse(s: &str) -> Result<Self, shared::domain::DomainError> {
        match s.trim() {
            "budget" => Ok(Self::Budget),
            "accounts" => Ok(Self::Accounts),
            _ => Err(shared::domain::DomainError::new(
                "invalid_kind",
                "公开类型应为 budget（年度预算）或 accounts（收支情况）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::Accounts => "accounts",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Budget => "年度预算",
            Self::Accounts => "收支情况",
        }
    }
}

/// Income (收入), in 分: the property fee, and common revenue (公共收益) from parking,
/// advertising and other uses of common parts.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate,
)]
#[serde(default, deny_unknown_fields)]
pub struct Income {
    /// 物业服务费收入.
    #[validate(range(
        min = 0,
        code = "negative_amount",
        message = "物业服务费收入不能为负数"
    ))]
    pub fee_fen: i64,
    /// 停车收益.
    #[validate(range(min = 0, code = "negative_amount", message = "停车收益不能为负数"))]
    pub parking_fen: i64,
    /// 广告收益.
    #[validate(range(min = 0, code = "negative_amount", message = "广告收益不能为负数"))]
    pub advertising_fen: i64,
    /// 其他公共收益.
    #[validate(range(min = 0, code = "negative_amount", message = "其他公共收益不能为负数"))]
    pub other_fen: i64,
}

impl Income {
    /// The fields, in the order they are declared (and answered).
    const FIELDS: [&'static str; 4] = ["fee_fen", "parking_fen", "advertising_fen", "other_fen"];

    fn values(&self) -> [i64; 4] {
        [
            self.fee_fen,
            self.parking_fen,
            self.advertising_fen,
            self.other_fen,
        ]
    }

    /// Parking + advertising + other.
    pub fn common_revenue_fen(&self) -> i64 {
        self.parking_fen
            .saturating_add(self.advertising_fen)
            .saturating_add(self.other_fen)
    }
}

/// Spending (支出) by category, in 分.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate,
)]
#[serde(default, deny_unknown_fields)]
pub struct Spending {
    /// 人员费用.
    #[validate(range(min = 0, code = "negative_amount", message = "人员费用不能为负数"))]
    pub personnel_fen: i64,
    /// 保洁.
    #[validate(range(min = 0, code = "negative_amount", message = "保洁费用不能为负数"))]
    pub cleaning_fen: i64,
    /// 绿化.
    #[validate(range(min = 0, code = "negative_amount", message = "绿化费用不能为负数"))]
    pub greening_fen: i64,
    /// 秩序维护.
    #[validate(range(min = 0, code = "negative_amount", message = "秩序维护费用不能为负数"))]
    pub security_fen: i64,
    /// 设施设备维护.
    #[validate(range(
        min = 0,
        code = "negative_amount",
        message = "设施设备维护费用不能为负数"
    ))]
    pub maintenance_fen: i64,
    /// 公共能耗.
    #[validate(range(min = 0, code = "negative_amount", message = "公共能耗费用不能为负数"))]
    pub energy_fen: i64,
    /// 其他.
    #[validate(range(min = 0, code = "negative_amount", message = "其他支出不能为负数"))]
    pub other_fen: i64,
}

impl Spending {
    /// The fields, in the order they are declared (and answered).
    const FIELDS: [&'static str; 7] = [
        "personnel_fen",
        "cleaning_fen",
        "greening_fen",
        "security_fen",
        "maintenance_fen",
        "energy_fen",
        "other_fen",
    ];

    /// Σ spending, 分 (saturating: each category is bounded by whoever checks it).
    pub fn total_fen(&self) -> i64 {
        self.values()
            .iter()
            .fold(0, |sum, v| sum.saturating_add(*v))
    }

    /// Each category as (field, Chinese label, amount), in declared order.
    pub fn lines(&self) -> [(&'static str, &'static str, i64); 7] {
        let labels = [
            "人员费用",
            "保洁",
            "绿化",
            "秩序维护",
            "设施设备维护",
            "公共能耗",
            "其他",
        ];
        let values = self.values();
        std::array::from_fn(|i| (Self::FIELDS[i], labels[i], values[i]))
    }

    fn values(&self) -> [i64; 7] {
        [
            self.personnel_fen,
            self.cleaning_fen,
            self.greening_fen,
            self.security_fen,
            self.maintenance_fen,
            self.energy_fen,
            self.other_fen,
        ]
    }
}

/// A budget or accounts as published.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct DisclosureInput {
    /// `budget` | `accounts`.
    pub kind: String,
    /// A budget: a year (`2026`); accounts: a year, quarter (`2026-Q3`) or month (`2026-07`).
    pub period: String,
    #[serde(default)]
    #[validate(nested)]
    pub income: Income,
    /// Σ income, 分.
    #[validate(range(min = 0, code = "negative_amount", message = "收入合计不能为负数"))]
    pub total_income_fen: i64,
    #[serde(default)]
    #[validate(nested)]
    pub spending: Spending,
    /// Σ spending, 分.
    #[validate(range(min = 0, code = "negative_amount", message = "支出合计不能为负数"))]
    pub total_spending_fen: i64,
    /// 期初结余, 分 (may be negative).
    pub opening_balance_fen: i64,
    /// 期末结余 = opening + income − spending, 分.
    pub closing_balance_fen: i64,
    /// Remarks, up to 2000 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 2000, message = "说明最多 2000 个字符"))]
    pub note: Option<String>,
}

/// The checked content of a disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kind: DisclosureKind,
    pub period: Period,
    pub income: Income,
    pub spending: Spending,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
}

/// Checks a disclosure's content: every field's own rule, then that the numbers add up.
/// Every problem is reported at once, each on its field, in Chinese.
pub fn check(input: &DisclosureInput) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = match DisclosureKind::parse(&input.kind) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError::domain("kind", &e));
            None
        }
    };
    let period = match Period::parse(&input.period) {
        Ok(p) if kind == Some(DisclosureKind::Budget) && !p.is_year() => {
            errors.push(FieldError::new(
                "period",
                "budget_period_not_year",
                "年度预算的期间应为年度，如 2026",
            ));
            None
        }
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(FieldError::domain("period", &e));
            None
        }
    };
    // The declared field rules (amounts not negative, the note's length), answered in the
    // order of the fields.
    let mut amounts_ok = true;
    if let Err(e) = input.validate() {
        let order: Vec<String> = Income::FIELDS
            .iter()
            .map(|f| format!("income.{f}"))
            .chain(Spending::FIELDS.iter().map(|f| format!("spending.{f}")))
            .chain(["total_income_fen", "total_spending_fen", "note"].map(String::from))
            .collect();
        let mut found = from_validator(&e, "");
        found.sort_by_key(|e| order.iter().position(|f| *f == e.field));
        amounts_ok = !found.iter().any(|e| e.code == "negative_amount");
        errors.extend(found);
    }
    let note = input.note.clone().filter(|n| !n.is_empty());
    if amounts_ok {
        let income = Fen::checked_sum(input.income.values().map(Fen::new));
        let spending = Fen::checked_sum(input.spending.values().map(Fen::new));
        match income {
            None => errors.push(FieldError::new(
                "total_income_fen",
                "amount_out_of_range",
                "收入金额超出允许的范围",
            )),
            Some(sum) if sum.get() != input.total_income_fen => errors.push(FieldError::new(
                "total_income_fen",
                "sum_mismatch",
                format!(
                    "收入合计应等于各项收入之和 {}（物业服务费 + 停车 + 广告 + 其他公共收益），现填 {}",
                    sum,
                    Fen::new(input.total_income_fen)
                ),
            )),
            Some(_) => {}
        }
        match spending {
            None => errors.push(FieldError::new(
                "total_spending_fen",
                "amount_out_of_range",
                "支出金额超出允许的范围",
            )),
            Some(sum) if sum.get() != input.total_spending_fen => errors.push(FieldError::new(
                "total_spending_fen",
                "sum_mismatch",
                format!(
                    "支出合计应等于各类支出之和 {}，现填 {}",
                    sum,
                    Fen::new(input.total_spending_fen)
                ),
            )),
            Some(_) => {}
        }
        if let (Some(i), Some(s)) = (income, spending) {
            match Fen::new(input.opening_balance_fen)
                .checked_add(i)
                .and_then(|b| b.checked_sub(s))
            {
                None => errors.push(FieldError::new(
                    "closing_balance_fen",
                    "amount_out_of_range",
                    "结余金额超出允许的范围",
                )),
                Some(expected) if expected.get() != input.closing_balance_fen => {
                    errors.push(FieldError::new(
                        "closing_balance_fen",
                        "balance_mismatch",
                        format!(
                            "期末结余应等于期初结余 {} + 收入 {} − 支出 {} = {}，现填 {}",
                            Fen::new(input.opening_balance_fen),
                            i,
                            s,
                            expected,
                            Fen::new(input.closing_balance_fen)
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    match (kind, period) {
        (Some(kind), Some(period)) if errors.is_empty() => Ok(Checked {
            kind,
            period,
            income: input.income,
            spending: input.spending,
            total_income_fen: input.total_income_fen,
            total_spending_fen: input.total_spending_fen,
            opening_balance_fen: input.opening_balance_fen,
            closing_balance_fen: input.closing_balance_fen,
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DisclosureInput {
        DisclosureInput {
            kind: "accounts".into(),
            period: "2026-Q3".into(),
            income: Income {
                fee_fen: 15_000_000,
                parking_fen: 1_200_000,
                advertising_fen: 300_000,
                other_fen: 0,
            },
            total_income_fen: 16_500_000,
            spending: Spending {
                personnel_fen: 8_000_000,
                cleaning_fen: 2_000_000,
                greening_fen: 500_000,
                security_fen: 1_500_000,
                maintenance_fen: 1_000_000,
                energy_fen: 900_000,
                other_fen: 100_000,
            },
            total_spending_fen: 14_000_000,
            opening_balance_fen: -200_000,
            closing_balance_fen: 2_300_000,
            note: Some(String::new()),
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<(String, String)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn numbers_that_add_up_are_accepted() {
        let c = check(&input()).unwrap();
        assert_eq!(c.kind, DisclosureKind::Accounts);
        assert_eq!(c.period.to_string(), "2026-Q3");
        assert_eq!(c.note, None);
        assert_eq!(c.income.common_revenue_fen(), 1_500_000);
    }

    #[test]
    fn every_mismatch_is_reported_on_its_field() {
        let mut bad = input();
        bad.total_income_fen += 1;
        bad.total_spending_fen -= 100;
        bad.closing_balance_fen = 0;
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("total_income_fen".into(), "sum_mismatch".into()),
                ("total_spending_fen".into(), "sum_mismatch".into()),
                ("closing_balance_fen".into(), "balance_mismatch".into()),
            ]
        );
        assert!(
            errors[0].message.contains("165000.00 元"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[2].message.contains("23000.00 元"),
            "{}",
            errors[2].message
        );

        let mut bad = input();
        bad.kind = "report".into();
        bad.period = "2026-Q9".into();
        bad.spending.cleaning_fen = -1;
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("kind".into(), "invalid_kind".into()),
                ("period".into(), "invalid_period".into()),
                ("spending.cleaning_fen".into(), "negative_amount".into()),
            ]
        );

        let mut bad = input();
        bad.kind = "budget".into();
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![("period".into(), "budget_period_not_year".into())]
        );

        let mut bad = input();
        bad.income.fee_fen = i64::MAX;
        bad.income.parking_fen = 1;
        assert_eq!(
            codes(&check(&bad).unwrap_err())[0],
            ("total_income_fen".into(), "amount_out_of_range".into())
        );
    }
}
