//! A budget's figures as drafted ([`BudgetInput::check`] → [`ValidBudget`]) and the fee
//! standard they imply ([`FeeArithmetic::of`]), pure.
//!
//! The fee standard (物业费标准, 分/㎡·月) is never typed: it is
//! (Σ spending + remuneration − expected common revenue − planned carry-in) ÷ the
//! register's exclusive area (㎡) ÷ 12, rounded up to a whole 分; 0 when revenue and
//! carry-in cover everything.

use serde::{Deserialize, Serialize};
use shared::domain::Fen;
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

use crate::disclosure::Spending;
use crate::input::{refused, trimmed_opt};

/// The largest amount one line may hold: 100 亿元 in 分 (bounds every sum below i64).
pub const MAX_LINE_FEN: i64 = 1_000_000_000_000;

/// Expected common revenue (预计公共收益), 分: it lowers the fee.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate,
)]
#[serde(default, deny_unknown_fields)]
pub struct CommonRevenue {
    /// 停车收益.
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "停车收益应在 0 至 100 亿元之间"
    ))]
    pub parking_fen: i64,
    /// 广告收益.
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "广告收益应在 0 至 100 亿元之间"
    ))]
    pub advertising_fen: i64,
    /// 其他公共收益.
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "其他公共收益应在 0 至 100 亿元之间"
    ))]
    pub other_fen: i64,
}

impl CommonRevenue {
    pub fn total_fen(&self) -> i64 {
        self.parking_fen + self.advertising_fen + self.other_fen
    }
}

/// A budget as the committee or the serving firm drafts it (the year is in the path).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// Planned spending by category (人员、保洁、绿化、秩序维护、设施设备维护、公共能耗、其他).
    #[serde(default)]
    #[validate(nested)]
    pub spending: Spending,
    /// Σ spending as the drafter states it, 分; when given it must equal the categories.
    #[serde(default)]
    pub total_spending_fen: Option<i64>,
    /// Expected common revenue (parking, advertising, other).
    #[serde(default)]
    #[validate(nested)]
    pub common_revenue: CommonRevenue,
    /// The firm's remuneration under 酬金制 (0 under 包干制), 分.
    #[serde(default)]
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "酬金应在 0 至 100 亿元之间"
    ))]
    pub remuneration_fen: i64,
    /// The surplus of earlier years planned to be carried in (结转), 分.
    #[serde(default)]
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "结转结余应在 0 至 100 亿元之间"
    ))]
    pub carry_in_fen: i64,
    /// Remarks, up to 2000 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 2000, message = "说明最多 2000 个字符"))]
    pub note: Option<String>,
}

/// A budget's figures, checked: every amount within [`MAX_LINE_FEN`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidBudget {
    pub spending: Spending,
    pub common_revenue: CommonRevenue,
    pub remuneration_fen: i64,
    pub carry_in_fen: i64,
    pub note: Option<String>,
}

impl BudgetInput {
    /// Every field at once: the declared rules, each spending line's bound, the stated
    /// total against the lines.
    pub fn check(self) -> Result<ValidBudget, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        for (field, label, amount) in self.spending.lines() {
            if amount > MAX_LINE_FEN {
                v.push(FieldError::new(
                    format!("spending.{field}"),
                    "invalid_amount",
                    format!("{label}不能超过 100 亿元"),
                ));
            }
        }
        let total = self.spending.total_fen();
        if total == 0 && !v.has("spending") {
            v.push(FieldError::new(
                "spending",
                "spending_required",
                "预算须列明各项支出（支出合计应大于 0）",
            ));
        }
        if let Some(stated) = self.total_spending_fen.filter(|t| *t != total) {
            v.push(FieldError::new(
                "total_spending_fen",
                "total_mismatch",
                format!(
                    "支出合计 {} 元与各项之和 {} 元不符",
                    Fen::new(stated).to_yuan_string(),
                    Fen::new(total).to_yuan_string()
                ),
            ));
        }
        if !v.is_empty() {
            return Err(refused(v));
        }
        Ok(ValidBudget {
            spending: self.spending,
            common_revenue: self.common_revenue,
            remuneration_fen: self.remuneration_fen,
            carry_in_fen: self.carry_in_fen,
            note: self.note.filter(|n| !n.is_empty()),
        })
    }
}

