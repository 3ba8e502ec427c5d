//! `GET /match/coverage`, `/match/coverage/history`, `/match/satisfaction/ranking` (public)
//! and `/match/attention` (officials).
//!
//! Coverage and the satisfaction ranking are public information (the plan publishes both);
//! the attention lists are the officials' work lists for their own area, so they need an
//! official's sign-in: the facts they rest on (the roster, the blacklist, contracts) are
//! public elsewhere, but the compiled list of compounds to act on is addressed to the
//! officials responsible for them.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::domain::roster::{Date, format_date, parse_date};
use shared::domain::{DistrictCode, StreetCode, districts, streets_of};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Query};
use time::Month;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

use crate::attention::{self, CompoundWithBlacklistedFirm, LiveContract, SupervisedFirm};
use crate::coverage::{Area, Figures, Tally};
use crate::error::Result;
use crate::funds::FundFlag;
use crate::inspections::{Pending, PendingInspection};
use crate::policy::{CoverageTarget, percent_of_basis_points};
use crate::satisfaction::{self, Level, Period};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    CoverageReport,
    AreaFigures,
    TargetView,
    Figures,
    CoverageHistory,
    HistoryPoint,
    Ranking,
    RankingItem,
    Attention,
    SupervisedFirm,
    CompoundWithBlacklistedFirm,
    LiveContract,
    Pending,
    PendingInspection
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(coverage_report))
        .routes(routes!(coverage_history))
        .routes(routes!(satisfaction_ranking))
        .routes(routes!(attention_lists))
}

/// An optional query value: absent, empty and blank are all "not given".
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date that passed its field rule, if given.
fn date_param(value: &Option<String>) -> Option<Date> {
    given(value).and_then(|s| parse_date(s).ok())
}

/// The area named by `district` and/or `street`, which passed their field rules; a street
/// must lie in the district (a cross-field rule).
fn area_param(
    v: &mut Validation,
    district: &Option<String>,
    street: &Option<String>,
) -> Option<Area> {
    let d = given(district).map(|s| DistrictCode::parse(s).ok());
    let s = given(street).map(|s| StreetCode::parse(s).ok());
    match (d, s) {
        (Some(Some(d)), Some(Some(s))) if s.district() != d => {
            v.push(FieldError::new(
                "street",
                "street_not_in_district",
                format!("{}不属于{}", s.name(), d.name()),
            ));
            None
        }
        (_, Some(Some(s))) => Some(Area::Street(s)),
        (Some(Some(d)), None) => Some(Area::District(d)),
        (None, None) => Some(Area::City),
        _ => None,
    }
}

/// An area's level (`city`, `district`, `street`), code and Chinese name.
pub fn described(area: &Area) -> (&'static str, Option<String>, String) {
    match area {
        Area::City => ("city", None, CITY_NAME.to_string()),
        Area::District(d) => (
            "district",
            Some(d.as_str().to_string()),
            d.name().to_string(),
        ),
        Area::Street(s) => ("street", Some(s.as_str().to_string()), s.name().to_string()),
    }
}

/// The target in force.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TargetView {
    /// The day by which it is to be reached, `YYYY-MM-DD`.
    pub due: String,
    /// A fraction, e.g. 0.7.
    pub rate: f64,
    /// E.g. `70%`.
    pub percent: String,
}

impl From<CoverageTarget> for TargetView {
    fn from(t: CoverageTarget) -> Self {
        Self {
            due: format_date(t.due),
            rate: t.basis_points() as f64 / 10_000.0,
            percent: percent_of_basis_points(t.basis_points()),
        }
    }
}

/// Coverage of the city, a district or a street.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AreaFigures {
    /// `city`, `district` or `street`.
    pub level: String,
    /// The district or street code; `null` for the city.
    pub code: Option<String>,
    /// 成都市, 锦江区, 锦官驿街道 ….
    pub name: String,
    /// A street's district.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

const CITY_NAME: &str = "成都市";

/// Coverage on a day: citywide, per district, and per street of a district or for a street.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageReport {
    /// The day, `YYYY-MM-DD`.
    pub as_of: String,
    /// The target in force that day (the first not yet due; after the last, the last).
    pub target: TargetView,
    pub city: AreaFigures,
    /// Every district, by code.
    pub districts: Vec<AreaFigures>,
    /// Every street of the district asked for, or the street asked for; else empty.
    pub streets: Vec<AreaFigures>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct CoverageQuery {
    /// The day, `YYYY-MM-DD` (default today in China).
    #[validate(custom(function = "shared::validate::date_if_given"))]
    pub as_of: Option<String>,
    /// A district code: adds its streets.
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
    /// A street code: adds that street (must lie in `district` when both are given).
    #[validate(custom(function = "shared::validate::street_code"))]
    pub street: Option<String>,
}

