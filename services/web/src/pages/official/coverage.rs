//! 覆盖率看板: the official's area against the 30/70/100% targets on a day (`?as_of=`):
//! the headline figure, coverage over time (line chart), by street (bar chart), the
//! satisfaction ranking of the district's streets with the bottom-three flag, and the
//! attention lists (firms under supervision, compounds whose firm is blacklisted, and the
//! area's inspection requests (查阅) left unanswered past their due date), all from
//! matching's `GET /match/attention`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;
use shared::domain::roster::{china_today, format_date, parse_date};

use crate::api::ApiError;
use crate::charts::{self, Bar, Point, Target};
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::{quarter_of, street_name};
use crate::pages::choice::Choice;
use crate::pages::model::matching::{Attention, CoverageReport, Figures, History, Ranking};
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    period: String,
}

/// A plan target with what it takes in this area.
pub struct TargetRow {
    pub due: String,
    pub percent: String,
    /// Compounds to cover for it: ceil(rate × eligible).
    pub needed: i64,
    pub in_force: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_coverage.html")]
pub struct Dashboard {
    chrome: Chrome,
    area_name: String,
    is_district: bool,
    as_of: String,
    period_choices: Vec<Choice>,
    error: Option<String>,
    report: Option<CoverageReport>,
    headline: Option<Figures>,
    targets: Vec<TargetRow>,
    gauge_svg: String,
    history_svg: Option<String>,
    streets_svg: Option<String>,
    ranking: Option<Ranking>,
    ranking_svg: Option<String>,
    own_street: String,
    attention: Option<Attention>,
    unavailable: Vec<&'static str>,
}

/// The quarters from the newest back, `n` of them.
fn quarters_back(day: time::Date, n: usize) -> Vec<String> {
    let (mut y, mut q) = (day.year(), (u8::from(day.month()) - 1) / 3 + 1);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(format!("{y}-Q{q}"));
        if q == 1 {
            y -= 1;
            q = 4;
        } else {
            q -= 1;
        }
    }
    out
}

/// The targets a series was measured against, in order; the plan's when there is none.
fn targets_of(history: &History) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for p in &history.points {
        let label = format!(
            "{}年底 {}",
            p.target.due.get(..4).unwrap_or(&p.target.due),
            charts::percent(p.target.rate)
        );
        if !out.iter().any(|t| t.label == label) {
            out.push(Target {
                label,
                rate: p.target.rate,
            });
        }
    }
    if out.len() < 3 {
        for t in charts::plan_targets() {
            if !out.iter().any(|o| (o.rate - t.rate).abs() < 1e-9) {
                out.push(t);
            }
        }
        out.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    }
    out
}

/// A part of the dashboard, or `None` (noted in `unavailable`) when its API call failed:
/// the rest of the page is still shown.
fn optional<T>(
    answer: Result<T, ApiError>,
    what: &'static str,
    unavailable: &mut Vec<&'static str>,
) -> Option<T> {
    match answer {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = ?e, "{what} not shown");
            unavailable.push(what);
            None
        }
    }
}

