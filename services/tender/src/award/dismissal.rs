//! 解聘 (dismissal): the owners' decision a termination rests on. A contract is ended early
//! only on a passing owners' vote on `dismiss_firm` of the contract's compound, decided on
//! or after the contract was signed: a closed vote from ballots whose sealed result passed,
//! or a typed vote (the compound's record of a vote held on paper) that passed.

use serde::{Deserialize, Serialize};
use shared::error::FieldError;
use sqlx::{AnyConnection, Row};
use time::Date;
use utoipa::ToSchema;

use crate::clock::format_date;

/// A passing owners' decision to dismiss the firm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DismissalVote {
    pub id: String,
    /// `ballot` (a vote from ballots) or `typed` (a recorded tally).
    pub kind: String,
    /// The question or subject put to the owners.
    pub title: String,
    /// The day it was decided (closed, or held), `YYYY-MM-DD`.
    pub decided_on: String,
}

/// The passing dismissal votes of `compound_id` decided on or after `since`
/// (`YYYY-MM-DD`), the latest first.
pub async fn passing(
    conn: &mut AnyConnection,
    compound_id: &str,
    since: Date,
) -> Result<Vec<DismissalVote>, sqlx::Error> {
    let mut found = Vec::new();
    let ballots = sqlx::query(
        "SELECT id, question, closed_at, result FROM ballot_vote WHERE compound_id = $1 \
         AND matter = 'dismiss_firm' AND closed_at IS NOT NULL ORDER BY closed_at DESC",
    )
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &ballots {
        let result: Option<String> = r.try_get("result")?;
        let passed = result
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .is_some_and(|v| v["passed"] == serde_json::Value::Bool(true));
        let closed: i64 = r.try_get("closed_at")?;
        let day = shared::clock::china_date(closed);
        if passed && day >= since {
            found.push(DismissalVote {
                id: r.try_get("id")?,
                kind: "ballot".into(),
                title: r.try_get("question")?,
                decided_on: format_date(day),
            });
        }
    }
    let typed = sqlx::query(sqlx::AssertSqlSafe(concat!(
        "SELECT id, subject, held_on FROM (SELECT id, subject, held_on, matter, compound_id, ",
        shared::bool_column!("passed", "passed"),
        " FROM owners_vote) v WHERE compound_id = $1 AND matter = 'dismiss_firm' AND passed = 1 \
         AND held_on >= $2 ORDER BY held_on DESC"
    )))
    .bind(compound_id)
    .bind(format_date(since))
    .fetch_all(&mut *conn)
    .await?;
    for r in &typed {
        found.push(DismissalVote {
            id: r.try_get("id")?,
            kind: "typed".into(),
            title: r.try_get("subject")?,
            decided_on: r.try_get("held_on")?,
        });
    }
    found.sort_by(|a, b| b.decided_on.cmp(&a.decided_on));
    Ok(found)
}

/// The passing dismissal vote `vote_id` of `compound_id` decided on or after `since`, or
/// the field's refusal (`vote_id`: `vote_required`, `vote_not_passing`).
pub async fn basis(
    conn: &mut AnyConnection,
    compound_id: &str,
    since: Date,
    vote_id: &str,
) -> Result<Result<DismissalVote, FieldError>, sqlx::Error> {
    if vote_id.is_empty() {
        return Ok(Err(FieldError::new(
            "vote_id",
            "vote_required",
            "终止合同须以业主表决通过的解聘决定为依据，请选择该表决",
        )));
    }
    Ok(passing(conn, compound_id, since)
        .await?
        .into_iter()
        .find(|v| v.id == vote_id)
        .ok_or_else(|| {
            FieldError::new(
                "vote_id",
                "vote_not_passing",
                "该表决不是本小区在合同签订后通过的解聘物业服务企业的业主决定",
            )
        }))
}
