//! The words of an inspection request: what is asked for, who asked, where it stands.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an owner asks to inspect (查阅).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum What {
    /// 收支情况 (published accounts).
    Accounts,
    /// 凭证 behind the accounts.
    Vouchers,
    /// 物业服务合同.
    Contract,
}

impl What {
    pub const ALL: [Self; 3] = [Self::Accounts, Self::Vouchers, Self::Contract];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accounts => "accounts",
            Self::Vouchers => "vouchers",
            Self::Contract => "contract",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Accounts => "收支情况",
            Self::Vouchers => "凭证",
            Self::Contract => "物业服务合同",
        }
    }
}

/// Who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AskedBy {
    /// An owner, with the one-time code of the unit's notice.
    OwnerCode,
    /// The compound's committee (for owners).
    Committee,
}

impl AskedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnerCode => "owner_code",
            Self::Committee => "committee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::OwnerCode, Self::Committee]
            .into_iter()
            .find(|w| w.as_str() == s)
    }
}

/// Where a request stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not answered, due date not passed.
    Open,
    /// Not answered after its due date (逾期).
    Overdue,
    Answered,
}

impl State {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "overdue" => Some(Self::Overdue),
            "answered" => Some(Self::Answered),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "待答复",
            Self::Overdue => "逾期未答复",
            Self::Answered => "已答复",
        }
    }

    /// The state of a request due on `due_on` (`YYYY-MM-DD`), answered or not, on `today`.
    pub fn of(answered: bool, due_on: &str, today: &str) -> Self {
        if answered {
            Self::Answered
        } else if today > due_on {
            Self::Overdue
        } else {
            Self::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_overdue_the_day_after_its_due_date() {
        assert_eq!(State::of(false, "2026-03-15", "2026-03-15"), State::Open);
        assert_eq!(State::of(false, "2026-03-15", "2026-03-16"), State::Overdue);
        assert_eq!(State::of(true, "2026-03-15", "2026-04-01"), State::Answered);
        for w in What::ALL {
            assert_eq!(What::parse(w.as_str()), Some(w));
        }
        assert_eq!(AskedBy::parse("owner_code"), Some(AskedBy::OwnerCode));
        assert_eq!(State::parse("overdue"), Some(State::Overdue));
    }
}
