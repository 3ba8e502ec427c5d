//! Evaluation, award, notice, complaints and contracts (see [`crate::award`]).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{new_id, now_ms};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{self, Page, PageQuery, Query};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::award::{
    self, Award, AwardStatus, Candidate, Complaint, Contract, ContractStatus, Ranked, Scores,
    Skipped,
};
use crate::clock::{self, to_rfc3339};
use crate::error::Result;
use crate::ocds;
use crate::routes::tenders::{own_tender, visible_tender};
use crate::state::AppState;
use crate::tenders::{self, Tender, load_current, not_found};
use crate::terms::{EvaluationMethod, TenderStatus};

#[derive(OpenApi)]
#[openapi(
    paths(
        put_scores,
        get_ranking,
        award_tender,
        list_awards,
        lodge_complaint,
        list_complaints,
        answer_complaint,
        sign_contract,
        list_contracts,
        get_contract,
        terminate_contract
    ),
    components(schemas(
        Award,
        AwardStatus,
        Ranked,
        Skipped,
        Complaint,
        Contract,
        ContractStatus,
        ScoresInput,
        BidScores,
        AwardInput,
        SkipInput,
        NewComplaint,
        ComplaintAnswer,
        NewContract,
        Termination
    ))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{id}/scores", put(put_scores))
        .route("/{id}/ranking", get(get_ranking))
        .route("/{id}/award", post(award_tender))
        .route("/{id}/awards", get(list_awards))
        .route(
            "/{id}/complaints",
            get(list_complaints).post(lodge_complaint),
        )
        .route("/{id}/complaints/{cid}/answer", post(answer_complaint))
        .route("/{id}/contract", post(sign_contract))
        .route("/contracts", get(list_contracts))
        .route("/contracts/{cid}", get(get_contract))
        .route("/contracts/{cid}/terminate", post(terminate_contract))
}

