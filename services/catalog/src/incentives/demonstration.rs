//! A demonstration compound (标杆示范小区) as the API answers it, and the requests that
//! propose, decide and withdraw one, with their checks.

use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

/// At most this many concrete points per proposal.
pub const MAX_POINTS: usize = 10;
/// At most this many characters per point.
pub const MAX_POINT_CHARS: usize = 200;

/// Where a demonstration stands; also the kind of each step of its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemonstrationStatus {
    /// 待区县确认: proposed by the street.
    Proposed,
    /// 已确认: confirmed by the district; public.
    Confirmed,
    /// 未予确认: declined by the district, with its reason.
    Declined,
    /// 已撤销: withdrawn by the street or the district, with the reason.
    Withdrawn,
}

impl DemonstrationStatus {
    pub const ALL: [DemonstrationStatus; 4] = [
        DemonstrationStatus::Proposed,
        DemonstrationStatus::Confirmed,
        DemonstrationStatus::Declined,
        DemonstrationStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DemonstrationStatus::Proposed => "proposed",
            DemonstrationStatus::Confirmed => "confirmed",
            DemonstrationStatus::Declined => "declined",
            DemonstrationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The status in Chinese, for pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            DemonstrationStatus::Proposed => "待区县确认",
            DemonstrationStatus::Confirmed => "已确认",
            DemonstrationStatus::Declined => "未予确认",
            DemonstrationStatus::Withdrawn => "已撤销",
        }
    }

    /// Whether it may still be withdrawn (proposed or confirmed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            DemonstrationStatus::Proposed | DemonstrationStatus::Confirmed
        )
    }
}

/// One step of a demonstration's history, never changed once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DemonstrationStep {
    /// The status this step led to.
    pub kind: DemonstrationStatus,
    /// Why (a decline or a withdrawal; a confirmation's optional note).
    pub reason: String,
    /// The account that took the step; shown to officials only (absent for the public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The role that took it (`street_official`, `district_official`).
    pub by_role: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// A demonstration compound of one service model, with what makes it exemplary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Demonstration {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub street_code: String,
    pub street_name: String,
    pub district_code: String,
    pub district_name: String,
    /// The service model's code (e.g. `trust`).
    pub model: String,
    /// The service model's Chinese name (e.g. 信托制物业).
    pub model_name: String,
    /// What makes it exemplary.
    pub merits: String,
    /// The concrete points (具体做法), in the order given.
    pub points: Vec<String>,
    pub status: DemonstrationStatus,
    /// When it was proposed (RFC 3339, UTC).
    pub proposed_at: String,
    /// Every step, oldest first.
    pub history: Vec<DemonstrationStep>,
}

impl Demonstration {
    /// The public view: the accounts that took each step left out.
    pub fn public(mut self) -> Self {
        for step in &mut self.history {
            step.by = None;
        }
        self
    }
}

use shared::validate::trimmed_or_empty as trimmed;

/// A street official's proposal. Missing fields are read as empty, so the caller's rights
/// are checked before the body's fields, which are then all named at once.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct ProposalInput {
    /// A compound of the caller's street.
    #[validate(
        required(message = "请选择小区"),
        custom(function = "shared::validate::not_blank", message = "请选择小区"),
        custom(
            function = "shared::validate::max_chars::<64>",
            message = "没有这个小区"
        )
    )]
    pub compound_id: Option<String>,
    /// A service model's code (see `GET /catalog/service-models`).
    #[validate(
        required(message = "请选择服务方式"),
        custom(function = "shared::validate::not_blank", message = "请选择服务方式"),
        custom(
            function = "shared::validate::max_chars::<32>",
            message = "没有这个服务方式"
        )
    )]
    pub model: Option<String>,
    /// What makes it exemplary, 1–2,000 characters.
    #[validate(
        required(message = "请填写示范亮点"),
        custom(function = "shared::validate::not_blank", message = "请填写示范亮点"),
        custom(
            function = "shared::validate::max_chars::<2000>",
            message = "示范亮点不能超过 2000 字"
        )
    )]
    pub merits: Option<String>,
    /// The concrete points, 1–10, each 1–200 characters.
    #[validate(length(min = 1, max = 10, message = "请列出 1–10 条具体做法"))]
    pub points: Vec<String>,
}

/// A checked proposal; the compound and model are still to be found (the store does).
#[derive(Debug, Clone)]
pub struct ValidProposal {
    pub compound_id: String,
    pub model: String,
    pub merits: String,
    pub points: Vec<String>,
}

const PROPOSAL_FIELDS: &[&str] = &["compound_id", "model", "merits", "points"];