/// 覆盖率: covered ÷ eligible-and-willing old compounds on a day, citywide, per district
/// and per street, against the target in force. Public.
#[utoipa::path(get, path = "/match/coverage", tag = "statistics", params(CoverageQuery),
    responses((status = 200, body = CoverageReport), (status = 422, body = Problem)))]
pub async fn coverage_report(
    State(app): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<CoverageReport>> {
    let mut v = Validation::new();
    v.rules(&q, &["as_of", "district", "street"]);
    let as_of = date_param(&q.as_of);
    let area = area_param(&mut v, &q.district, &q.street);
    let area = v.finish_with(|| area)?;
    let day = as_of.unwrap_or_else(china_today);
    let target = app.policy.target_on(day);

    let by_street = app.coverage.tally(&app.db, Area::City, day).await?;
    let sum = |pick: &dyn Fn(&str, &str) -> bool| {
        let mut t = Tally::default();
        for ((d, s), x) in by_street.iter() {
            if pick(d, s) {
                t.add(*x);
            }
        }
        t
    };
    let city = AreaFigures {
        level: "city".into(),
        code: None,
        name: CITY_NAME.into(),
        district_code: None,
        figures: Figures::of(sum(&|_, _| true), &target),
    };
    let districts = districts()
        .iter()
        .map(|d| AreaFigures {
            level: "district".into(),
            code: Some(d.code.as_str().into()),
            name: d.name.into(),
            district_code: None,
            figures: Figures::of(sum(&|code, _| code == d.code.as_str()), &target),
        })
        .collect();
    let street_figures = |s: StreetCode| AreaFigures {
        level: "street".into(),
        code: Some(s.as_str().into()),
        name: s.name().into(),
        district_code: Some(s.district().as_str().into()),
        figures: Figures::of(sum(&|_, code| code == s.as_str()), &target),
    };
    let streets = match area {
        Area::City => Vec::new(),
        Area::District(d) => streets_of(&d).map(|s| street_figures(s.code)).collect(),
        Area::Street(s) => vec![street_figures(s)],
    };
    Ok(Json(CoverageReport {
        as_of: format_date(day),
        target: target.into(),
        city,
        districts,
        streets,
    }))
}

/// One point of a coverage series.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HistoryPoint {
    /// The day, `YYYY-MM-DD`: the last day of each step, or `to` for the last one.
    pub date: String,
    /// The target in force that day.
    pub target: TargetView,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Coverage of one area over time, for charts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageHistory {
    /// `city`, `district` or `street`.
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    pub from: String,
    pub to: String,
    /// `month`, `quarter` or `year`.
    pub step: String,
    pub points: Vec<HistoryPoint>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct HistoryQuery {
    /// A district code (default: the city).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
    /// A street code (must lie in `district` when both are given).
    #[validate(custom(function = "shared::validate::street_code"))]
    pub street: Option<String>,
    /// First day, `YYYY-MM-DD` (default 1 January of the first target's year).
    #[validate(custom(function = "shared::validate::date_if_given"))]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default today in China).
    #[validate(custom(function = "shared::validate::date_if_given"))]
    pub to: Option<String>,
    /// `month` (default), `quarter` or `year`: one point at the end of each.
    #[validate(custom(function = "step_if_given"))]
    pub step: Option<String>,
}

const HISTORY_FIELDS: &[&str] = &["district", "street", "from", "to", "step"];

fn step_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Step::parse(s)),
    }
}

/// The most points a series may have.
pub const MAX_POINTS: usize = 240;

/// How far apart the points of a series are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Month,
    Quarter,
    Year,
}