/// The valid opened bids of a tender, in the order they were received.
async fn candidates(conn: &mut AnyConnection, tender_id: &str) -> Result<Vec<Candidate>> {
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

/// The latest passing owners' vote choosing a bid of this tender: `(vote id, bid id)`.
async fn passing_vote(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, chosen_bid_id FROM owners_vote WHERE tender_id = $1 AND matter = 'choose_firm' \
         AND passed = $2 AND chosen_bid_id IS NOT NULL ORDER BY recorded_at DESC, id DESC LIMIT 1",
    )
    .bind(tender_id)
    .bind(true)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The ranking by the tender's evaluation method, and the vote it rests on.
async fn ranking(conn: &mut AnyConnection, t: &Tender) -> Result<(Vec<Ranked>, Option<String>)> {
    let (mut list, vote) = ranking_only(conn, t).await?;
    for r in &mut list {
        r.above_budget = r.annual_price_fen > t.annual_budget_fen;
    }
    Ok((list, vote))
}

/// [`ranking`] without the budget flags.
async fn ranking_only(
    conn: &mut AnyConnection,
    t: &Tender,
) -> Result<(Vec<Ranked>, Option<String>)> {
    let list = candidates(conn, &t.id).await?;
    match t.evaluation.method {
        EvaluationMethod::PriceOnly => Ok((award::rank_price_only(&list), None)),
        EvaluationMethod::OwnersVote => {
            let vote = passing_vote(conn, &t.id).await?;
            let chosen = vote.as_ref().map(|(_, bid)| bid.as_str());
            Ok((award::rank_by_vote(&list, chosen), vote.map(|(v, _)| v)))
        }
        EvaluationMethod::Rated => {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT scores FROM tender_scores WHERE tender_id = $1")
                    .bind(&t.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let scores: Scores = stored
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(anyhow::Error::from)?
                .unwrap_or_default();
            award::rank_rated(
                &list,
                t.evaluation.price_weight.unwrap_or(0),
                &t.evaluation.criteria,
                &scores,
            )
            .map(|r| (r, None))
            .map_err(|missing| {
                Problem::conflict(
                    "scores_missing",
                    format!("评分尚未完成：{}。", missing.join("；")),
                )
                .into()
            })
        }
    }
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

/// Records (or replaces) the committee's scores of a rated evaluation. Role: committee of
/// the compound; while in evaluation.
#[utoipa::path(put, path = "/tenders/{id}/scores", tag = "award", request_body = ScoresInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Ranked>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_scores(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<ScoresInput>,
) -> Result<Json<Vec<Ranked>>> {
    load_current(&app, &id).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = own_tender(tx.conn(), &id, &identity).await?;
    if t.status != TenderStatus::Evaluation {
        return Err(not_in_evaluation().into());
    }
    if t.evaluation.method != EvaluationMethod::Rated {
        return Err(Problem::conflict("not_rated", "该项目不采用综合评分法，无需评分。").into());
    }
    let list = candidates(tx.conn(), &t.id).await?;
    let mut v = Validation::new();
    let mut scores = Scores::new();
    for (i, s) in dto.scores.iter().enumerate() {
        if !list.iter().any(|c| c.bid_id == s.bid_id) {
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
            match t.evaluation.criteria.iter().find(|k| &k.name == name) {
                None => v.push(FieldError::new(
                    format!("scores[{i}].points.{name}"),
                    "unknown_criterion",
                    "招标文件中没有这个评分项",
                )),
                Some(k) if *p < 0 || *p > i64::from(k.weight) => v.push(FieldError::new(
                    format!("scores[{i}].points.{name}"),
                    "range",
                    format!("得分应在 0–{} 之间", k.weight),
                )),
                Some(_) => {
                    points.insert(name.clone(), *p as u32);
                }
            }
        }
        for k in &t.evaluation.criteria {
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
    for c in &list {
        if !dto.scores.iter().any(|s| s.bid_id == c.bid_id) {
            v.push(FieldError::new(
                "scores",
                "missing_bid",
                format!("缺少对{}的评分", c.firm_name),
            ));
        }
    }
    v.finish()?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO tender_scores (tender_id, scores, scored_by, scored_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tender_id) DO UPDATE SET scores = excluded.scores, scored_by = excluded.scored_by, \
         scored_at = excluded.scored_at",
    )
    .bind(&t.id)
    .bind(serde_json::to_string(&scores).map_err(anyhow::Error::from)?)
    .bind(&identity.account_id)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "tender",
            entity_id: &t.id,
            tender_id: Some(&t.id),
            action: "scored",
            sealed: false,
            detail: &scores,
        },
    )
    .await?;
    let (ranked, _) = ranking(tx.conn(), &t).await?;
    tx.commit().await?;
    Ok(Json(ranked))
}

fn not_in_evaluation() -> Problem {
    Problem::conflict("tender_not_in_evaluation", "该招标项目不在评标阶段。")
}

/// The ranking. During evaluation: the compound's committee and the association (scores
/// may still change); once awarded: everyone (the ranking the award was made on).
#[utoipa::path(get, path = "/tenders/{id}/ranking", tag = "award",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Ranked>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn get_ranking(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Ranked>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    match t.status {
        TenderStatus::Evaluation => {
            let insider = identity.as_ref().is_some_and(|i| {
                i.role == Role::Association || i.require_compound(&t.compound_id).is_ok()
            });
            if !insider {
                return Err(Problem::forbidden("评标结果在定标公示时公开。").into());
            }
            Ok(Json(ranking(&mut conn, &t).await?.0))
        }
        _ => match award::current(&mut conn, &t.id).await? {
            Some(a) => Ok(Json(a.view.ranking)),
            None if t.opened_at.is_none() => Err(crate::routes::tenders::sealed().into()),
            None => Err(Problem::conflict("no_ranking", "该项目没有评标结果。").into()),
        },
    }
}

/// A higher-ranked bid passed over.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SkipInput {
    pub bid_id: String,
    /// Required, 2–500 characters.
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

