//! Transparency (信息公开): a contract's firm or its compound's committee publishes the
//! annual budget and periodic accounts; everyone reads them (see [`crate::disclosure`]).
//! Each handler parses the request, calls the domain and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

use crate::award::records::{self, Contract, ContractStatus};
use crate::disclosure::{
    CorrectionInput, Disclosure, DisclosureInput, DisclosureKind, Income, Publisher, Spending,
    steps, store,
};
use crate::error::Result;
use crate::period::Period;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Disclosure,
    DisclosureInput,
    CorrectionInput,
    DisclosureKind,
    Income,
    Spending,
    Publisher
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(contract_disclosures, publish_disclosure))
        .routes(routes!(list_disclosures))
        .routes(routes!(get_disclosure))
        .routes(routes!(correct_disclosure))
        .routes(routes!(disclosure_versions))
}

/// `versions=all` lists every version (superseded ones included); `current`, blank or
/// absent only current ones.
fn all_versions(versions: Option<&str>) -> bool {
    versions.map(str::trim) == Some("all")
}

/// `versions` as a query parameter: `current` or `all` (blank: current), a field rule.
fn versions_rule(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" | "current" | "all" => Ok(()),
        _ => Err(ValidationError::new("invalid_versions")),
    }
}

fn no_contract() -> Problem {
    Problem::not_found("没有这份合同。")
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
    body: LateJson<DisclosureInput>,
) -> Result<(StatusCode, Json<Disclosure>)> {
    let c = contract(&app, &cid).await?;
    let by = steps::publisher(&identity, &c)?;
    let checked = steps::check(&body.value()?, &c)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let d = steps::publish(&mut tx, &c, checked, by, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// A contract, or 404.
async fn contract(app: &AppState, cid: &str) -> Result<Contract> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(records::contract(&mut conn, cid)
        .await?
        .ok_or_else(no_contract)?)
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
    body: LateJson<CorrectionInput>,
) -> Result<(StatusCode, Json<Disclosure>)> {
    let old = {
        let mut conn = app.db.pool.acquire().await?;
        store::load(&mut conn, &did)
            .await?
            .ok_or_else(no_disclosure)?
    };
    let c = contract(&app, &old.contract_id).await?;
    let by = steps::publisher(&identity, &c)?;
    let checked = body.value()?.check(&old)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let d = steps::correct(&mut tx, &c, &old, checked, by, &identity, &app.policy).await?;
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
    let d = store::load(&mut conn, &did)
        .await?
        .ok_or_else(no_disclosure)?;
    Ok(Json(store::versions(&mut conn, &d).await?))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct ContractDisclosureQuery {
    /// `budget` | `accounts`.
    pub kind: Option<String>,
    /// `current` (default): only current versions; `all`: corrected ones too.
    #[validate(custom(
        function = "versions_rule",
        code = "invalid_versions",
        message = "versions 应为 current（仅现行版本）或 all（含已更正的版本）"
    ))]
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
    v.rules(&q, &["kind", "versions"]);
    v.finish()?;
    let all = all_versions(q.versions.as_deref());
    let mut conn = app.db.pool.acquire().await?;
    records::contract(&mut conn, &cid)
        .await?
        .ok_or_else(no_contract)?;
    let list = store::of_contract(&mut conn, &cid).await?;
    Ok(Json(
        list.into_iter()
            .filter(|d| kind.is_none_or(|k| d.kind == k))
            .filter(|d| all || d.superseded_by.is_none())
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
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
    #[validate(custom(
        function = "records::contract_status",
        code = "invalid_status",
        message = "合同状态应为 active 或 terminated"
    ))]
    pub contract_status: Option<String>,
    /// `current` (default): only current versions; `all`: corrected ones too.
    #[validate(custom(
        function = "versions_rule",
        code = "invalid_versions",
        message = "versions 应为 current（仅现行版本）或 all（含已更正的版本）"
    ))]
    pub versions: Option<String>,
}

/// Published budgets and accounts, newest first, e.g. one compound's: current versions, or
/// with `versions=all` corrected ones too. Public.
#[utoipa::path(get, path = "/tenders/disclosures", tag = "disclosures", params(DisclosureQuery, PageQuery),
    responses((status = 200, body = Page<Disclosure>), (status = 422, body = Problem)))]
pub async fn list_disclosures(
    State(app): State<AppState>,
    Query(q): Query<DisclosureQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Disclosure>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let filter = q.check(&mut v);
    let page = v.finish_with(|| page)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(store::list(&mut conn, &filter, page).await?))
}

impl DisclosureQuery {
    /// The filter, each bad parameter reported in `v` (in the order of the parameters).
    fn check(&self, v: &mut Validation) -> store::Filter {
        let kind = self
            .kind
            .as_deref()
            .and_then(|k| v.field("kind", DisclosureKind::parse(k)));
        let period = self
            .period
            .as_deref()
            .and_then(|p| v.field("period", Period::parse(p)));
        v.rules(self, &["contract_status", "versions"]);
        store::Filter {
            compound: self.compound.clone(),
            firm: self.firm.clone(),
            kind,
            period: period.map(|p| p.to_string()),
            contract_status: self
                .contract_status
                .as_deref()
                .and_then(ContractStatus::parse),
            all_versions: all_versions(self.versions.as_deref()),
        }
    }
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
    store::load(&mut conn, &did)
        .await?
        .map(Json)
        .ok_or_else(|| no_disclosure().into())
}
