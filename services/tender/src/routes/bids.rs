//! Sealed bids: a firm submits, replaces, confirms or withdraws its own bid until the
//! deadline and reads only its own; the bids open all at once at the opening time.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{is_unique_violation, new_id, now_ms};
use shared::domain::FeeRate;
use shared::error::{FieldError, Problem, Validation};
use shared::extract;
use shared::feed::WriteTx;
use utoipa::{OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::award;
use crate::bids::{self, Bid, BidContent, BidStatus, CriterionAnswer};
use crate::error::Result;
use crate::replica::CompoundCopy;
use crate::roster::{self, Requirements};
use crate::routes::tenders::{sealed, visible_tender};
use crate::state::AppState;
use crate::tenders::{self, Tender, not_found};
use crate::terms::{EvaluationMethod, TenderStatus};

#[derive(OpenApi)]
#[openapi(
    paths(
        submit_bid,
        list_bids,
        my_bid,
        replace_bid,
        withdraw_bid,
        confirm_bid,
        my_bids
    ),
    components(schemas(Bid, BidStatus, CriterionAnswer, BidInput))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{id}/bids", get(list_bids).post(submit_bid))
        .route(
            "/{id}/bids/mine",
            get(my_bid).put(replace_bid).delete(withdraw_bid),
        )
        .route("/{id}/bids/mine/confirm", post(confirm_bid))
        .route("/bids/mine", get(my_bids))
}

/// A bid's content.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BidInput {
    /// Offered fee, 分/㎡·月 (1–2000).
    pub fee: i64,
    /// Optional: the annual price, 分, as the firm computed it. The service always derives
    /// it as fee × the compound's floor area (whole ㎡, from the ledger copy) × 12; a typed
    /// price that differs from that by more than one square metre's fee for a year
    /// (fee × 12) is refused on this field (`price_mismatch`), and the answer shows the
    /// derived price.
    #[serde(default)]
    pub annual_price_fen: Option<i64>,
    /// 人员配置方案, 1–5000 characters.
    pub staffing_plan: String,
    /// 服务方案, 1–20000 characters.
    pub service_plan: String,
    /// For a rated tender: one answer per quality criterion.
    #[serde(default)]
    pub criteria_answers: Vec<CriterionAnswer>,
}

/// The caller's firm id (role firm).
fn firm_of(identity: &Identity) -> Result<String> {
    match (&identity.role, &identity.scope) {
        (Role::Firm, Scope::Firm(id)) => Ok(id.clone()),
        _ => Err(Problem::forbidden("只有物业服务企业账号可以投标。").into()),
    }
}

fn check_content(
    dto: &BidInput,
    t: &Tender,
    compound: &CompoundCopy,
) -> std::result::Result<BidContent, Problem> {
    let mut v = Validation::new();
    let fee = v.field("fee", FeeRate::try_from(dto.fee));
    let typed_ok = match dto.annual_price_fen {
        Some(p) if p <= 0 => {
            v.push(FieldError::new(
                "annual_price_fen",
                "invalid_price",
                "年度报价必须大于 0",
            ));
            false
        }
        _ => true,
    };
    let price = fee
        .filter(|_| typed_ok)
        .and_then(|f| derived_price(&mut v, i64::from(f.get()), dto, compound));
    let text = |v: &mut Validation, field: &str, s: &str, max: usize, label: &str| {
        let s = s.trim();
        let n = s.chars().count();
        if n == 0 || n > max {
            v.push(FieldError::new(
                field,
                "length",
                format!("{label}应为 1–{max} 个字符"),
            ));
        }
        s.to_string()
    };
    let staffing_plan = text(
        &mut v,
        "staffing_plan",
        &dto.staffing_plan,
        5_000,
        "人员配置方案",
    );
    let service_plan = text(
        &mut v,
        "service_plan",
        &dto.service_plan,
        20_000,
        "服务方案",
    );
    let mut answers = Vec::new();
    if t.evaluation.method == EvaluationMethod::Rated {
        for (i, a) in dto.criteria_answers.iter().enumerate() {
            if !t.evaluation.criteria.iter().any(|c| c.name == a.name) {
                v.push(FieldError::new(
                    format!("criteria_answers[{i}].name"),
                    "unknown_criterion",
                    "招标文件中没有这个评分项",
                ));
            } else if dto.criteria_answers[..i].iter().any(|b| b.name == a.name) {
                v.push(FieldError::new(
                    format!("criteria_answers[{i}].name"),
                    "duplicate",
                    "同一评分项只能回答一次",
                ));
            }
            let answer = text(
                &mut v,
                &format!("criteria_answers[{i}].answer"),
                &a.answer,
                5_000,
                "评分项响应",
            );
            answers.push(CriterionAnswer {
                name: a.name.clone(),
                answer,
            });
        }
        for c in &t.evaluation.criteria {
            if !dto.criteria_answers.iter().any(|a| a.name == c.name) {
                v.push(FieldError::new(
                    "criteria_answers",
                    "missing_answer",
                    format!("缺少对评分项“{}”的响应", c.name),
                ));
            }
        }
    } else if !dto.criteria_answers.is_empty() {
        v.push(FieldError::new(
            "criteria_answers",
            "not_rated",
            "该招标不采用综合评分法，没有评分项",
        ));
    }
    v.finish()?;
    Ok(BidContent {
        fee: i64::from(fee.expect("validated").get()),
        annual_price_fen: price.expect("validated"),
        staffing_plan,
        service_plan,
        criteria_answers: answers,
    })
}