/// Awards the tender (定标) and opens the public notice period. Role: committee of the
/// compound; in evaluation. The winner must be the top-ranked valid bid, unless every bid
/// above it is skipped with a reason; for `owners_vote` it must be the bid a passing vote
/// chose. The winner's standing is re-checked (followed copy, and the catalog itself):
/// a firm no longer recommended is refused with the reason's code; so is a firm whose
/// capacity no longer suffices (422 `capacity_exceeded`, checked inside the transaction,
/// counting its contracts and awards on the platform). Each ranked bid carries
/// `above_budget` (超出预算) when its annual price exceeds the tender's budget.
#[utoipa::path(post, path = "/tenders/{id}/award", tag = "award", request_body = AwardInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = crate::tenders::TenderView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem)))]
pub async fn award_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<AwardInput>,
) -> Result<Json<crate::tenders::TenderView>> {
    load_current(&app, &id).await?;
    let (winner, firm_id) = {
        let mut conn = app.db.pool.acquire().await?;
        let t = own_tender(&mut conn, &id, &identity).await?;
        let (winner, _) = decide(&mut conn, &t, &dto).await?;
        let firm = winner.firm_id.clone();
        (winner, firm)
    };
    // Standing now: the followed copy, then the catalog itself (outside the transaction).
    {
        let mut conn = app.db.pool.acquire().await?;
        let copy = crate::replica::firm(&mut conn, &firm_id).await?;
        let verdict = match copy {
            Some(f) => crate::roster::firm_may_bid(&f, clock::today()),
            None => Err(crate::roster::Refusal {
                code: "firm_not_recommended",
                message: "平台没有该企业的名录信息。".into(),
            }),
        };
        let verdict = match verdict {
            Ok(()) => app.catalog.firm_may_be_awarded(&firm_id).await?,
            refused => refused,
        };
        if let Err(r) = verdict {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                r.code,
                "中标候选企业不符合条件",
            )
            .with_detail(format!(
                "{}不能定标给{}；如需定标给其他投标人，请说明理由跳过它。",
                r.message, winner.firm_name
            ))
            .into());
        }
    }

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = own_tender(tx.conn(), &id, &identity).await?;
    let (winner, (ranked, skipped, vote_id)) = decide(tx.conn(), &t, &dto).await?;
    check_capacity(&mut tx, &t, &winner).await?;
    let now = now_ms();
    let notice_ends = now.saturating_add(app.policy.notice_period_ms());
    let a = Award {
        id: new_id(),
        tender_id: t.id.clone(),
        bid_id: winner.bid_id.clone(),
        firm_id: winner.firm_id.clone(),
        firm_name: winner.firm_name.clone(),
        fee: winner.fee,
        annual_price_fen: winner.annual_price_fen,
        ranking: ranked,
        skipped,
        vote_id,
        awarded_at: to_rfc3339(now),
        notice_ends_at: to_rfc3339(notice_ends),
        status: AwardStatus::InNotice,
        revoked_at: None,
        revoked_reason: None,
    };
    award::insert(tx.conn(), &a, &identity.account_id, now, notice_ends).await?;
    t.status = TenderStatus::Awarded;
    t.updated_at = now;
    tenders::update(tx.conn(), &t).await?;
    let view = tenders::publish_change(
        &mut tx,
        &t,
        "awarded",
        &Actor::from(&identity),
        &serde_json::json!({ "award_id": a.id, "bid_id": a.bid_id, "skipped": a.skipped }),
    )
    .await?;
    ocds::publish(tx.conn(), &app.policy, &t.id, &[ocds::tag::AWARD], None).await?;
    tx.commit().await?;
    Ok(Json(view))
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
        award::households_on_platform(tx.conn(), &firm.id, &compound.id, clock::today()).await?;
    match crate::roster::capacity_refusal(&firm, &compound, held) {
        None => Ok(()),
        Some(r) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            r.code,
            "中标候选企业不符合条件",
        )
        .with_detail(format!(
            "{}不能定标给{}；如需定标给其他投标人，请说明理由跳过它。",
            r.message, winner.firm_name
        ))
        .into()),
    }
}

type Decision = (Ranked, (Vec<Ranked>, Vec<Skipped>, Option<String>));

