//! `GET /match/plans/progress` (a street's progress list) and `GET /match/plans/rollup`
//! (the streets of a district, or the districts of the city): officials, within their area.
//! What each stage means is `crate::progress`.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::domain::plan::{Stage, StageDue, parse_year};
use shared::domain::roster::format_date;
use shared::domain::{DistrictCode, StreetCode, districts, streets_of};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Query};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::attention::official_area;
use crate::coverage::Area;
use crate::error::Result;
use crate::progress::{self, CompoundProgress, Counts, Link, StageCount, StageState};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    PlanProgress,
    Rollup,
    RollupRow,
    CompoundProgress,
    StageState,
    Link,
    Counts,
    StageCount,
    Stage,
    StageDue,
    Page<CompoundProgress>
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(plan_progress))
        .routes(routes!(plan_rollup))
}

fn name_of(area: &Area) -> String {
    match area {
        Area::City => "成都市".into(),
        Area::District(d) => d.name().into(),
        Area::Street(s) => format!("{}{}", s.district().name(), s.name()),
    }
}

/// 403 unless `asked` lies within the caller's area.
fn require_within(caller: &Area, asked: &Area) -> Result<(), Problem> {
    if caller.covers(asked) {
        Ok(())
    } else {
        Err(Problem::forbidden(format!(
            "{}不在您的管辖范围（{}）内。",
            name_of(asked),
            name_of(caller)
        )))
    }
}

fn year_if_given(s: &str) -> std::result::Result<(), validator::ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(parse_year(s)),
    }
}

fn stage_if_given(s: &str) -> std::result::Result<(), validator::ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Stage::parse(s)),
    }
}