/// The annual price of a bid: fee × the compound's floor area × 12 (exact in 分). A typed
/// price must agree within [`award::price_tolerance`]; the derived one is what is stored.
fn derived_price(
    v: &mut Validation,
    fee: i64,
    dto: &BidInput,
    compound: &CompoundCopy,
) -> Option<i64> {
    let area = compound.floor_area_m2;
    let Some(derived) = award::annual_price(fee, area).filter(|p| *p > 0) else {
        v.push(FieldError::new(
            "annual_price_fen",
            "area_unknown",
            "招标小区台账中的建筑面积无效，无法计算年度报价",
        ));
        return None;
    };
    if let Some(typed) = dto.annual_price_fen
        && (i128::from(typed) - i128::from(derived)).abs() > i128::from(award::price_tolerance(fee))
    {
        v.push(FieldError::new(
            "annual_price_fen",
            "price_mismatch",
            format!(
                "年度报价应为物业费单价 × 小区建筑面积 {area} ㎡ × 12 个月 = {} 元，与填写的 {} 元不符",
                yuan(derived),
                yuan(typed)
            ),
        ));
        return None;
    }
    Some(derived)
}

/// `fen` as 元 with two decimals.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = i128::from(fen).abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The tender's compound as tender's copy of the ledger has it.
async fn compound_of(conn: &mut sqlx::AnyConnection, t: &Tender) -> Result<CompoundCopy> {
    Ok(crate::replica::compound(conn, &t.compound_id)
        .await?
        .ok_or_else(|| {
            Problem::conflict(
                "compound_unknown",
                "招标小区的台账信息暂不可用，请稍后再试。",
            )
        })?)
}

/// Inside the write transaction (feed-head lock held): the tender as it is now, and the
/// decision whether bids are still accepted, taken against the clock read here, after the
/// lock. Returns the tender and that instant.
async fn bidding_open(tx: &mut WriteTx, tender_id: &str) -> Result<(Tender, i64)> {
    let t = tenders::load(tx.conn(), tender_id)
        .await?
        .ok_or_else(not_found)?;
    let now = now_ms();
    match t.status {
        TenderStatus::Draft => Err(not_found().into()),
        TenderStatus::Cancelled => {
            Err(Problem::conflict("tender_cancelled", "该招标项目已终止，不再接受投标。").into())
        }
        TenderStatus::Open if now < t.bid_deadline => Ok((t, now)),
        _ => Err(deadline_passed(&t).into()),
    }
}

fn deadline_passed(t: &Tender) -> Problem {
    Problem::conflict(
        "bid_deadline_passed",
        format!(
            "投标已于 {} 截止，不再接受投标、修改或撤回。",
            crate::clock::to_rfc3339(t.bid_deadline)
        ),
    )
}

/// Checks that the firm may bid for the tender (standing, model, fee model, grade,
/// service area, capacity), inside the transaction. Returns the firm's name.
async fn check_eligible(
    tx: &mut WriteTx,
    t: &Tender,
    compound: &CompoundCopy,
    firm_id: &str,
) -> Result<String> {
    let firm = crate::replica::firm(tx.conn(), firm_id)
        .await?
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "firm_unknown",
                "不符合投标条件",
            )
            .with_detail("平台尚未收到该企业的名录信息，暂不能投标。")
        })?;
    let today = crate::clock::today();
    let on_platform =
        award::households_on_platform(tx.conn(), firm_id, &compound.id, today).await?;
    let refusals = roster::bid_refusals(
        &firm,
        compound,
        &Requirements {
            service_model: &t.service_model,
            fee_model: &t.fee_model,
            grade: t.grade,
        },
        today,
        on_platform,
    );
    if let Some(first) = refusals.first() {
        let detail = refusals
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("");
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            first.code,
            "不符合投标条件",
        )
        .with_detail(detail)
        .with_errors(
            refusals
                .iter()
                .map(|r| FieldError::new("firm", r.code, r.message.clone()))
                .collect(),
        )
        .into());
    }
    Ok(firm.name)
}

