//! What a fund transaction is for (类别), and the direction each category books.

use serde::{Deserialize, Serialize};
use shared::domain::DomainError;
use utoipa::ToSchema;

/// Money in or out of the fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FundDirection)]
pub enum Direction {
    /// 收入.
    Income,
    /// 支出.
    Spending,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Income => "income",
            Self::Spending => "spending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "income" => Some(Self::Income),
            "spending" => Some(Self::Spending),
            _ => None,
        }
    }

    pub fn opposite(self) -> Self {
        match self {
            Self::Income => Self::Spending,
            Self::Spending => Self::Income,
        }
    }

    /// `amount` as it moves the balance.
    pub fn signed(self, amount: i64) -> i64 {
        match self {
            Self::Income => amount,
            Self::Spending => -amount,
        }
    }
}

/// A transaction's category: income (fee income, the common revenue that must be pooled
/// into the fund, a balance carried in) or spending (the disclosure's spending categories,
/// and the firm's remuneration, shown apart).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = FundCategory)]
pub enum Category {
    /// 物业服务费收入 (owners' fees; never shown with an owner's name).
    Fee,
    /// 停车收益 (common revenue).
    Parking,
    /// 广告收益 (common revenue).
    Advertising,
    /// 其他公共收益 (common revenue: rent of common parts, …).
    OtherCommon,
    /// 上期结转 (the balance the fund starts with).
    CarriedIn,
    /// 人员费用.
    Personnel,
    /// 保洁.
    Cleaning,
    /// 绿化.
    Greening,
    /// 秩序维护.
    Security,
    /// 维修养护.
    Maintenance,
    /// 能耗.
    Energy,
    /// 其他支出.
    OtherSpending,
    /// 酬金 (the firm's remuneration, as the contract agrees).
    Remuneration,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Self::Fee,
        Self::Parking,
        Self::Advertising,
        Self::OtherCommon,
        Self::CarriedIn,
        Self::Personnel,
        Self::Cleaning,
        Self::Greening,
        Self::Security,
        Self::Maintenance,
        Self::Energy,
        Self::OtherSpending,
        Self::Remuneration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fee => "fee",
            Self::Parking => "parking",
            Self::Advertising => "advertising",
            Self::OtherCommon => "other_common",
            Self::CarriedIn => "carried_in",
            Self::Personnel => "personnel",
            Self::Cleaning => "cleaning",
            Self::Greening => "greening",
            Self::Security => "security",
            Self::Maintenance => "maintenance",
            Self::Energy => "energy",
            Self::OtherSpending => "other_spending",
            Self::Remuneration => "remuneration",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Fee => "物业服务费",
            Self::Parking => "停车收益",
            Self::Advertising => "广告收益",
            Self::OtherCommon => "其他公共收益",
            Self::CarriedIn => "上期结转",
            Self::Personnel => "人员费用",
            Self::Cleaning => "保洁",
            Self::Greening => "绿化",
            Self::Security => "秩序维护",
            Self::Maintenance => "维修养护",
            Self::Energy => "能耗",
            Self::OtherSpending => "其他支出",
            Self::Remuneration => "酬金",
        }
    }

    /// A category as sent or stored.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                DomainError::new(
                    "invalid_category",
                    "类别应为 fee、parking、advertising、other_common、carried_in（收入）或 \
                     personnel、cleaning、greening、security、maintenance、energy、\
                     other_spending、remuneration（支出）",
                )
            })
    }

    /// The direction a transaction of this category books (a reversal books the other).
    pub fn direction(self) -> Direction {
        match self {
            Self::Fee | Self::Parking | Self::Advertising | Self::OtherCommon | Self::CarriedIn => {
                Direction::Income
            }
            _ => Direction::Spending,
        }
    }

    /// Common revenue (公共收益), which the plan wants pooled into the fund.
    pub fn is_common_revenue(self) -> bool {
        matches!(self, Self::Parking | Self::Advertising | Self::OtherCommon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_and_books_one_direction() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()).unwrap(), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert_eq!(Category::Remuneration.direction(), Direction::Spending);
        assert_eq!(Category::Parking.direction(), Direction::Income);
        assert!(Category::parse("salary").is_err());
    }
}
