//! Residents' surveys per unit (满意度调查), under `/tenders/compounds/{cid}/unit-surveys`
//! and `/tenders/unit-surveys/{sid}`. Each handler parses the request, calls the domain
//! ([`crate::owners::surveys`]) and answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST /tenders/compounds/{cid}/unit-surveys`, `POST …/{sid}/paper-answers`, `POST …/{sid}/close` | the compound's committee |
//! | `POST …/{sid}/notices` | the street official of the compound's street |
//! | `POST …/{sid}/comments/{comment_id}/reply` | the firm of the contract serving the quarter |
//! | `GET /tenders/compounds/{cid}/unit-surveys`, `GET /tenders/unit-surveys/{sid}` | anyone (counts, rate, comments without units) |
//! | `GET /tenders/unit-surveys` | the association (the city's), district and street officials (their area's), a committee (its compound's), a firm (its contracts' compounds') |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::auth::{Identity, Role};
use shared::clock::now_ms;
use shared::error::Problem;
use shared::extract::{Json, LateJson, Page, PageQuery, Pagination};
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::owners::ballots::{self, Notices};
use crate::owners::register;
use crate::owners::surveys::{
    self, AnswerCounts, AnswerReceipt, AreaSurvey, Comment, NewUnitSurvey, PaperAnswerInput,
    Rating, Reply, ReplyInput, UnitSurvey,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    UnitSurvey,
    NewUnitSurvey,
    AnswerCounts,
    Comment,
    Reply,
    ReplyInput,
    Rating,
    PaperAnswerInput,
    AnswerReceipt,
    Page<UnitSurvey>,
    Page<AreaSurvey>,
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(open_survey, list_surveys))
        .routes(routes!(list_area_surveys))
        .routes(routes!(get_survey))
        .routes(routes!(print_notices))
        .routes(routes!(record_paper_answer))
        .routes(routes!(close_survey))
        .routes(routes!(reply_to_comment))
}

/// Opens the quarter's survey of the compound, one answer per unit of its register as it
/// stands now (422 `register_empty`); one survey per compound and quarter, typed or per
/// unit (409 `survey_exists`). Role: the compound's committee.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/unit-surveys", tag = "unit-surveys",
    params(("cid" = String, Path, description = "compound id")),
    request_body = NewUnitSurvey,
    responses((status = 201, body = UnitSurvey), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn open_survey(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<NewUnitSurvey>,
) -> Result<(StatusCode, Json<UnitSurvey>)> {
    identity.require_any(&[Role::Committee])?;
    let compound = register::compound(&mut *app.db.pool.acquire().await?, &cid).await?;
    ballots::committee(&identity, &compound)?;
    let input = body.value()?.check(now_ms())?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let survey = surveys::open(&mut tx, &compound, input, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

/// A compound's surveys per unit, the latest quarter first. Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/unit-surveys", tag = "unit-surveys",
    params(("cid" = String, Path, description = "compound id"), PageQuery),
    responses((status = 200, body = Page<UnitSurvey>), (status = 422, body = Problem)))]
pub async fn list_surveys(
    State(app): State<AppState>,
    Path(cid): Path<String>,
    page: Pagination,
) -> Result<Json<Page<UnitSurvey>>> {
    let mut conn = app.db.pool.acquire().await?;
    let stored = surveys::surveys_of(&mut conn, &cid, page).await?;
    let mut items = Vec::with_capacity(stored.items.len());
    for s in &stored.items {
        items.push(surveys::view(&mut conn, s).await?);
    }
    Ok(Json(Page {
        items,
        total: stored.total,
        limit: stored.limit,
        offset: stored.offset,
    }))
}

/// The surveys per unit of the caller's area, the latest quarter first, each with its
/// compound: the association the city's, a district official the district's, a street
/// official the street's, a committee its compound's, a firm those of the compounds it has
/// (or had) a contract with (the comments it may answer). 401 without sign-in.
#[utoipa::path(get, path = "/tenders/unit-surveys", tag = "unit-surveys",
    params(PageQuery),
    responses((status = 200, body = Page<AreaSurvey>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_area_surveys(
    State(app): State<AppState>,
    identity: Identity,
    page: Pagination,
) -> Result<Json<Page<AreaSurvey>>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(surveys::of_area(&mut conn, &identity, page).await?))
}

/// One survey: the counts from the answers, the rate, the comments (without units) and
/// the firm's replies. Public.
#[utoipa::path(get, path = "/tenders/unit-surveys/{sid}", tag = "unit-surveys",
    params(("sid" = String, Path, description = "survey id")),
    responses((status = 200, body = UnitSurvey), (status = 404, body = Problem)))]
