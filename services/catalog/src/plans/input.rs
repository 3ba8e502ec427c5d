//! A plan and a stage record as a street official sends them, and their checks.

use serde::{Deserialize, Serialize};
use shared::domain::plan::Stage;
use shared::domain::roster::{Date, parse_date};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

/// The most compounds one plan may take on.
pub const MAX_COMPOUNDS: usize = 2_000;

/// Each stage's due date, `YYYY-MM-DD`; a stage is due no earlier than the one before.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct PlanDues {
    /// 摸底.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub survey: String,
    /// 动员.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub mobilisation: String,
    /// 自治组织.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub self_governance: String,
    /// 业主表决.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub owners_vote: String,
    /// 招标.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub tender: String,
    /// 签约.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub contract: String,
}

impl PlanDues {
    fn in_order(&self) -> [(Stage, &str); 6] {
        [
            (Stage::Survey, &self.survey),
            (Stage::Mobilisation, &self.mobilisation),
            (Stage::SelfGovernance, &self.self_governance),
            (Stage::OwnersVote, &self.owners_vote),
            (Stage::Tender, &self.tender),
            (Stage::Contract, &self.contract),
        ]
    }
}

/// A street's plan for a year, as sent (the whole plan; it replaces the one kept). Missing
/// fields are read as empty, so the caller's rights are checked before the body's fields,
/// which are then all named at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct PlanInput {
    /// Compounds to cover this year, 0–10,000.
    #[validate(
        required(message = "请填写年度目标小区数"),
        range(min = 0, max = 10_000, message = "年度目标小区数应为 0–10000")
    )]
    pub target_compounds: Option<i64>,
    /// The coverage rate aimed at by year end, in percent, 0–100.
    #[validate(
        required(message = "请填写年度目标覆盖率"),
        range(min = 0, max = 100, message = "年度目标覆盖率应为 0–100（百分比）")
    )]
    pub target_rate_percent: Option<i64>,
    #[validate(nested)]
    pub dues: PlanDues,
    /// The compounds planned this year: ids of the street's compounds in the ledger, at
    /// most 2,000, none twice.
    #[validate(length(max = 2000, message = "一个工作方案最多列入 2000 个小区"))]
    pub compounds: Vec<String>,
    /// The plan's version as read (`version` of the answer); a stale one is refused with
    /// 409 `stale_version`. Leave it out to create the plan.
    pub version: Option<i64>,
}

/// A checked plan; the compounds still have to be found in the street (the store does).
#[derive(Debug, Clone)]
pub struct ValidPlan {
    pub target_compounds: i64,
    pub target_rate_percent: i64,
    /// In stage order.
    pub dues: Vec<(Stage, Date)>,
    pub compounds: Vec<String>,
    pub version: Option<i64>,
}

const PLAN_FIELDS: &[&str] = &[
    "target_compounds",
    "target_rate_percent",
    "dues",
    "compounds",
    "version",
];

impl PlanInput {
    /// The declared rules, the dues in stage order, and no compound twice.
    pub fn check(&self) -> Result<ValidPlan, Problem> {
        let mut v = Validation::new();
        v.rules(self, PLAN_FIELDS);
        let mut dues = Vec::new();
        let mut before: Option<(Stage, Date)> = None;
        for (stage, text) in self.dues.in_order() {
            let Ok(day) = parse_date(text) else { continue };
            if let Some((prev, prev_day)) = before
                && day < prev_day
            {
                v.push(FieldError::new(
                    format!("dues.{}", stage.as_str()),
                    "due_before_previous_stage",
                    format!(
                        "{}的完成时限不能早于{}（{}）",
                        stage.label(),
                        prev.label(),
                        text_of(prev_day)
                    ),
                ));
            }
            before = Some((stage, day));
            dues.push((stage, day));
        }
        let mut seen = std::collections::HashSet::new();
        let mut compounds = Vec::new();
        for (i, id) in self.compounds.iter().enumerate().take(MAX_COMPOUNDS) {
            let id = id.trim();
            if id.is_empty() || id.chars().count() > 64 {
                v.push(FieldError::new(
                    format!("compounds[{i}]"),
                    "unknown_compound",
                    "没有这个小区",
                ));
            } else if !seen.insert(id.to_string()) {
                v.push(FieldError::new(
                    format!("compounds[{i}]"),
                    "duplicate_compound",
                    "同一小区不能重复列入",
                ));
            } else {
                compounds.push(id.to_string());
            }
        }
        let v = v.in_order(PLAN_FIELDS);
        v.finish_with(|| {
            Some(ValidPlan {
                target_compounds: self.target_compounds?,
                target_rate_percent: self.target_rate_percent?,
                dues: (dues.len() == 6).then_some(dues)?,
                compounds,
                version: self.version,
            })
        })
    }
}

fn text_of(d: Date) -> String {
    shared::domain::roster::format_date(d)
}

/// A stage the street records for a planned compound (missing fields read as empty).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct StageInput {
    /// A compound of the plan.
    #[validate(custom(function = "shared::validate::not_blank", message = "请选择小区"))]
    pub compound_id: String,
    /// `mobilisation` (动员) or `self_governance` (自治组织); the other stages come from the
    /// platform's own records.
    pub stage: String,
    /// The day it was reached, `YYYY-MM-DD`, not after today.
    #[validate(custom(
        function = "shared::validate::date",
        message = "请填写有效日期，如 2024-03-31"
    ))]
    pub done_on: String,
    /// What happened (meetings, the willingness survey's result, the body formed and its
    /// documents' reference), 1–500 characters.
    #[validate(
        custom(function = "shared::validate::not_blank", message = "请填写情况说明"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "情况说明不能超过 500 字"
        )
    )]
    pub note: String,
}

/// A checked stage record.
#[derive(Debug, Clone)]
pub struct ValidStage {
    pub compound_id: String,
    pub stage: Stage,
    pub done_on: Date,
    pub note: String,
}

const STAGE_FIELDS: &[&str] = &["compound_id", "stage", "done_on", "note"];

impl StageInput {
    pub fn check(&self, today: Date) -> Result<ValidStage, Problem> {
        let mut v = Validation::new();
        v.rules(self, STAGE_FIELDS);
        let stage = v.field("stage", Stage::parse(&self.stage));
        if let Some(s) = stage
            && !s.recorded_by_street()
        {
            v.push(FieldError::new(
                "stage",
                "stage_from_records",
                format!(
                    "“{}”由平台根据表决、招标和合同记录自动生成，不能手工录入",
                    s.label()
                ),
            ));
        }
        let done_on = parse_date(&self.done_on).ok();
        if let Some(d) = done_on
            && d > today
        {
            v.push(FieldError::new(
                "done_on",
                "in_the_future",
                "完成日期不能晚于今天",
            ));
        }
        v.in_order(STAGE_FIELDS).finish_with(|| {
            Some(ValidStage {
                compound_id: self.compound_id.trim().to_string(),
                stage: stage?,
                done_on: done_on?,
                note: self.note.trim().to_string(),
            })
        })
    }
}
