//! 首页: the districts, and (with the matching service) the citywide coverage figure.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::State;
use serde::Deserialize;

use super::{Chrome, WebState};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::session::Session;

#[derive(Debug, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub streets: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    chrome: Chrome,
    districts: Vec<District>,
    streets_total: i64,
}

pub async fn home(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<HomePage, PageError> {
    let chrome = Chrome::new(&session, &csrf);
    let districts: Vec<District> = app
        .api
        .catalog_get("/catalog/districts", None)
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()))?;
    let streets_total = districts.iter().map(|d| d.streets).sum();
    Ok(HomePage {
        chrome,
        districts,
        streets_total,
    })
}