pub async fn dashboard(
    State(app): State<WebState>,
    OfficialUser { token, area, .. }: OfficialUser,
    chrome: Chrome,
    Query(q): Query<DashboardQuery>,
) -> Result<Dashboard, PageError> {
    let today = china_today();
    let mut error = None;
    let day = match q.as_of.trim() {
        "" => today,
        s => match parse_date(s) {
            Ok(d) => d,
            Err(e) => {
                error = Some(format!("日期有误：{}", e.message));
                today
            }
        },
    };
    let as_of = format_date(day);
    let periods = quarters_back(today, 8);
    let period = if periods.contains(&q.period) {
        q.period.clone()
    } else {
        quarter_of(day.min(today))
    };
    let in_area = area
        .param()
        .map(|(k, v)| format!("&{k}={v}"))
        .unwrap_or_default();
    let m = &app.api.matching;
    let coverage_url = format!("{m}/match/coverage?as_of={as_of}{in_area}");
    let history_url = format!("{m}/match/coverage/history?to={as_of}{in_area}");
    // The city's districts ranked for a city official; else the streets of the district.
    let ranking_url = match area.district() {
        Some(d) => format!(
            "{m}/match/satisfaction/ranking?period={period}&level=street&district={}",
            d.as_str()
        ),
        None => format!("{m}/match/satisfaction/ranking?period={period}&level=district"),
    };
    let attention_url = format!("{m}/match/attention");
    let (coverage, history, ranking, attention) = tokio::join!(
        app.api.get::<CoverageReport>(&coverage_url, Some(&token)),
        app.api.get::<History>(&history_url, Some(&token)),
        app.api.get::<Ranking>(&ranking_url, Some(&token)),
        app.api.get::<Attention>(&attention_url, Some(&token)),
    );
    let mut unavailable = Vec::new();
    let report = match coverage {
        Ok(r) => Some(r),
        Err(e)
            if e.status()
                .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) =>
        {
            return Err(e.into());
        }
        Err(e) => {
            tracing::warn!(error = ?e, "coverage not shown");
            unavailable.push("覆盖率");
            None
        }
    };
    let history = optional(history, "覆盖率变化", &mut unavailable);
    let ranking = optional(ranking, "满意度排名", &mut unavailable);
    let attention = optional(attention, "关注清单", &mut unavailable);

    let headline = report.as_ref().and_then(|r| match area {
        Area::Street(s) => r
            .streets
            .iter()
            .find(|f| f.code.as_deref() == Some(s.as_str()))
            .cloned(),
        Area::District(d) => r
            .districts
            .iter()
            .find(|f| f.code.as_deref() == Some(d.as_str()))
            .cloned(),
        Area::City => Some(r.city.clone()),
    });
    let in_force = report.as_ref().map(|r| r.target.due.clone());
    let plan = match &history {
        Some(h) => targets_of(h),
        None => charts::plan_targets(),
    };
    let eligible = headline.as_ref().map_or(0, |h| h.eligible);
    let targets = plan
        .iter()
        .map(|t| {
            let year = t.label.get(..4).unwrap_or("").to_string();
            TargetRow {
                due: format!("{year}-12-31"),
                percent: charts::percent(t.rate),
                needed: ((t.rate * eligible as f64) - 1e-9).ceil().max(0.0) as i64,
                in_force: in_force.as_deref() == Some(format!("{year}-12-31").as_str()),
            }
        })
        .collect();
    let area_name = area.name();
    let gauge_svg = charts::gauge(
        "coverage-gauge",
        &format!("{area_name}覆盖率"),
        &match &headline {
            Some(h) => format!(
                "截至 {as_of}，{area_name}符合条件且业主自愿的老旧小区 {} 个，已覆盖 {} 个，覆盖率 {}。",
                h.eligible,
                h.covered,
                h.percent.clone().unwrap_or_else(|| "无".into())
            ),
            None => "暂无数据".into(),
        },
        headline.as_ref().and_then(|h| h.rate),
        &plan,
    );
    let history_svg = history.as_ref().map(|h| {
        let points: Vec<Point> = h
            .points
            .iter()
            .map(|p| Point {
                label: p.date.get(..7).unwrap_or(&p.date).to_string(),
                value: p.rate,
            })
            .collect();
        charts::line_chart(
            "coverage-history",
            &format!("{area_name}覆盖率变化"),
            &format!(
                "每月月底的覆盖率（已覆盖 ÷ 符合条件且业主自愿），共 {} 个点，虚线为 {} 目标。",
                points.len(),
                plan.iter()
                    .map(|t| t.label.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            &points,
            &plan,
        )
    });
    let own_street = match area {
        Area::Street(s) => s.as_str().to_string(),
        Area::District(_) | Area::City => String::new(),
    };
    let streets_svg = report.as_ref().map(|r| {
        let mut bars: Vec<Bar> = r
            .streets
            .iter()
            .map(|f| Bar {
                label: f.name.clone(),
                value: f.rate,
                note: f.note(),
                highlight: f.code.as_deref() == Some(own_street.as_str()),
                flagged: false,
            })
            .collect();
        // A street official sees their street beside their district.
        if let Area::Street(s) = area
            && let Some(d) = r
                .districts
                .iter()
                .find(|f| f.code.as_deref() == Some(s.district().as_str()))
        {
            bars.push(Bar {
                label: format!("{}（全区）", d.name),
                value: d.rate,
                note: d.note(),
                highlight: false,
                flagged: false,
            });
        }
        charts::bar_chart(
            "coverage-streets",
            &if area.is_district() {
                format!("{area_name}各街道（镇）覆盖率")
            } else {
                format!("{}与全区覆盖率", street_name(&own_street))
            },
            &format!("截至 {as_of} 的覆盖率，虚线为各阶段目标。"),
            &bars,
            &plan,
        )
    });
    let ranking_svg = ranking.as_ref().filter(|r| !r.items.is_empty()).map(|r| {
        let bars: Vec<Bar> = r
            .items
            .iter()
            .map(|i| Bar {
                label: format!("{}. {}", i.rank, i.name),
                value: Some(i.rate),
                note: format!("{}（{} 人）", i.percent, i.respondents),
                highlight: i.code == own_street,
                flagged: i.notify,
            })
            .collect();
        charts::bar_chart(
            "satisfaction-ranking",
            &format!("{} 满意度排名", r.period),
            "各街道（镇）满意率（满意与基本满意占参评人数的比例），红色为连续两次排名后三位。",
            &bars,
            &[],
        )
    });
    Ok(Dashboard {
        chrome,
        area_name,
        is_district: area.is_district(),
        as_of,
        period_choices: periods
            .iter()
            .map(|p| Choice {
                value: p.clone(),
                label: p.replace("-Q", " 年第 ") + " 季度",
                selected: *p == period,
            })
            .collect(),
        error,
        report,
        headline,
        targets,
        gauge_svg,
        history_svg,
        streets_svg,
        ranking,
        ranking_svg,
        own_street,
        attention,
        unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn quarters_count_back_across_years() {
        assert_eq!(quarter_of(date!(2026 - 03 - 31)), "2026-Q1");
        assert_eq!(
            quarters_back(date!(2026 - 02 - 01), 3),
            vec!["2026-Q1", "2025-Q4", "2025-Q3"]
        );
    }
}
