//! 酬金 (remuneration) as a contract states it, and what it allows the firm to draw.
//!
//! - `fixed`: `annual_fen` a year, drawn pro rata by months of service begun: by any day
//!   of the contract's n-th month of service (the month of its start counting as the first,
//!   at most `term_months`), at most `annual_fen × n / 12` (rounded down) in all.
//! - `percentage`: `basis_points` / 10 000 of the fee income (category `fee`, net of
//!   reversals) the fund recorded under the contract up to that day (rounded down).

use serde::Deserialize;
use shared::error::FieldError;
use time::Date;
use utoipa::ToSchema;

pub use shared::events::tender::Remuneration;

/// The largest fixed remuneration a year: 1 亿元.
pub const MAX_ANNUAL_FEN: i64 = 10_000_000_000;
/// The largest share: 30 %.
pub const MAX_BASIS_POINTS: i64 = 3_000;

/// The remuneration as sent: `{"kind": "fixed", "annual_fen": …}` or
/// `{"kind": "percentage", "basis_points": …}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RemunerationInput {
    /// `fixed` (固定酬金) or `percentage` (按物业费收入比例).
    pub kind: String,
    /// For `fixed`: 分 a year, 1 – 10 000 000 000.
    #[serde(default)]
    pub annual_fen: Option<i64>,
    /// For `percentage`: basis points of fee income (万分之一), 1 – 3 000 (30 %).
    #[serde(default)]
    pub basis_points: Option<i64>,
}

impl RemunerationInput {
    /// The remuneration, or every problem named on `{prefix}.kind`, `{prefix}.annual_fen`,
    /// `{prefix}.basis_points`.
    pub fn check(&self, prefix: &str) -> Result<Remuneration, Vec<FieldError>> {
        let field = |f: &str| format!("{prefix}.{f}");
        let out_of_range =
            |f: &str, message: String| vec![FieldError::new(field(f), "out_of_range", message)];
        match (self.kind.trim(), self.annual_fen, self.basis_points) {
            ("fixed", Some(a), None) if (1..=MAX_ANNUAL_FEN).contains(&a) => {
                Ok(Remuneration::Fixed { annual_fen: a })
            }
            ("fixed", Some(_), None) => Err(out_of_range(
                "annual_fen",
                "固定酬金应为每年 0.01 元至 1 亿元".into(),
            )),
            ("percentage", None, Some(b)) if (1..=MAX_BASIS_POINTS).contains(&b) => {
                Ok(Remuneration::Percentage { basis_points: b })
            }
            ("percentage", None, Some(_)) => Err(out_of_range(
                "basis_points",
                "酬金比例应为物业费收入的 0.01%–30%（1–3000 个万分点）".into(),
            )),
            ("fixed", _, _) => Err(vec![FieldError::new(
                field("annual_fen"),
                "required",
                "固定酬金须填写每年金额（annual_fen），且不填比例",
            )]),
            ("percentage", _, _) => Err(vec![FieldError::new(
                field("basis_points"),
                "required",
                "比例酬金须填写比例（basis_points），且不填固定金额",
            )]),
            _ => Err(vec![FieldError::new(
                field("kind"),
                "invalid_remuneration_kind",
                "酬金方式应为 fixed（固定酬金）或 percentage（按物业费收入比例）",
            )]),
        }
    }
}

impl RemunerationInput {
    /// A stored remuneration as it would be sent again.
    pub fn of(r: Remuneration) -> Self {
        match r {
            Remuneration::Fixed { annual_fen } => Self {
                kind: "fixed".into(),
                annual_fen: Some(annual_fen),
                basis_points: None,
            },
            Remuneration::Percentage { basis_points } => Self {
                kind: "percentage".into(),
                annual_fen: None,
                basis_points: Some(basis_points),
            },
        }
    }
}

/// A remuneration as stored (contract, bid): its kind (`fixed`, `percentage`) and value (分
/// a year, or basis points).
pub fn columns(r: Option<Remuneration>) -> (Option<&'static str>, Option<i64>) {
    match r {
        Some(Remuneration::Fixed { annual_fen }) => (Some("fixed"), Some(annual_fen)),
        Some(Remuneration::Percentage { basis_points }) => (Some("percentage"), Some(basis_points)),
        None => (None, None),
    }
}

