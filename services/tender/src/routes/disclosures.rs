//! Transparency (信息公开): a contract's firm or its compound's committee publishes the
//! annual budget and periodic accounts; everyone reads them (see [`crate::disclosure`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{is_unique_violation, new_id, now_ms};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{self, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::award::{self, Contract};
use crate::clock;
use crate::disclosure::{
    self, Disclosure, DisclosureInput, DisclosureKind, Income, Publisher, Spending,
};
use crate::error::Result;
use crate::ocds;
use crate::period::Period;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        publish_disclosure,
        contract_disclosures,
        list_disclosures,
        get_disclosure,
        correct_disclosure,
        disclosure_versions
    ),
    components(schemas(
        Disclosure,
        DisclosureInput,
        CorrectionInput,
        DisclosureKind,
        Income,
        Spending,
        Publisher
    ))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/contracts/{cid}/disclosures",
            get(contract_disclosures).post(publish_disclosure),
        )
        .route("/disclosures", get(list_disclosures))
        .route("/disclosures/{did}", get(get_disclosure))
        .route(
            "/disclosures/{did}/corrections",
            axum::routing::post(correct_disclosure),
        )
        .route("/disclosures/{did}/versions", get(disclosure_versions))
}

/// `versions=all` lists every version (superseded ones included); else only current ones.
fn all_versions(v: &mut Validation, versions: Option<&str>) -> bool {
    match versions.map(str::trim) {
        None | Some("") | Some("current") => false,
        Some("all") => true,
        Some(_) => {
            v.push(FieldError::new(
                "versions",
                "invalid_versions",
                "versions 应为 current（仅现行版本）或 all（含已更正的版本）",
            ));
            false
        }
    }
}

fn no_contract() -> Problem {
    Problem::not_found("没有这份合同。")
}

/// Who may publish for a contract: its firm, or its compound's committee.
fn publisher(identity: &Identity, c: &Contract) -> Result<Publisher> {
    match (&identity.role, &identity.scope) {
        (Role::Firm, Scope::Firm(f)) if f == &c.firm_id => Ok(Publisher::Firm),
        (Role::Committee, Scope::Compound(id)) if id == &c.compound_id => Ok(Publisher::Committee),
        _ => Err(Problem::forbidden(
            "只有合同的物业服务企业或小区自治组织可以公开该合同的预算和收支。",
        )
        .into()),
    }
}

