//! The demonstration compounds API (标杆示范小区):
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/demonstrations` | anyone: the confirmed ones, by service model or compound |
//! | `GET /catalog/demonstrations/area` | officials and the association: every status within their area |
//! | `GET /catalog/demonstrations/{id}` | anyone a confirmed one; otherwise officials whose area holds it |
//! | `POST /catalog/demonstrations` | the street official of the compound's street |
//! | `POST /catalog/demonstrations/{id}/decision` | the district official of its district |
//! | `POST /catalog/demonstrations/{id}/withdrawal` | either of them |
//!
//! City officials read and never write.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::compounds::Reach;
use crate::error::Result;
use crate::incentives::demonstration::{
    DecisionInput, Demonstration, DemonstrationStatus, DemonstrationStep, ProposalInput,
    WithdrawalInput,
};
use crate::incentives::demonstration_store::{self as store, Selection};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Demonstration,
    DemonstrationStep,
    DemonstrationStatus,
    ProposalInput,
    DecisionInput,
    WithdrawalInput
)))]
pub struct Api;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_public, propose))
        .routes(routes!(list_area))
        .routes(routes!(get_one))
        .routes(routes!(decide))
        .routes(routes!(withdraw))
}

/// The caller's street, when it is a street official (403 otherwise).
fn proposer(identity: &Identity) -> Result<StreetCode, Problem> {
    match Reach::of_official(identity) {
        Ok(Reach::Street(s)) => Ok(s),
        _ => Err(Problem::forbidden(
            "标杆示范小区由小区所在街道的工作人员推荐。",
        )),
    }
}

/// The caller's district, when it is a district official (403 otherwise).
fn confirmer(identity: &Identity) -> Result<DistrictCode, Problem> {
    match Reach::of_official(identity) {
        Ok(Reach::District(d)) => Ok(d),
        _ => Err(Problem::forbidden(
            "标杆示范小区由小区所在区县的工作人员确认。",
        )),
    }
}

/// The reach of a street or district official (403 otherwise).
fn withdrawer(identity: &Identity) -> Result<Reach, Problem> {
    match Reach::of_official(identity) {
        Ok(r @ (Reach::Street(_) | Reach::District(_))) => Ok(r),
        _ => Err(Problem::forbidden(
            "标杆示范小区只能由小区所在街道或区县的工作人员撤销。",
        )),
    }
}

/// Filters of the lists; an unknown status is a 422 naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DemonstrationQuery {
    /// Only this service model (code, e.g. `trust`).
    pub model: Option<String>,
    /// Only this compound (id).
    pub compound: Option<String>,
    /// Only this status (`proposed`, `confirmed`, `declined`, `withdrawn`); the officials'
    /// list only (the public list is the confirmed ones).
    pub status: Option<String>,
}

fn selection(q: &DemonstrationQuery, v: &mut Validation) -> Selection {
    let status = q.status.as_deref().and_then(|s| {
        let found = DemonstrationStatus::parse(s);
        if found.is_none() {
            v.push(FieldError::new(
                "status",
                "invalid_status",
                "status 应为 proposed、confirmed、declined 或 withdrawn",
            ));
        }
        found
    });
    Selection {
        model: q.model.clone(),
        compound: q.compound.clone(),
        status,
        reach: None,
    }
}

/// The confirmed demonstration compounds, by service model or compound (public; the
/// accounts that took each step are left out).
#[utoipa::path(get, path = "/catalog/demonstrations", tag = "incentives",
    params(DemonstrationQuery, PageQuery),
    responses((status = 200, body = Page<Demonstration>), (status = 422, body = Problem)))]
pub async fn list_public(
    State(app): State<AppState>,
    Query(q): Query<DemonstrationQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Demonstration>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let mut s = selection(&DemonstrationQuery { status: None, ..q }, &mut v);
    let page = v.finish_with(|| page)?;
    s.status = Some(DemonstrationStatus::Confirmed);
    let mut conn = app.db.pool.acquire().await?;
    let mut found = store::list(&mut conn, &s, page).await?;
    found.items = found.items.into_iter().map(Demonstration::public).collect();
    Ok(Json(found))
}

/// Every demonstration within the caller's area, whatever its status: a street official
/// its street's, a district official its district's, city officials and the association
/// the city's.
#[utoipa::path(get, path = "/catalog/demonstrations/area", tag = "incentives",
    params(DemonstrationQuery, PageQuery),
    responses((status = 200, body = Page<Demonstration>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_area(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<DemonstrationQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Demonstration>>> {
    let reach = Reach::to_read(&identity)?;
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let mut s = selection(&q, &mut v);
    let page = v.finish_with(|| page)?;
    s.reach = Some(reach);
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(store::list(&mut conn, &s, page).await?))
}

/// One demonstration: a confirmed one to anyone (without the accounts), any other only to
/// officials whose area holds it (404 to everyone else).
#[utoipa::path(get, path = "/catalog/demonstrations/{id}", tag = "incentives",
    params(("id" = String, Path, description = "demonstration id")),
    responses((status = 200, body = Demonstration), (status = 404, body = Problem)))]
pub async fn get_one(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Demonstration>> {
    let mut conn = app.db.pool.acquire().await?;
    let d = store::load(&mut conn, &id)
        .await?
        .ok_or_else(store::not_found)?;
    let in_reach = identity
        .as_ref()
        .and_then(|i| Reach::to_read(i).ok())
        .zip(StreetCode::parse(&d.street_code).ok())
        .is_some_and(|(r, s)| r.covers(s));
    match (in_reach, d.status) {
        (true, _) => Ok(Json(d)),
        (false, DemonstrationStatus::Confirmed) => Ok(Json(d.public())),
        (false, _) => Err(store::not_found().into()),
    }
}

/// A street official proposes a compound of its street as a demonstration of a service
/// model, with what makes it exemplary and its concrete points. 403 for anyone else or a
/// compound of another street; 422 for an unknown compound or model; 409
/// `already_demonstration` while one of the same compound and model is proposed or
/// confirmed. Feed: topic `demonstration`, kind `proposed`.
#[utoipa::path(post, path = "/catalog/demonstrations", tag = "incentives",
    request_body = ProposalInput,
    responses((status = 201, body = Demonstration), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn propose(
    State(app): State<AppState>,
    identity: Identity,
    body: LateJson<ProposalInput>,
) -> Result<(StatusCode, Json<Demonstration>)> {
    let street = proposer(&identity)?;
    let proposal = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let d = store::propose(&mut tx, &proposal, street, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// The district official of the compound's district confirms (`confirm`) or declines
/// (`decline`, with a reason) a proposal. 409 `not_proposed` once decided or withdrawn.
/// Feed: topic `demonstration`, kind `confirmed` or `declined`.
#[utoipa::path(post, path = "/catalog/demonstrations/{id}/decision", tag = "incentives",
    params(("id" = String, Path, description = "demonstration id")),
    request_body = DecisionInput,
    responses((status = 200, body = Demonstration), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<DecisionInput>,
) -> Result<Json<Demonstration>> {
    let district = confirmer(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    store::in_reach(&mut conn, &id, Reach::District(district)).await?;
    drop(conn);
    let decision = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let d = store::decide(&mut tx, &id, district, &decision, &identity).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// The street or district official withdraws a proposed or confirmed demonstration, with
/// the reason; it stays in the history. 409 `not_open` once declined or withdrawn. Feed:
/// topic `demonstration`, kind `withdrawn`.
#[utoipa::path(post, path = "/catalog/demonstrations/{id}/withdrawal", tag = "incentives",
    params(("id" = String, Path, description = "demonstration id")),
    request_body = WithdrawalInput,
    responses((status = 200, body = Demonstration), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<WithdrawalInput>,
) -> Result<Json<Demonstration>> {
    let reach = withdrawer(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    store::in_reach(&mut conn, &id, reach).await?;
    drop(conn);
    let reason = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let d = store::withdraw(&mut tx, &id, reach, &reason, &identity).await?;
    tx.commit().await?;
    Ok(Json(d))
}
