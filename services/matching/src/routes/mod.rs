//! The matching service's HTTP API (grows with the tender issue).

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye matching",
        description = "招标、密封投标、评标、合同、信息公开与满意度（matching service）"
    ),
    components(schemas(shared::error::Problem, shared::error::FieldError))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