/// Publishes a contract's annual budget or accounts for a period (topic `disclosure`, kind
/// `published`; an OCDS `implementation` release). Role: the contract's firm or the
/// compound's committee. The numbers must add up (totals = Σ items; closing balance =
/// opening + income − spending); the period must fall within the contract's term (up to
/// its termination), accounts may not be for a period that has not begun, and a period is
/// published once: a second budget for the year, or accounts overlapping accounts already
/// published, is refused (409) — published figures are not rewritten.
#[utoipa::path(post, path = "/tenders/contracts/{cid}/disclosures", tag = "disclosures",
    request_body = DisclosureInput,
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 201, body = Disclosure), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_disclosure(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    extract::Json(dto): extract::Json<DisclosureInput>,
) -> Result<(StatusCode, Json<Disclosure>)> {
    let c = {
        let mut conn = app.db.pool.acquire().await?;
        award::contract(&mut conn, &cid)
            .await?
            .ok_or_else(no_contract)?
    };
    let by = publisher(&identity, &c)?;
    let checked = disclosure::check(&dto).map_err(Problem::validation)?;
    within_term(&c, &checked)?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let (from_s, to_s) = (
        clock::format_date(checked.period.start()),
        clock::format_date(checked.period.end()),
    );
    if checked.kind == DisclosureKind::Accounts {
        let overlapping: Option<String> = sqlx::query_scalar(
            "SELECT period FROM disclosure WHERE contract_id = $1 AND kind = 'accounts' \
             AND period_start <= $3 AND period_end >= $2 ORDER BY period_start LIMIT 1",
        )
        .bind(&c.id)
        .bind(&from_s)
        .bind(&to_s)
        .fetch_optional(&mut *tx.conn())
        .await?;
        if let Some(p) = overlapping {
            let code = if p == checked.period.to_string() {
                "already_published"
            } else {
                "period_overlaps"
            };
            return Err(Problem::conflict(
                code,
                format!(
                    "该合同 {p} 的收支情况已公开，期间 {} 与之重叠；已公开的数字不能改写，如有错误请提交更正。",
                    checked.period
                ),
            )
            .into());
        }
    }
    let now = now_ms();
    let d = new_version(&c, checked, by, &identity, now, None);
    if let Err(e) = disclosure::insert(tx.conn(), &d, &identity.account_id, now).await {
        if is_unique_violation(&e) {
            return Err(Problem::conflict(
                "already_published",
                format!(
                    "该合同 {} 的{}已公开；已公开的数字不能改写，如有错误请提交更正。",
                    d.period, d.kind_label
                ),
            )
            .into());
        }
        return Err(e.into());
    }
    tx.emit("disclosure", &d.id, "published", &d).await?;
    record(&mut tx, &identity, &d, "published", &d).await?;
    ocds::publish(
        tx.conn(),
        &app.policy,
        &d.tender_id,
        &[ocds::tag::IMPLEMENTATION],
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// The period of `checked` against the contract's term: within it (up to a termination),
/// and accounts only for a period that has begun.
fn within_term(c: &Contract, checked: &disclosure::Checked) -> Result<()> {
    let start = clock::parse_date(&c.start_date).map_err(anyhow::Error::from)?;
    let last = clock::parse_date(c.terminated_on.as_deref().unwrap_or(&c.end_date))
        .map_err(anyhow::Error::from)?;
    let (from, to) = (checked.period.start(), checked.period.end());
    let mut v = Validation::new();
    if to < start || from > last {
        v.push(FieldError::new(
            "period",
            "outside_contract_term",
            format!(
                "期间 {} 不在合同服务期限（{} 至 {}）内",
                checked.period,
                c.start_date,
                clock::format_date(last)
            ),
        ));
    }
    if checked.kind == DisclosureKind::Accounts && from > clock::today() {
        v.push(FieldError::new(
            "period",
            "period_not_begun",
            format!("期间 {} 尚未开始，不能公开收支情况", checked.period),
        ));
    }
    v.finish()?;
    Ok(())
}

/// A new version of a contract's budget or accounts, published now by `identity`.
fn new_version(
    c: &Contract,
    checked: disclosure::Checked,
    by: Publisher,
    identity: &Identity,
    now: i64,
    corrects: Option<(&Disclosure, String)>,
) -> Disclosure {
    Disclosure {
        id: new_id(),
        contract_id: c.id.clone(),
        tender_id: c.tender_id.clone(),
        compound_id: c.compound_id.clone(),
        firm_id: c.firm_id.clone(),
        kind: checked.kind,
        kind_label: checked.kind.label().to_string(),
        period: checked.period.to_string(),
        period_start: clock::format_date(checked.period.start()),
        period_end: clock::format_date(checked.period.end()),
        common_revenue_fen: checked.income.common_revenue_fen(),
        income: checked.income,
        total_income_fen: checked.total_income_fen,
        spending: checked.spending,
        total_spending_fen: checked.total_spending_fen,
        opening_balance_fen: checked.opening_balance_fen,
        closing_balance_fen: checked.closing_balance_fen,
        note: checked.note,
        published_by: by,
        published_by_name: Some(identity.name.clone()),
        published_at: clock::to_rfc3339(now),
        version: corrects.as_ref().map_or(1, |(old, _)| old.version + 1),
        supersedes: corrects.as_ref().map(|(old, _)| old.id.clone()),
        correction_reason: corrects.map(|(_, reason)| reason),
        superseded_by: None,
        superseded_at: None,
    }
}

/// Appends the audit row of a disclosure step.
async fn record(
    tx: &mut WriteTx,
    identity: &Identity,
    d: &Disclosure,
    action: &str,
    detail: &impl serde::Serialize,
) -> Result<()> {
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(identity),
            entity: "disclosure",
            entity_id: &d.id,
            tender_id: Some(&d.tender_id),
            action,
            sealed: false,
            detail,
        },
    )
    .await?;
    Ok(())
}

/// A correction (更正) of a published budget or accounts: the whole corrected figures (same
/// body as a publication, same `kind` and `period`) and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CorrectionInput {
    /// 更正原因, required, 1–500 characters.
    pub reason: Option<String>,
    #[serde(flatten)]
    pub figures: DisclosureInput,
}

const REASON_MAX: usize = 500;

