//! A vote from ballots (表决) as requested, stored and shown: the committee's request
//! ([`NewBallotVote::check`]), the stored vote ([`StoredVote`]) with its state by time, and
//! the public view ([`BallotVote`]).

use serde::{Deserialize, Serialize};
use shared::domain::RegisterCount;
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

use super::count::{BallotOption, VoteResult};
use crate::clock;
use crate::input::{refused, trimmed, trimmed_opt};
use crate::votes::VoteMatter;

/// The longest a vote may stay open: 60 days.
pub const MAX_PERIOD_MS: i64 = 60 * 24 * 3600 * 1000;

/// Where a vote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteState {
    /// Before `opens_at`: notices may be printed, nobody votes yet.
    Scheduled,
    /// From `opens_at` until `closes_at`: owners vote online, the committee records paper.
    Open,
    /// After `closes_at`, until the committee closes it: paper ballots cast in time may
    /// still be recorded; no online ballot.
    Counting,
    /// Closed by the committee: the result is computed and sealed.
    Closed,
}

impl VoteState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "未开始",
            Self::Open => "投票中",
            Self::Counting => "待计票",
            Self::Closed => "已结束",
        }
    }
}

/// A committee's request to open a vote.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewBallotVote {
    /// `choose_service_model` | `choose_firm` | `other` | `maintenance_fund` |
    /// `amend_covenant` | `dismiss_firm` | `common_parts_use` | `approve_budget`.
    pub matter: String,
    /// What is put to the owners (1–500 characters).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 500, message = "表决事项应为 1–500 个字符"))]
    pub question: String,
    /// RFC 3339.
    pub opens_at: String,
    /// RFC 3339, after `opens_at`, at most 60 days later, in the future.
    pub closes_at: String,
    /// For `choose_firm`: the tender (in evaluation) whose opened valid bids are the options.
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub tender_id: Option<String>,
}

/// A request checked field by field.
#[derive(Debug, Clone)]
pub struct ValidBallotVote {
    pub matter: VoteMatter,
    pub question: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub tender_id: Option<String>,
}

impl NewBallotVote {
    /// Every field at once: the matter, the question's length, the instants (closing after
    /// opening, in the future, at most [`MAX_PERIOD_MS`] after it), the tender for
    /// `choose_firm` only.
    pub fn check(self, now: i64) -> Result<ValidBallotVote, Problem> {
        let mut v = Validation::new();
        v.rules(&self, &["question"]);
        let matter = v.field("matter", VoteMatter::parse(&self.matter));
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
                    "表决期不能超过 60 天",
                ));
            } else if c <= now {
                v.push(FieldError::new(
                    "closes_at",
                    "closes_in_past",
                    "截止时间应晚于现在",
                ));
            }
        }
        let tender_id = self.tender_id.filter(|t| !t.is_empty());
        match (matter, &tender_id) {
            (Some(VoteMatter::ChooseFirm), None) => v.push(FieldError::new(
                "tender_id",
                "tender_required",
                "选聘物业服务企业的表决须指定已开标的招标项目",
            )),
            (Some(m), Some(_)) if m != VoteMatter::ChooseFirm => v.push(FieldError::new(
                "tender_id",
                "tender_not_for_matter",
                "只有“选聘物业服务企业”的表决可以指定招标项目",
            )),
            _ => {}
        }
        match (matter, opens_at, closes_at) {
            (Some(matter), Some(opens_at), Some(closes_at)) if v.is_empty() => {
                Ok(ValidBallotVote {
                    matter,
                    question: self.question,
                    opens_at,
                    closes_at,
                    tender_id,
                })
            }
            _ => Err(refused(v)),
        }
    }
}

/// A vote as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVote {
    pub id: String,
    pub compound_id: String,
    pub matter: VoteMatter,
    pub question: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub tender_id: Option<String>,
    pub options: Vec<BallotOption>,
    pub closed_at: Option<i64>,
    pub result: Option<VoteResult>,
}

impl StoredVote {
    /// Where the vote stands at `now`.
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

