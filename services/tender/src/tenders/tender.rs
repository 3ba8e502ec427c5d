//! A tender (招标项目) as the service keeps it, and the rules that decide what may happen to
//! it next: who sees it, whether it takes bids and questions, and which committee step its
//! status admits.

use shared::auth::Identity;
use shared::error::Problem;

use crate::terms::{TenderStatus, Terms};

/// A tender as stored: its compound (copied from the catalog when it was drafted), its
/// title and checked [`Terms`], and where it is in its life.
#[derive(Debug, Clone)]
pub struct Tender {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub title: String,
    pub status: TenderStatus,
    pub terms: Terms,
    /// Bumped whenever the terms change while open.
    pub terms_version: i64,
    pub cancel_reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

impl Tender {
    /// Bids are accepted: open and before the deadline.
    pub fn accepting_bids(&self, now: i64) -> bool {
        self.status == TenderStatus::Open && now < self.terms.bid_deadline
    }

    /// Questions are accepted: open and before the enquiry deadline.
    pub fn accepting_questions(&self, now: i64) -> bool {
        self.status == TenderStatus::Open && now < self.terms.enquiry_deadline
    }

    /// Whether the caller may see it: everyone once published; a draft only its own
    /// committee and the association.
    pub fn visible_to(&self, identity: Option<&Identity>) -> bool {
        self.status != TenderStatus::Draft
            || identity.is_some_and(|i| i.oversees_compound(&self.compound_id))
    }
}

/// A step a compound's committee takes on its own tender, each admitted in some statuses
/// only (see [`Step::admits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Change the terms: a draft, or an open tender before its bid deadline.
    Revise,
    /// Publish a draft (草稿 → 招标中).
    OpenForBids,
    /// Cancel (终止): until it has ended.
    Cancel,
    /// Score the bids of a rated evaluation: in evaluation.
    Score,
    /// Award (定标): in evaluation.
    Award,
    /// Record the signed contract: awarded.
    SignContract,
    /// Invite a firm to bid: open, before the bid deadline.
    Invite,
}

impl Step {
    /// `Ok` when a tender in `t`'s state at `now` admits the step, else the 409 that says why.
    pub fn admits(self, t: &Tender, now: i64) -> Result<(), Problem> {
        let ok = match self {
            Step::Revise => {
                t.status == TenderStatus::Draft
                    || (t.status == TenderStatus::Open && now < t.terms.bid_deadline)
            }
            Step::OpenForBids => t.status == TenderStatus::Draft,
            Step::Cancel => !t.status.is_final(),
            Step::Score | Step::Award => t.status == TenderStatus::Evaluation,
            Step::SignContract => t.status == TenderStatus::Awarded,
            Step::Invite => t.accepting_bids(now),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Step::Revise => Problem::conflict(
                "tender_not_editable",
                "只有草稿或投标截止前的招标项目可以修改。",
            ),
            Step::OpenForBids => Problem::conflict("tender_not_draft", "只有草稿可以发布。"),
            Step::Cancel => Problem::conflict(
                "tender_closed",
                format!("该招标项目已{}，不能终止。", t.status.label()),
            ),
            Step::Score | Step::Award => not_in_evaluation(),
            Step::SignContract => not_awarded(),
            Step::Invite => Problem::conflict(
                "tender_not_open",
                format!(
                    "只能为招标中且投标未截止的项目邀请企业（该项目{}）。",
                    t.status.label()
                ),
            ),
        })
    }
}

/// The one answer for a tender that does not exist or that the caller may not see.
pub fn not_found() -> Problem {
    Problem::not_found("没有这个招标项目。")
}

/// The one answer about bids before opening, whoever asks and however many bids exist.
pub fn sealed() -> Problem {
    Problem::conflict(
        "bids_sealed",
        "投标文件在开标前密封，任何人（包括招标人和协会）都不能查看。",
    )
}

/// A step that needs the tender in evaluation, on a tender that is not.
pub fn not_in_evaluation() -> Problem {
    Problem::conflict("tender_not_in_evaluation", "该招标项目不在评标阶段。")
}

/// Signing on a tender without an award in notice.
pub fn not_awarded() -> Problem {
    Problem::conflict("tender_not_awarded", "只有已定标的项目可以签订合同。")
}
