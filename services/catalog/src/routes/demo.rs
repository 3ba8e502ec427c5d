//! `GET /catalog/demo`: public; whether demo accounts (with the published password) exist.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(DemoStatus)))]
pub struct Api;

/// The route with its OpenAPI operation. Its document is merged after the problem
/// responses are added (see `super::api`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi()).routes(routes!(demo_status))
}

/// Whether this is a demo installation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DemoStatus {
    /// True while any enabled `demo.…` account exists (their password is public).
    pub demo_accounts: bool,
}

/// Whether enabled demo accounts exist (the pages then say 演示环境). Public: it tells no
/// more than the banner every page shows.
#[utoipa::path(get, path = "/catalog/demo", tag = "accounts",
    responses((status = 200, body = DemoStatus)))]
pub async fn demo_status(State(app): State<AppState>) -> Result<Json<DemoStatus>> {
    let n = crate::demo::demo_accounts(&app.db).await?;
    Ok(Json(DemoStatus {
        demo_accounts: n > 0,
    }))
}