pub async fn get_survey(
    State(app): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Json<UnitSurvey>> {
    let mut conn = app.db.pool.acquire().await?;
    let s = surveys::load(&mut conn, &sid).await?;
    Ok(Json(surveys::view(&mut conn, &s).await?))
}

/// The paper notices: a fresh code for every unit that has not answered, answered once
/// (`vote_id` is the survey's id). Role: the street official of the compound's street.
#[utoipa::path(post, path = "/tenders/unit-surveys/{sid}/notices", tag = "unit-surveys",
    params(("sid" = String, Path, description = "survey id")),
    responses((status = 200, body = Notices), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn print_notices(
    State(app): State<AppState>,
    identity: Identity,
    Path(sid): Path<String>,
) -> Result<Json<Notices>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let s = surveys::load(tx.conn(), &sid).await?;
    let compound = register::compound(tx.conn(), &s.compound_id).await?;
    ballots::street(&identity, &compound)?;
    let notices = surveys::notices(&mut tx, &s, &identity).await?;
    tx.commit().await?;
    Ok(Json(notices))
}

/// Records a paper answer (纸质问卷) for a unit, while the survey is open or counting; 404
/// for a unit not in the survey, 409 `unit_already_answered`. Role: the compound's
/// committee.
#[utoipa::path(post, path = "/tenders/unit-surveys/{sid}/paper-answers", tag = "unit-surveys",
    params(("sid" = String, Path, description = "survey id")),
    request_body = PaperAnswerInput,
    responses((status = 201, body = AnswerReceipt), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_paper_answer(
    State(app): State<AppState>,
    identity: Identity,
    Path(sid): Path<String>,
    body: LateJson<PaperAnswerInput>,
) -> Result<(StatusCode, Json<AnswerReceipt>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let s = surveys::load(tx.conn(), &sid).await?;
    let compound = register::compound(tx.conn(), &s.compound_id).await?;
    ballots::committee(&identity, &compound)?;
    let receipt = surveys::record_paper(&mut tx, &s, body.value()?, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Closes the survey after its period and publishes the quarter's satisfaction survey from
/// the answers (topic `satisfaction`, kind `recorded`; nothing without an answer). Role:
/// the compound's committee.
#[utoipa::path(post, path = "/tenders/unit-surveys/{sid}/close", tag = "unit-surveys",
    params(("sid" = String, Path, description = "survey id")),
    responses((status = 200, body = UnitSurvey), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn close_survey(
    State(app): State<AppState>,
    identity: Identity,
    Path(sid): Path<String>,
) -> Result<Json<UnitSurvey>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let s = surveys::load(tx.conn(), &sid).await?;
    let compound = register::compound(tx.conn(), &s.compound_id).await?;
    ballots::committee(&identity, &compound)?;
    let closed = surveys::close(&mut tx, &s, &identity).await?;
    tx.commit().await?;
    Ok(Json(closed))
}

/// The serving firm answers a comment publicly, once (409 `already_replied`). Role: the
/// firm of the contract that served the survey's quarter.
#[utoipa::path(post, path = "/tenders/unit-surveys/{sid}/comments/{comment_id}/reply",
    tag = "unit-surveys",
    params(("sid" = String, Path, description = "survey id"),
        ("comment_id" = String, Path, description = "the comment's id")),
    request_body = ReplyInput,
    responses((status = 200, body = Comment), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reply_to_comment(
    State(app): State<AppState>,
    identity: Identity,
    Path((sid, comment_id)): Path<(String, String)>,
    body: LateJson<ReplyInput>,
) -> Result<Json<Comment>> {
    identity.require_any(&[Role::Firm])?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let s = surveys::load(tx.conn(), &sid).await?;
    surveys::may_reply(tx.conn(), &s, &identity).await?;
    let comment = surveys::reply(&mut tx, &s, &comment_id, body.value()?, &identity).await?;
    tx.commit().await?;
    Ok(Json(comment))
}
