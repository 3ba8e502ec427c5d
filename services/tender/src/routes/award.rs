//! Evaluation, award, notice, complaints and contracts (see [`crate::award`]). Each
//! handler parses the request, calls the domain and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::award::Ranked;
use crate::award::complaint_store::{self, Escalation, Level, Stage};
use crate::award::complaints::{
    self, ComplaintAnswer, EscalationDecision, NewComplaint, NewEscalation,
};
use crate::award::contracts::{self, NewContract, Termination};
use crate::award::decision::{self, AwardInput, SkipInput};
use crate::award::dismissal::{self, DismissalVote};
use crate::award::evaluation::{self, BidScores, ScoresInput};
use crate::award::guidance::{self, CommitteeNotice, Guidance, NewNotice};
use crate::award::records::{
    self, Award, AwardStatus, Complaint, Contract, ContractStatus, Skipped,
};
use crate::error::Result;
use crate::input::declared;
use crate::money::budget;
use crate::opening::{load_current, visible_tender};
use crate::routes::audit::may_read;
use crate::state::AppState;
use crate::tenders::{Step, TenderView, for_committee, sealed};
use crate::terms::TenderStatus;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Award,
    AwardStatus,
    Ranked,
    Skipped,
    Complaint,
    ComplaintItem,
    Escalation,
    Level,
    Stage,
    NewEscalation,
    EscalationDecision,
    Contract,
    ContractStatus,
    ScoresInput,
    BidScores,
    AwardInput,
    SkipInput,
    NewComplaint,
    ComplaintAnswer,
    NewContract,
    Termination,
    DismissalVote,
    Guidance,
    CommitteeNotice,
    NewNotice
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(put_scores))
        .routes(routes!(get_ranking))
        .routes(routes!(award_tender))
        .routes(routes!(list_awards))
        .routes(routes!(list_complaints, lodge_complaint))
        .routes(routes!(answer_complaint))
        .routes(routes!(escalate_complaint))
        .routes(routes!(decide_complaint))
        .routes(routes!(escalated_complaints))
        .routes(routes!(own_complaints))
        .routes(routes!(sign_contract))
        .routes(routes!(list_contracts))
        .routes(routes!(get_contract))
        .routes(routes!(terminate_contract))
        .routes(routes!(dismissal_votes))
        .routes(routes!(contract_guidance))
        .routes(routes!(notify_committee))
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
    body: LateJson<ScoresInput>,
) -> Result<Json<Vec<Ranked>>> {
    load_current(&app, &id).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::Score).await?;
    let dto = body.value()?;
    let ranked = evaluation::score(&mut tx, &t, &dto, &identity).await?;
    tx.commit().await?;
    Ok(Json(ranked))
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
    if t.status == TenderStatus::Evaluation {
        if !identity
            .as_ref()
            .is_some_and(|i| i.oversees_compound(&t.compound_id))
        {
            return Err(Problem::forbidden("评标结果在定标公示时公开。").into());
        }
        return Ok(Json(evaluation::ranking(&mut conn, &t).await?.0));
    }
    match records::current(&mut conn, &t.id).await? {
        Some(a) => Ok(Json(a.view.ranking)),
        None if t.opened_at.is_none() => Err(sealed().into()),
        None => Err(Problem::conflict("no_ranking", "该项目没有评标结果。").into()),
    }
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
    body: LateJson<AwardInput>,
) -> Result<Json<TenderView>> {
    load_current(&app, &id).await?;
    // The decision as things stand, and the winner's standing asked outside the transaction …
    let (decided, dto) = {
        let mut conn = app.db.pool.acquire().await?;
        let t = for_committee(&mut conn, &id, &identity, Step::Award).await?;
        let dto = body.value()?;
        (dto.decide(&mut conn, &t).await?, dto)
    };
    decision::check_standing(&app, &decided.winner).await?;
    // … then decided again inside it.
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::Award).await?;
    let view = decision::award(&mut tx, t, &dto, &identity, &app).await?;
    tx.commit().await?;
    Ok(Json(view))
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
    Ok(Json(records::all_of(&mut conn, &t.id).await?))
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
    body: LateJson<NewComplaint>,
) -> Result<(StatusCode, Json<Complaint>)> {
    let firm_id = identity
        .own_firm()
        .ok_or_else(|| Problem::forbidden("只有本项目的投标人可以提出质疑。"))?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let c = complaints::lodge(&mut tx, &id, firm_id, dto, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The complaints about a tender's awards, their answers and escalations. The compound's
/// committee, the association and the officials in reach read them all, with the
/// complainant; anyone else reads those decided (answered), without the complainant's id
/// and name, and a firm also its own.
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
    let all = complaint_store::of_tender(&mut conn, &t.id).await?;
    if identity.as_ref().is_some_and(|i| may_read(i, &t).is_ok()) {
        return Ok(Json(all));
    }
    let own = identity.as_ref().and_then(|i| i.own_firm());
    Ok(Json(
        all.into_iter()
            .filter_map(|c| match c.firm_id.as_deref() {
                Some(f) if Some(f) == own => Some(c),
                _ if c.decided() => Some(c.redacted()),
                _ => None,
            })
            .collect(),
    ))
}

/// A complaint with the tender it is about, in a list across tenders.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintItem {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub tender_title: String,
    pub compound_id: String,
    pub compound_name: String,
}