/// Stored columns read back; anything else is why not.
pub fn from_columns(
    kind: Option<&str>,
    value: Option<i64>,
) -> Result<Option<Remuneration>, String> {
    match (kind, value) {
        (None, None) => Ok(None),
        (Some("fixed"), Some(annual_fen)) => Ok(Some(Remuneration::Fixed { annual_fen })),
        (Some("percentage"), Some(basis_points)) => {
            Ok(Some(Remuneration::Percentage { basis_points }))
        }
        (k, v) => Err(format!("{k:?} {v:?}")),
    }
}

/// The remuneration in Chinese, e.g. `固定酬金 每年 120000.00 元` or `物业费收入的 8.00%`.
pub fn describe(r: Remuneration) -> String {
    match r {
        Remuneration::Fixed { annual_fen } => format!(
            "固定酬金 每年 {} 元",
            shared::domain::Fen::new(annual_fen).to_yuan_string()
        ),
        Remuneration::Percentage { basis_points } => format!(
            "物业费收入的 {}.{:02}%",
            basis_points / 100,
            basis_points % 100
        ),
    }
}

/// Months of service begun by `day` for a contract starting `start` with `term_months`:
/// the start's month is the first; 0 before the start; at most the term.
pub fn months_begun(start: Date, term_months: i64, day: Date) -> i64 {
    if day < start {
        return 0;
    }
    let months = (i64::from(day.year()) - i64::from(start.year())) * 12
        + i64::from(u8::from(day.month()))
        - i64::from(u8::from(start.month()))
        + 1;
    months.min(term_months)
}

/// What `r` allows in all by `day`: `fee_income_fen` is the net fee income recorded under
/// the contract up to that day.
pub fn allowance(r: Remuneration, months_begun: i64, fee_income_fen: i64) -> i64 {
    let wide = match r {
        Remuneration::Fixed { annual_fen } => {
            i128::from(annual_fen) * i128::from(months_begun) / 12
        }
        Remuneration::Percentage { basis_points } => {
            i128::from(fee_income_fen.max(0)) * i128::from(basis_points) / 10_000
        }
    };
    i64::try_from(wide).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn fixed_remuneration_accrues_by_months_begun() {
        let start = date!(2026 - 01 - 15);
        assert_eq!(months_begun(start, 36, date!(2026 - 01 - 14)), 0);
        assert_eq!(months_begun(start, 36, date!(2026 - 01 - 15)), 1);
        assert_eq!(months_begun(start, 36, date!(2026 - 03 - 01)), 3);
        assert_eq!(months_begun(start, 36, date!(2027 - 02 - 01)), 14);
        assert_eq!(months_begun(start, 12, date!(2030 - 02 - 01)), 12);
        let fixed = Remuneration::Fixed {
            annual_fen: 12_000_000,
        };
        assert_eq!(allowance(fixed, 3, 0), 3_000_000);
        let fixed = Remuneration::Fixed { annual_fen: 100 };
        assert_eq!(allowance(fixed, 1, 0), 8, "rounded down");
    }

    #[test]
    fn a_share_is_of_the_fee_income() {
        let share = Remuneration::Percentage { basis_points: 800 };
        assert_eq!(allowance(share, 5, 1_234_567), 98_765);
        assert_eq!(allowance(share, 5, -10), 0);
        assert_eq!(describe(share), "物业费收入的 8.00%");
    }

    #[test]
    fn the_input_names_each_problem() {
        let input = |kind: &str, a: Option<i64>, b: Option<i64>| RemunerationInput {
            kind: kind.into(),
            annual_fen: a,
            basis_points: b,
        };
        assert_eq!(
            input("fixed", Some(5), None).check("r"),
            Ok(Remuneration::Fixed { annual_fen: 5 })
        );
        let field = |r: Result<Remuneration, Vec<FieldError>>| r.unwrap_err()[0].field.clone();
        assert_eq!(
            field(input("fixed", Some(0), None).check("r")),
            "r.annual_fen"
        );
        assert_eq!(
            field(input("fixed", Some(5), Some(5)).check("r")),
            "r.annual_fen"
        );
        assert_eq!(
            field(input("percentage", None, Some(3001)).check("r")),
            "r.basis_points"
        );
        assert_eq!(field(input("share", None, Some(1)).check("r")), "r.kind");
    }
}
