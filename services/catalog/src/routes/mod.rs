//! The catalog's HTTP API: one module per resource, all routes assembled here together
//! with the OpenAPI document that describes them. Each resource module has its own
//! `Api` (utoipa) merged into the service's document.

mod accounts;
mod compounds;
mod demo;
mod firms;
mod places;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye catalog",
        description = "供应商名录、小区台账、地点与账号（catalog service）"
    ),
    paths(places::list_districts, places::get_district, places::list_streets),
    components(schemas(
        crate::places::District,
        crate::places::Street,
        shared::error::Problem,
        shared::error::FieldError,
        shared::feed::FeedPage,
        shared::feed::Change
    ))
)]
pub struct ApiDoc;

/// The whole document: places here, plus each resource module's own.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(accounts::Api::openapi());
    doc.merge(firms::Api::openapi());
    doc.merge(compounds::Api::openapi());
    doc.merge(demo::Api::openapi());
    doc
}

/// The API routes, relative to the service prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/districts", get(places::list_districts))
        .route("/districts/{code}", get(places::get_district))
        .route("/streets", get(places::list_streets))
        .route("/demo", get(demo::demo_status))
        .merge(accounts::router())
        .merge(firms::router())
        .merge(compounds::router())
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_doc())
}
