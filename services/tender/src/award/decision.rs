//! 定标 (the award): the committee names the winning bid, which must be the top-ranked
//! valid bid unless every bid above it is skipped with a reason (for `owners_vote`, the bid
//! a passing vote chose), and whose firm must still be recommended and have the capacity.
//! The award opens the public notice period (公示).

use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::Validate;

use super::evaluation::ranking;
use super::rank::Ranked;
use super::records::{self, Award, AwardStatus, Skipped};
use crate::audit::Actor;
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::input::{declared_item, refused, trimmed};
use crate::ocds;
use crate::roster::Refusal;
use crate::state::AppState;
use crate::tenders::change::record_change;
use crate::tenders::tender::{Tender, not_in_evaluation};
use crate::tenders::view::TenderView;
use crate::terms::{EvaluationMethod, TenderStatus};

/// A higher-ranked bid passed over.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SkipInput {
    pub bid_id: String,
    /// Required, 2–500 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(
        min = 2,
        max = 500,
        message = "跳过排名在前的投标须说明理由（2–500 个字符）"
    ))]
    pub reason: String,
}

/// The award decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AwardInput {
    /// The winning bid: the top-ranked one, unless those above it are skipped.
    pub bid_id: String,
    /// Every bid ranked above the winner, each with a reason.
    #[serde(default)]
    pub skipped: Vec<SkipInput>,
}

/// An award decision checked against the ranking.
#[derive(Debug, Clone)]
pub struct Decision {
    pub winner: Ranked,
    pub ranking: Vec<Ranked>,
    pub skipped: Vec<Skipped>,
    /// The owners' vote it rests on (`owners_vote`).
    pub vote_id: Option<String>,
}

impl AwardInput {
    /// Checks the decision against `t`'s ranking as it stands (`t` in evaluation).
    pub async fn decide(&self, conn: &mut AnyConnection, t: &Tender) -> Result<Decision> {
        if t.status != TenderStatus::Evaluation {
            return Err(not_in_evaluation().into());
        }
        let (ranked, vote_id) = ranking(conn, t).await?;
        let winner = ranked
            .iter()
            .find(|r| r.bid_id == self.bid_id)
            .cloned()
            .ok_or_else(|| {
                Problem::validation(vec![FieldError::new(
                    "bid_id",
                    "unknown_bid",
                    "不是本项目的有效投标",
                )])
            })?;
        if t.terms.evaluation.method == EvaluationMethod::OwnersVote && !winner.chosen_by_vote {
            if vote_id.is_none() && crate::votes::typed_vote_passed(conn, &t.id).await? {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "vote_not_from_ballots",
                    "业主表决未经名册核验",
                )
                .with_detail(
                    "录入的表决结果（未经名册核验）不能作为定标依据：请按业主名册发起表决，由业主逐户投票，结束计票后再定标。",
                )
                .into());
            }
            return Err(Problem::conflict(
                "vote_required",
                "本项目按业主表决定标：需要已结束计票、选定该投标并获通过的业主表决（按业主名册逐户投票）。",
            )
            .into());
        }
        let mut v = Validation::new();
        let mut skipped = Vec::new();
        for (i, s) in self.skipped.iter().enumerate() {
            match ranked.iter().find(|r| r.bid_id == s.bid_id) {
                Some(r) if r.rank < winner.rank => {
                    declared_item(&mut v, &format!("skipped[{i}]"), s);
                    skipped.push(Skipped {
                        bid_id: r.bid_id.clone(),
                        firm_name: r.firm_name.clone(),
                        reason: s.reason.clone(),
                    });
                }
                _ => v.push(FieldError::new(
                    format!("skipped[{i}].bid_id"),
                    "not_above_winner",
                    "只能跳过排名在中标投标之前的有效投标",
                )),
            }
        }
        for r in ranked.iter().filter(|r| r.rank < winner.rank) {
            if !self.skipped.iter().any(|s| s.bid_id == r.bid_id) {
                v.push(FieldError::new(
                    "skipped",
                    "unexplained_skip",
                    format!(
                        "{}排名第 {}，在所选投标之前；跳过须说明理由",
                        r.firm_name, r.rank
                    ),
                ));
            }
        }
        if !v.is_empty() {
            return Err(refused(v).into());
        }
        Ok(Decision {
            winner,
            ranking: ranked,
            skipped,
            vote_id,
        })
    }
}

