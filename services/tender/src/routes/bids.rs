//! Sealed bids: a firm submits, replaces, confirms or withdraws its own bid until the
//! deadline and reads only its own; the bids open all at once at the opening time. Each
//! handler parses the request, calls the domain ([`crate::bidding`]) and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::auth::Identity;
use shared::error::Problem;
use shared::extract::{Json, LateJson};
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::bidding::{self, BidInput, bidder, compound_of, no_bid};
use crate::bids::{self, Bid, BidStatus, CriterionAnswer};
use crate::error::Result;
use crate::opening::visible_tender;
use crate::state::AppState;
use crate::tenders::sealed;

#[derive(OpenApi)]
#[openapi(components(schemas(Bid, BidStatus, CriterionAnswer, BidInput)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_bids, submit_bid))
        .routes(routes!(my_bid, replace_bid, withdraw_bid))
        .routes(routes!(confirm_bid))
        .routes(routes!(my_bids))
}

/// Before the lock: the content checked against the tender and its compound as they are
/// now, so content errors are reported before taking it (checked again inside).
/// The body is read only once the tender is known to be visible to the caller.
async fn precheck(
    app: &AppState,
    id: &str,
    identity: &Identity,
    body: LateJson<BidInput>,
) -> Result<BidInput> {
    let t = visible_tender(app, id, Some(identity)).await?;
    let dto = body.value()?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = compound_of(&mut conn, &t).await?;
    dto.check(&t, &compound)?;
    Ok(dto)
}

/// Submits a sealed bid. Role: a firm that is recommended on the roster today, offers the
/// tender's service model and fee model, can deliver its grade, serves the compound's
/// district or reaches the compound within its radius, and has capacity left for its
/// households (cumulative: its declared households served plus the compounds it holds on
/// this platform, see `roster::capacity_refusal`). The annual price is derived (fee × the
/// compound's floor area × 12); a typed one that disagrees is a 422 on `annual_price_fen`
/// (`price_mismatch`). Each refusal is a 422 whose `code` names the first reason
/// (`firm_not_recommended`, `firm_suspended`, `firm_blacklisted`,
/// `service_model_not_offered`, `fee_model_not_offered`, `grade_not_offered`,
/// `outside_service_area`, `capacity_exceeded`, `firm_unknown`) and whose `errors` list
/// them all. After the deadline: 409 `bid_deadline_passed`. One live bid per firm: 409
/// `bid_exists`.
#[utoipa::path(post, path = "/tenders/{id}/bids", tag = "bids", request_body = BidInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<BidInput>,
) -> Result<(StatusCode, Json<Bid>)> {
    let firm_id = bidder(&identity)?;
    let dto = precheck(&app, &id, &identity, body).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let bid = bidding::submit(&mut tx, &id, &firm_id, &dto, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(bid)))
}

/// Replaces the caller's live bid before the deadline (same checks as submitting). The
/// replaced bid answers the current terms, so it needs no re-confirmation.
#[utoipa::path(put, path = "/tenders/{id}/bids/mine", tag = "bids", request_body = BidInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<BidInput>,
) -> Result<Json<Bid>> {
    let firm_id = bidder(&identity)?;
    let dto = precheck(&app, &id, &identity, body).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let bid = bidding::replace(&mut tx, &id, &firm_id, &dto, &identity).await?;
    tx.commit().await?;
    Ok(Json(bid))
}

/// Confirms the caller's live bid for the current terms after they changed. Same checks
/// as submitting.
#[utoipa::path(post, path = "/tenders/{id}/bids/mine/confirm", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Bid>> {
    let firm_id = bidder(&identity)?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let bid = bidding::confirm(&mut tx, &id, &firm_id, &identity).await?;
    tx.commit().await?;
    Ok(Json(bid))
}

/// Withdraws the caller's live bid before the deadline. It may bid again afterwards.
#[utoipa::path(delete, path = "/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn withdraw_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let firm_id = bidder(&identity)?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    bidding::withdraw(&mut tx, &id, &firm_id, &identity).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own live bid (before and after opening). Role: firm.
#[utoipa::path(get, path = "/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Bid), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn my_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Bid>> {
    let firm_id = bidder(&identity)?;
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    let mut conn = app.db.pool.acquire().await?;
    bids::live_of(&mut conn, &t.id, &firm_id)
        .await?
        .map(Json)
        .ok_or_else(|| no_bid().into())
}

/// Every bid in full, after the opening. Role: the compound's committee or the
/// association; everyone else reads the public opening record
/// (`GET /tenders/{id}/opening`). Before the opening: 409 `bids_sealed`, whoever asks.
#[utoipa::path(get, path = "/tenders/{id}/bids", tag = "bids",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Bid>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn list_bids(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Bid>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    if t.opened_at.is_none() {
        return Err(sealed().into());
    }
    if !identity
        .as_ref()
        .is_some_and(|i| i.oversees_compound(&t.compound_id))
    {
        return Err(Problem::forbidden(
            "完整投标文件仅供招标小区自治组织和协会查看；开标记录请见 /tenders/{id}/opening。",
        )
        .into());
    }
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(bids::opened_of(&mut conn, &t.id).await?))
}

/// The caller's own bids that were not withdrawn, on every tender, newest first (at most
/// 200). Role: firm. Each is the firm's own sealed content, as `GET /tenders/{id}/bids/mine`.
#[utoipa::path(get, path = "/tenders/bids/mine", tag = "bids",
    responses((status = 200, body = Vec<Bid>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn my_bids(State(app): State<AppState>, identity: Identity) -> Result<Json<Vec<Bid>>> {
    let firm_id = bidder(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(bids::of_firm(&mut conn, &firm_id).await?))
}
