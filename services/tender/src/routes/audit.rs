//! The audit trail read back (审计记录): `GET /tenders/{id}/audit`.
//!
//! | who | may read |
//! | --- | --- |
//! | association, city official | every tender's |
//! | district official | tenders of compounds in its district |
//! | street official | tenders of compounds in its street |
//! | committee | its own compound's tenders |
//! | anyone else | 403 (anonymous: 401) |
//!
//! Rows about sealed bids and questions stay hidden, whoever asks, until the bids are
//! opened.

use axum::extract::{Path, State};
use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;
use shared::extract::{Json, Page, PageQuery, Pagination};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{self, Event};
use crate::error::Result;
use crate::opening::visible_tender;
use crate::state::AppState;
use crate::tenders::Tender;

#[derive(OpenApi)]
#[openapi(components(schemas(Event)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi()).routes(routes!(tender_audit))
}

/// Whether `identity` may read the audit trail of `t` (see the module's table).
pub fn may_read(identity: &Identity, t: &Tender) -> std::result::Result<(), Problem> {
    let allowed = match (&identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => true,
        (Role::DistrictOfficial, Scope::District(d)) => d == &t.district_code,
        (Role::StreetOfficial, Scope::Street(s)) => t.street_code.as_ref() == Some(s),
        (Role::Committee, Scope::Compound(c)) => c == &t.compound_id,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "只有协会、小区所在区县或街道的工作人员及本小区自治组织可以查看该项目的审计记录。",
        ))
    }
}

/// A tender's audit trail (审计记录), oldest first: every recorded step (created, published,
/// amended, bids and questions once opened, scores, award, complaints, contract,
/// disclosures and their corrections…) with its actor, time and detail. Roles: the
/// association and city officials; district and street officials whose area holds the tender's compound; the
/// compound's committee. Paginated (`limit` 1–200). Before the opening, rows about sealed
/// bids are neither shown nor counted.
#[utoipa::path(get, path = "/tenders/{id}/audit", tag = "tenders",
    params(("id" = String, Path, description = "tender id"), PageQuery),
    responses((status = 200, body = Page<Event>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tender_audit(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    page: Pagination,
) -> Result<Json<Page<Event>>> {
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    may_read(&identity, &t)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(
        audit::of_tender(&mut conn, &t.id, t.opened_at.is_some(), page).await?,
    ))
}
