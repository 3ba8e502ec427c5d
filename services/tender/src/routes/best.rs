//! The annual 百佳示范小区 list, tender's record (see `crate::best`):
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /tenders/best/{year}/candidates` | officials and the association, the candidates of their area |
//! | `PUT /tenders/best/{year}` | city officials only (the one write a city official makes) |
//! | `POST /tenders/best/{year}/publication` | city officials only |
//! | `GET /tenders/best/{year}` | anyone once published; before, city officials and the association |

use axum::extract::{Path, State};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::domain::plan::parse_year;
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson};
use shared::feed::WriteTx;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::best::{self, BestEntry, BestList, Candidate, Candidates};
use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(BestList, BestEntry, Candidate, Candidates, SelectionInput)))]
pub struct Api;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(get_list, select))
        .routes(routes!(candidates))
        .routes(routes!(publish))
}

/// The year of the path (404 for one that is not 2023–2100 or is still to come).
fn year_of(year: &str) -> Result<i32, Problem> {
    let y = parse_year(year).map_err(|e| Problem::not_found(e.message))?;
    if y > shared::clock::china_today().year() {
        return Err(Problem::not_found(format!("{y} 年度尚未开始。")));
    }
    Ok(y)
}

/// 403 unless the caller is a city official.
fn selector(identity: &Identity) -> Result<(), Problem> {
    if identity.is_city_official() {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "百佳示范小区名单由市级工作人员遴选和公布。",
        ))
    }
}

/// Which candidates an official sees: association staff and city officials the city's,
/// a district official their district's, a street official their street's; 403 for every
/// other role or a scope that names no district or street.
fn area_filter(identity: &Identity) -> Result<impl Fn(&Candidate) -> bool, Problem> {
    identity.require_any(&[
        Role::Association,
        Role::CityOfficial,
        Role::DistrictOfficial,
        Role::StreetOfficial,
    ])?;
    let (district, street) = match (identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => (None, None),
        (Role::DistrictOfficial, Scope::District(d)) => (Some(d.clone()), None),
        (Role::StreetOfficial, Scope::Street(s)) => (None, Some(s.clone())),
        _ => return Err(Problem::forbidden("账号的管辖范围无效，请联系管理员。")),
    };
    Ok(move |c: &Candidate| {
        district.as_ref().is_none_or(|d| *d == c.district_code)
            && street.as_ref().is_none_or(|s| *s == c.street_code)
    })
}

/// The compounds selected, in the list's order.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
pub struct SelectionInput {
    /// Candidate compound ids, at most 100, none twice.
    #[validate(length(max = 100, message = "百佳示范小区最多遴选 100 个"))]
    pub compounds: Vec<String>,
}

/// The year's candidates, ranked by satisfaction in the year's surveys and then by months
/// continuously served without a termination (see `best.rs`), within the caller's area
/// (the city for city officials and the association).
#[utoipa::path(get, path = "/tenders/best/{year}/candidates", tag = "incentives",
    params(("year" = String, Path, description = "the year, e.g. 2026")),
    responses((status = 200, body = Candidates), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn candidates(
    State(app): State<AppState>,
    identity: Identity,
    Path(year): Path<String>,
) -> Result<Json<Candidates>> {
    let in_area = area_filter(&identity)?;
    let year = year_of(&year)?;
    let mut conn = app.db.pool.acquire().await?;
    let mut found = best::candidates(&mut conn, year).await?;
    found.items.retain(in_area);
    Ok(Json(found))
}

/// The year's list: anyone once published; before, city officials and the association
/// (404 for everyone else).
#[utoipa::path(get, path = "/tenders/best/{year}", tag = "incentives",
    params(("year" = String, Path, description = "the year, e.g. 2026")),
    responses((status = 200, body = BestList), (status = 404, body = Problem)))]
pub async fn get_list(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(year): Path<String>,
) -> Result<Json<BestList>> {
    let year = year_of(&year)?;
    let mut conn = app.db.pool.acquire().await?;
    let insider = identity
        .as_ref()
        .is_some_and(|i| i.is_city_official() || i.role == Role::Association);
    match best::load(&mut conn, year).await? {
        Some(list) if list.published_at.is_some() || insider => Ok(Json(list)),
        _ => Err(Problem::not_found(format!("{year} 年度百佳示范小区名单尚未公布。")).into()),
    }
}

/// A city official selects the year's list from the candidates (the whole list, in order;
/// it replaces the one kept): at most 100, each a candidate now (422 `not_a_candidate`),
/// each with its figures at this moment; 409 `already_published` once published. Feed:
/// tender's topic `best_list`, kind `selected`.
#[utoipa::path(put, path = "/tenders/best/{year}", tag = "incentives",
    params(("year" = String, Path, description = "the year, e.g. 2026")),
    request_body = SelectionInput,
    responses((status = 200, body = BestList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn select(
    State(app): State<AppState>,
    identity: Identity,
    Path(year): Path<String>,
    body: LateJson<SelectionInput>,
) -> Result<Json<BestList>> {
    selector(&identity)?;
    let year = year_of(&year)?;
    let input = body.value()?;
    let mut v = Validation::new();
    v.rules(&input, &["compounds"]);
    v.finish()?;
    let compounds: Vec<String> = input
        .compounds
        .iter()
        .map(|c| c.trim().to_string())
        .collect();
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let list = best::select(&mut tx, year, &compounds, &identity.name).await?;
    tx.commit().await?;
    Ok(Json(list))
}

/// A city official publishes the year's list; then it is public and fixed. 404 before a
/// selection, 422 `empty_list`, 409 `already_published`. Feed: topic `best_list`, kind
/// `published`.
#[utoipa::path(post, path = "/tenders/best/{year}/publication", tag = "incentives",
    params(("year" = String, Path, description = "the year, e.g. 2026")),
    responses((status = 200, body = BestList), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(app): State<AppState>,
    identity: Identity,
    Path(year): Path<String>,
) -> Result<Json<BestList>> {
    selector(&identity)?;
    let year = year_of(&year)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let list = best::publish_list(&mut tx, year, &identity.name).await?;
    tx.commit().await?;
    Ok(Json(list))
}