impl Step {
    fn parse(s: &str) -> std::result::Result<Self, shared::domain::DomainError> {
        match s {
            "month" => Ok(Step::Month),
            "quarter" => Ok(Step::Quarter),
            "year" => Ok(Step::Year),
            other => Err(shared::domain::DomainError::new(
                "invalid_step",
                format!("步长“{other}”无效，应为 month（月）、quarter（季度）或 year（年）"),
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Step::Month => "month",
            Step::Quarter => "quarter",
            Step::Year => "year",
        }
    }

    /// The last day of the step that contains `day`.
    fn end_of(self, day: Date) -> Date {
        let year = day.year();
        let month = match self {
            Step::Month => day.month(),
            Step::Quarter => match day.month() {
                Month::January | Month::February | Month::March => Month::March,
                Month::April | Month::May | Month::June => Month::June,
                Month::July | Month::August | Month::September => Month::September,
                _ => Month::December,
            },
            Step::Year => Month::December,
        };
        // Always a date: the month's own length.
        Date::from_calendar_date(year, month, month.length(year)).unwrap_or(day)
    }
}

/// The days of a series: the end of each step from the one containing `from`, the last one
/// cut at `to`.
pub fn series(from: Date, to: Date, step: Step) -> Vec<Date> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to && out.len() <= MAX_POINTS {
        let end = step.end_of(day).min(to);
        out.push(end);
        match end.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// Coverage of the city, a district or a street at the end of every month (quarter, year)
/// between two days, with the target in force on each. Public.
#[utoipa::path(get, path = "/match/coverage/history", tag = "statistics", params(HistoryQuery),
    responses((status = 200, body = CoverageHistory), (status = 422, body = Problem)))]
pub async fn coverage_history(
    State(app): State<AppState>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<CoverageHistory>> {
    let mut v = Validation::new();
    v.rules(&q, HISTORY_FIELDS);
    let area = area_param(&mut v, &q.district, &q.street);
    let from = date_param(&q.from);
    let to = date_param(&q.to);
    let step = given(&q.step).map_or(Some(Step::Month), |s| Step::parse(s).ok());
    let to = to.unwrap_or_else(china_today);
    let first_year = app
        .policy
        .coverage_targets
        .first()
        .map_or(to.year(), |t| t.due.year());
    let from = from.unwrap_or_else(|| {
        Date::from_calendar_date(first_year, Month::January, 1)
            .unwrap_or(to)
            .min(to)
    });
    let mut days = Vec::new();
    if from > to {
        v.push(FieldError::new("to", "range", "结束日期不能早于开始日期"));
    } else if let Some(step) = step {
        days = series(from, to, step);
        if days.len() > MAX_POINTS {
            v.push(FieldError::new(
                "from",
                "too_many_points",
                format!("区间过长：最多 {MAX_POINTS} 个点，请缩短区间或加大步长"),
            ));
        }
    }
    let (area, step) = v
        .in_order(HISTORY_FIELDS)
        .finish_with(|| Some((area?, step?)))?;

    let tallies = app
        .coverage
        .read(&app.db, |history| {
            days.into_iter()
                .map(|day| {
                    let mut t = Tally::default();
                    for x in history.tally(&area, day).values() {
                        t.add(*x);
                    }
                    (day, t)
                })
                .collect::<Vec<_>>()
        })
        .await?;
    let points = tallies
        .into_iter()
        .map(|(day, t)| {
            let target = app.policy.target_on(day);
            HistoryPoint {
                date: format_date(day),
                target: target.into(),
                figures: Figures::of(t, &target),
            }
        })
        .collect();
    let (level, code, name) = described(&area);
    Ok(Json(CoverageHistory {
        level: level.into(),
        code,
        name,
        from: format_date(from),
        to: format_date(to),
        step: step.as_str().into(),
        points,
    }))
}

/// One street or district in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RankingItem {
    /// 1 for the most satisfied of its group; ties share a rank.
    pub rank: u32,
    /// How many units its group ranked (a street's district's streets with respondents, or
    /// the districts with respondents).
    pub group_size: u32,
    pub code: String,
    pub name: String,
    /// A street's district.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_name: Option<String>,
    /// Compounds surveyed.
    pub compounds: i64,
    pub respondents: i64,
    /// 满意.
    pub satisfied: i64,
    /// 基本满意.
    pub basically_satisfied: i64,
    /// 不满意.
    pub dissatisfied: i64,
    /// (满意 + 基本满意) ÷ respondents, four decimals.
    pub rate: f64,
    /// E.g. `86.67%`.
    pub percent: String,
    /// In the bottom three of its group this period (后三位).
    pub bottom_three: bool,
    /// Its rank in the previous period, if it was ranked then.
    pub previous_rank: Option<u32>,
    /// In the bottom three of its group in the previous period.
    pub bottom_three_previous: bool,
    /// In the bottom three twice in a row (连续两次排名后三位): to be publicly notified.
    pub notify: bool,
}

/// A satisfaction ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranking {
    /// `2026-Q3`.
    pub period: String,
    /// The period the "twice in a row" looks back to.
    pub previous_period: String,
    /// `street` or `district`.
    pub level: String,
    /// The rule, in words.
    pub rule: String,
    /// Streets by district, then rank; districts by rank.
    pub items: Vec<RankingItem>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct RankingQuery {
    /// The survey period, a quarter: `2026-Q3`.
    #[validate(
        required(message = "请指定测评周期，如 2026-Q3"),
        custom(
            function = "shared::validate::not_blank",
            message = "请指定测评周期，如 2026-Q3"
        ),
        custom(function = "period_if_given")
    )]
    pub period: Option<String>,
    /// `district` (default: districts citywide) or `street` (streets within their district).
    #[validate(custom(function = "level_if_given"))]
    pub level: Option<String>,
    /// Only this district's streets (or this district).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
}

