//! What an owner sees with the code of a unit (no account): the unit, its vote or survey,
//! whether it has voted (answered) and whether it may now, and the unit's requests to
//! inspect (查阅) with their answers. A code is for one unit of one
//! vote or survey and shows that unit only.

use axum::http::StatusCode;
use serde::Serialize;
use shared::error::Problem;
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::ballots::{self, BallotVote, CodeHolder, OwnBallot, Subject};
use super::surveys::{self, OwnAnswer, UnitSurvey};
use crate::error::Result;
use crate::inspections::{self, InspectionView};

/// 404 `code_unknown`: the same answer for a mistyped code, a code of nobody, a code
/// replaced by a newer notice, or a code of another vote or survey than the request's.
pub fn code_unknown() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "code_unknown", "表决码无效").with_detail(
        "请核对通知单上的表决码（12 位字母和数字）。重新打印通知单后，旧的表决码失效。",
    )
}

/// The code's holder, or 404 `code_unknown`.
pub async fn holder(conn: &mut AnyConnection, code: &str) -> Result<CodeHolder> {
    Ok(ballots::resolve_code(conn, code)
        .await?
        .ok_or_else(code_unknown)?)
}

/// The code's holder when it is a code of `subject`, or 404 `code_unknown`.
pub async fn holder_of(
    conn: &mut AnyConnection,
    code: &str,
    subject: Subject,
) -> Result<CodeHolder> {
    let h = holder(conn, code).await?;
    if h.subject == subject {
        Ok(h)
    } else {
        Err(code_unknown().into())
    }
}

/// The unit of the code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeUnit {
    pub unit_id: String,
    pub label: String,
    pub compound_id: String,
    pub compound_name: String,
}

/// The survey of a survey code, with the unit's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnSurvey {
    pub survey: UnitSurvey,
    /// `null` until the unit answered.
    pub answer: Option<OwnAnswer>,
    pub can_answer: bool,
}

/// What the unit of a code may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnerLookup {
    pub unit: CodeUnit,
    /// The vote of a vote code (`null` for a survey code).
    pub vote: Option<BallotVote>,
    /// The unit's ballot (`null` until it voted): channel, time and whether it is counted.
    pub ballot: Option<OwnBallot>,
    pub can_vote: bool,
    /// The survey of a survey code (`null` for a vote code).
    pub survey: Option<OwnSurvey>,
    /// The unit's requests to inspect and their answers (the newest 50 by due date; the
    /// files an answer gave open with the code).
    pub inspections: Vec<InspectionView>,
}

/// The answer to `POST /tenders/owner-code`.
pub async fn lookup(conn: &mut AnyConnection, holder: &CodeHolder) -> Result<OwnerLookup> {
    let compound = super::register::compound(conn, &holder.compound_id).await?;
    let unit = |label: String| CodeUnit {
        unit_id: holder.unit_id.clone(),
        label,
        compound_id: compound.id.clone(),
        compound_name: compound.name.clone(),
    };
    let requests = inspections::of_unit(conn, &holder.compound_id, &holder.unit_id).await?;
    Ok(match holder.subject {
        Subject::Vote => {
            let (vote, ballot, can_vote) = ballots::for_owner(conn, holder).await?;
            OwnerLookup {
                unit: unit(ballots::unit_label(conn, holder).await?),
                vote: Some(vote),
                ballot,
                can_vote,
                survey: None,
                inspections: requests,
            }
        }
        Subject::Survey => {
            let (survey, answer, can_answer, label) = surveys::for_owner(conn, holder).await?;
            OwnerLookup {
                unit: unit(label),
                vote: None,
                ballot: None,
                can_vote: false,
                survey: Some(OwnSurvey {
                    survey,
                    answer,
                    can_answer,
                }),
                inspections: requests,
            }
        }
    })
}
