//! The work plans API (工作方案):
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/plans/{street}/{year}` | officials whose reach covers the street (its street, its district, the city) |
//! | `PUT /catalog/plans/{street}/{year}` | the street's own officials |
//! | `POST /catalog/plans/{street}/{year}/stages` | the street's own officials |

use axum::extract::{Path, State};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::domain::StreetCode;
use shared::domain::plan::parse_year;
use shared::error::Problem;
use shared::extract::Json;
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::compounds::Reach;
use crate::error::Result;
use crate::plans::{self, PlanDues, PlanInput, StageDue, StageInput, StageRecord, WorkPlan};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    WorkPlan,
    StageDue,
    StageRecord,
    shared::domain::plan::Stage,
    PlanInput,
    PlanDues,
    StageInput
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(get_plan, put_plan))
        .routes(routes!(record_stage))
}

/// The street and year of the path; 404 for a street or year that does not exist.
fn place(street: &str, year: &str) -> Result<(StreetCode, i32), Problem> {
    let street = StreetCode::parse(street).map_err(|_| Problem::not_found("没有这个街道。"))?;
    let year = parse_year(year).map_err(|e| Problem::not_found(e.message))?;
    Ok((street, year))
}

/// The caller's reach when it covers `street` (403 otherwise).
fn reader(identity: &Identity, street: StreetCode) -> Result<Reach, Problem> {
    let reach = Reach::to_read(identity)?;
    if reach.covers(street) {
        Ok(reach)
    } else {
        Err(Problem::forbidden(format!(
            "{}{}的工作方案不在您的管辖范围（{}）内。",
            street.district().name(),
            street.name(),
            reach.describe()
        )))
    }
}

/// 403 unless the caller is an official of `street` itself.
fn editor(identity: &Identity, street: StreetCode) -> Result<(), Problem> {
    match reader(identity, street)? {
        Reach::Street(_) => Ok(()),
        _ => Err(Problem::forbidden(
            "工作方案由街道工作人员制定和填报，区县和全市只能查看。",
        )),
    }
}

/// A street's work plan for a year, with the stages it recorded.
#[utoipa::path(get, path = "/catalog/plans/{street}/{year}", tag = "plans",
    params(("street" = String, Path, description = "street code (9 digits)"),
           ("year" = String, Path, description = "the plan's year, e.g. 2024")),
    responses((status = 200, body = WorkPlan), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_plan(
    State(app): State<AppState>,
    identity: Identity,
    Path((street, year)): Path<(String, String)>,
) -> Result<Json<WorkPlan>> {
    let (street, year) = place(&street, &year)?;
    reader(&identity, street)?;
    let mut conn = app.db.pool.acquire().await?;
    let plan = plans::store::load(&mut conn, street, year).await?;
    Ok(Json(
        plan.ok_or_else(|| plans::store::not_found(street, year))?,
    ))
}

/// Creates or replaces the street's plan for a year (the whole plan). The street's own
/// officials only; a stale `version` is 409 `stale_version`.
#[utoipa::path(put, path = "/catalog/plans/{street}/{year}", tag = "plans",
    params(("street" = String, Path, description = "street code (9 digits)"),
           ("year" = String, Path, description = "the plan's year, e.g. 2024")),
    request_body = PlanInput,
    responses((status = 200, body = WorkPlan), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_plan(
    State(app): State<AppState>,
    identity: Identity,
    Path((street, year)): Path<(String, String)>,
    Json(input): Json<PlanInput>,
) -> Result<Json<WorkPlan>> {
    let (street, year) = place(&street, &year)?;
    editor(&identity, street)?;
    let plan = input.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let saved = plans::store::save(&mut tx, street, year, &plan, &identity).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Records a stage only people know (动员 or 自治组织) for a compound of the plan, with its
/// day and a note; recording it again replaces them. The street's own officials only.
#[utoipa::path(post, path = "/catalog/plans/{street}/{year}/stages", tag = "plans",
    params(("street" = String, Path, description = "street code (9 digits)"),
           ("year" = String, Path, description = "the plan's year, e.g. 2024")),
    request_body = StageInput,
    responses((status = 200, body = WorkPlan), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record_stage(
    State(app): State<AppState>,
    identity: Identity,
    Path((street, year)): Path<(String, String)>,
    Json(input): Json<StageInput>,
) -> Result<Json<WorkPlan>> {
    let (street, year) = place(&street, &year)?;
    editor(&identity, street)?;
    let stage = input.check(china_today())?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let saved = plans::store::record_stage(&mut tx, street, year, &stage, &identity).await?;
    tx.commit().await?;
    Ok(Json(saved))
}
