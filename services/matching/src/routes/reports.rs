//! `GET /match/reports/monthly` (每月调度: officials, within their area) and
//! `GET /match/reports/bulletin` (季度通报 with the year's ranking: public, as the plan has
//! it notified). The figures are `crate::reports`, `crate::coverage` and
//! `crate::satisfaction`'s; the rankings are the statistics' own (`ranking_items`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::domain::DistrictCode;
use shared::domain::roster::format_date;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Query};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

use super::statistics::{RankingItem, TargetView, described, ranking_items};
use crate::attention::{self, CompoundWithBlacklistedFirm, official_area};
use crate::coverage::{Area, Figures, Tally};
use crate::error::Result;
use crate::funds::{self, FundFlag};
use crate::progress::Counts;
use crate::reports::{self, ContractEvent, Month, OverdueItem, SubsidySum};
use crate::satisfaction::{self, Level, Measure, Period};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    MonthlyReport,
    MonthlyRow,
    TargetProgress,
    ContractEvent,
    OverdueItem,
    SubsidySum,
    Bulletin
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(monthly_report))
        .routes(routes!(quarterly_bulletin))
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn month_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Month::parse(s)),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct MonthlyQuery {
    /// The month, `YYYY-MM` (default: this month, so far).
    #[validate(custom(function = "month_if_given"))]
    pub month: Option<String>,
    /// A district (default: the caller's area; the association's is the city).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
}

/// A plan target and what it takes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetProgress {
    pub due: String,
    pub percent: String,
    /// Compounds to cover for it: ceil(rate × eligible) at the month's end.
    pub needed: i64,
    /// How many more than covered.
    pub gap_compounds: i64,
    pub met: bool,
}

/// A street (or district) of the monthly report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyRow {
    pub code: String,
    pub name: String,
    /// Coverage at the month's end against the target in force.
    pub coverage: Figures,
    /// Covered compounds at the month's end minus at the previous month's end.
    pub covered_change: i64,
    /// The year's work plans: compounds per stage, overdue, contracted, at the month's end.
    pub plans: Counts,
    /// 以奖代补 subsidies first recorded in the month (corrections replace what they correct).
    pub subsidies: SubsidySum,
}

/// 每月调度.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyReport {
    /// `2026-11`.
    pub month: String,
    /// `city` (rows: districts), `district` (rows: its streets) or `street`.
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    /// The month's first day.
    pub from: String,
    /// The month's last day, or today while the month runs.
    pub as_of: String,
    /// The month is not over yet.
    pub partial: bool,
    /// The target in force at `as_of`.
    pub target: TargetView,
    /// Every target of the plan (30/70/100 %) against the month's end.
    pub targets: Vec<TargetProgress>,
    pub coverage: Figures,
    /// At the previous month's end.
    pub previous: Figures,
    pub covered_change: i64,
    pub rows: Vec<MonthlyRow>,
    pub plans: Counts,
    /// Planned compounds with an overdue stage at `as_of` (at most 500 listed).
    pub overdue: Vec<OverdueItem>,
    pub overdue_total: i64,
    /// Contracts signed in the month.
    pub new_contracts: Vec<ContractEvent>,
    /// Contracts whose last day of service fell in the month.
    pub terminations: Vec<ContractEvent>,
    /// Compounds whose live contract is with a firm blacklisted at `as_of`.
    pub blacklisted: Vec<CompoundWithBlacklistedFirm>,
    /// 以奖代补 subsidies first recorded in the month, summed from the records.
    pub subsidies: SubsidySum,
    /// Compounds whose service fund is flagged in its latest month up to this one (in
    /// deficit for `[tender] fund_deficit_months` months running, or pooling no common
    /// revenue).
    pub funds_flagged: Vec<FundFlag>,
}

const MAX_OVERDUE: usize = 500;