fn flag_if_given(s: &str) -> std::result::Result<(), validator::ValidationError> {
    match s.trim() {
        "" | "true" | "false" => Ok(()),
        _ => Err(validator::ValidationError::new("invalid_boolean")
            .with_message("应为 true 或 false".into())),
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn year_of(q: &Option<String>) -> Option<i32> {
    given(q).map_or(Some(china_today().year()), |y| parse_year(y).ok())
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct ProgressQuery {
    /// The street (9 digits); a street official's own street when left out.
    #[validate(custom(function = "shared::validate::street_code"))]
    pub street: Option<String>,
    /// The plan's year (default this year in China).
    #[validate(custom(function = "year_if_given"))]
    pub year: Option<String>,
    /// Only compounds whose current stage is this one (`survey` … `contract`).
    #[validate(custom(function = "stage_if_given"))]
    pub stage: Option<String>,
    /// `true`: only compounds with an overdue stage; `false`: only those without.
    #[validate(custom(function = "flag_if_given"))]
    pub overdue: Option<String>,
}

const PROGRESS_FIELDS: &[&str] = &["street", "year", "stage", "overdue", "limit", "offset"];

/// A street's plan for a year with its progress list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanProgress {
    pub year: i32,
    pub street_code: String,
    pub street_name: String,
    pub district_code: String,
    pub district_name: String,
    /// The day overdue stages are decided on (today in China), `YYYY-MM-DD`.
    pub as_of: String,
    pub target_compounds: i64,
    pub target_rate_percent: i64,
    pub dues: Vec<StageDue>,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
    /// Counts of every planned compound (whatever the filters).
    pub counts: Counts,
    /// The planned compounds that pass the filters, in the plan's order.
    pub compounds: Page<CompoundProgress>,
}

/// 动态推进清单: a street's planned compounds with every stage (reached with its day and
/// the record it rests on, due, overdue), filtered by current stage and overdue. Officials
/// whose area covers the street; 401 without sign-in, 403 beyond the area, 404 without a
/// plan.
#[utoipa::path(get, path = "/match/plans/progress", tag = "plans", params(ProgressQuery, PageQuery),
    responses((status = 200, body = PlanProgress), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_progress(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<ProgressQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<PlanProgress>> {
    let caller = official_area(&identity)?;
    let mut v = Validation::new();
    v.rules(&q, PROGRESS_FIELDS);
    let page = p.collect(&mut v);
    let street = match (given(&q.street), caller) {
        (Some(s), _) => StreetCode::parse(s).ok(),
        (None, Area::Street(s)) => Some(s),
        (None, _) => {
            v.push(FieldError::new("street", "required", "请指定街道"));
            None
        }
    };
    let stage = given(&q.stage).and_then(|s| Stage::parse(s).ok());
    let overdue = given(&q.overdue).map(|s| s == "true");
    let (street, year, page) = v
        .in_order(PROGRESS_FIELDS)
        .finish_with(|| Some((street?, year_of(&q.year)?, page?)))?;
    require_within(&caller, &Area::Street(street))?;

    let today = china_today();
    let mut conn = app.db.pool.acquire().await?;
    let mut plans = progress::plans(&mut conn, &Area::Street(street), year).await?;
    let plan = plans.remove(street.as_str()).ok_or_else(|| {
        Problem::not_found(format!("{}尚未制定 {year} 年度工作方案。", street.name()))
    })?;
    let facts = progress::facts(&mut conn, &Area::Street(street)).await?;
    let all = progress::compounds(&plan, &facts, today);
    let counts = Counts::of(&all);
    let chosen: Vec<CompoundProgress> = all
        .into_iter()
        .filter(|c| stage.is_none_or(|s| c.stage == Some(s)))
        .filter(|c| overdue.is_none_or(|o| c.overdue == o))
        .collect();
    let (limit, offset) = page.as_usize();
    let total = chosen.len() as i64;
    let items = chosen.into_iter().skip(offset).take(limit).collect();
    Ok(Json(PlanProgress {
        year,
        street_code: street.as_str().into(),
        street_name: street.name().into(),
        district_code: street.district().as_str().into(),
        district_name: street.district().name().into(),
        as_of: format_date(today),
        target_compounds: plan.target_compounds,
        target_rate_percent: plan.target_rate_percent,
        dues: plan.dues,
        version: plan.version,
        updated_at: plan.updated_at,
        updated_by: plan.updated_by,
        counts,
        compounds: page.of(items, total),
    }))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct RollupQuery {
    /// A district: its streets (default: the caller's district, or the city's districts).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
    /// The plans' year (default this year in China).
    #[validate(custom(function = "year_if_given"))]
    pub year: Option<String>,
}

/// One street (or district) of a roll-up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollupRow {
    pub code: String,
    pub name: String,
    /// Streets with a plan for the year (1 or 0 for a street).
    pub plans: i64,
    /// The plans' targets added up (compounds to cover this year).
    pub target_compounds: i64,
    pub counts: Counts,
}

/// The plans of a district's streets, or of the city's districts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rollup {
    pub year: i32,
    /// `YYYY-MM-DD`: the day overdue stages are decided on.
    pub as_of: String,
    /// `city` (rows: districts), `district` (rows: its streets) or `street` (one row).
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    pub rows: Vec<RollupRow>,
    pub total: RollupRow,
}

/// 工作方案汇总: per street of a district (or per district of the city) the plans, targets,
/// compounds at each stage, overdue and contracted. Officials within their area (a street
/// official sees its own street's row); 401 without sign-in, 403 beyond the area.
#[utoipa::path(get, path = "/match/plans/rollup", tag = "plans", params(RollupQuery),
    responses((status = 200, body = Rollup), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_rollup(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<RollupQuery>,
) -> Result<Json<Rollup>> {
    let caller = official_area(&identity)?;
    let mut v = Validation::new();
    v.rules(&q, &["district", "year"]);
    let district = given(&q.district).and_then(|d| DistrictCode::parse(d).ok());
    let year = v.finish_with(|| year_of(&q.year))?;
    let area = match (district, caller) {
        (Some(d), _) => Area::District(d),
        (None, c) => c,
    };
    require_within(&caller, &area)?;

    let today = china_today();
    let mut conn = app.db.pool.acquire().await?;
    let plans = progress::plans(&mut conn, &area, year).await?;
    let facts = progress::facts(&mut conn, &area).await?;
    let mut per_street = std::collections::HashMap::new();
    for (street, plan) in &plans {
        per_street.insert(
            street.clone(),
            (
                plan.target_compounds,
                progress::compounds(plan, &facts, today),
            ),
        );
    }
    let row = |code: String, name: String, streets: &[String]| {
        let mut list = Vec::new();
        let (mut n, mut target) = (0, 0);
        for s in streets {
            if let Some((t, l)) = per_street.get(s) {
                n += 1;
                target += t;
                list.extend(l.iter().cloned());
            }
        }
        RollupRow {
            code,
            name,
            plans: n,
            target_compounds: target,
            counts: Counts::of(&list),
        }
    };
    let street_codes = |d: &DistrictCode| -> Vec<String> {
        streets_of(d).map(|s| s.code.as_str().to_string()).collect()
    };
    let (level, code, rows, all): (&str, Option<String>, Vec<RollupRow>, Vec<String>) = match area {
        Area::City => (
            "city",
            None,
            districts()
                .iter()
                .map(|d| {
                    row(
                        d.code.as_str().into(),
                        d.name.into(),
                        &street_codes(&d.code),
                    )
                })
                .collect(),
            plans.keys().cloned().collect(),
        ),
        Area::District(d) => (
            "district",
            Some(d.as_str().into()),
            streets_of(&d)
                .map(|s| {
                    row(
                        s.code.as_str().into(),
                        s.name.into(),
                        &[s.code.as_str().to_string()],
                    )
                })
                .collect(),
            street_codes(&d),
        ),
        Area::Street(s) => (
            "street",
            Some(s.as_str().into()),
            vec![row(
                s.as_str().into(),
                s.name().into(),
                &[s.as_str().to_string()],
            )],
            vec![s.as_str().to_string()],
        ),
    };
    let total = row(code.clone().unwrap_or_default(), name_of(&area), &all);
    Ok(Json(Rollup {
        year,
        as_of: format_date(today),
        level: level.into(),
        code,
        name: name_of(&area),
        rows,
        total,
    }))
}
