//! 每月调度与季度通报 (`/official/reports`): the official's monthly dispatch (matching's
//! `/match/reports/monthly`: a district official's district by street, a street official's
//! street) with a print stylesheet an office prints, its XLSX (`/official/reports/export`),
//! and the quarterly bulletin (`/match/reports/bulletin`, public) with the year's ranking:
//! the districts citywide and the streets of the official's district.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::sheet::Column;
use shared::sheet::write::{Cell, xlsx};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::pages::choice::Choice;
use crate::pages::model::plans::{Bulletin, BulletinItem, MonthlyReport};
use crate::roles::Area;
use crate::state::WebState;

use super::reader::Reader;

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    measure: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_reports.html")]
pub struct ReportsPage {
    chrome: Chrome,
    area_name: String,
    /// A city-wide reader (no official's navigation).
    is_city: bool,
    month: String,
    period: String,
    measure_choices: Vec<Choice>,
    error: Option<String>,
    report: Option<MonthlyReport>,
    bulletin: Option<Bulletin>,
    /// The bulletin's streets of the official's district.
    own_streets: Vec<BulletinItem>,
    own_year_streets: Vec<BulletinItem>,
}

fn monthly_url(app: &WebState, area: Option<Area>, month: &str) -> String {
    let mut q: Vec<(&str, &str)> = vec![("month", month)];
    if let Some(Area::District(d)) = &area {
        q.push(("district", d.as_str()));
    }
    format!(
        "{}/match/reports/monthly?{}",
        app.api.matching,
        api::query(&q)
    )
}

fn shown<T>(answer: Result<T, ApiError>, error: &mut Option<String>) -> Option<T> {
    answer.map_err(|e| *error = Some(e.message())).ok()
}

pub async fn page(
    State(app): State<WebState>,
    user: Reader,
    chrome: Chrome,
    Query(q): Query<ReportsQuery>,
) -> Result<ReportsPage, PageError> {
    let mut error = None;
    let report: Option<MonthlyReport> = shown(
        app.api
            .get(
                &monthly_url(&app, user.area, q.month.trim()),
                Some(&user.token),
            )
            .await,
        &mut error,
    );
    let url = format!(
        "{}/match/reports/bulletin?{}",
        app.api.matching,
        api::query(&[("period", q.period.trim()), ("measure", q.measure.trim())])
    );
    let bulletin: Option<Bulletin> = shown(app.api.get(&url, None).await, &mut error);
    let district = user.area.and_then(|a| a.district());
    let mine = |list: &[BulletinItem]| -> Vec<BulletinItem> {
        list.iter()
            .filter(|s| district.is_none_or(|d| s.code.starts_with(d.as_str())))
            .cloned()
            .collect()
    };
    Ok(ReportsPage {
        chrome,
        area_name: user.name(),
        is_city: user.area.is_none(),
        month: report
            .as_ref()
            .map_or_else(|| q.month.clone(), |r| r.month.clone()),
        period: bulletin
            .as_ref()
            .map_or_else(|| q.period.clone(), |b| b.period.clone()),
        measure_choices: Choice::list(
            &[
                ("", "默认口径"),
                ("satisfaction", "满意率"),
                ("low_satisfaction", "满意率低的小区占比"),
            ],
            q.measure.trim(),
        ),
        own_streets: bulletin
            .as_ref()
            .map(|b| mine(&b.streets))
            .unwrap_or_default(),
        own_year_streets: bulletin
            .as_ref()
            .map(|b| mine(&b.year_streets))
            .unwrap_or_default(),
        error,
        report,
        bulletin,
    })
}

/// The columns of the monthly report's XLSX.
pub const COLUMNS: [Column; 11] = [
    Column::required("街道（区县）", "name"),
    Column::required("老旧小区", "old_compounds"),
    Column::required("符合条件且自愿", "eligible"),
    Column::required("已覆盖", "covered"),
    Column::required("覆盖率", "percent"),
    Column::required("本月新增覆盖", "covered_change"),
    Column::required("距目标差（个）", "gap_compounds"),
    Column::required("方案列入小区", "planned"),
    Column::required("逾期小区", "overdue"),
    Column::required("已签约", "contracted"),
    Column::required("各阶段小区数", "stages"),
];

pub async fn export(
    State(app): State<WebState>,
    user: Reader,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, PageError> {
    let r: MonthlyReport = app
        .api
        .get(
            &monthly_url(&app, user.area, q.month.trim()),
            Some(&user.token),
        )
        .await?;
    let stages = |c: &crate::pages::model::plans::Counts| {
        c.at_stage
            .iter()
            .map(|s| format!("{} {}", s.label, s.compounds))
            .collect::<Vec<_>>()
            .join("，")
    };
    let mut rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                Cell::Text(x.name.clone()),
                Cell::Int(x.coverage.old_compounds),
                Cell::Int(x.coverage.eligible),
                Cell::Int(x.coverage.covered),
                Cell::Text(x.coverage.percent.clone().unwrap_or_default()),
                Cell::Int(x.covered_change),
                Cell::Int(x.coverage.gap_compounds),
                Cell::Int(x.plans.planned),
                Cell::Int(x.plans.overdue),
                Cell::Int(x.plans.contracted),
                Cell::Text(stages(&x.plans)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text(format!("{}合计", r.name)),
        Cell::Int(r.coverage.old_compounds),
        Cell::Int(r.coverage.eligible),
        Cell::Int(r.coverage.covered),
        Cell::Text(r.coverage.percent.clone().unwrap_or_default()),
        Cell::Int(r.covered_change),
        Cell::Int(r.coverage.gap_compounds),
        Cell::Int(r.plans.planned),
        Cell::Int(r.plans.overdue),
        Cell::Int(r.plans.contracted),
        Cell::Text(stages(&r.plans)),
    ]);
    let bytes = xlsx(
        &format!("每月调度 {}", r.month),
        &COLUMNS,
        &|c: &Column| if c.field == "stages" { 48.0 } else { 14.0 },
        rows,
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "writing the monthly report");
        PageError::unavailable("导出失败，请稍后再试。")
    })?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"monthly-{}.xlsx\"",
        r.month
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
