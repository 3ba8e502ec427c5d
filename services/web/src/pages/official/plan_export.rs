//! 推进清单导出 (`/official/plan/export`): a street's progress list as XLSX, every planned
//! compound with its current stage, each stage's day (a date cell) or 逾期, and its overdue
//! stages, read from matching's `/match/plans/progress` page by page as the official.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::domain::StreetCode;
use shared::domain::roster::{china_today, parse_date};
use shared::sheet::Column;
use shared::sheet::write::{Cell, xlsx};

use crate::api;
use crate::error::PageError;
use crate::format::STAGES;
use crate::pages::model::plans::{CompoundProgress, PlanProgress};
use crate::roles::Area;
use crate::state::WebState;

use super::reader::Reader;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    street: String,
}

/// The columns of the export.
pub const COLUMNS: [Column; 10] = [
    Column::required("小区", "compound_name"),
    Column::required("小区ID", "compound_id"),
    Column::required("当前阶段", "stage"),
    Column::required("摸底", "survey"),
    Column::required("动员", "mobilisation"),
    Column::required("自治组织", "self_governance"),
    Column::required("业主表决", "owners_vote"),
    Column::required("招标", "tender"),
    Column::required("签约", "contract"),
    Column::required("逾期阶段", "overdue"),
];

/// The most pages read (200 compounds each).
const MAX_PAGES: i64 = 20;

fn row(c: &CompoundProgress) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(c.compound_name.clone().unwrap_or_default()),
        Cell::Text(c.compound_id.clone()),
        Cell::Text(c.stage_label.clone()),
    ];
    for (code, _) in STAGES {
        let s = c.stages.iter().find(|s| s.stage == code);
        cells.push(match s {
            Some(s) => match s.done_on.as_deref().map(parse_date) {
                Some(Ok(d)) => Cell::Date(d),
                _ if s.overdue => Cell::Text("逾期".into()),
                _ => Cell::Empty,
            },
            None => Cell::Empty,
        });
    }
    let overdue: Vec<String> = c
        .stages
        .iter()
        .filter(|s| s.overdue)
        .map(|s| format!("{}（时限 {}）", s.label, s.due.as_deref().unwrap_or("")))
        .collect();
    cells.push(Cell::Text(overdue.join("、")));
    cells
}

pub async fn export(
    State(app): State<WebState>,
    user: Reader,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let street = match (user.area, StreetCode::parse(q.street.trim()).ok()) {
        (Some(Area::Street(s)), _) => s,
        (Some(Area::District(d)), Some(s)) if s.district() == d => s,
        (None, Some(s)) => s,
        _ => return Err(PageError::forbidden("请选择您管辖范围内的一个街道。")),
    };
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2023..=2100).contains(y))
        .unwrap_or_else(|| china_today().year());
    let mut items = Vec::new();
    for page in 0..MAX_PAGES {
        let url = format!(
            "{}/match/plans/progress?{}",
            app.api.matching,
            api::query(&[
                ("street", street.as_str()),
                ("year", &year.to_string()),
                ("limit", "200"),
                ("offset", &(page * 200).to_string()),
            ])
        );
        let p: PlanProgress = app.api.get(&url, Some(&user.token)).await?;
        let done = p.compounds.offset + p.compounds.limit >= p.compounds.total;
        items.extend(p.compounds.items);
        if done {
            break;
        }
    }
    let bytes = xlsx(
        "推进清单",
        &COLUMNS,
        &|c: &Column| {
            if c.field == "compound_name" || c.field == "overdue" {
                28.0
            } else {
                14.0
            }
        },
        items.iter().map(row),
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "writing the progress list");
        PageError::unavailable("导出失败，请稍后再试。")
    })?;
    let name = format!("{}-{year}-推进清单.xlsx", street.name());
    let disposition = format!(
        "attachment; filename=\"progress-{}-{year}.xlsx\"; filename*=UTF-8''{}",
        street.as_str(),
        url_escape(&name)
    );
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Percent-encodes every byte outside the unreserved set (RFC 5987).
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
