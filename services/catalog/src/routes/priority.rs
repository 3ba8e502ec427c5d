//! `GET /catalog/priority-firms` (public): firms flagged for priority in public
//! procurement, derived from the whitelist, standing and credit (see
//! `incentives::priority` for the rule).

use axum::extract::State;
use shared::auth::Identity;
use shared::clock::china_today;
use shared::domain::roster::FirmSnapshot;
use shared::extract::{Json, Page, PageQuery, Pagination};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::firms;
use crate::incentives::priority;
use crate::state::AppState;

#[derive(OpenApi)]
pub struct Api;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi()).routes(routes!(priority_firms))
}

/// Firms that serve old compounds well, for priority in public procurement: on the
/// whitelist, recommended (good standing) today, credit grade B or better, serving at
/// least one district; by credit score, highest first. Public; the contact phone is masked
/// as on the roster.
#[utoipa::path(get, path = "/catalog/priority-firms", tag = "incentives", params(PageQuery),
    responses((status = 200, body = Page<FirmSnapshot>), (status = 422, body = shared::error::Problem)))]
pub async fn priority_firms(
    State(app): State<AppState>,
    identity: Option<Identity>,
    page: Pagination,
) -> Result<Json<Page<FirmSnapshot>>> {
    let all = priority::list(&app.db, &app.policy, china_today()).await?;
    let total = all.len() as i64;
    let (limit, offset) = page.as_usize();
    let items = all
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|f| firms::view(f, identity.as_ref()))
        .collect();
    Ok(Json(page.of(items, total)))
}