/// How the fee standard follows from a budget and a register, each term shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeeArithmetic {
    /// Σ spending, 分.
    pub spending_fen: i64,
    /// The firm's remuneration (酬金), 分.
    pub remuneration_fen: i64,
    /// Expected common revenue, 分.
    pub common_revenue_fen: i64,
    /// Planned carry-in (结转), 分.
    pub carry_in_fen: i64,
    /// spending + remuneration − common revenue − carry-in: what the fees must raise, 分.
    pub to_raise_fen: i64,
    /// The register's chargeable exclusive area (every unit, the developer's unsold ones
    /// too), 0.01 ㎡.
    pub area_centi: u64,
    pub months: u32,
    /// to_raise ÷ area ÷ months before rounding, 分/㎡·月 with four decimals (`104.1667`).
    pub exact_fen_per_m2_month: Option<String>,
    /// Rounded up to a whole 分 (0 when nothing is to be raised); absent without a register.
    pub fee_fen_per_m2_month: Option<i64>,
    /// The whole computation in Chinese, as the pages show it.
    pub explanation: String,
}

fn yuan(fen: i64) -> String {
    Fen::new(fen).to_yuan_grouped()
}

fn area_text(centi: u64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

impl FeeArithmetic {
    /// The fee standard `budget` implies over a register of `area_centi` (0.01 ㎡).
    pub fn of(budget: &ValidBudget, area_centi: u64) -> Self {
        let spending_fen = budget.spending.total_fen();
        let common_revenue_fen = budget.common_revenue.total_fen();
        let to_raise_fen =
            spending_fen + budget.remuneration_fen - common_revenue_fen - budget.carry_in_fen;
        let months = 12u32;
        // fee (分/㎡·月) = to_raise (分) × 100 ÷ (area (0.01 ㎡) × 12).
        let denominator = i128::from(area_centi) * i128::from(months);
        let numerator = i128::from(to_raise_fen.max(0)) * 100;
        let (exact, fee) = if denominator == 0 {
            (None, None)
        } else {
            let ten_thousandths = numerator * 10_000 / denominator;
            let exact = format!(
                "{}.{:04}",
                ten_thousandths / 10_000,
                ten_thousandths % 10_000
            );
            let fee = (numerator + denominator - 1) / denominator;
            (Some(exact), i64::try_from(fee).ok())
        };
        let terms = format!(
            "（支出 {} 元 + 酬金 {} 元 − 预计公共收益 {} 元 − 结转 {} 元 = {} 元）",
            yuan(spending_fen),
            yuan(budget.remuneration_fen),
            yuan(common_revenue_fen),
            yuan(budget.carry_in_fen),
            yuan(to_raise_fen),
        );
        let explanation = match (&exact, fee) {
            (Some(exact), Some(fee)) => format!(
                "{terms} ÷ 专有部分面积 {} ㎡ ÷ {months} 个月 = {exact} 分/㎡·月，向上取整为 {fee} 分/㎡·月（{} 元/㎡·月）{}",
                area_text(area_centi),
                Fen::new(fee).to_yuan_string(),
                if to_raise_fen < 0 {
                    "；公共收益和结转已足以支付全部支出"
                } else {
                    ""
                },
            ),
            _ => format!("{terms}；本小区尚无业主名册（专有部分面积为 0），无法计算物业费标准"),
        };
        Self {
            spending_fen,
            remuneration_fen: budget.remuneration_fen,
            common_revenue_fen,
            carry_in_fen: budget.carry_in_fen,
            to_raise_fen,
            area_centi,
            months,
            exact_fen_per_m2_month: exact,
            fee_fen_per_m2_month: fee,
            explanation,
        }
    }
}

/// A unit's monthly bill: its area (0.01 ㎡) × the fee (分/㎡·月), rounded half up to 分.
pub fn monthly_bill_fen(area_centi: u64, fee_fen_per_m2_month: i64) -> i64 {
    let product = i128::from(area_centi) * i128::from(fee_fen_per_m2_month);
    i64::try_from((product + 50) / 100).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(spending: i64, revenue: i64, remuneration: i64, carry_in: i64) -> ValidBudget {
        ValidBudget {
            spending: Spending {
                personnel_fen: spending,
                ..Spending::default()
            },
            common_revenue: CommonRevenue {
                parking_fen: revenue,
                ..CommonRevenue::default()
            },
            remuneration_fen: remuneration,
            carry_in_fen: carry_in,
            note: None,
        }
    }

    #[test]
    fn the_fee_is_rounded_up_to_a_whole_fen() {
        // 1 000 000 元 + 100 000 − 50 000 − 0 = 1 050 000 元 over 1 000 ㎡ and 12 months:
        // 105 000 000 分 ÷ 12 000 = 8 750 分/㎡·月 exactly.
        let a = FeeArithmetic::of(&budget(100_000_000, 5_000_000, 10_000_000, 0), 100_000);
        assert_eq!(a.to_raise_fen, 105_000_000);
        assert_eq!(a.fee_fen_per_m2_month, Some(8_750));
        assert_eq!(a.exact_fen_per_m2_month.as_deref(), Some("8750.0000"));
        // One 分 more to raise: 8 750.0001 → 8 751.
        let a = FeeArithmetic::of(&budget(100_000_001, 5_000_000, 10_000_000, 0), 100_000);
        assert_eq!(a.fee_fen_per_m2_month, Some(8_751));
        assert!(
            a.explanation
                .contains("向上取整为 8751 分/㎡·月（87.51 元/㎡·月）"),
            "{}",
            a.explanation
        );
    }

    #[test]
    fn revenue_covering_everything_makes_the_fee_zero_and_no_register_no_fee() {
        let a = FeeArithmetic::of(&budget(1_000, 2_000, 0, 500), 10_000);
        assert_eq!(a.to_raise_fen, -1_500);
        assert_eq!(a.fee_fen_per_m2_month, Some(0));
        let a = FeeArithmetic::of(&budget(1_000, 0, 0, 0), 0);
        assert_eq!(a.fee_fen_per_m2_month, None);
        assert!(a.explanation.contains("尚无业主名册"));
    }

    #[test]
    fn bills_round_half_up_to_the_fen() {
        // 89.57 ㎡ × 235 分 = 21 048.95 分 → 21 049.
        assert_eq!(monthly_bill_fen(8_957, 235), 21_049);
        // 89.50 ㎡ × 235 分 = 21 032.50 → 21 033.
        assert_eq!(monthly_bill_fen(8_950, 235), 21_033);
        assert_eq!(monthly_bill_fen(10_000, 235), 23_500);
    }

    #[test]
    fn a_stated_total_must_match_and_lines_are_bounded() {
        let input = |total: Option<i64>, personnel: i64| BudgetInput {
            spending: Spending {
                personnel_fen: personnel,
                cleaning_fen: 100,
                ..Spending::default()
            },
            total_spending_fen: total,
            common_revenue: CommonRevenue::default(),
            remuneration_fen: 0,
            carry_in_fen: 0,
            note: None,
        };
        assert!(input(Some(300), 200).check().is_ok());
        let p = input(Some(301), 200).check().unwrap_err();
        assert_eq!(p.errors[0].field, "total_spending_fen");
        assert_eq!(p.errors[0].code, "total_mismatch");
        let p = input(None, MAX_LINE_FEN + 1).check().unwrap_err();
        assert_eq!(p.errors[0].field, "spending.personnel_fen");
        let p = input(None, -1).check().unwrap_err();
        assert!(
            p.errors.iter().any(|e| e.field == "spending.personnel_fen"),
            "{p:?}"
        );
    }
}
