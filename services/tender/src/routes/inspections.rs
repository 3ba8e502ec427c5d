//! 查阅 (inspection requests): asked by the committee or by an owner with the unit's code,
//! answered by the serving firm or the committee, listed for the compound and for the
//! officials' area. Each handler parses, calls the domain ([`crate::inspections`]),
//! answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use shared::auth::Identity;
use shared::client_addr::ClientAddr;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::documents::bytes_of;
use crate::error::Result;
use crate::inspections::{
    self, AnswerInput, AskedBy, Asker, InspectionInput, InspectionView, OwnerInspectionInput, What,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    InspectionView,
    InspectionInput,
    OwnerInspectionInput,
    AnswerInput,
    CodeOnly,
    What,
    AskedBy,
    inspections::State,
    Page<InspectionView>,
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(ask, compound_inspections))
        .routes(routes!(ask_by_code))
        .routes(routes!(by_code))
        .routes(routes!(granted_content))
        .routes(routes!(answer))
        .routes(routes!(inspection))
        .routes(routes!(area_inspections))
}

/// Asks, for owners, to inspect the accounts, vouchers or contract of the compound's firm
/// (查阅); due `[tender] inspection_days` (15) days later. Role: the compound's committee.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/inspections", tag = "inspections",
    params(("cid" = String, Path, description = "compound id")), request_body = InspectionInput,
    responses((status = 201, body = InspectionView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<InspectionInput>,
) -> Result<(StatusCode, Json<InspectionView>)> {
    inspections::may_ask_for(&identity, &cid)?;
    let checked = body.value()?.check()?;
    let days = app.policy.inspection_days;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let view = inspections::ask(&mut tx, (&cid, Asker::Committee(identity)), checked, days).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// An owner asks to inspect, with the one-time code of the unit's notice (no account; the
/// code in the body, never the URL; a code stays good for this after its vote closed, until
/// a newer notice replaces it). A wrong code answers 404 `code_unknown`; owner-code
/// requests are counted per client address like the others (429 with `Retry-After`).
#[utoipa::path(post, path = "/tenders/owner-code/inspection", tag = "inspections",
    request_body = OwnerInspectionInput,
    responses((status = 201, body = InspectionView), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn ask_by_code(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<OwnerInspectionInput>,
) -> Result<(StatusCode, Json<InspectionView>)> {
    app.owner_codes.admit(&client.key()).await?;
    let (code, checked) = dto.check()?;
    let days = app.policy.inspection_days;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let view = inspections::ask(&mut tx, ("", Asker::Owner { code }), checked, days).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The code's body: the code printed on the unit's notice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeOnly {
    pub code: String,
}

/// The inspection requests asked with the code's unit (at most 50), with where each
/// stands and its answer: the owner follows the request with the same code. A wrong code
/// answers 404 `code_unknown`; counted per client address like every owner-code request.
#[utoipa::path(post, path = "/tenders/owner-code/inspections", tag = "inspections",
    request_body = CodeOnly,
    responses((status = 200, body = Vec<InspectionView>), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn by_code(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<CodeOnly>,
) -> Result<Json<Vec<InspectionView>>> {
    app.owner_codes.admit(&client.key()).await?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(inspections::of_code(&mut conn, &dto.code).await?))
}

/// The bytes of a document the answer to one of the code's unit's requests gave (a
/// voucher, the contract, …), as `GET /tenders/documents/{id}/content` serves them: the
/// owner opens what the unit asked to inspect, with the code in the body (never the URL).
/// 404 `code_unknown` for a wrong code, 403 `not_granted` for a document no answer to this
/// unit gave (another unit's, another compound's, or before the answer), 410 when taken
/// down; counted per client address like every owner-code request.
#[utoipa::path(post, path = "/tenders/owner-code/documents/{id}/content", tag = "inspections",
    params(("id" = String, Path, description = "document id")),
    request_body = CodeOnly,
    responses(
        (status = 200, description = "the file", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 410, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn granted_content(
    State(app): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    Json(dto): Json<CodeOnly>,
) -> Result<Response> {
    app.owner_codes.admit(&client.key()).await?;
    let doc = {
        let mut conn = app.db.pool.acquire().await?;
        inspections::granted_document(&mut conn, &dto.code, &id).await?
    };
    bytes_of(&app, &doc).await
}

/// Answers a request, once (409 `already_answered`), optionally giving documents of the
/// compound. Roles: the compound's committee, the firm of its current contract.
#[utoipa::path(post, path = "/tenders/inspections/{id}/answer", tag = "inspections",
    params(("id" = String, Path, description = "inspection request id")), request_body = AnswerInput,
    responses((status = 200, body = InspectionView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn answer(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<AnswerInput>,
) -> Result<Json<InspectionView>> {
    inspections::answerer(&mut *app.db.pool.acquire().await?, &identity, &id).await?;
    let answer = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let view = inspections::answer(&mut tx, &identity, &id, answer).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// A compound's inspection requests, oldest due date first. Roles: its committee, the firm
/// of its current contract, the officials of its street and district, the association.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/inspections", tag = "inspections",
    params(("cid" = String, Path, description = "compound id"), PageQuery),
    responses((status = 200, body = Page<InspectionView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn compound_inspections(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    page: shared::extract::Pagination,
) -> Result<Json<Page<InspectionView>>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(
        inspections::of_compound(&mut conn, &identity, &cid, page).await?,
    ))
}

/// One inspection request, for those who read its compound's.
#[utoipa::path(get, path = "/tenders/inspections/{id}", tag = "inspections",
    params(("id" = String, Path, description = "inspection request id")),
    responses((status = 200, body = InspectionView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn inspection(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<InspectionView>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(inspections::one(&mut conn, &identity, &id).await?))
}

/// Filter of the officials' list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AreaQuery {
    /// `open` (default: not answered, not yet due), `overdue` (not answered after the due
    /// date) or `answered`.
    pub state: Option<String>,
}

/// The inspection requests of the caller's area in a state, oldest due date first: the
/// street official's street, the district official's district, the association's city.
/// The overdue ones join the officials' attention lists.
#[utoipa::path(get, path = "/tenders/inspections", tag = "inspections",
    params(AreaQuery, PageQuery),
    responses((status = 200, body = Page<InspectionView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn area_inspections(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<AreaQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<InspectionView>>> {
    let mut v = Validation::new();
    let state = match q.state.as_deref() {
        None => Some(inspections::State::Open),
        Some(s) => inspections::State::parse(s).or_else(|| {
            v.push(FieldError::new(
                "state",
                "invalid_state",
                "state 应为 open（待答复）、overdue（逾期未答复）或 answered（已答复）",
            ));
            None
        }),
    };
    let page = page.collect(&mut v);
    let (state, page) = v.finish_with(|| Some((state?, page?)))?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(
        inspections::of_area(&mut conn, &identity, state, page).await?,
    ))
}