/// Checks an award decision against the ranking; returns the winner, the ranking, the
/// skipped bids and the vote.
async fn decide(conn: &mut AnyConnection, t: &Tender, dto: &AwardInput) -> Result<Decision> {
    if t.status != TenderStatus::Evaluation {
        return Err(not_in_evaluation().into());
    }
    let (ranked, vote_id) = ranking(conn, t).await?;
    let winner = ranked
        .iter()
        .find(|r| r.bid_id == dto.bid_id)
        .cloned()
        .ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "bid_id",
                "unknown_bid",
                "不是本项目的有效投标",
            )])
        })?;
    if t.evaluation.method == EvaluationMethod::OwnersVote && !winner.chosen_by_vote {
        return Err(Problem::conflict(
            "vote_required",
            "本项目按业主表决定标：需要先录入选定该投标的、已通过的业主共同决定。",
        )
        .into());
    }
    let mut v = Validation::new();
    let mut skipped = Vec::new();
    for (i, s) in dto.skipped.iter().enumerate() {
        let reason = s.reason.trim();
        match ranked.iter().find(|r| r.bid_id == s.bid_id) {
            Some(r) if r.rank < winner.rank => {
                if !(2..=500).contains(&reason.chars().count()) {
                    v.push(FieldError::new(
                        format!("skipped[{i}].reason"),
                        "length",
                        "跳过排名在前的投标须说明理由（2–500 个字符）",
                    ));
                }
                skipped.push(Skipped {
                    bid_id: r.bid_id.clone(),
                    firm_name: r.firm_name.clone(),
                    reason: reason.to_string(),
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
        if !dto.skipped.iter().any(|s| s.bid_id == r.bid_id) {
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
    v.finish()?;
    Ok((winner, (ranked, skipped, vote_id)))
}

/// Every award of a tender, newest first, including revoked ones. Public once awarded.
#[utoipa::path(get, path = "/tenders/{id}/awards", tag = "award",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Award>), (status = 404, body = Problem)))]
pub async fn list_awards(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Award>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(award::all_of(&mut conn, &t.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComplaint {
    /// 5–5000 characters.
    pub grounds: String,
}

/// Lodges a complaint (质疑) about the award during the notice period. Role: a firm that
/// bid in this tender.
#[utoipa::path(post, path = "/tenders/{id}/complaints", tag = "award", request_body = NewComplaint,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn lodge_complaint(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<NewComplaint>,
) -> Result<(StatusCode, Json<Complaint>)> {
    let firm_id = match (&identity.role, &identity.scope) {
        (Role::Firm, Scope::Firm(f)) => f.clone(),
        _ => return Err(Problem::forbidden("只有本项目的投标人可以提出质疑。").into()),
    };
    let grounds = dto.grounds.trim().to_string();
    if !(5..=5000).contains(&grounds.chars().count()) {
        return Err(Problem::validation(vec![FieldError::new(
            "grounds",
            "length",
            "质疑理由应为 5–5000 个字符",
        )])
        .into());
    }
    visible_tender(&app, &id, Some(&identity)).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = tenders::load(tx.conn(), &id).await?.ok_or_else(not_found)?;
    let firm_name: Option<String> = sqlx::query_scalar(
        "SELECT firm_name FROM bid WHERE tender_id = $1 AND firm_id = $2 AND status IN ('opened', 'invalid')",
    )
    .bind(&t.id)
    .bind(&firm_id)
    .fetch_optional(&mut *tx.conn())
    .await?;
    let Some(firm_name) = firm_name else {
        return Err(Problem::forbidden("只有本项目的投标人可以提出质疑。").into());
    };
    let now = now_ms();
    let current = award::current(tx.conn(), &t.id).await?;
    let award = match current {
        Some(a) if t.status == TenderStatus::Awarded && now < a.notice_ends_at_ms => a,
        _ => {
            return Err(Problem::conflict("not_in_notice", "只能在定标公示期内提出质疑。").into());
        }
    };
    let c = Complaint {
        id: new_id(),
        tender_id: t.id.clone(),
        award_id: award.view.id.clone(),
        firm_id,
        firm_name,
        grounds,
        lodged_at: to_rfc3339(now),
        answer: None,
        upheld: None,
        answered_at: None,
    };
    sqlx::query(
        "INSERT INTO complaint (id, tender_id, award_id, firm_id, firm_name, grounds, lodged_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&c.id)
    .bind(&c.tender_id)
    .bind(&c.award_id)
    .bind(&c.firm_id)
    .bind(&c.firm_name)
    .bind(&c.grounds)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    tx.emit("complaint", &c.id, "lodged", &c).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "complaint",
            entity_id: &c.id,
            tender_id: Some(&t.id),
            action: "lodged",
            sealed: false,
            detail: &c,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The complaints about a tender's awards and their answers. Public.
#[utoipa::path(get, path = "/tenders/{id}/complaints", tag = "award",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Complaint>), (status = 404, body = Problem)))]
pub async fn list_complaints(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Complaint>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(award::complaints(&mut conn, &t.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintAnswer {
    /// Whether the complaint is upheld: an upheld complaint revokes the award and reopens
    /// evaluation.
    pub upheld: bool,
    /// 2–5000 characters.
    pub answer: String,
}

/// Answers a complaint. Role: committee of the compound, or the association.
#[utoipa::path(post, path = "/tenders/{id}/complaints/{cid}/answer", tag = "award",
    request_body = ComplaintAnswer,
    params(("id" = String, Path, description = "tender id"), ("cid" = String, Path, description = "complaint id")),
    responses((status = 200, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_complaint(
    State(app): State<AppState>,
    identity: Identity,
    Path((id, cid)): Path<(String, String)>,
    extract::Json(dto): extract::Json<ComplaintAnswer>,
) -> Result<Json<Complaint>> {
    let answer = dto.answer.trim().to_string();
    if !(2..=5000).contains(&answer.chars().count()) {
        return Err(Problem::validation(vec![FieldError::new(
            "answer",
            "length",
            "答复应为 2–5000 个字符",
        )])
        .into());
    }
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    if !(identity.role == Role::Association || identity.require_compound(&t.compound_id).is_ok()) {
        return Err(Problem::forbidden("只有招标小区自治组织或协会可以答复质疑。").into());
    }
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = tenders::load(tx.conn(), &id).await?.ok_or_else(not_found)?;
    let c = award::complaint(tx.conn(), &t.id, &cid)
        .await?
        .ok_or_else(|| Problem::not_found("没有这条质疑。"))?;
    if c.answer.is_some() {
        return Err(Problem::conflict("already_answered", "该质疑已答复。").into());
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE complaint SET answer = $2, upheld = $3, answered_by = $4, answered_at = $5 WHERE id = $1",
    )
    .bind(&c.id)
    .bind(&answer)
    .bind(dto.upheld)
    .bind(&identity.account_id)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    let current = award::current(tx.conn(), &t.id).await?;
    if dto.upheld
        && t.status == TenderStatus::Awarded
        && current.as_ref().is_some_and(|a| a.view.id == c.award_id)
    {
        sqlx::query(
            "UPDATE award SET status = 'revoked', revoked_at = $2, revoked_reason = $3 WHERE id = $1",
        )
        .bind(&c.award_id)
        .bind(now)
        .bind(format!("质疑成立：{answer}"))
        .execute(&mut *tx.conn())
        .await?;
        t.status = TenderStatus::Evaluation;
        t.updated_at = now;
        tenders::update(tx.conn(), &t).await?;
        tenders::publish_change(
            &mut tx,
            &t,
            "award_revoked",
            &Actor::from(&identity),
            &serde_json::json!({ "award_id": c.award_id, "complaint_id": c.id }),
        )
        .await?;
        ocds::publish(
            tx.conn(),
            &app.policy,
            &t.id,
            &[ocds::tag::AWARD_UPDATE],
            None,
        )
        .await?;
    }
    let answered = award::complaint(tx.conn(), &t.id, &cid)
        .await?
        .ok_or_else(|| Problem::not_found("没有这条质疑。"))?;
    tx.emit("complaint", &cid, "answered", &answered).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "complaint",
            entity_id: &cid,
            tender_id: Some(&t.id),
            action: "answered",
            sealed: false,
            detail: &answered,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(answered))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContract {
    /// First day of service, `YYYY-MM-DD`.
    pub start_date: String,
    /// Day of signing, `YYYY-MM-DD`, not in the future (default today).
    pub signed_on: Option<String>,
}

/// Records the signed contract with the awarded firm: the tender becomes `contracted` and
/// the compound covered (topic `contract`, kind `signed`). Role: committee of the
/// compound; after the notice period, with every complaint answered. The start and signing
/// dates may not be before the award's day nor earlier than today minus
/// `[tender] backdate_window_days` (422 `before_award` / `backdated` on the field). The
/// signing is written to the audit trail.
#[utoipa::path(post, path = "/tenders/{id}/contract", tag = "award", request_body = NewContract,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Contract), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_contract(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<NewContract>,
) -> Result<(StatusCode, Json<Contract>)> {
    let mut v = Validation::new();
    let start = v.field("start_date", clock::parse_date(&dto.start_date));
    let signed_on = match dto.signed_on.as_deref() {
        Some(s) => v.field("signed_on", clock::parse_date(s)),
        None => Some(clock::today()),
    };
    if signed_on.is_some_and(|d| d > clock::today()) {
        v.push(FieldError::new(
            "signed_on",
            "date_in_future",
            "签订日期不能晚于今天",
        ));
    }
    v.finish()?;
    let (start, signed_on) = (start.expect("validated"), signed_on.expect("validated"));

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = own_tender(tx.conn(), &id, &identity).await?;
    let now = now_ms();
    let current = award::current(tx.conn(), &t.id).await?;
    let award = match current {
        Some(a) if t.status == TenderStatus::Awarded && a.view.status == AwardStatus::InNotice => a,
        _ => {
            return Err(
                Problem::conflict("tender_not_awarded", "只有已定标的项目可以签订合同。").into(),
            );
        }
    };
    if now < award.notice_ends_at_ms {
        return Err(Problem::conflict(
            "notice_period_running",
            format!(
                "定标公示期至 {} 结束，期满后方可签订合同。",
                award.view.notice_ends_at
            ),
        )
        .into());
    }
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM complaint WHERE award_id = $1 AND answer IS NULL")
            .bind(&award.view.id)
            .fetch_one(&mut *tx.conn())
            .await?;
    if pending > 0 {
        return Err(Problem::conflict(
            "complaints_pending",
            format!("还有 {pending} 条质疑尚未答复，答复后方可签订合同。"),
        )
        .into());
    }
    check_contract_dates(&app, &award, start, signed_on)?;
    let c = Contract {
        id: new_id(),
        tender_id: t.id.clone(),
        compound_id: t.compound_id.clone(),
        firm_id: award.view.firm_id.clone(),
        firm_name: award.view.firm_name.clone(),
        service_model: t.service_model.clone(),
        fee_model: t.fee_model.clone(),
        fee: award.view.fee,
        annual_price_fen: award.view.annual_price_fen,
        term_months: t.term_months,
        start_date: clock::format_date(start),
        end_date: clock::format_date(award::end_of_term(start, t.term_months)),
        signed_on: clock::format_date(signed_on),
        signed_at: to_rfc3339(now),
        status: ContractStatus::Active,
        terminated_on: None,
        termination_reason: None,
    };
    award::insert_contract(tx.conn(), &c, now).await?;
    sqlx::query("UPDATE award SET status = 'final' WHERE id = $1")
        .bind(&award.view.id)
        .execute(&mut *tx.conn())
        .await?;
    t.status = TenderStatus::Contracted;
    t.closed_at = Some(now);
    t.updated_at = now;
    tenders::update(tx.conn(), &t).await?;
    tenders::publish_change(
        &mut tx,
        &t,
        "contracted",
        &Actor::from(&identity),
        &serde_json::json!({ "contract_id": c.id }),
    )
    .await?;
    tx.emit("contract", &c.id, "signed", &c).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "contract",
            entity_id: &c.id,
            tender_id: Some(&t.id),
            action: "signed",
            sealed: false,
            detail: &c,
        },
    )
    .await?;
    ocds::publish(tx.conn(), &app.policy, &t.id, &[ocds::tag::CONTRACT], None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A contract's start and signing dates: not before the award's day, and not earlier than
/// today minus `[tender] backdate_window_days`. One message per field.
fn check_contract_dates(
    app: &AppState,
    award: &award::AwardRow,
    start: time::Date,
    signed_on: time::Date,
) -> Result<()> {
    let awarded_on = clock::parse_rfc3339(&award.view.awarded_at)
        .map(clock::date_at)
        .map_err(|e| anyhow::anyhow!("stored award instant: {e:?}"))?;
    let earliest = app.policy.earliest_backdate(clock::today());
    let mut v = Validation::new();
    for (field, label, day) in [
        ("start_date", "服务开始日期", start),
        ("signed_on", "签订日期", signed_on),
    ] {
        if day < awarded_on {
            v.push(FieldError::new(
                field,
                "before_award",
                format!("{label}不能早于定标日期 {}", clock::format_date(awarded_on)),
            ));
        } else if day < earliest {
            v.push(backdated(field, label, earliest, app));
        }
    }
    Ok(v.finish()?)
}

/// A date earlier than the backdating window allows.
fn backdated(field: &str, label: &str, earliest: time::Date, app: &AppState) -> FieldError {
    FieldError::new(
        field,
        "backdated",
        format!(
            "{label}不能早于 {}（最多补录 {} 天前的日期）",
            clock::format_date(earliest),
            app.policy.backdate_window_days
        ),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ContractQuery {
    pub compound: Option<String>,
    pub firm: Option<String>,
    /// `active` | `terminated`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Contracts, newest first. Public.
#[utoipa::path(get, path = "/tenders/contracts", tag = "award", params(ContractQuery),
    responses((status = 200, body = Page<Contract>), (status = 422, body = Problem)))]
pub async fn list_contracts(
    State(app): State<AppState>,
    Query(q): Query<ContractQuery>,
) -> Result<Json<Page<Contract>>> {
    let mut errors = match (PageQuery {
        limit: q.limit,
        offset: q.offset,
    })
    .check()
    {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    if q.status
        .as_deref()
        .is_some_and(|s| s != "active" && s != "terminated")
    {
        errors.push(FieldError::new(
            "status",
            "invalid_status",
            "状态应为 active 或 terminated",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    let (limit, offset) = (q.limit.unwrap_or(50), q.offset.unwrap_or(0));
    let mut conn = app.db.pool.acquire().await?;
    let (items, total) = award::contracts(
        &mut conn,
        q.compound.as_deref(),
        q.firm.as_deref(),
        q.status.as_deref(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One contract. Public.
#[utoipa::path(get, path = "/tenders/contracts/{cid}", tag = "award",
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Contract), (status = 404, body = Problem)))]
pub async fn get_contract(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<Contract>> {
    let mut conn = app.db.pool.acquire().await?;
    award::contract(&mut conn, &cid)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found("没有这份合同。").into())
}

/// A termination date: not before the contract's start, and not earlier than today minus
/// `[tender] backdate_window_days` (a backdated termination would rewrite the public
/// coverage history).
fn check_termination_date(app: &AppState, c: &Contract, on: time::Date) -> Result<()> {
    let earliest = app.policy.earliest_backdate(clock::today());
    let start = clock::parse_date(&c.start_date)
        .map_err(|e| anyhow::anyhow!("stored contract start: {e:?}"))?;
    let mut v = Validation::new();
    if on < start {
        v.push(FieldError::new(
            "terminated_on",
            "before_start",
            format!("终止日期不能早于合同服务开始日期 {}", c.start_date),
        ));
    } else if on < earliest {
        v.push(backdated("terminated_on", "终止日期", earliest, app));
    }
    Ok(v.finish()?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Termination {
    /// Why, 2–500 characters (e.g. the firm was blacklisted).
    pub reason: String,
    /// Last day of service, `YYYY-MM-DD` (default today).
    pub terminated_on: Option<String>,
}

/// Ends a contract early: the compound is no longer covered by it (topic `contract`, kind
/// `terminated`). Role: committee of the compound, or the association. The last day of
/// service may not be before the contract's start nor earlier than today minus
/// `[tender] backdate_window_days` (422 `before_start` / `backdated`); audited.
#[utoipa::path(post, path = "/tenders/contracts/{cid}/terminate", tag = "award", request_body = Termination,
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Contract), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn terminate_contract(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    extract::Json(dto): extract::Json<Termination>,
) -> Result<Json<Contract>> {
    let mut v = Validation::new();
    let reason = dto.reason.trim().to_string();
    if !(2..=500).contains(&reason.chars().count()) {
        v.push(FieldError::new(
            "reason",
            "length",
            "终止原因应为 2–500 个字符",
        ));
    }
    let on = match dto.terminated_on.as_deref() {
        Some(s) => v.field("terminated_on", clock::parse_date(s)),
        None => Some(clock::today()),
    };
    v.finish()?;
    let on = on.expect("validated");
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let c = award::contract(tx.conn(), &cid)
        .await?
        .ok_or_else(|| Problem::not_found("没有这份合同。"))?;
    if !(identity.role == Role::Association || identity.require_compound(&c.compound_id).is_ok()) {
        return Err(Problem::forbidden("只有合同所属小区的自治组织或协会可以终止合同。").into());
    }
    if c.status != ContractStatus::Active {
        return Err(Problem::conflict("contract_not_active", "该合同已终止。").into());
    }
    check_termination_date(&app, &c, on)?;
    sqlx::query(
        "UPDATE contract SET status = 'terminated', terminated_on = $2, termination_reason = $3 WHERE id = $1",
    )
    .bind(&cid)
    .bind(clock::format_date(on))
    .bind(&reason)
    .execute(&mut *tx.conn())
    .await?;
    let c = award::contract(tx.conn(), &cid)
        .await?
        .ok_or_else(|| Problem::not_found("没有这份合同。"))?;
    tx.emit("contract", &cid, "terminated", &c).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "contract",
            entity_id: &cid,
            tender_id: Some(&c.tender_id),
            action: "terminated",
            sealed: false,
            detail: &c,
        },
    )
    .await?;
    ocds::publish(
        tx.conn(),
        &app.policy,
        &c.tender_id,
        &[ocds::tag::CONTRACT_TERMINATION],
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(c))
}
