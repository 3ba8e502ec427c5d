//! A residents' survey per unit as requested, stored and shown.

use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;

use crate::clock;
use crate::input::refused;
use crate::owners::ballots::{Channel, MAX_PERIOD_MS, VoteState};
use crate::period::Period;

/// 满意 / 基本满意 / 不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [
        Self::Satisfied,
        Self::BasicallySatisfied,
        Self::Dissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::BasicallySatisfied => "basically_satisfied",
            Self::Dissatisfied => "dissatisfied",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn parse(s: &str) -> Result<Self, shared::domain::DomainError> {
        Self::from_stored(s.trim()).ok_or_else(|| {
            shared::domain::DomainError::new(
                "invalid_rating",
                "评价应为 satisfied（满意）、basically_satisfied（基本满意）或 dissatisfied（不满意）",
            )
        })
    }
}

/// A committee's request to open a survey.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUnitSurvey {
    /// The quarter: `2026-Q4` (also `2026Q4`).
    pub period: String,
    /// RFC 3339.
    pub opens_at: String,
    /// RFC 3339, after `opens_at`, at most 60 days later, in the future.
    pub closes_at: String,
}

/// A request checked.
#[derive(Debug, Clone)]
pub struct ValidUnitSurvey {
    pub period: Period,
    pub opens_at: i64,
    pub closes_at: i64,
}

impl NewUnitSurvey {
    pub fn check(self, now: i64) -> Result<ValidUnitSurvey, Problem> {
        let mut v = Validation::new();
        let text = self.period.trim();
        let normalised = match text.split_once('Q') {
            Some((y, q)) if !y.ends_with('-') => format!("{y}-Q{q}"),
            _ => text.to_string(),
        };
        let period = v.field("period", Period::parse_quarter(&normalised));
        let opens_at = v.field("opens_at", clock::parse_rfc3339(&self.opens_at));
        let closes_at = v.field("closes_at", clock::parse_rfc3339(&self.closes_at));
        if let (Some(o), Some(c)) = (opens_at, closes_at) {
            if c <= o {
                v.push(FieldError::new(
                    "closes_at",
                    "closes_before_opens",
                    "截止时间应晚于开始时间",
                ));
            } else if c - o > MAX_PERIOD_MS {
                v.push(FieldError::new(
                    "closes_at",
                    "period_too_long",
                    "调查期不能超过 60 天",
                ));
            } else if c <= now {
                v.push(FieldError::new(
                    "closes_at",
                    "closes_in_past",
                    "截止时间应晚于现在",
                ));
            }
        }
        match (period, opens_at, closes_at) {
            (Some(period), Some(opens_at), Some(closes_at)) if v.is_empty() => {
                Ok(ValidUnitSurvey {
                    period,
                    opens_at,
                    closes_at,
                })
            }
            _ => Err(refused(v)),
        }
    }
}

/// A survey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurvey {
    pub id: String,
    pub compound_id: String,
    pub period: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    pub satisfaction_id: Option<String>,
}

impl StoredSurvey {
    /// Where it stands at `now` (the same four states as a vote).
    pub fn state(&self, now: i64) -> VoteState {
        if self.closed_at.is_some() {
            VoteState::Closed
        } else if now < self.opens_at {
            VoteState::Scheduled
        } else if now < self.closes_at {
            VoteState::Open
        } else {
            VoteState::Counting
        }
    }
}

/// The answers' counts: derived from the answers, never typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct AnswerCounts {
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    /// The units that answered (never more than `units`).
    pub respondents: i64,
    pub online: i64,
    pub paper: i64,
}

/// The serving firm's public reply to a comment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reply {
    pub text: String,
    /// RFC 3339.
    pub replied_at: String,
}

/// A comment as the public reads it: no unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    /// The answer's id (`comment_id` of the reply endpoint).
    pub id: String,
    pub rating: Rating,
    pub comment: String,
    /// RFC 3339.
    pub answered_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
}

/// A survey as everyone sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitSurvey {
    pub id: String,
    pub compound_id: String,
    pub period: String,
    /// RFC 3339.
    pub opens_at: String,
    pub closes_at: String,
    pub state: VoteState,
    pub state_label: String,
    /// The units that may answer (the register when the survey opened).
    pub units: i64,
    pub counts: AnswerCounts,
    /// (satisfied + basically satisfied) ÷ respondents, 4 decimals; none without answers.
    pub rate: Option<f64>,
    pub comments: Vec<Comment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// The quarter's published satisfaction survey (`GET /tenders/satisfaction`), once
    /// closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction_id: Option<String>,
}

/// The answer of the code's unit, as its owner sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OwnAnswer {
    pub channel: Channel,
    /// RFC 3339.
    pub answered_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_is_read_with_or_without_its_dash() {
        let now = 1_800_000_000_000;
        let request = |period: &str| NewUnitSurvey {
            period: period.into(),
            opens_at: clock::to_rfc3339(now),
            closes_at: clock::to_rfc3339(now + 1000),
        };
        assert_eq!(
            request("2026Q4").check(now).unwrap().period,
            Period::Quarter(2026, 4)
        );
        assert_eq!(
            request("2026-Q1").check(now).unwrap().period,
            Period::Quarter(2026, 1)
        );
        assert_eq!(
            request("2026").check(now).unwrap_err().errors[0].code,
            "invalid_quarter"
        );
    }
}