fn period_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Period::parse(s)),
    }
}

fn level_if_given(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(Level::parse(s)),
    }
}

const STREET_RULE: &str = "满意率 =（满意 + 基本满意）÷ 参评人数，按各小区参评人数加权汇总；街道在所属区县内排名。\
    组内参评单位多于三个时，满意率严格低于本单位的不足三个即为后三位（并列一并计入）；本期与上期均为后三位的标记为连续两次排名后三位。";
const DISTRICT_RULE: &str = "满意率 =（满意 + 基本满意）÷ 参评人数，按各小区参评人数加权汇总；区县在全市排名。\
    参评区县多于三个时，满意率严格低于本单位的不足三个即为后三位（并列一并计入）；本期与上期均为后三位的标记为连续两次排名后三位。";

/// 满意度排名: streets (within their district) or districts (citywide) by residents'
/// satisfaction in a period, with the bottom-three-twice-in-a-row flag. Public.
#[utoipa::path(get, path = "/match/satisfaction/ranking", tag = "statistics", params(RankingQuery),
    responses((status = 200, body = Ranking), (status = 422, body = Problem)))]
pub async fn satisfaction_ranking(
    State(app): State<AppState>,
    Query(q): Query<RankingQuery>,
) -> Result<Json<Ranking>> {
    let mut v = Validation::new();
    v.rules(&q, &["period", "level", "district"]);
    let period = given(&q.period).and_then(|p| Period::parse(p).ok());
    let level = given(&q.level).map_or(Some(Level::District), |s| Level::parse(s).ok());
    let district = given(&q.district).and_then(|d| DistrictCode::parse(d).ok());
    let (period, level) = v.finish_with(|| Some((period?, level?)))?;
    let previous = period.previous();

    let mut conn = app.db.pool.acquire().await?;
    let now = satisfaction::units(&mut conn, level, period).await?;
    let before = satisfaction::units(&mut conn, level, previous).await?;
    let items = ranking_items(level, &now, &before, district);
    Ok(Json(Ranking {
        period: period.to_string(),
        previous_period: previous.to_string(),
        level: match level {
            Level::Street => "street",
            Level::District => "district",
        }
        .into(),
        rule: match level {
            Level::Street => STREET_RULE,
            Level::District => DISTRICT_RULE,
        }
        .into(),
        items,
    }))
}