    /// The option with this id, if the vote has it.
    pub fn option(&self, id: &str) -> Option<&BallotOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

/// The register a vote is measured against: its units when the vote was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterTotals {
    pub units: u32,
    /// By head, as the SPC interpretation art. 9 counts them.
    pub owners: u32,
    /// 0.01 ㎡.
    pub area_centi: u64,
}

impl From<RegisterCount> for RegisterTotals {
    fn from(c: RegisterCount) -> Self {
        Self {
            units: c.units,
            owners: c.owners,
            area_centi: c.area_centi_m2,
        }
    }
}

/// How many units have voted so far, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Turnout {
    pub units_voted: u32,
    pub online: u32,
    pub paper: u32,
}

/// A vote as everyone sees it: never a ballot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BallotVote {
    pub id: String,
    pub compound_id: String,
    pub matter: VoteMatter,
    pub matter_label: String,
    pub question: String,
    /// RFC 3339.
    pub opens_at: String,
    pub closes_at: String,
    pub tender_id: Option<String>,
    /// The options of a `choose_firm` vote (empty otherwise).
    pub options: Vec<BallotOption>,
    pub state: VoteState,
    pub state_label: String,
    pub register: RegisterTotals,
    pub turnout: Turnout,
    /// When the committee closed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// Only once closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<VoteResult>,
}

impl BallotVote {
    pub fn of(v: &StoredVote, register: RegisterTotals, turnout: Turnout, now: i64) -> Self {
        let state = v.state(now);
        Self {
            id: v.id.clone(),
            compound_id: v.compound_id.clone(),
            matter: v.matter,
            matter_label: v.matter.label().to_string(),
            question: v.question.clone(),
            opens_at: clock::to_rfc3339(v.opens_at),
            closes_at: clock::to_rfc3339(v.closes_at),
            tender_id: v.tender_id.clone(),
            options: v.options.clone(),
            state,
            state_label: state.label().to_string(),
            register,
            turnout,
            closed_at: v.closed_at.map(clock::to_rfc3339),
            result: v.result.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(matter: &str, opens: i64, closes: i64, tender: Option<&str>) -> NewBallotVote {
        NewBallotVote {
            matter: matter.into(),
            question: "是否同意修改管理规约第三条".into(),
            opens_at: clock::to_rfc3339(opens),
            closes_at: clock::to_rfc3339(closes),
            tender_id: tender.map(str::to_string),
        }
    }

    fn codes(p: &Problem) -> Vec<(String, String)> {
        p.errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn the_period_and_the_tender_are_checked() {
        let now = 1_800_000_000_000;
        let day = 24 * 3600 * 1000;
        assert!(
            request("amend_covenant", now, now + day, None)
                .check(now)
                .is_ok()
        );
        let p = request("amend_covenant", now, now, None)
            .check(now)
            .unwrap_err();
        assert_eq!(
            codes(&p),
            [("closes_at".into(), "closes_before_opens".into())]
        );
        let p = request("other", now, now + 61 * day, Some("t"))
            .check(now)
            .unwrap_err();
        assert_eq!(
            codes(&p),
            [
                ("closes_at".into(), "period_too_long".into()),
                ("tender_id".into(), "tender_not_for_matter".into())
            ]
        );
        assert!(
            request("choose_firm", now, now + 60 * day, Some("t"))
                .check(now)
                .is_ok()
        );
        let p = request("choose_firm", now - 2 * day, now - day, None)
            .check(now)
            .unwrap_err();
        assert_eq!(p.errors.len(), 2, "{p:?}");
    }

    #[test]
    fn the_state_follows_the_clock_until_closed() {
        let mut v = StoredVote {
            id: "v".into(),
            compound_id: "c".into(),
            matter: VoteMatter::Other,
            question: "q".into(),
            opens_at: 100,
            closes_at: 200,
            tender_id: None,
            options: vec![],
            closed_at: None,
            result: None,
        };
        assert_eq!(v.state(99), VoteState::Scheduled);
        assert_eq!(v.state(100), VoteState::Open);
        assert_eq!(v.state(200), VoteState::Counting);
        v.closed_at = Some(300);
        assert_eq!(v.state(150), VoteState::Closed);
    }
}