impl ProposalInput {
    pub fn check(&self) -> Result<ValidProposal, Problem> {
        let mut v = Validation::new();
        v.rules(self, PROPOSAL_FIELDS);
        let mut points = Vec::new();
        for (i, p) in self.points.iter().enumerate().take(MAX_POINTS) {
            let p = p.trim();
            if p.is_empty() {
                v.push(FieldError::new(
                    format!("points[{i}]"),
                    "required",
                    "具体做法不能为空",
                ));
            } else if p.chars().count() > MAX_POINT_CHARS {
                v.push(FieldError::new(
                    format!("points[{i}]"),
                    "too_long",
                    format!("每条具体做法不能超过 {MAX_POINT_CHARS} 字"),
                ));
            } else {
                points.push(p.to_string());
            }
        }
        v.in_order(PROPOSAL_FIELDS).finish()?;
        Ok(ValidProposal {
            compound_id: trimmed(&self.compound_id),
            model: trimmed(&self.model),
            merits: trimmed(&self.merits),
            points,
        })
    }
}

/// The district's decision on a proposal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct DecisionInput {
    /// `confirm` (确认) or `decline` (不予确认).
    #[validate(required(message = "请选择确认或不予确认"))]
    pub decision: Option<String>,
    /// Required to decline; an optional note to confirm; at most 500 characters.
    #[validate(custom(
        function = "shared::validate::max_chars::<500>",
        message = "理由不能超过 500 字"
    ))]
    pub reason: Option<String>,
}

/// A checked decision: the status it leads to and the reason.
#[derive(Debug, Clone)]
pub struct ValidDecision {
    pub status: DemonstrationStatus,
    pub reason: String,
}

const DECISION_FIELDS: &[&str] = &["decision", "reason"];

impl DecisionInput {
    pub fn check(&self) -> Result<ValidDecision, Problem> {
        let mut v = Validation::new();
        v.rules(self, DECISION_FIELDS);
        let status = match self.decision.as_deref().map(str::trim) {
            None => None,
            Some("confirm") => Some(DemonstrationStatus::Confirmed),
            Some("decline") => Some(DemonstrationStatus::Declined),
            Some(_) => {
                v.push(FieldError::new(
                    "decision",
                    "invalid_decision",
                    "请选择确认（confirm）或不予确认（decline）",
                ));
                None
            }
        };
        let reason = trimmed(&self.reason);
        if status == Some(DemonstrationStatus::Declined) && reason.is_empty() {
            v.push(FieldError::new("reason", "required", "不予确认须填写理由"));
        }
        v.in_order(DECISION_FIELDS).finish_with(|| {
            Some(ValidDecision {
                status: status?,
                reason,
            })
        })
    }
}

/// A withdrawal, with why.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct WithdrawalInput {
    /// 1–500 characters.
    #[validate(
        required(message = "请填写撤销理由"),
        custom(function = "shared::validate::not_blank", message = "请填写撤销理由"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "撤销理由不能超过 500 字"
        )
    )]
    pub reason: Option<String>,
}

impl WithdrawalInput {
    /// The reason, trimmed.
    pub fn check(&self) -> Result<String, Problem> {
        let mut v = Validation::new();
        v.rules(self, &["reason"]);
        v.finish()?;
        Ok(trimmed(&self.reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(p: Problem) -> Vec<String> {
        p.errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn a_proposal_names_every_bad_field_at_once() {
        let input = ProposalInput {
            compound_id: None,
            model: Some(" ".into()),
            merits: Some("好".repeat(2001)),
            points: vec!["做法一".into(), "  ".into(), "长".repeat(201)],
        };
        let p = input.check().unwrap_err();
        assert_eq!(
            fields(p),
            ["compound_id", "model", "merits", "points[1]", "points[2]"]
        );
        let none = ProposalInput::default().check().unwrap_err();
        assert!(fields(none).contains(&"points".to_string()));
    }

    #[test]
    fn a_proposal_is_trimmed() {
        let ok = ProposalInput {
            compound_id: Some(" c1 ".into()),
            model: Some("trust ".into()),
            merits: Some(" 信托制公开透明 ".into()),
            points: vec![" 账目每月公示 ".into()],
        }
        .check()
        .unwrap();
        assert_eq!(
            (
                ok.compound_id.as_str(),
                ok.model.as_str(),
                ok.merits.as_str()
            ),
            ("c1", "trust", "信托制公开透明")
        );
        assert_eq!(ok.points, ["账目每月公示"]);
    }

    #[test]
    fn declining_needs_a_reason_confirming_does_not() {
        let decline = DecisionInput {
            decision: Some("decline".into()),
            reason: Some("  ".into()),
        };
        assert_eq!(fields(decline.check().unwrap_err()), ["reason"]);
        let confirm = DecisionInput {
            decision: Some("confirm".into()),
            reason: None,
        };
        assert_eq!(
            confirm.check().unwrap().status,
            DemonstrationStatus::Confirmed
        );
        let odd = DecisionInput {
            decision: Some("maybe".into()),
            reason: None,
        };
        assert_eq!(fields(odd.check().unwrap_err()), ["decision"]);
    }
}
