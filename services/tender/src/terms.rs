//! The vocabulary of a tender's terms: service model, fee model, grade, evaluation
//! method, and the tender's status.

use std::fmt;

use serde::{Deserialize, Serialize};
use shared::domain::DomainError;
use utoipa::ToSchema;

/// 物业服务方式 (service model) code, e.g. `professional`, `trust`, `community`,
/// `self_managed`. Models are data in the catalog, not a closed list, so any snake_case
/// code of 2–40 characters is accepted here; a bid needs a firm that offers the same code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct ServiceModel(String);

impl ServiceModel {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let ok = (2..=40).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::new(
                "invalid_service_model",
                "物业服务方式代码不正确（如 professional、trust、community、self_managed）",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 收费方式 (fee model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeModel {
    /// 包干制: a fixed fee; the firm keeps the surplus or bears the loss.
    LumpSum,
    /// 酬金制: the firm takes an agreed share; the rest is spent on the compound.
    Commission,
    /// 信托制: fees form a trust fund owned by the owners.
    Trust,
}

impl FeeModel {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "lump_sum" => Ok(Self::LumpSum),
            "commission" => Ok(Self::Commission),
            "trust" => Ok(Self::Trust),
            _ => Err(DomainError::new(
                "invalid_fee_model",
                "收费方式应为 lump_sum（包干制）、commission（酬金制）或 trust（信托制）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LumpSum => "lump_sum",
            Self::Commission => "commission",
            Self::Trust => "trust",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LumpSum => "包干制",
            Self::Commission => "酬金制",
            Self::Trust => "信托制",
        }
    }
}

/// 物业服务等级: Chengdu's residential service grades 一级 (1) to 五级 (5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(transparent)]
pub struct Grade(u8);

impl Grade {
    pub fn new(value: i64) -> Result<Self, DomainError> {
        match u8::try_from(value) {
            Ok(g @ 1..=5) => Ok(Self(g)),
            _ => Err(DomainError::new(
                "invalid_grade",
                "服务等级应为 1 至 5（一级至五级）",
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = ["一", "二", "三", "四", "五"][usize::from(self.0 - 1)];
        write!(f, "{name}级")
    }
}

/// 评标办法 (evaluation method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationMethod {
    /// 最低价法: ranked by fee, lowest first.
    PriceOnly,
    /// 综合评分法: a price weight plus named quality criteria, weights summing to 100.
    Rated,
    /// 业主表决: the owners' vote names the chosen bid.
    OwnersVote,
}

impl EvaluationMethod {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "price_only" => Ok(Self::PriceOnly),
            "rated" => Ok(Self::Rated),
            "owners_vote" => Ok(Self::OwnersVote),
            _ => Err(DomainError::new(
                "invalid_evaluation_method",
                "评标办法应为 price_only（最低价法）、rated（综合评分法）或 owners_vote（业主表决）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PriceOnly => "price_only",
            Self::Rated => "rated",
            Self::OwnersVote => "owners_vote",
        }
    }
}

/// A quality criterion of a rated evaluation (评分项) and its weight (分值).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    /// Its name, e.g. `服务方案`, `人员配置`.
    pub name: String,
    /// Its weight out of 100.
    pub weight: u32,
}

/// Where a tender is in its life (see DESIGN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenderStatus {
    /// 草稿: only the committee sees it.
    Draft,
    /// 招标中: published; questions, then bids, until the deadline; sealed until opening.
    Open,
    /// 评标中: bids opened at the opening time, all at once.
    Evaluation,
    /// 已定标: the award is in public notice (公示).
    Awarded,
    /// 已签约.
    Contracted,
    /// 已终止: cancelled by the committee, with a reason.
    Cancelled,
    /// 流标: no valid bid.
    Unsuccessful,
}

impl TenderStatus {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Ok(match input.trim() {
            "draft" => Self::Draft,
            "open" => Self::Open,
            "evaluation" => Self::Evaluation,
            "awarded" => Self::Awarded,
            "contracted" => Self::Contracted,
            "cancelled" => Self::Cancelled,
            "unsuccessful" => Self::Unsuccessful,
            _ => {
                return Err(DomainError::new(
                    "invalid_status",
                    "状态应为 draft、open、evaluation、awarded、contracted、cancelled 或 unsuccessful",
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Evaluation => "evaluation",
            Self::Awarded => "awarded",
            Self::Contracted => "contracted",
            Self::Cancelled => "cancelled",
            Self::Unsuccessful => "unsuccessful",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Open => "招标中",
            Self::Evaluation => "评标中",
            Self::Awarded => "已定标（公示中）",
            Self::Contracted => "已签约",
            Self::Cancelled => "已终止",
            Self::Unsuccessful => "流标",
        }
    }

    /// Whether the tender has ended (no further transitions).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Contracted | Self::Cancelled | Self::Unsuccessful
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_and_round_trip() {
        assert_eq!(
            ServiceModel::parse("self_managed").unwrap().as_str(),
            "self_managed"
        );
        assert!(ServiceModel::parse("Professional").is_err());
        assert!(ServiceModel::parse("x").is_err());
        assert!(ServiceModel::parse("1abc").is_err());
        for s in ["lump_sum", "commission", "trust"] {
            assert_eq!(FeeModel::parse(s).unwrap().as_str(), s);
        }
        for s in ["price_only", "rated", "owners_vote"] {
            assert_eq!(EvaluationMethod::parse(s).unwrap().as_str(), s);
        }
        for s in [
            "draft",
            "open",
            "evaluation",
            "awarded",
            "contracted",
            "cancelled",
            "unsuccessful",
        ] {
            assert_eq!(TenderStatus::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn grades_are_one_to_five() {
        assert!(Grade::new(0).is_err());
        assert!(Grade::new(6).is_err());
        assert!(Grade::new(-1).is_err());
        assert_eq!(Grade::new(3).unwrap().to_string(), "三级");
    }
}
