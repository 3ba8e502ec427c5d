//! 季度通报 (`/bulletin`), public as the plan notifies it: matching's quarterly bulletin
//! (`/match/reports/bulletin`, public) with the districts ranked citywide, every district's
//! streets, who is notified for the bottom three twice in a row, and the year's ranking.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::pages::model::plans::Bulletin;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct BulletinQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    measure: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bulletin.html")]
pub struct BulletinPage {
    chrome: Chrome,
    b: Bulletin,
}

pub async fn page(
    State(app): State<WebState>,
    chrome: Chrome,
    Query(q): Query<BulletinQuery>,
) -> Result<BulletinPage, PageError> {
    let url = format!(
        "{}/match/reports/bulletin?{}",
        app.api.matching,
        api::query(&[("period", q.period.trim()), ("measure", q.measure.trim())])
    );
    let b: Bulletin = app.api.get(&url, None).await?;
    Ok(BulletinPage { chrome, b })
}
