//! The 以奖代补 subsidies API:
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/subsidies`, `GET /catalog/subsidies/{id}` | anyone (a disclosure of public money) |
//! | `POST /catalog/subsidies` | the district official of the compound's district (a record, or a correction naming the record it replaces) |
//!
//! City officials read and never write.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::domain::DistrictCode;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::compounds::Reach;
use crate::error::Result;
use crate::incentives::subsidy::{Subsidy, SubsidyInput};
use crate::incentives::subsidy_store::{self as store, Selection};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(Subsidy, SubsidyInput)))]
pub struct Api;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list, record))
        .routes(routes!(get_one))
}

/// The caller's district, when it is a district official (403 otherwise).
fn recorder(identity: &Identity) -> Result<DistrictCode, Problem> {
    match Reach::of_official(identity) {
        Ok(Reach::District(d)) => Ok(d),
        _ => Err(Problem::forbidden(
            "以奖代补资金由小区所在区县的工作人员登记。",
        )),
    }
}

/// Filters of the list; bad values answer 422 naming the parameter.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SubsidyQuery {
    /// Only this compound (id).
    pub compound: Option<String>,
    /// Only this district (6-digit code).
    pub district: Option<String>,
    /// `true`: only records no correction replaced; `false`: only the replaced ones.
    pub current: Option<String>,
}

/// The subsidies recorded, newest first, corrections and the records they replaced
/// included (each names the other). Public.
#[utoipa::path(get, path = "/catalog/subsidies", tag = "incentives",
    params(SubsidyQuery, PageQuery),
    responses((status = 200, body = Page<Subsidy>), (status = 422, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<SubsidyQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Subsidy>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let district = q
        .district
        .as_deref()
        .and_then(|d| v.field("district", DistrictCode::parse(d)));
    let current = match q.current.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            v.push(FieldError::new(
                "current",
                "invalid_boolean",
                "current 应为 true 或 false",
            ));
            None
        }
    };
    let page = v.finish_with(|| page)?;
    let s = Selection {
        compound: q.compound,
        district,
        current,
    };
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(store::list(&mut conn, &s, page).await?))
}

/// One subsidy record. Public.
#[utoipa::path(get, path = "/catalog/subsidies/{id}", tag = "incentives",
    params(("id" = String, Path, description = "subsidy id")),
    responses((status = 200, body = Subsidy), (status = 404, body = Problem)))]
pub async fn get_one(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Subsidy>> {
    let mut conn = app.db.pool.acquire().await?;
    let s = store::load(&mut conn, &id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这条补助记录。"))?;
    Ok(Json(s))
}

/// The district official records a 以奖代补 subsidy of a compound of its district: the
/// amount in fen (1 – 1,000,000,000), the reason, the period it rewards and the approval
/// document's 文号; or a correction (`corrects` with `correction_reason`), a new record
/// that replaces the one it names (the old one stays, marked `corrected_by`). 403 for
/// anyone else or a compound of another district; 409 `already_corrected`. Feed: topic
/// `subsidy`, kind `recorded` or `corrected`.
#[utoipa::path(post, path = "/catalog/subsidies", tag = "incentives",
    request_body = SubsidyInput,
    responses((status = 201, body = Subsidy), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record(
    State(app): State<AppState>,
    identity: Identity,
    body: LateJson<SubsidyInput>,
) -> Result<(StatusCode, Json<Subsidy>)> {
    let district = recorder(&identity)?;
    let subsidy = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let saved = store::record(&mut tx, &subsidy, district, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(saved)))
}
