//! The work plan (工作方案) of a street for a year and its progress stages (推进阶段).
//!
//! A street's plan names, for one year, the target (compounds to cover and the coverage
//! rate), the compounds planned, the due date of each stage, and the stages only people
//! know (动员, 自治组织), recorded by the street with a date and a note. The catalog keeps
//! and publishes it (feed topic `work_plan`, payload [`WorkPlan`]); matching computes the
//! progress list from it and from the facts the platform records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::DomainError;

/// A stage of a compound's way to property service, in order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 摸底: the compound is in the ledger.
    Survey,
    /// 动员: mobilisation (meetings, willingness survey), recorded by the street.
    Mobilisation,
    /// 自治组织: a self-governance body formed, recorded by the street.
    SelfGovernance,
    /// 业主表决: a passing owners' vote on the service model or firm.
    OwnersVote,
    /// 招标: a tender published.
    Tender,
    /// 签约: a contract signed (covered).
    Contract,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Survey,
        Stage::Mobilisation,
        Stage::SelfGovernance,
        Stage::OwnersVote,
        Stage::Tender,
        Stage::Contract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Survey => "survey",
            Stage::Mobilisation => "mobilisation",
            Stage::SelfGovernance => "self_governance",
            Stage::OwnersVote => "owners_vote",
            Stage::Tender => "tender",
            Stage::Contract => "contract",
        }
    }

    /// 摸底, 动员, 自治组织, 业主表决, 招标, 签约.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Survey => "摸底",
            Stage::Mobilisation => "动员",
            Stage::SelfGovernance => "自治组织",
            Stage::OwnersVote => "业主表决",
            Stage::Tender => "招标",
            Stage::Contract => "签约",
        }
    }

    /// Whether the street records it (the platform knows the others from its records).
    pub fn recorded_by_street(self) -> bool {
        matches!(self, Stage::Mobilisation | Stage::SelfGovernance)
    }

    /// Error code `invalid_stage`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "invalid_stage",
                    format!(
                        "阶段“{}”无效，应为 survey（摸底）、mobilisation（动员）、self_governance（自治组织）、owners_vote（业主表决）、tender（招标）或 contract（签约）",
                        super::quoted(s)
                    ),
                )
            })
    }

    /// The index in [`Stage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A plan's year: 2023 to 2100. Error code `invalid_year`.
pub fn parse_year(input: &str) -> Result<i32, DomainError> {
    let bad = || {
        DomainError::new(
            "invalid_year",
            format!(
                "年度“{}”无效，应为 2023–2100 之间的年份",
                super::quoted(input)
            ),
        )
    };
    let s = input.trim();
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let y: i32 = s.parse().map_err(|_| bad())?;
    (2023..=2100).contains(&y).then_some(y).ok_or_else(bad)
}

/// The due date of a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StageDue {
    pub stage: Stage,
    /// `YYYY-MM-DD`.
    pub due: String,
}

/// A stage the street recorded for a compound (动员, 自治组织).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StageRecord {
    pub compound_id: String,
    pub stage: Stage,
    /// The day it was reached, `YYYY-MM-DD`.
    pub done_on: String,
    /// What happened: meetings held, the willingness survey's result, the body formed and
    /// its documents' reference.
    pub note: String,
    /// The account's display name.
    pub recorded_by: String,
    /// RFC 3339.
    pub recorded_at: String,
}

/// A street's work plan for a year: the catalog's API answer and the `work_plan` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkPlan {
    /// `{street}-{year}`.
    pub id: String,
    pub street_code: String,
    pub district_code: String,
    pub year: i32,
    /// Compounds to cover this year (the target the street commits to).
    pub target_compounds: i64,
    /// The coverage rate the street aims at by year end, in percent (0–100).
    pub target_rate_percent: i64,
    /// Every stage's due date, in stage order.
    pub dues: Vec<StageDue>,
    /// The compounds planned this year (ids in the catalog's ledger).
    pub compounds: Vec<String>,
    /// The stages the street recorded, by compound then stage.
    #[serde(default)]
    pub records: Vec<StageRecord>,
    /// Optimistic concurrency: the version a change must name.
    pub version: i64,
    /// RFC 3339.
    pub updated_at: String,
    pub updated_by: String,
}

impl WorkPlan {
    /// The plan's id for a street and year.
    pub fn id_of(street: &str, year: i32) -> String {
        format!("{street}-{year}")
    }

    /// The due date of a stage, if the plan gives one.
    pub fn due(&self, stage: Stage) -> Option<&str> {
        self.dues
            .iter()
            .find(|d| d.stage == stage)
            .map(|d| d.due.as_str())
    }

    /// The street's record of a stage of a compound.
    pub fn record(&self, compound: &str, stage: Stage) -> Option<&StageRecord> {
        self.records
            .iter()
            .find(|r| r.compound_id == compound && r.stage == stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_and_years_are_bounded() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()).unwrap(), s);
            assert_eq!(Stage::ALL[s.index()], s);
        }
        assert_eq!(Stage::parse("x").unwrap_err().code, "invalid_stage");
        assert!(Stage::Mobilisation.recorded_by_street());
        assert!(!Stage::Contract.recorded_by_street());
        assert_eq!(parse_year("2024").unwrap(), 2024);
        for bad in ["2022", "2101", "24", "２０２４", "2024x", ""] {
            assert_eq!(parse_year(bad).unwrap_err().code, "invalid_year", "{bad}");
        }
    }
}