async fn audit_bid(
    tx: &mut WriteTx,
    identity: &Identity,
    bid_id: &str,
    tender_id: &str,
    action: &str,
) -> anyhow::Result<()> {
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(identity),
            entity: "bid",
            entity_id: bid_id,
            tender_id: Some(tender_id),
            action,
            sealed: true,
            detail: &serde_json::json!({}),
        },
    )
    .await
}

/// Before the lock: the content checked against the tender and its compound as they are
/// now (checked again inside the transaction).
async fn precheck(app: &AppState, id: &str, identity: &Identity, dto: &BidInput) -> Result<()> {
    let t = visible_tender(app, id, Some(identity)).await?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = compound_of(&mut conn, &t).await?;
    check_content(dto, &t, &compound)?;
    Ok(())
}

fn bid_exists() -> Problem {
    Problem::conflict(
        "bid_exists",
        "贵企业在该项目已有有效投标；如需修改请替换（PUT …/bids/mine）或先撤回。",
    )
}

/// Submits a sealed bid. Role: a firm that is recommended on the roster today, offers the
/// tender's service model and fee model, can deliver its grade, serves the compound's
/// district or reaches the compound within its radius, and has capacity left for its
/// households (cumulative: its declared households served plus the compounds it holds on
/// this platform, see `roster::capacity_refusal`). The annual price is derived (fee × the
/// compound's floor area × 12); a typed one that disagrees is a 422 on `annual_price_fen`
/// (`price_mismatch`). Each refusal is a 422 whose `code` names the first reason
/// (`firm_not_recommended`, `firm_suspended`, `firm_blacklisted`,
/// `service_model_not_offered`, `fee_model_not_offered`, `grade_not_offered`,
/// `outside_service_area`, `capacity_exceeded`, `firm_unknown`) and whose `errors` list
/// them all. After the deadline: 409 `bid_deadline_passed`. One live bid per firm: 409
/// `bid_exists`.
#[utoipa::path(post, path = "/tenders/{id}/bids", tag = "bids", request_body = BidInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<BidInput>,
) -> Result<(StatusCode, Json<Bid>)> {
    let firm_id = firm_of(&identity)?;
    // Content errors are reported before taking the lock …
    precheck(&app, &id, &identity, &dto).await?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let (t, now) = bidding_open(&mut tx, &id).await?;
    if bids::live_of(tx.conn(), &t.id, &firm_id).await?.is_some() {
        return Err(bid_exists().into());
    }
    // … and checked again against the terms as they are inside it.
    let compound = compound_of(tx.conn(), &t).await?;
    let content = check_content(&dto, &t, &compound)?;
    let firm_name = check_eligible(&mut tx, &t, &compound, &firm_id).await?;
    let bid_id = new_id();
    if let Err(e) = bids::insert(
        tx.conn(),
        &bid_id,
        &t.id,
        &firm_id,
        &firm_name,
        &content,
        t.terms_version,
        now,
    )
    .await
    {
        return Err(if is_unique_violation(&e) {
            bid_exists().into()
        } else {
            e.into()
        });
    }
    audit_bid(&mut tx, &identity, &bid_id, &t.id, "submitted").await?;
    let bid = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bid vanished"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(bid)))
}

fn no_bid() -> Problem {
    Problem::not_found("贵企业在该项目没有有效投标。")
}

/// Replaces the caller's live bid before the deadline (same checks as submitting). The
/// replaced bid answers the current terms, so it needs no re-confirmation.
#[utoipa::path(put, path = "/tenders/{id}/bids/mine", tag = "bids", request_body = BidInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<BidInput>,
) -> Result<Json<Bid>> {
    let firm_id = firm_of(&identity)?;
    precheck(&app, &id, &identity, &dto).await?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let (t, now) = bidding_open(&mut tx, &id).await?;
    let current = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(no_bid)?;
    let compound = compound_of(tx.conn(), &t).await?;
    let content = check_content(&dto, &t, &compound)?;
    let firm_name = check_eligible(&mut tx, &t, &compound, &firm_id).await?;
    bids::replace(
        tx.conn(),
        &current.id,
        &firm_name,
        &content,
        t.terms_version,
        now,
    )
    .await?;
    audit_bid(&mut tx, &identity, &current.id, &t.id, "replaced").await?;
    let bid = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(no_bid)?;
    tx.commit().await?;
    Ok(Json(bid))
}

