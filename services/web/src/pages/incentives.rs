//! The incentives everyone sees:
//!
//! - 标杆示范小区 (`/demonstration`): the confirmed demonstration compounds, grouped per
//!   service model, each with what makes it exemplary and its concrete points (the
//!   catalog's public list, `GET /catalog/demonstrations`);
//! - 百佳示范小区 (`/best?year=`): a year's published list with each compound's figures at
//!   selection time (tender's `GET /tenders/best/{year}`);
//! - 政府采购优先企业 (`/priority-firms`): the firms the catalog derives from the
//!   whitelist, standing and credit, with the rule stated (`GET /catalog/priority-firms`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use super::choice::Choice;
use super::model::Page;
use super::model::catalog::{Firm, ServiceModel};
use super::model::incentives::{BestList, Demonstration};
use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::state::WebState;

/// The most demonstrations one page shows.
const LIMIT: i64 = 200;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/demonstration", get(demonstrations))
        .route("/best", get(best))
        .route("/priority-firms", get(priority_firms))
}

/// One service model and its demonstration compounds.
pub struct ModelGroup {
    pub code: String,
    pub name: String,
    pub description: String,
    pub items: Vec<Demonstration>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_demonstrations.html")]
pub struct DemonstrationsPage {
    chrome: Chrome,
    groups: Vec<ModelGroup>,
    model: String,
    total: i64,
    shown: usize,
    /// More confirmed demonstrations than the page shows.
    more: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ModelQuery {
    #[serde(default)]
    model: String,
}

pub async fn demonstrations(
    State(app): State<WebState>,
    chrome: Chrome,
    Query(q): Query<ModelQuery>,
) -> Result<DemonstrationsPage, PageError> {
    let models: Vec<ServiceModel> = app.api.catalog_get("/catalog/service-models", None).await?;
    let model = q.model.trim().to_string();
    let mut params = vec![("limit", LIMIT.to_string())];
    if !model.is_empty() {
        params.push(("model", model.clone()));
    }
    let url = format!(
        "{}/catalog/demonstrations?{}",
        app.api.catalog,
        serde_urlencoded::to_string(&params).unwrap_or_default()
    );
    let page: Page<Demonstration> = app.api.get(&url, None).await?;
    let shown = page.items.len();
    let groups = models
        .into_iter()
        .filter(|m| model.is_empty() || m.code == model)
        .map(|m| ModelGroup {
            items: page
                .items
                .iter()
                .filter(|d| d.model == m.code)
                .cloned()
                .collect(),
            code: m.code,
            name: m.name_zh,
            description: m.description_zh,
        })
        .collect();
    Ok(DemonstrationsPage {
        chrome,
        groups,
        model,
        total: page.total,
        shown,
        more: (shown as i64) < page.total,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public_best.html")]
pub struct BestPage {
    chrome: Chrome,
    year: i32,
    years: Vec<Choice>,
    list: Option<BestList>,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

impl YearQuery {
    pub fn year(&self) -> &str {
        &self.year
    }
}

/// The year asked for, or this year (a year outside 2023 – this year is this year), and
/// the years to choose from, newest first, that one selected.
pub fn year_of(raw: &str) -> (i32, Vec<Choice>) {
    let this = shared::clock::china_today().year();
    let year = raw
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2023..=this).contains(y))
        .unwrap_or(this);
    let years = (2023..=this)
        .rev()
        .map(|y| Choice {
            value: y.to_string(),
            label: y.to_string(),
            selected: y == year,
        })
        .collect();
    (year, years)
}

pub async fn best(
    State(app): State<WebState>,
    chrome: Chrome,
    Query(q): Query<YearQuery>,
) -> Result<BestPage, PageError> {
    let (year, years) = year_of(q.year());
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "best", &year.to_string()])
    );
    let list = match app.api.get::<BestList>(&url, None).await {
        Ok(l) => Some(l),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(BestPage {
        chrome,
        year,
        years,
        list,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public_priority_firms.html")]
pub struct PriorityPage {
    chrome: Chrome,
    firms: Vec<Firm>,
    total: i64,
}

pub async fn priority_firms(
    State(app): State<WebState>,
    chrome: Chrome,
) -> Result<PriorityPage, PageError> {
    let page: Page<Firm> = app
        .api
        .catalog_get("/catalog/priority-firms?limit=200", None)
        .await?;
    Ok(PriorityPage {
        chrome,
        total: page.total,
        firms: page.items,
    })
}