/// Checks a correction of `old`: the figures as for a publication, the same kind and
/// period, and a reason; every problem at once.
fn check_correction(
    dto: &CorrectionInput,
    old: &Disclosure,
) -> Result<(disclosure::Checked, String)> {
    let mut errors = match disclosure::check(&dto.figures) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    if dto.figures.kind.trim() != old.kind.as_str() {
        errors.push(FieldError::new(
            "kind",
            "not_editable",
            format!("更正不能改变类型，原公开的是{}", old.kind_label),
        ));
    }
    if dto.figures.period.trim() != old.period {
        errors.push(FieldError::new(
            "period",
            "not_editable",
            format!("更正不能改变期间，原公开的期间为 {}", old.period),
        ));
    }
    let reason = match dto.reason.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("reason", "required", "请填写更正原因"));
            None
        }
        Some(r) if r.chars().count() > REASON_MAX => {
            errors.push(FieldError::new(
                "reason",
                "length",
                format!("更正原因不能超过 {REASON_MAX} 字"),
            ));
            None
        }
        Some(r) => Some(r.to_string()),
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    let checked = disclosure::check(&dto.figures).map_err(Problem::validation)?;
    Ok((checked, reason.expect("checked above")))
}

fn no_disclosure() -> Problem {
    Problem::not_found("没有这条公开信息。")
}