/// Confirms the caller's live bid for the current terms after they changed. Same checks
/// as submitting.
#[utoipa::path(post, path = "/tenders/{id}/bids/mine/confirm", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Bid>> {
    let firm_id = firm_of(&identity)?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let (t, now) = bidding_open(&mut tx, &id).await?;
    let current = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(no_bid)?;
    if current.status == BidStatus::NeedsReconfirmation {
        // The content must still fit the new terms (e.g. new criteria).
        // The price is derived again (the compound's area may have changed).
        let dto = BidInput {
            fee: current.fee,
            annual_price_fen: None,
            staffing_plan: current.staffing_plan.clone(),
            service_plan: current.service_plan.clone(),
            criteria_answers: current.criteria_answers.clone(),
        };
        let compound = compound_of(tx.conn(), &t).await?;
        let content = check_content(&dto, &t, &compound).map_err(|p| {
            Problem::conflict(
                "bid_must_be_replaced",
                "招标条件变更后原投标内容已不符合要求，请替换投标。",
            )
            .with_errors(p.errors)
        })?;
        let firm_name = check_eligible(&mut tx, &t, &compound, &firm_id).await?;
        sqlx::query(
            "UPDATE bid SET status = 'submitted', terms_version = $2, firm_name = $3, updated_at = $4, \
             annual_price_fen = $5 WHERE id = $1",
        )
        .bind(&current.id)
        .bind(t.terms_version)
        .bind(&firm_name)
        .bind(now)
        .bind(content.annual_price_fen)
        .execute(&mut *tx.conn())
        .await?;
        audit_bid(&mut tx, &identity, &current.id, &t.id, "confirmed").await?;
    }
    let bid = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(no_bid)?;
    tx.commit().await?;
    Ok(Json(bid))
}

/// Withdraws the caller's live bid before the deadline. It may bid again afterwards.
#[utoipa::path(delete, path = "/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn withdraw_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let firm_id = firm_of(&identity)?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let (t, now) = bidding_open(&mut tx, &id).await?;
    let current = bids::live_of(tx.conn(), &t.id, &firm_id)
        .await?
        .ok_or_else(no_bid)?;
    sqlx::query(
        "UPDATE bid SET status = 'withdrawn', withdrawn_at = $2, updated_at = $2 WHERE id = $1",
    )
    .bind(&current.id)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    audit_bid(&mut tx, &identity, &current.id, &t.id, "withdrawn").await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own live bid (before and after opening). Role: firm.
#[utoipa::path(get, path = "/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn my_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Bid>> {
    let firm_id = firm_of(&identity)?;
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    let mut conn = app.db.pool.acquire().await?;
    bids::live_of(&mut conn, &t.id, &firm_id)
        .await?
        .map(Json)
        .ok_or_else(|| no_bid().into())
}

/// Every bid in full, after the opening. Role: the compound's committee or the
/// association; everyone else reads the public opening record
/// (`GET /tenders/{id}/opening`). Before the opening: 409 `bids_sealed`, whoever asks.
#[utoipa::path(get, path = "/tenders/{id}/bids", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Bid>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn list_bids(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Bid>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    if t.opened_at.is_none() {
        return Err(sealed().into());
    }
    let allowed = identity
        .as_ref()
        .is_some_and(|i| i.role == Role::Association || i.require_compound(&t.compound_id).is_ok());
    if !allowed {
        return Err(Problem::forbidden(
            "完整投标文件仅供招标小区自治组织和协会查看；开标记录请见 /tenders/{id}/opening。",
        )
        .into());
    }
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(bids::opened_of(&mut conn, &t.id).await?))
}

/// The caller's own bids that were not withdrawn, on every tender, newest first (at most
/// 200). Role: firm. Each is the firm's own sealed content, as `GET /tenders/{id}/bids/mine`.
#[utoipa::path(get, path = "/tenders/bids/mine", tag = "bids",
    responses((status = 200, body = Vec<Bid>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn my_bids(State(app): State<AppState>, identity: Identity) -> Result<Json<Vec<Bid>>> {
    let firm_id = firm_of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM bid WHERE firm_id = $1 AND status <> 'withdrawn' \
         ORDER BY updated_at DESC, id LIMIT 200",
        bids::SELECT
    )))
    .bind(&firm_id)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(bids::from_row)
        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(items))
}