/// 每月调度: a district's (or the city's) coverage at the month's end against the 30/70/100 %
/// targets and its change in the month, per street (district), the work plans' compounds per
/// stage and overdue items, new contracts, terminations and the blacklist's effects.
/// Officials within their area; 401 without sign-in, 403 beyond it.
#[utoipa::path(get, path = "/match/reports/monthly", tag = "reports", params(MonthlyQuery),
    responses((status = 200, body = MonthlyReport), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn monthly_report(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<MonthlyQuery>,
) -> Result<Json<MonthlyReport>> {
    let caller = official_area(&identity)?;
    let mut v = Validation::new();
    v.rules(&q, &["month", "district"]);
    let today = china_today();
    let month = given(&q.month).map_or(Some(Month::of(today)), |m| Month::parse(m).ok());
    if month.is_some_and(|m| m.first_day() > today) {
        v.push(FieldError::new(
            "month",
            "in_the_future",
            "不能查看尚未开始的月份",
        ));
    }
    let district = given(&q.district).and_then(|d| DistrictCode::parse(d).ok());
    let month = v.finish_with(|| month)?;
    let area = district.map_or(caller, Area::District);
    if !caller.covers(&area) {
        return Err(Problem::forbidden("该区县不在您的管辖范围内。").into());
    }
    let as_of = month.last_day().min(today);
    let before = month.previous().last_day();
    let (now_rows, before_rows) = app
        .coverage
        .read(&app.db, |history| {
            (
                reports::tallies_by_row(history, &area, as_of),
                reports::tallies_by_row(history, &area, before),
            )
        })
        .await?;
    let mut conn = app.db.pool.acquire().await?;
    let total = |rows: &std::collections::BTreeMap<String, Tally>| {
        let mut t = Tally::default();
        rows.values().for_each(|x| t.add(*x));
        t
    };
    let (t_now, t_before) = (total(&now_rows), total(&before_rows));
    let target = app.policy.target_on(as_of);
    let planned = reports::plan_progress(&mut conn, &area, month.year(), as_of).await?;
    let subsidies = reports::subsidies_by_row(&mut conn, &area, month.first_day(), as_of).await?;
    let rows = reports::rows_of(&area)
        .into_iter()
        .map(|(code, name)| {
            let n = now_rows.get(&code).copied().unwrap_or_default();
            let b = before_rows.get(&code).copied().unwrap_or_default();
            let by_district = area == Area::City;
            MonthlyRow {
                coverage: Figures::of(n, &target),
                covered_change: n.covered - b.covered,
                plans: reports::counts_where(&planned, |s| {
                    if by_district {
                        s.starts_with(code.as_str())
                    } else {
                        s == code
                    }
                }),
                subsidies: subsidies.get(&code).copied().unwrap_or_default(),
                code,
                name,
            }
        })
        .collect();
    let overdue = reports::overdue_items(&planned);
    let (new_contracts, terminations) =
        reports::contract_events(&mut conn, &area, month.first_day(), as_of).await?;
    let blacklisted = attention::lists(&mut conn, &area, as_of)
        .await?
        .compounds_with_blacklisted_firm;
    let funds_flagged = funds::flagged(&mut conn, &area, Some(&month.to_string())).await?;
    let (level, code, name) = described(&area);
    Ok(Json(MonthlyReport {
        month: month.to_string(),
        level: level.into(),
        code,
        name,
        from: format_date(month.first_day()),
        as_of: format_date(as_of),
        partial: as_of < month.last_day(),
        target: target.into(),
        targets: app
            .policy
            .coverage_targets
            .iter()
            .map(|t| {
                let f = Figures::of(t_now, t);
                TargetProgress {
                    due: format_date(t.due),
                    percent: t.percent(),
                    needed: f.covered + f.gap_compounds,
                    gap_compounds: f.gap_compounds,
                    met: f.target_met.unwrap_or(false),
                }
            })
            .collect(),
        coverage: Figures::of(t_now, &target),
        previous: Figures::of(t_before, &app.policy.target_on(before)),
        covered_change: t_now.covered - t_before.covered,
        rows,
        plans: reports::counts_where(&planned, |_| true),
        overdue_total: overdue.len() as i64,
        overdue: overdue.into_iter().take(MAX_OVERDUE).collect(),
        new_contracts,
        terminations,
        blacklisted,
        subsidies: subsidies
            .values()
            .fold(SubsidySum::default(), |a, b| SubsidySum {
                count: a.count + b.count,
                amount_fen: a.amount_fen + b.amount_fen,
            }),
        funds_flagged,
    }))
}

fn period_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Period::parse(s)),
    }
}

fn measure_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Measure::parse(s)),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct BulletinQuery {
    /// The quarter, `2026-Q3` (default: the last quarter that has ended).
    #[validate(custom(function = "period_if_given"))]
    pub period: Option<String>,
    /// `satisfaction` (the satisfaction rate) or `low_satisfaction` (the share of surveyed
    /// compounds with a low rate); default: the policy's.
    #[validate(custom(function = "measure_if_given"))]
    pub measure: Option<String>,
}

