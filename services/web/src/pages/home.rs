//! 首页: the citywide coverage figure against the targets (from the matching service; the
//! page is still shown without it when matching does not answer) and the districts.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::model::catalog::District;
use super::model::matching::CoverageReport;
use crate::charts;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::state::WebState;

/// The citywide figure as the home page shows it.
pub struct Coverage {
    pub report: CoverageReport,
    pub gauge_svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    chrome: Chrome,
    districts: Vec<District>,
    streets_total: i64,
    coverage: Option<Coverage>,
}

pub async fn home(State(app): State<WebState>, chrome: Chrome) -> Result<HomePage, PageError> {
    let coverage_url = format!("{}/match/coverage", app.api.matching);
    let (districts, coverage) = tokio::join!(
        app.api
            .catalog_get::<Vec<District>>("/catalog/districts", None),
        app.api.get::<CoverageReport>(&coverage_url, None),
    );
    let districts = districts?;
    let coverage = match coverage {
        Ok(report) => {
            let c = &report.city;
            let gauge_svg = charts::gauge(
                "city-coverage",
                "全市老旧小区物业服务覆盖率",
                &format!(
                    "截至 {}，全市符合条件且业主自愿的老旧小区 {} 个，已覆盖 {} 个，覆盖率 {}；目标为 2023 年底 30%、2024 年底 70%、2025 年底 100%。",
                    report.as_of,
                    c.eligible,
                    c.covered,
                    c.percent.as_deref().unwrap_or("暂无")
                ),
                c.rate,
                &charts::plan_targets(),
            );
            Some(Coverage { report, gauge_svg })
        }
        Err(e) => {
            // The districts are still worth showing.
            tracing::warn!(error = ?e, "the home page's coverage figure is not shown");
            None
        }
    };
    let streets_total = districts.iter().map(|d| d.streets).sum();
    Ok(HomePage {
        chrome,
        districts,
        streets_total,
        coverage,
    })
}
