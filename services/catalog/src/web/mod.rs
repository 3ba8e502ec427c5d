//! Server-rendered pages of the catalog (askama, Simplified Chinese).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::error::Result;
use crate::places::{self, District};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    districts: Vec<District>,
    streets_total: i64,
}

/// Pages mounted at the site root.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(app): State<AppState>) -> Result<HomePage> {
    let districts = places::districts(&app.db).await?;
    let streets_total = districts.iter().map(|d| d.streets).sum();
    Ok(HomePage {
        districts,
        streets_total,
    })
}
