//! A 以奖代补 subsidy as the API answers it, and the request that records one (or a
//! correction of one), with its checks.

use serde::{Deserialize, Serialize};
use shared::domain::roster::{Date, parse_date};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

/// The largest subsidy one record may hold: 10,000,000 元, in fen.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000;

/// A subsidy as recorded (public: it is a disclosure of public money).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Subsidy {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub street_code: String,
    pub district_code: String,
    pub district_name: String,
    /// The amount in fen (> 0).
    pub amount_fen: i64,
    pub reason: String,
    /// The period it rewards, `YYYY-MM-DD`, both days included.
    pub period_from: String,
    pub period_to: String,
    /// The approval document's number (文号).
    pub document_number: String,
    /// The record this one corrects, if it is a correction.
    #[serde(default)]
    pub corrects: Option<String>,
    /// Why it was corrected ("" for an original record).
    #[serde(default)]
    pub correction_reason: String,
    /// The record that corrected this one, if any: then this one no longer counts.
    #[serde(default)]
    pub corrected_by: Option<String>,
    /// The China date it was recorded, `YYYY-MM-DD`.
    pub recorded_on: String,
    /// The China date the first record of its chain of corrections was recorded: the month
    /// the subsidy counts in.
    pub first_recorded_on: String,
    /// When (RFC 3339, UTC).
    pub recorded_at: String,
}

impl Subsidy {
    /// Whether it counts (no correction replaced it).
    pub fn is_current(&self) -> bool {
        self.corrected_by.is_none()
    }
}

use shared::validate::trimmed_or_empty as trimmed;

/// A district official's subsidy record, or a correction of one (`corrects`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct SubsidyInput {
    /// A compound of the caller's district.
    #[validate(
        required(message = "请选择小区"),
        custom(function = "shared::validate::not_blank", message = "请选择小区"),
        custom(
            function = "shared::validate::max_chars::<64>",
            message = "没有这个小区"
        )
    )]
    pub compound_id: Option<String>,
    /// In fen, 1 – 1,000,000,000 (1 分 – 1000 万元).
    #[validate(
        required(message = "请填写补助金额"),
        range(
            min = 1,
            max = 1_000_000_000,
            message = "补助金额应大于 0 且不超过 1000 万元"
        )
    )]
    pub amount_fen: Option<i64>,
    /// 1–500 characters.
    #[validate(
        required(message = "请填写补助事由"),
        custom(function = "shared::validate::not_blank", message = "请填写补助事由"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "补助事由不能超过 500 字"
        )
    )]
    pub reason: Option<String>,
    /// `YYYY-MM-DD`.
    #[validate(
        required(message = "请填写奖补期间的起始日期"),
        custom(
            function = "shared::validate::date",
            message = "请填写有效日期，如 2024-01-01"
        )
    )]
    pub period_from: Option<String>,
    /// `YYYY-MM-DD`, not before `period_from`.
    #[validate(
        required(message = "请填写奖补期间的截止日期"),
        custom(
            function = "shared::validate::date",
            message = "请填写有效日期，如 2024-12-31"
        )
    )]
    pub period_to: Option<String>,
    /// The approval document's number (文号), 1–100 characters.
    #[validate(
        required(message = "请填写批准文件文号"),
        custom(
            function = "shared::validate::not_blank",
            message = "请填写批准文件文号"
        ),
        custom(
            function = "shared::validate::max_chars::<100>",
            message = "文号不能超过 100 字"
        )
    )]
    pub document_number: Option<String>,
    /// The id of the record this one corrects (it replaces that record).
    #[validate(custom(
        function = "shared::validate::max_chars::<64>",
        message = "没有这条补助记录"
    ))]
    pub corrects: Option<String>,
    /// Why, required with `corrects`; at most 500 characters.
    #[validate(custom(
        function = "shared::validate::max_chars::<500>",
        message = "更正理由不能超过 500 字"
    ))]
    pub correction_reason: Option<String>,
}

/// A checked subsidy; the compound (and the corrected record) are still to be found.
#[derive(Debug, Clone)]
pub struct ValidSubsidy {
    pub compound_id: String,
    pub amount_fen: i64,
    pub reason: String,
    pub period_from: Date,
    pub period_to: Date,
    pub document_number: String,
    pub corrects: Option<String>,
    pub correction_reason: String,
}

const FIELDS: &[&str] = &[
    "compound_id",
    "amount_fen",
    "reason",
    "period_from",
    "period_to",
    "document_number",
    "corrects",
    "correction_reason",
];

impl SubsidyInput {
    pub fn check(&self) -> Result<ValidSubsidy, Problem> {
        let mut v = Validation::new();
        v.rules(self, FIELDS);
        let from = parse_date(self.period_from.as_deref().unwrap_or("")).ok();
        let to = parse_date(self.period_to.as_deref().unwrap_or("")).ok();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            v.push(FieldError::new(
                "period_to",
                "before_period_from",
                "截止日期不能早于起始日期",
            ));
        }
        let corrects = Some(trimmed(&self.corrects)).filter(|c| !c.is_empty());
        let correction_reason = trimmed(&self.correction_reason);
        if corrects.is_some() && correction_reason.is_empty() {
            v.push(FieldError::new(
                "correction_reason",
                "required",
                "更正须填写更正理由",
            ));
        }
        v.in_order(FIELDS).finish_with(|| {
            Some(ValidSubsidy {
                compound_id: trimmed(&self.compound_id),
                amount_fen: self.amount_fen?,
                reason: trimmed(&self.reason),
                period_from: from?,
                period_to: to?,
                document_number: trimmed(&self.document_number),
                corrects,
                correction_reason,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(p: Problem) -> Vec<String> {
        p.errors.iter().map(|e| e.field.clone()).collect()
    }

    fn good() -> SubsidyInput {
        SubsidyInput {
            compound_id: Some("c1".into()),
            amount_fen: Some(5_000_000),
            reason: Some("信托制物业示范".into()),
            period_from: Some("2026-01-01".into()),
            period_to: Some("2026-06-30".into()),
            document_number: Some("锦住建〔2026〕12号".into()),
            corrects: None,
            correction_reason: None,
        }
    }

    #[test]
    fn a_good_subsidy_passes_and_is_trimmed() {
        let mut input = good();
        input.document_number = Some(" 锦住建〔2026〕12号 ".into());
        let ok = input.check().unwrap();
        assert_eq!(ok.document_number, "锦住建〔2026〕12号");
        assert_eq!(ok.amount_fen, 5_000_000);
        assert!(ok.corrects.is_none());
    }

    #[test]
    fn amounts_periods_and_corrections_are_bounded() {
        for amount in [0, -1, MAX_AMOUNT_FEN + 1] {
            let mut input = good();
            input.amount_fen = Some(amount);
            assert_eq!(
                fields(input.check().unwrap_err()),
                ["amount_fen"],
                "{amount}"
            );
        }
        let mut input = good();
        input.amount_fen = Some(MAX_AMOUNT_FEN);
        assert!(input.check().is_ok());
        let mut backwards = good();
        backwards.period_to = Some("2025-12-31".into());
        assert_eq!(fields(backwards.check().unwrap_err()), ["period_to"]);
        let mut correction = good();
        correction.corrects = Some("s1".into());
        assert_eq!(
            fields(correction.check().unwrap_err()),
            ["correction_reason"]
        );
        assert_eq!(
            fields(SubsidyInput::default().check().unwrap_err()),
            [
                "compound_id",
                "amount_fen",
                "reason",
                "period_from",
                "period_to",
                "document_number"
            ]
        );
    }
}