async fn with_tenders(
    conn: &mut sqlx::AnyConnection,
    complaints: Vec<Complaint>,
) -> Result<Vec<ComplaintItem>> {
    let mut out = Vec::with_capacity(complaints.len());
    for complaint in complaints {
        if let Some(t) = crate::tenders::store::load(conn, &complaint.tender_id).await? {
            out.push(ComplaintItem {
                complaint,
                tender_title: t.title,
                compound_id: t.compound_id,
                compound_name: t.compound_name,
            });
        }
    }
    Ok(out)
}

/// Escalates a complaint (申请复核) to the next level: the street official of the
/// compound's street, then the district official. Role: the complaining firm, after an
/// answer or decision that did not uphold it, within `[tender] escalation_window_secs`,
/// once per level, while the award stands (409 `not_answered`, `escalation_pending`,
/// `already_upheld`, `already_escalated`, `escalation_closed`, `award_settled`).
#[utoipa::path(post, path = "/tenders/{id}/complaints/{cid}/escalate", tag = "award",
    request_body = NewEscalation,
    params(("id" = String, Path, description = "tender id"), ("cid" = String, Path, description = "complaint id")),
    responses((status = 200, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn escalate_complaint(
    State(app): State<AppState>,
    identity: Identity,
    Path((id, cid)): Path<(String, String)>,
    body: LateJson<NewEscalation>,
) -> Result<Json<Complaint>> {
    visible_tender(&app, &id, Some(&identity)).await?;
    complaints::may_escalate(&mut *app.db.pool.acquire().await?, &id, &cid, &identity).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let c = complaints::escalate(&mut tx, &id, &cid, dto, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// Decides an escalated complaint (复核决定). Role: the street official of the compound's
/// street for an escalation to the street, the district official of its district for one
/// to the district. Upheld revokes the standing award and reopens evaluation.
#[utoipa::path(post, path = "/tenders/{id}/complaints/{cid}/decide", tag = "award",
    request_body = EscalationDecision,
    params(("id" = String, Path, description = "tender id"), ("cid" = String, Path, description = "complaint id")),
    responses((status = 200, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_complaint(
    State(app): State<AppState>,
    identity: Identity,
    Path((id, cid)): Path<(String, String)>,
    body: LateJson<EscalationDecision>,
) -> Result<Json<Complaint>> {
    identity.require_any(&[Role::StreetOfficial, Role::DistrictOfficial])?;
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    complaints::may_decide(&identity, &t)?;
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let c = complaints::decide(&mut tx, &id, &cid, dto, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// Complaints escalated to the caller's level in its area, newest first (at most 200),
/// decided or not: a street official's street (level street), a district official's
/// district (level district); the association and city officials read both levels
/// citywide.
#[utoipa::path(get, path = "/tenders/complaints/escalated", tag = "award",
    responses((status = 200, body = Vec<ComplaintItem>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn escalated_complaints(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<ComplaintItem>>> {
    let wanted: Vec<(Level, Option<(&str, &str)>)> = match (&identity.role, &identity.scope) {
        (Role::StreetOfficial, Scope::Street(s)) => {
            vec![(Level::Street, Some(("street", s.as_str())))]
        }
        (Role::DistrictOfficial, Scope::District(d)) => {
            vec![(Level::District, Some(("district", d.as_str())))]
        }
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => {
            vec![(Level::Street, None), (Level::District, None)]
        }
        _ => {
            return Err(
                Problem::forbidden("只有街道、区县、市级工作人员和协会可以查看复核申请。").into(),
            );
        }
    };
    let mut conn = app.db.pool.acquire().await?;
    let mut found = Vec::new();
    for (level, area) in wanted {
        found.extend(complaint_store::escalated(&mut conn, level, area).await?);
    }
    Ok(Json(with_tenders(&mut conn, found).await?))
}

/// The calling firm's own complaints across tenders, oldest first. Role: a firm.
#[utoipa::path(get, path = "/tenders/complaints/mine", tag = "award",
    responses((status = 200, body = Vec<ComplaintItem>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn own_complaints(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<ComplaintItem>>> {
    let firm = identity
        .own_firm()
        .ok_or_else(|| Problem::forbidden("只有物业服务企业可以查看本企业的质疑。"))?;
    let mut conn = app.db.pool.acquire().await?;
    let found = complaint_store::of_firm(&mut conn, firm).await?;
    Ok(Json(with_tenders(&mut conn, found).await?))
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
    body: LateJson<ComplaintAnswer>,
) -> Result<Json<Complaint>> {
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    if !identity.oversees_compound(&t.compound_id) {
        return Err(Problem::forbidden("只有招标小区自治组织或协会可以答复质疑。").into());
    }
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let answered = complaints::answer(&mut tx, &id, &cid, dto, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok(Json(answered))
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
    body: LateJson<NewContract>,
) -> Result<(StatusCode, Json<Contract>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::SignContract).await?;
    let dates = body.value()?.check()?;
    let c = contracts::sign(&mut tx, t, dates, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct ContractQuery {
    pub compound: Option<String>,
    pub firm: Option<String>,
    /// `active` | `terminated`.
    #[validate(custom(
        function = "records::contract_status",
        code = "invalid_status",
        message = "状态应为 active 或 terminated"
    ))]
    pub status: Option<String>,
}

/// Contracts, newest first. Public. Each active one shows its fee in force (`fee_in_force`).
#[utoipa::path(get, path = "/tenders/contracts", tag = "award", params(ContractQuery, PageQuery),
    responses((status = 200, body = Page<Contract>), (status = 422, body = Problem)))]
pub async fn list_contracts(
    State(app): State<AppState>,
    Query(q): Query<ContractQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Contract>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    v.rules(&q, &["status"]);
    let page = v.finish_with(|| page)?;
    let filter = records::ContractFilter {
        compound: q.compound,
        firm: q.firm,
        status: q.status.as_deref().and_then(ContractStatus::parse),
    };
    let mut conn = app.db.pool.acquire().await?;
    let mut found = records::contracts(&mut conn, &filter, page).await?;
    for c in &mut found.items {
        budget::fee_in_force(&mut conn, c).await?;
    }
    Ok(Json(found))
}

/// One contract. Public. An active contract shows its fee in force (`fee_in_force`): this
/// year's fee standard set by the budget its owners approved, beside the `fee` agreed at award.
#[utoipa::path(get, path = "/tenders/contracts/{cid}", tag = "award",
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Contract), (status = 404, body = Problem)))]
pub async fn get_contract(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<Contract>> {
    let mut conn = app.db.pool.acquire().await?;
    let mut c = records::contract(&mut conn, &cid)
        .await?
        .ok_or_else(|| Problem::not_found("没有这份合同。"))?;
    budget::fee_in_force(&mut conn, &mut c).await?;
    Ok(Json(c))
}

/// Ends a contract early: the compound is no longer covered by it (topic `contract`, kind
/// `terminated`). Role: committee of the compound, or the association. It rests on the
/// owners' passing decision to dismiss the firm (`vote_id`: a closed vote from ballots or
/// a typed vote on `dismiss_firm` of the compound, decided on or after the signing; 422
/// `vote_required` / `vote_not_passing` otherwise), linked in the contract. The last day of
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
    body: LateJson<Termination>,
) -> Result<Json<Contract>> {
    contracts::may_terminate(&mut *app.db.pool.acquire().await?, &cid, &identity).await?;
    let dto = body.value()?;
    let on = dto.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let c = contracts::terminate(
        &mut tx,
        &cid,
        on,
        &dto.reason,
        &dto.vote_id,
        &identity,
        &app.policy,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// The owners' passing decisions to dismiss the firm (`dismiss_firm`) of the contract's
/// compound since its signing, the latest first: what a termination may rest on. Role:
/// committee of the compound, or the association.
#[utoipa::path(get, path = "/tenders/contracts/{cid}/dismissal-votes", tag = "award",
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Vec<DismissalVote>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn dismissal_votes(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
) -> Result<Json<Vec<DismissalVote>>> {
    let mut conn = app.db.pool.acquire().await?;
    let c = contracts::may_terminate(&mut conn, &cid, &identity).await?;
    Ok(Json(
        dismissal::passing(&mut conn, &c.compound_id, c.signed_on).await?,
    ))
}

/// Where the guided termination (引导解除) of a contract stands: the street's notices to
/// the committee, the owners' passing decisions to dismiss the firm since the signing, and
/// whether it is terminated. Roles: the street and district officials of the compound,
/// city officials, the association, the compound's committee.
#[utoipa::path(get, path = "/tenders/contracts/{cid}/guidance", tag = "award",
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Guidance), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn contract_guidance(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
) -> Result<Json<Guidance>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(
        guidance::of_contract(&mut conn, &cid, &identity).await?,
    ))
}

/// Records that the committee was notified about the contract's blacklisted firm (topic
/// `committee_notice`). Role: the street official of the compound's street; while the
/// contract is active.
#[utoipa::path(post, path = "/tenders/contracts/{cid}/committee-notices", tag = "award",
    request_body = NewNotice,
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 201, body = CommitteeNotice), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn notify_committee(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<NewNotice>,
) -> Result<(StatusCode, Json<CommitteeNotice>)> {
    identity.require_any(&[Role::StreetOfficial])?;
    guidance::may_notify(&mut *app.db.pool.acquire().await?, &cid, &identity).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let n = guidance::notify(&mut tx, &cid, dto, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(n)))
}