/// A winner that may not be awarded: 422 with the reason's code.
fn ineligible(r: Refusal, winner: &Ranked) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        r.code,
        "中标候选企业不符合条件",
    )
    .with_detail(format!(
        "{}不能定标给{}；如需定标给其他投标人，请说明理由跳过它。",
        r.message, winner.firm_name
    ))
}

/// Before the award's transaction: the winner's standing now, by the followed copy and
/// then by the catalog itself (an HTTP call, so outside the transaction; 503 when the
/// catalog cannot be asked).
pub async fn check_standing(app: &AppState, winner: &Ranked) -> Result<()> {
    let copy = {
        let mut conn = app.db.pool.acquire().await?;
        crate::replica::firm(&mut conn, &winner.firm_id).await?
    };
    let verdict = match copy {
        Some(f) => crate::roster::firm_may_bid(&f, china_today()),
        None => Err(Refusal {
            code: "firm_not_recommended",
            message: "平台没有该企业的名录信息。".into(),
        }),
    };
    let verdict = match verdict {
        Ok(()) => app.catalog.firm_may_be_awarded(&winner.firm_id).await?,
        refused => refused,
    };
    verdict.map_err(|r| ineligible(r, winner).into())
}

/// Inside the award transaction (after the feed-head lock, so no other award or contract
/// can slip in between): the winner must still have capacity for the compound, counting
/// what it holds on the platform now (cumulative capacity, `roster::capacity_refusal`).
async fn check_capacity(tx: &mut WriteTx, t: &Tender, winner: &Ranked) -> Result<()> {
    let (Some(firm), Some(compound)) = (
        crate::replica::firm(tx.conn(), &winner.firm_id).await?,
        crate::replica::compound(tx.conn(), &t.compound_id).await?,
    ) else {
        return Err(Problem::conflict(
            "catalog_copy_missing",
            "平台暂缺该企业或小区的名录信息，请稍后再试。",
        )
        .into());
    };
    let held =
        records::households_on_platform(tx.conn(), &firm.id, &compound.id, china_today()).await?;
    match crate::roster::capacity_refusal(&firm, &compound, held) {
        None => Ok(()),
        Some(r) => Err(ineligible(r, winner).into()),
    }
}

/// Awards `t` as `input` decides, inside the transaction: decided again against the
/// ranking as it is now, the winner's capacity checked, the award stored in notice until
/// the configured notice period ends; the tender becomes `awarded`.
pub async fn award(
    tx: &mut WriteTx,
    mut t: Tender,
    input: &AwardInput,
    identity: &Identity,
    app: &AppState,
) -> Result<TenderView> {
    let d = input.decide(tx.conn(), &t).await?;
    check_capacity(tx, &t, &d.winner).await?;
    let now = now_ms();
    let notice_ends = now.saturating_add(app.policy.notice_period_ms());
    let a = Award {
        id: new_id(),
        tender_id: t.id.clone(),
        bid_id: d.winner.bid_id.clone(),
        firm_id: d.winner.firm_id.clone(),
        firm_name: d.winner.firm_name.clone(),
        fee: d.winner.fee,
        annual_price_fen: d.winner.annual_price_fen,
        ranking: d.ranking,
        skipped: d.skipped,
        vote_id: d.vote_id,
        awarded_at: to_rfc3339(now),
        notice_ends_at: to_rfc3339(notice_ends),
        status: AwardStatus::InNotice,
        revoked_at: None,
        revoked_reason: None,
    };
    records::insert(tx.conn(), &a, &identity.account_id, now, notice_ends).await?;
    t.status = TenderStatus::Awarded;
    t.updated_at = now;
    crate::tenders::store::update(tx.conn(), &t).await?;
    let view = record_change(
        tx,
        &t,
        "awarded",
        &Actor::from(identity),
        &serde_json::json!({ "award_id": a.id, "bid_id": a.bid_id, "skipped": a.skipped }),
    )
    .await?;
    ocds::release(tx.conn(), &app.policy, &t.id, &[ocds::tag::AWARD], None).await?;
    Ok(view)
}
