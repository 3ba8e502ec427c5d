//! 标杆示范小区 (`/demonstration`): everyone sees the confirmed demonstration compounds,
//! grouped per service model, each with what makes it exemplary and its concrete points
//! (the catalog's public list, `GET /catalog/demonstrations`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use super::model::Page;
use super::model::catalog::ServiceModel;
use super::model::incentives::Demonstration;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::state::WebState;

/// The most demonstrations one page shows.
const LIMIT: i64 = 200;

pub fn routes() -> Router<WebState> {
    Router::new().route("/demonstration", get(demonstrations))
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
            items: page.items.iter().filter(|d| d.model == m.code).cloned().collect(),
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
    })
}
