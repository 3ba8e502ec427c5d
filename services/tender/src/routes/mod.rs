//! The tender service's HTTP API: one module per resource, assembled here with the
//! OpenAPI document that describes them.

pub mod award;
pub mod bids;
pub mod questions;
pub mod tenders;
pub mod votes;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye tender",
        description = "招标、密封投标、评标、合同、信息公开与满意度（tender service）"
    ),
    components(schemas(
        shared::error::Problem,
        shared::error::FieldError,
        shared::feed::FeedPage,
        shared::feed::Change
    ))
)]
pub struct ApiDoc;

/// The whole document: each resource module's paths merged in.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(votes::Api::openapi());
    doc.merge(tenders::Api::openapi());
    doc.merge(questions::Api::openapi());
    doc.merge(bids::Api::openapi());
    doc.merge(award::Api::openapi());
    doc
}

/// The API routes, relative to the service prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(votes::router())
        .merge(tenders::router())
        .merge(questions::router())
        .merge(bids::router())
        .merge(award::router())
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_doc())
}