/// The ranking of the units of `now` (placed within their groups), with the previous
/// period's placings (`before`) for the "twice in a row" flag, only `district`'s when given;
/// streets by district then rank, districts by rank.
pub fn ranking_items(
    level: Level,
    now: &satisfaction::Units,
    before: &satisfaction::Units,
    district: Option<DistrictCode>,
) -> Vec<RankingItem> {
    let placed = satisfaction::placings(now);
    let placed_before = satisfaction::placings(before);
    let mut items: Vec<RankingItem> = now
        .iter()
        .filter(|((group, code), _)| match (level, district) {
            (_, None) => true,
            (Level::Street, Some(d)) => group == d.as_str(),
            (Level::District, Some(d)) => code == d.as_str(),
        })
        .map(|(key, votes)| {
            let p = placed[key];
            let was = placed_before.get(key);
            let bottom_before = was.is_some_and(|w| w.bottom_three);
            let rate_bp = votes.rate_basis_points().unwrap_or(0);
            let (code, name, district_code, district_name) = match level {
                Level::Street => (
                    key.1.clone(),
                    shared::domain::street(&key.1)
                        .map_or("", |s| s.name)
                        .to_string(),
                    Some(key.0.clone()),
                    Some(
                        shared::domain::district(&key.0)
                            .map_or("", |d| d.name)
                            .to_string(),
                    ),
                ),
                Level::District => (
                    key.1.clone(),
                    shared::domain::district(&key.1)
                        .map_or("", |d| d.name)
                        .to_string(),
                    None,
                    None,
                ),
            };
            RankingItem {
                rank: p.rank,
                group_size: p.group_size,
                code,
                name,
                district_code,
                district_name,
                compounds: votes.compounds.len() as i64,
                respondents: votes.respondents(),
                satisfied: votes.satisfied,
                basically_satisfied: votes.basically_satisfied,
                dissatisfied: votes.dissatisfied,
                rate: rate_bp as f64 / 10_000.0,
                percent: percent_of_basis_points(rate_bp),
                bottom_three: p.bottom_three,
                previous_rank: was.map(|w| w.rank),
                bottom_three_previous: bottom_before,
                notify: p.bottom_three && bottom_before,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (&a.district_code, a.rank, &a.code).cmp(&(&b.district_code, b.rank, &b.code))
    });
    items
}

/// The attention lists of an official's area.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attention {
    /// The day the standings are decided on (today in China), `YYYY-MM-DD`.
    pub as_of: String,
    /// `city`, `district` or `street`: the caller's area.
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    /// Firms under key supervision (重点监管) that serve the area or have live contracts in it.
    pub firms_under_supervision: Vec<SupervisedFirm>,
    /// Compounds of the area whose live contract is with a blacklisted firm.
    pub compounds_with_blacklisted_firm: Vec<CompoundWithBlacklistedFirm>,
    /// Requests to inspect (查阅) of the area's compounds still unanswered, open or overdue
    /// today (overdue: the day after the due date).
    pub inspection_requests: Pending,
    /// Compounds of the area whose service fund (酬金制, 信托制), in its latest month, is in
    /// deficit for `[tender] fund_deficit_months` months running or pools no common revenue.
    pub funds_flagged: Vec<FundFlag>,
}

/// 需要关注的企业和小区: firms under supervision, compounds whose contracted firm is
/// blacklisted and requests to inspect still unanswered, today, in the caller's area. Association staff (the city), district
/// officials (their district), street officials (their street); 401 without sign-in, 403
/// for other roles.
#[utoipa::path(get, path = "/match/attention", tag = "statistics",
    responses((status = 200, body = Attention), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn attention_lists(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Attention>> {
    let area = attention::official_area(&identity)?;
    let today = china_today();
    let mut conn = app.db.pool.acquire().await?;
    let lists = attention::lists(&mut conn, &area, today).await?;
    let (level, code, name) = described(&area);
    Ok(Json(Attention {
        as_of: format_date(today),
        level: level.into(),
        code,
        name,
        firms_under_supervision: lists.firms_under_supervision,
        compounds_with_blacklisted_firm: lists.compounds_with_blacklisted_firm,
        inspection_requests: lists.inspection_requests,
        funds_flagged: lists.funds_flagged,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn series_end_each_step_and_stop_at_to() {
        let days = |from, to, step| -> Vec<String> {
            series(from, to, step)
                .into_iter()
                .map(format_date)
                .collect()
        };
        assert_eq!(
            days(date!(2025 - 01 - 15), date!(2025 - 03 - 10), Step::Month),
            vec!["2025-01-31", "2025-02-28", "2025-03-10"]
        );
        assert_eq!(
            days(date!(2024 - 02 - 01), date!(2024 - 12 - 31), Step::Quarter),
            vec!["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
        );
        assert_eq!(
            days(date!(2023 - 06 - 01), date!(2025 - 06 - 30), Step::Year),
            vec!["2023-12-31", "2024-12-31", "2025-06-30"]
        );
        assert_eq!(
            days(date!(2024 - 02 - 29), date!(2024 - 02 - 29), Step::Month),
            vec!["2024-02-29"]
        );
        assert_eq!(
            series(date!(1900 - 01 - 01), date!(2026 - 01 - 01), Step::Month).len(),
            MAX_POINTS + 1
        );
    }
}
