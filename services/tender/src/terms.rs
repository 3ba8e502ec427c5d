//! A tender's terms (招标条件) and their vocabulary: service model, fee model, grade,
//! evaluation method, and the tender's status.
//!
//! [`Terms`] holds every term as a checked value; a tender stores it, a change of terms
//! is `old != new`, and [`Terms::differences`] names what changed (for the OCDS amendment's
//! rationale). The fee model and the grade are the catalog's own types
//! ([`shared::domain::roster`]), so a firm's profile and a tender speak the same codes.

use serde::{Deserialize, Serialize};
use shared::domain::{DomainError, FeeRate, Fen};
use utoipa::ToSchema;

pub use shared::domain::roster::{FeeModel, ServiceGrade};

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

/// How bids are evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub method: EvaluationMethod,
    /// For `rated`: the weight of the price, out of 100.
    pub price_weight: Option<u32>,
    /// For `rated`: the quality criteria; `price_weight` + Σ weights = 100.
    pub criteria: Vec<Criterion>,
}

/// A tender's terms, every one a checked value: what firms bid on. While a tender is
/// open, any change of them is material (the bids already in must be re-confirmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// 物业服务方式.
    pub service_model: ServiceModel,
    /// 收费方式.
    pub fee_model: FeeModel,
    /// 服务等级 wanted.
    pub grade: ServiceGrade,
    /// 服务期限, 1–120 months.
    pub term_months: i64,
    /// 年度预算, more than 0.
    pub annual_budget: Fen,
    /// 拟定物业费, 分/㎡·月.
    pub proposed_fee: FeeRate,
    /// 需求说明.
    pub needs: String,
    /// 答疑截止时间, ms since the Unix epoch.
    pub enquiry_deadline: i64,
    /// 投标截止时间, ms.
    pub bid_deadline: i64,
    /// 开标时间, ms.
    pub opening_at: i64,
    /// 评标办法.
    pub evaluation: Evaluation,
    /// 酬金 the committee proposes (commission and trust tenders only), if any.
    pub remuneration: Option<crate::money::fund::terms::Remuneration>,
}

impl Terms {
    /// The Chinese names of the terms that differ in `other`, in the order of the form.
    pub fn differences(&self, other: &Terms) -> Vec<&'static str> {
        [
            (self.service_model != other.service_model, "物业服务方式"),
            (self.fee_model != other.fee_model, "收费方式"),
            (self.grade != other.grade, "服务等级"),
            (self.term_months != other.term_months, "服务期限"),
            (self.annual_budget != other.annual_budget, "年度预算"),
            (self.proposed_fee != other.proposed_fee, "拟定物业费"),
            (self.remuneration != other.remuneration, "酬金"),
            (self.needs != other.needs, "需求说明"),
            (
                self.enquiry_deadline != other.enquiry_deadline,
                "答疑截止时间",
            ),
            (self.bid_deadline != other.bid_deadline, "投标截止时间"),
            (self.opening_at != other.opening_at, "开标时间"),
            (self.evaluation != other.evaluation, "评标办法"),
        ]
        .into_iter()
        .filter_map(|(changed, name)| changed.then_some(name))
        .collect()
    }
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
impl Terms {
    /// Terms for tests: professional service, lump sum, grade 3, 36 months, price only.
    pub fn sample() -> Self {
        Terms {
            service_model: ServiceModel::parse("professional").unwrap(),
            fee_model: FeeModel::LumpSum,
            grade: ServiceGrade::new(3).unwrap(),
            term_months: 36,
            annual_budget: Fen::new(60_000_000),
            proposed_fee: FeeRate::new(150).unwrap(),
            needs: "保洁、绿化、秩序维护".into(),
            enquiry_deadline: 1,
            bid_deadline: 2,
            opening_at: 3,
            evaluation: Evaluation {
                method: EvaluationMethod::PriceOnly,
                price_weight: None,
                criteria: Vec::new(),
            },
            remuneration: None,
        }
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
    fn differences_name_what_changed() {
        let terms = Terms::sample();
        assert!(terms.differences(&terms.clone()).is_empty());
        let other = Terms {
            grade: ServiceGrade::new(2).unwrap(),
            bid_deadline: 5,
            ..terms.clone()
        };
        assert_ne!(terms, other);
        assert_eq!(terms.differences(&other), vec!["服务等级", "投标截止时间"]);
    }
}