/// 季度通报 and 年度排名.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bulletin {
    pub period: String,
    pub previous_period: String,
    pub year: i32,
    /// `satisfaction` or `low_satisfaction`.
    pub measure: String,
    /// The measure and the rule, in words.
    pub rule: String,
    /// Districts citywide, by rank.
    pub districts: Vec<RankingItem>,
    /// Streets within their district, by district then rank.
    pub streets: Vec<RankingItem>,
    /// The bottom three of the districts (后三位), by name.
    pub bottom_three_districts: Vec<String>,
    /// Districts and streets in the bottom three twice in a row (连续两次排名后三位): to be
    /// publicly notified.
    pub notified_districts: Vec<RankingItem>,
    pub notified_streets: Vec<RankingItem>,
    /// The year's ranking (年度排名): the surveys of the year's quarters up to `period`; the
    /// "previous" of its items is the year before.
    pub year_districts: Vec<RankingItem>,
    pub year_streets: Vec<RankingItem>,
}

/// 季度通报: districts ranked citywide and streets within their district by the plan's
/// measure (default the satisfaction rate; `measure=low_satisfaction` the share of surveyed
/// compounds with a low rate), the bottom three named, those in the bottom three twice in a
/// row flagged to be notified, and the year's ranking. Public, as the plan notifies it.
#[utoipa::path(get, path = "/match/reports/bulletin", tag = "reports", params(BulletinQuery),
    responses((status = 200, body = Bulletin), (status = 422, body = Problem)))]
pub async fn quarterly_bulletin(
    State(app): State<AppState>,
    Query(q): Query<BulletinQuery>,
) -> Result<Json<Bulletin>> {
    let mut v = Validation::new();
    v.rules(&q, &["period", "measure"]);
    let period = given(&q.period).map_or(Some(Period::last_ended(china_today())), |p| {
        Period::parse(p).ok()
    });
    let measure = given(&q.measure).map_or_else(
        || Measure::parse(&app.policy.bulletin_measure).ok(),
        |m| Measure::parse(m).ok(),
    );
    let (period, measure) = v.finish_with(|| Some((period?, measure?)))?;
    let low = app.policy.low_satisfaction_percent;
    let previous = period.previous();
    let year: Vec<Period> = Period::quarters(period.year())
        .into_iter()
        .filter(|p| *p <= period)
        .collect();
    let last_year = Period::quarters(period.year() - 1);
    let mut conn = app.db.pool.acquire().await?;
    let now = satisfaction::compounds(&mut conn, &[period]).await?;
    let before = satisfaction::compounds(&mut conn, &[previous]).await?;
    let this_year = satisfaction::compounds(&mut conn, &year).await?;
    let year_before = satisfaction::compounds(&mut conn, &last_year).await?;
    let ranked = |level, now: &_, before: &_| {
        ranking_items(
            level,
            &satisfaction::aggregate(now, level, measure, low),
            &satisfaction::aggregate(before, level, measure, low),
            None,
        )
    };
    let districts = ranked(Level::District, &now, &before);
    let streets = ranked(Level::Street, &now, &before);
    Ok(Json(Bulletin {
        period: period.to_string(),
        previous_period: previous.to_string(),
        year: period.year(),
        measure: measure.as_str().into(),
        rule: match measure {
            Measure::Satisfaction => {
                "按满意率排名：满意率 =（满意 + 基本满意）÷ 参评人数，按各小区参评人数加权汇总。"
                    .to_string()
            }
            Measure::LowSatisfaction => format!(
                "按满意率低的小区占比排名：满意率低于 {low}% 的小区为满意率低的小区；占比越低排名越前（条目中 satisfied 为满意率不低的小区数，dissatisfied 为满意率低的小区数，rate 为满意率不低的小区占比）。"
            ),
        } + "街道在所属区县内排名，区县在全市排名；组内参评单位多于三个时，排名严格低于本单位的不足三个即为后三位（并列一并计入），本期与上期均为后三位的予以通报。",
        bottom_three_districts: districts
            .iter()
            .filter(|d| d.bottom_three)
            .map(|d| d.name.clone())
            .collect(),
        notified_districts: districts.iter().filter(|d| d.notify).cloned().collect(),
        notified_streets: streets.iter().filter(|s| s.notify).cloned().collect(),
        year_districts: ranked(Level::District, &this_year, &year_before),
        year_streets: ranked(Level::Street, &this_year, &year_before),
        districts,
        streets,
    }))
}