/// Corrects a published budget or accounts (更正): a new version of the same contract, kind
/// and period that supersedes the current one. Both stay public: the earlier one is listed
/// with `superseded_by`, the new one with `supersedes`, `version` and the reason. Role: the
/// contract's firm or the compound's committee (either may correct what either published).
/// Only the current version can be corrected (409 `already_superseded` names the current
/// one). Feed: topic `disclosure`, kind `corrected`; an OCDS `implementationUpdate` release
/// with the correction as a contract amendment.
#[utoipa::path(post, path = "/tenders/disclosures/{did}/corrections", tag = "disclosures",
    request_body = CorrectionInput,
    params(("did" = String, Path, description = "disclosure id")),
    responses((status = 201, body = Disclosure), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn correct_disclosure(
    State(app): State<AppState>,
    identity: Identity,
    Path(did): Path<String>,
    extract::Json(dto): extract::Json<CorrectionInput>,
) -> Result<(StatusCode, Json<Disclosure>)> {
    let (old, c) = {
        let mut conn = app.db.pool.acquire().await?;
        let old = disclosure::load(&mut conn, &did)
            .await?
            .ok_or_else(no_disclosure)?;
        let c = award::contract(&mut conn, &old.contract_id)
            .await?
            .ok_or_else(no_contract)?;
        (old, c)
    };
    let by = publisher(&identity, &c)?;
    let (checked, reason) = check_correction(&dto, &old)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let now = now_ms();
    let d = new_version(&c, checked, by, &identity, now, Some((&old, reason)));
    if !disclosure::supersede(tx.conn(), &old.id, &d.id, now).await? {
        let current = disclosure::versions(tx.conn(), &old)
            .await?
            .into_iter()
            .find(|v| v.superseded_by.is_none())
            .map(|v| v.id)
            .unwrap_or_default();
        return Err(Problem::conflict(
            "already_superseded",
            format!("这一版已被更正，请更正现行版本（{current}）。"),
        )
        .into());
    }
    if let Err(e) = disclosure::insert(tx.conn(), &d, &identity.account_id, now).await {
        if is_unique_violation(&e) {
            return Err(Problem::conflict("already_superseded", "这一版已被更正。").into());
        }
        return Err(e.into());
    }
    tx.emit("disclosure", &d.id, "corrected", &d).await?;
    record(&mut tx, &identity, &d, "corrected", &d).await?;
    ocds::publish(
        tx.conn(),
        &app.policy,
        &d.tender_id,
        &[ocds::tag::IMPLEMENTATION_UPDATE],
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Every version of a budget or accounts, oldest first: the first publication and each
/// correction, with `published_at`, `published_by`, `supersedes` and `superseded_by`.
/// Public.
#[utoipa::path(get, path = "/tenders/disclosures/{did}/versions", tag = "disclosures",
    params(("did" = String, Path, description = "any version's id")),
    responses((status = 200, body = Vec<Disclosure>), (status = 404, body = Problem)))]
pub async fn disclosure_versions(
    State(app): State<AppState>,
    Path(did): Path<String>,
) -> Result<Json<Vec<Disclosure>>> {
    let mut conn = app.db.pool.acquire().await?;
    let d = disclosure::load(&mut conn, &did)
        .await?
        .ok_or_else(no_disclosure)?;
    Ok(Json(disclosure::versions(&mut conn, &d).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ContractDisclosureQuery {
    /// `budget` | `accounts`.
    pub kind: Option<String>,
    /// `current` (default): only current versions; `all`: corrected ones too.
    pub versions: Option<String>,
}

/// A contract's published budgets and accounts, by period: the current versions, or with
/// `versions=all` every version (corrected ones carry `superseded_by`). Public.
#[utoipa::path(get, path = "/tenders/contracts/{cid}/disclosures", tag = "disclosures",
    params(("cid" = String, Path, description = "contract id"), ContractDisclosureQuery),
    responses((status = 200, body = Vec<Disclosure>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn contract_disclosures(
    State(app): State<AppState>,
    Path(cid): Path<String>,
    Query(q): Query<ContractDisclosureQuery>,
) -> Result<Json<Vec<Disclosure>>> {
    let mut v = Validation::new();
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| v.field("kind", DisclosureKind::parse(k)));
    let all = all_versions(&mut v, q.versions.as_deref());
    v.finish()?;
    let mut conn = app.db.pool.acquire().await?;
    award::contract(&mut conn, &cid)
        .await?
        .ok_or_else(no_contract)?;
    let list = disclosure::of_contract(&mut conn, &cid).await?;
    Ok(Json(
        list.into_iter()
            .filter(|d| kind.is_none_or(|k| d.kind == k))
            .filter(|d| all || d.superseded_by.is_none())
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DisclosureQuery {
    /// Only this compound's.
    pub compound: Option<String>,
    /// Only this firm's.
    pub firm: Option<String>,
    /// `budget` | `accounts`.
    pub kind: Option<String>,
    /// Exactly this period (`2026`, `2026-Q3`, `2026-07`).
    pub period: Option<String>,
    /// Only contracts that are `active` or `terminated`.
    pub contract_status: Option<String>,
    /// `current` (default): only current versions; `all`: corrected ones too.
    pub versions: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Published budgets and accounts, newest first, e.g. one compound's: current versions, or
/// with `versions=all` corrected ones too. Public.
#[utoipa::path(get, path = "/tenders/disclosures", tag = "disclosures", params(DisclosureQuery),
    responses((status = 200, body = Page<Disclosure>), (status = 422, body = Problem)))]
pub async fn list_disclosures(
    State(app): State<AppState>,
    Query(q): Query<DisclosureQuery>,
) -> Result<Json<Page<Disclosure>>> {
    let mut v = Validation::new();
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .check();
    if let Err(errs) = &page {
        for e in errs {
            v.push(e.clone());
        }
    }
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| v.field("kind", DisclosureKind::parse(k)));
    let period = q
        .period
        .as_deref()
        .and_then(|p| v.field("period", Period::parse(p)));
    if q.contract_status
        .as_deref()
        .is_some_and(|s| s != "active" && s != "terminated")
    {
        v.push(FieldError::new(
            "contract_status",
            "invalid_status",
            "合同状态应为 active 或 terminated",
        ));
    }
    let all = all_versions(&mut v, q.versions.as_deref());
    v.finish()?;
    let (limit, offset) = page.expect("validated");
    let kind = kind.map(DisclosureKind::as_str);
    let period = period.map(|p| p.to_string());
    let filter = format!(
        "($1 IS NULL OR d.compound_id = $1) AND ($2 IS NULL OR d.firm_id = $2) \
        AND ($3 IS NULL OR d.kind = $3) AND ($4 IS NULL OR d.period = $4) \
        AND ($5 IS NULL OR c.status = $5){}",
        if all {
            ""
        } else {
            " AND d.superseded_by IS NULL"
        }
    );
    let mut conn = app.db.pool.acquire().await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM disclosure d JOIN contract c ON c.id = d.contract_id WHERE {filter}"
    )))
    .bind(&q.compound)
    .bind(&q.firm)
    .bind(kind)
    .bind(&period)
    .bind(&q.contract_status)
    .fetch_one(&mut *conn)
    .await?;
    let columns = disclosure::COLUMNS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM disclosure d JOIN contract c ON c.id = d.contract_id WHERE {filter} \
         ORDER BY d.published_at DESC, d.id DESC LIMIT $6 OFFSET $7"
    )))
    .bind(&q.compound)
    .bind(&q.firm)
    .bind(kind)
    .bind(&period)
    .bind(&q.contract_status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(disclosure::from_row)
        .collect::<std::result::Result<_, _>>()?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One published budget or accounts. Public.
#[utoipa::path(get, path = "/tenders/disclosures/{did}", tag = "disclosures",
    params(("did" = String, Path, description = "disclosure id")),
    responses((status = 200, body = Disclosure), (status = 404, body = Problem)))]
pub async fn get_disclosure(
    State(app): State<AppState>,
    Path(did): Path<String>,
) -> Result<Json<Disclosure>> {
    let mut conn = app.db.pool.acquire().await?;
    disclosure::load(&mut conn, &did)
        .await?
        .map(Json)
        .ok_or_else(|| no_disclosure().into())
}
