//! The tender lifecycle API: create (draft), edit, publish, cancel, list, read, and the
//! opening record. Each handler parses the request, calls the domain
//! ([`crate::tenders`]) and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::{Identity, Role};
use shared::clock::now_ms;
use shared::domain::DistrictCode;
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::bids::{self, OpenedBid, OpeningRecord};
use crate::error::Result;
use crate::input::declared;
use crate::opening::{self, load_current, visible_tender};
use crate::state::AppState;
use crate::tenders::view::{TenderView, view};
use crate::tenders::{
    CancelTender, CriterionInput, NewTender, Schedule, Step, TermsInput, for_committee, lifecycle,
    sealed, store,
};
use crate::terms::{Criterion, Evaluation, EvaluationMethod, ServiceModel, TenderStatus};

#[derive(OpenApi)]
#[openapi(components(schemas(
    TenderView,
    OpeningRecord,
    OpenedBid,
    Evaluation,
    Criterion,
    EvaluationMethod,
    TenderStatus,
    NewTender,
    TermsInput,
    CriterionInput,
    CancelTender
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_tenders, create_tender))
        .routes(routes!(get_tender, update_tender))
        .routes(routes!(publish_tender))
        .routes(routes!(cancel_tender))
        .routes(routes!(get_opening))
}

/// How deadlines are checked now: against the policy's shortest bidding window, extended
/// on a change of an open tender's terms.
fn schedule(app: &AppState, now: i64, extend: bool) -> Schedule {
    Schedule {
        now,
        min_window: app.policy.min_bid_window_ms(),
        extend,
    }
}

/// Creates a draft tender for the caller's own compound. Role: committee of the compound;
/// the compound must be known from the catalog, and have no other tender in progress.
#[utoipa::path(post, path = "/tenders", tag = "tenders", request_body = NewTender,
    responses((status = 201, body = TenderView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_tender(
    State(app): State<AppState>,
    identity: Identity,
    body: LateJson<NewTender>,
) -> Result<(StatusCode, Json<TenderView>)> {
    identity.require_any(&[Role::Committee])?;
    let dto = body.value()?;
    identity.require_compound(&dto.compound_id)?;
    let now = now_ms();
    let proposal = dto.terms.check(None, schedule(&app, now, false))?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let view = lifecycle::draft(&mut tx, &dto.compound_id, proposal, &identity, now).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes a tender's terms. Role: committee of the compound; while `draft` or `open`.
///
/// While open, any change of the terms is material: the bid deadline moves to at least the
/// minimum bidding window from now (the opening follows), the terms version goes up, and
/// every bid already submitted is marked `needs_reconfirmation` (its firm must confirm or
/// replace it before the deadline, or it is invalid at the opening).
#[utoipa::path(patch, path = "/tenders/{id}", tag = "tenders", request_body = TermsInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<TermsInput>,
) -> Result<Json<TenderView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = for_committee(tx.conn(), &id, &identity, Step::Revise).await?;
    let dto = body.value()?;
    let now = now_ms();
    let open = t.status == TenderStatus::Open;
    let proposal = dto.check(Some(&t.terms), schedule(&app, now, open))?;
    match lifecycle::revise(&mut tx, &mut t, proposal, &identity, &app.policy, now).await? {
        Some(revised) => {
            tx.commit().await?;
            Ok(Json(revised))
        }
        None => {
            drop(tx);
            Ok(Json(view(&mut *app.db.pool.acquire().await?, &t).await?))
        }
    }
}

/// Publishes a draft: firms may now ask questions and bid. Role: committee of the
/// compound. The bid deadline must still be at least the minimum bidding window away.
#[utoipa::path(post, path = "/tenders/{id}/publish", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<TenderView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::OpenForBids).await?;
    let view = lifecycle::open_for_bids(&mut tx, t, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Cancels (终止) a tender with a reason. Role: committee of the compound; before a
/// contract is signed. Bids of a tender cancelled before opening stay sealed for good; the
/// `cancelled` change in the feed is the bidders' notice.
#[utoipa::path(post, path = "/tenders/{id}/cancel", tag = "tenders", request_body = CancelTender,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<CancelTender>,
) -> Result<Json<TenderView>> {
    // Bring the tender up to date first, so a cancellation never lands on a tender whose
    // opening time has already passed unopened.
    load_current(&app, &id).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::Cancel).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let view = lifecycle::cancel(&mut tx, t, dto.reason, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// One tender. Public once published; a draft only for its committee and the association.
#[utoipa::path(get, path = "/tenders/{id}", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 404, body = Problem)))]
pub async fn get_tender(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<TenderView>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    Ok(Json(view(&mut *app.db.pool.acquire().await?, &t).await?))
}

/// The opening record (开标记录): every bid, with bidder and price, once opened. Public.
/// Before the opening there is nothing to show, whoever asks.
#[utoipa::path(get, path = "/tenders/{id}/opening", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = OpeningRecord), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_opening(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<OpeningRecord>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    match bids::opening_record(&mut conn, &t.id).await? {
        Some(r) => Ok(Json(r)),
        None => Err(sealed().into()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TenderQuery {
    /// `open`, `evaluation`, … (`draft` only shows the caller's own).
    pub status: Option<String>,
    /// 6-digit district code.
    pub district: Option<String>,
    /// Service model code.
    pub model: Option<String>,
    /// Only this compound's tenders.
    pub compound: Option<String>,
}

impl TenderQuery {
    /// The filter, each bad value reported in `v`; drafts of every compound for the
    /// association, of its own compound for a committee.
    fn check(&self, identity: Option<&Identity>, v: &mut Validation) -> store::Filter {
        let status = self
            .status
            .as_deref()
            .and_then(|s| v.field("status", TenderStatus::parse(s)));
        let district = self
            .district
            .as_deref()
            .and_then(|s| v.field("district", DistrictCode::parse(s)));
        let model = self
            .model
            .as_deref()
            .and_then(|s| v.field("model", ServiceModel::parse(s)));
        store::Filter {
            all_drafts: identity.is_some_and(|i| i.role == Role::Association),
            own_compound: identity
                .and_then(Identity::committee_compound)
                .map(str::to_string),
            status,
            district: district.map(|d| d.as_str().to_string()),
            model: model.map(|m| m.as_str().to_string()),
            compound: self.compound.clone(),
        }
    }
}

/// Tenders, newest first. Public; drafts appear only to their committee and the association.
#[utoipa::path(get, path = "/tenders", tag = "tenders", params(TenderQuery, PageQuery),
    responses((status = 200, body = Page<TenderView>), (status = 422, body = Problem)))]
pub async fn list_tenders(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Query(q): Query<TenderQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<TenderView>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let filter = q.check(identity.as_ref(), &mut v);
    let page = v.finish_with(|| page)?;
    opening::open_all_due(&app).await?;
    let tenders = store::list(&mut *app.db.pool.acquire().await?, &filter, page).await?;
    let now = now_ms();
    let items = tenders
        .items
        .iter()
        .map(|t| TenderView::of(t, None, now))
        .collect();
    Ok(Json(page.of(items, tenders.total)))
}
