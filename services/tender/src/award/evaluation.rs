//! 评标 (evaluation): the ranking of a tender's valid opened bids by its method, and the
//! committee's scores of a rated evaluation.

use std::collections::BTreeMap;

use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::rank::{self, Candidate, Ranked, Scores};
use crate::audit;
use crate::error::Result;
use crate::input::refused;
use crate::tenders::tender::Tender;
use crate::terms::{Criterion, EvaluationMethod};

/// The valid opened bids of a tender, in the order they were received.
pub async fn candidates(conn: &mut AnyConnection, tender_id: &str) -> Result<Vec<Candidate>> {
    let rows = sqlx::query(
        "SELECT id, firm_id, firm_name, fee, annual_price_fen FROM bid \
         WHERE tender_id = $1 AND status = 'opened' ORDER BY updated_at, id",
    )
    .bind(tender_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                bid_id: r.try_get("id")?,
                firm_id: r.try_get("firm_id")?,
                firm_name: r.try_get("firm_name")?,
                fee: r.try_get("fee")?,
                annual_price_fen: r.try_get("annual_price_fen")?,
            })
        })
        .collect()
}

/// The ranking by the tender's evaluation method, each bid flagged `above_budget` when its
/// annual price exceeds the tender's budget, and the vote it rests on (`owners_vote`: the
/// latest closed, passed `choose_firm` vote from ballots of the tender).
pub async fn ranking(
    conn: &mut AnyConnection,
    t: &Tender,
) -> Result<(Vec<Ranked>, Option<String>)> {
    let list = candidates(conn, &t.id).await?;
    let evaluation = &t.terms.evaluation;
    let (mut ranked, vote) = match evaluation.method {
        EvaluationMethod::PriceOnly => (rank::rank_price_only(&list), None),
        EvaluationMethod::OwnersVote => {
            // Only a closed, passed vote from ballots counts (never a typed tally).
            let vote = crate::owners::ballots::passing_firm_vote(conn, &t.id).await?;
            let chosen = vote.as_ref().map(|(_, bid)| bid.as_str());
            (rank::rank_by_vote(&list, chosen), vote.map(|(v, _)| v))
        }
        EvaluationMethod::Rated => {
            let scores = stored_scores(conn, &t.id).await?.unwrap_or_default();
            let ranked = rank::rank_rated(
                &list,
                evaluation.price_weight.unwrap_or(0),
                &evaluation.criteria,
                &scores,
            )
            .map_err(|missing| {
                Problem::conflict(
                    "scores_missing",
                    format!("评分尚未完成：{}。", missing.join("；")),
                )
            })?;
            (ranked, None)
        }
    };
    let budget = t.terms.annual_budget.get();
    for r in &mut ranked {
        r.above_budget = r.annual_price_fen > budget;
    }
    Ok((ranked, vote))
}

async fn stored_scores(conn: &mut AnyConnection, tender_id: &str) -> Result<Option<Scores>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT scores FROM tender_scores WHERE tender_id = $1")
            .bind(tender_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(stored
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| anyhow::anyhow!("tender {tender_id}: stored scores: {e}"))?)
}

/// One bid's points per criterion.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BidScores {
    pub bid_id: String,
    /// `{criterion name: points}`, each 0 to the criterion's weight.
    pub points: BTreeMap<String, i64>,
}

/// The committee's scores of a rated evaluation: every valid bid, every criterion.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoresInput {
    pub scores: Vec<BidScores>,
}

impl ScoresInput {
    /// The scores as points per criterion per bid: every valid bid (`candidates`) scored
    /// once, on every criterion and nothing else, each within its weight. Every problem at
    /// once.
    pub fn check(
        &self,
        criteria: &[Criterion],
        candidates: &[Candidate],
    ) -> std::result::Result<Scores, Problem> {
        let mut v = Validation::new();
        let mut scores = Scores::new();
        for (i, s) in self.scores.iter().enumerate() {
            if !candidates.iter().any(|c| c.bid_id == s.bid_id) {
                v.push(FieldError::new(
                    format!("scores[{i}].bid_id"),
                    "unknown_bid",
                    "不是本项目的有效投标",
                ));
                continue;
            }
            if scores.contains_key(&s.bid_id) {
                v.push(FieldError::new(
                    format!("scores[{i}].bid_id"),
                    "duplicate",
                    "同一投标只能评分一次",
                ));
                continue;
            }
            let mut points = BTreeMap::new();
            for (name, p) in &s.points {
                let field = format!("scores[{i}].points.{name}");
                match criteria.iter().find(|k| &k.name == name) {
                    None => v.push(FieldError::new(
                        field,
                        "unknown_criterion",
                        "招标文件中没有这个评分项",
                    )),
                    Some(k) => match u32::try_from(*p) {
                        Ok(p) if p <= k.weight => {
                            points.insert(name.clone(), p);
                        }
                        _ => v.push(FieldError::new(
                            field,
                            "range",
                            format!("得分应在 0–{} 之间", k.weight),
                        )),
                    },
                }
            }
            for k in criteria {
                if !s.points.contains_key(&k.name) {
                    v.push(FieldError::new(
                        format!("scores[{i}].points"),
                        "missing_score",
                        format!("缺少评分项“{}”的得分", k.name),
                    ));
                }
            }
            scores.insert(s.bid_id.clone(), points);
        }
        for c in candidates {
            if !self.scores.iter().any(|s| s.bid_id == c.bid_id) {
                v.push(FieldError::new(
                    "scores",
                    "missing_bid",
                    format!("缺少对{}的评分", c.firm_name),
                ));
            }
        }
        if v.is_empty() {
            Ok(scores)
        } else {
            Err(refused(v))
        }
    }
}

/// Records (or replaces) the committee's scores of `t`, a rated evaluation (409
/// `not_rated` otherwise); answers the ranking they make.
pub async fn score(
    tx: &mut WriteTx,
    t: &Tender,
    input: &ScoresInput,
    identity: &Identity,
) -> Result<Vec<Ranked>> {
    if t.terms.evaluation.method != EvaluationMethod::Rated {
        return Err(Problem::conflict("not_rated", "该项目不采用综合评分法，无需评分。").into());
    }
    let list = candidates(tx.conn(), &t.id).await?;
    let scores = input.check(&t.terms.evaluation.criteria, &list)?;
    sqlx::query(
        "INSERT INTO tender_scores (tender_id, scores, scored_by, scored_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tender_id) DO UPDATE SET scores = excluded.scores, scored_by = excluded.scored_by, \
         scored_at = excluded.scored_at",
    )
    .bind(&t.id)
    .bind(serde_json::to_string(&scores).map_err(anyhow::Error::from)?)
    .bind(&identity.account_id)
    .bind(now_ms())
    .execute(&mut *tx.conn())
    .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("tender", &t.id),
        Some(&t.id),
        ("scored", false),
        &scores,
    )
    .await?;
    Ok(ranking(tx.conn(), t).await?.0)
}
