//! Votes from ballots (表决), under `/tenders/compounds/{cid}/ballot-votes` and
//! `/tenders/ballot-votes/{vid}`. Each handler parses the request, calls the domain
//! ([`crate::owners::ballots`]) and answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST /tenders/compounds/{cid}/ballot-votes`, `POST …/{vid}/paper-ballots`, `POST …/{vid}/close` | the compound's committee |
//! | `POST …/{vid}/notices` | the street official of the compound's street (never the committee) |
//! | `GET …/{vid}/ballots`, `GET …/{vid}/objections` | the committee, the street official, the association |
//! | `GET /tenders/compounds/{cid}/ballot-votes`, `GET /tenders/ballot-votes/{vid}` | anyone (counts and result, never a ballot) |
//! | `GET /tenders/ballot-votes` | the association (the city's), district and street officials (their area's), a committee (its compound's) |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::auth::{Identity, Role};
use shared::clock::now_ms;
use shared::error::{FieldError, Problem};
use shared::extract::{Json, LateJson, Page, PageQuery, Pagination};
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{Error, Result};
use crate::owners::ballots::{
    self, AreaVote, BallotChoice, BallotOption, BallotView, BallotVote, Channel, NewBallotVote,
    Notice, Notices, Objection, OptionCount, PaperBallotInput, PaperReceipt, RegisterTotals,
    Turnout, VoteResult, VoteState,
};
use crate::owners::register;
use crate::state::AppState;
use crate::tenders::Tender;

#[derive(OpenApi)]
#[openapi(components(schemas(
    BallotVote,
    BallotOption,
    BallotChoice,
    BallotView,
    Channel,
    NewBallotVote,
    Notice,
    Notices,
    Objection,
    OptionCount,
    PaperBallotInput,
    PaperReceipt,
    RegisterTotals,
    Turnout,
    VoteResult,
    VoteState,
    Page<BallotVote>,
    Page<AreaVote>,
    Page<Objection>,
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(open_vote, list_votes))
        .routes(routes!(list_area_votes))
        .routes(routes!(get_vote))
        .routes(routes!(print_notices))
        .routes(routes!(record_paper_ballot))
        .routes(routes!(list_ballots))
        .routes(routes!(close_vote))
        .routes(routes!(list_objections))
}

/// The tender a `choose_firm` vote names, current as of now; a tender that does not exist
/// is the request's mistake (422 on `tender_id`).
async fn named_tender(app: &AppState, id: Option<&str>) -> Result<Option<Tender>> {
    let Some(id) = id else { return Ok(None) };
    match crate::opening::load_current(app, id).await {
        Ok(t) => Ok(Some(t)),
        Err(Error::Problem(p)) if p.status == 404 => {
            Err(Problem::validation(vec![FieldError::new(
                "tender_id",
                "unknown_tender",
                "不是本小区的招标项目",
            )])
            .into())
        }
        Err(e) => Err(e),
    }
}

/// Opens a vote of the compound's owners on a matter, measured against its owner register
/// as it stands now (422 `register_empty` when it has no unit). For `choose_firm`,
/// `tender_id` names the compound's tender in evaluation; its opened valid bids are the
/// options. The period ends after it begins, in the future, at most 60 days later.
/// Role: the compound's committee. Feed: topic `ballot_vote`, kind `opened`.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/ballot-votes", tag = "ballot-votes",
    params(("cid" = String, Path, description = "compound id")),
    request_body = NewBallotVote,
    responses((status = 201, body = BallotVote), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn open_vote(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<NewBallotVote>,
) -> Result<(StatusCode, Json<BallotVote>)> {
    identity.require_any(&[Role::Committee])?;
    let compound = register::compound(&mut *app.db.pool.acquire().await?, &cid).await?;
    ballots::committee(&identity, &compound)?;
    let input = body.value()?.check(now_ms())?;
    let tender = named_tender(&app, input.tender_id.as_deref()).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let vote = ballots::open(&mut tx, &compound, input, tender.as_ref(), &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(vote)))
}

/// A compound's votes from ballots, the latest first: counts and results, never a ballot.
/// Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/ballot-votes", tag = "ballot-votes",
    params(("cid" = String, Path, description = "compound id"), PageQuery),
    responses((status = 200, body = Page<BallotVote>), (status = 422, body = Problem)))]
pub async fn list_votes(
    State(app): State<AppState>,
    Path(cid): Path<String>,
    page: Pagination,
) -> Result<Json<Page<BallotVote>>> {
    let mut conn = app.db.pool.acquire().await?;
    let stored = ballots::votes_of(&mut conn, &cid, page).await?;
    let mut items = Vec::with_capacity(stored.items.len());
    for v in &stored.items {
        items.push(ballots::view(&mut conn, v).await?);
    }
    Ok(Json(Page {
        items,
        total: stored.total,
        limit: stored.limit,
        offset: stored.offset,
    }))
}

/// The votes from ballots of the caller's area, the latest opened first, each with its
/// compound and, for those who check ballots, its objections' count: the association the
/// city's, a district official the district's, a street official the street's, a committee
/// its compound's. 401 without sign-in, 403 for a firm.
#[utoipa::path(get, path = "/tenders/ballot-votes", tag = "ballot-votes",
    params(PageQuery),
    responses((status = 200, body = Page<AreaVote>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_area_votes(
    State(app): State<AppState>,
    identity: Identity,
    page: Pagination,
) -> Result<Json<Page<AreaVote>>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(ballots::of_area(&mut conn, &identity, page).await?))
}

/// One vote from ballots: the register it is measured against, the turnout, and once
/// closed the result (counts by head and area, per option, why it failed). Public; never
/// a ballot.
#[utoipa::path(get, path = "/tenders/ballot-votes/{vid}", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id")),
    responses((status = 200, body = BallotVote), (status = 404, body = Problem)))]
pub async fn get_vote(
    State(app): State<AppState>,
    Path(vid): Path<String>,
) -> Result<Json<BallotVote>> {
    let mut conn = app.db.pool.acquire().await?;
    let v = ballots::load(&mut conn, &vid).await?;
    Ok(Json(ballots::view(&mut conn, &v).await?))
}

/// Generates the paper notices: a fresh one-time code for every unit that has not voted
/// (each unit's earlier code stops working), answered this once (only digests are kept).
/// While the vote is scheduled or open (409 `vote_not_open`, `vote_closed`). Role: the
/// street official of the compound's street only; the committee, which counts, is refused.
/// Audited (the units, never a code).
#[utoipa::path(post, path = "/tenders/ballot-votes/{vid}/notices", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id")),
    responses((status = 200, body = Notices), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn print_notices(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
) -> Result<Json<Notices>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let v = ballots::load(tx.conn(), &vid).await?;
    let compound = register::compound(tx.conn(), &v.compound_id).await?;
    ballots::street(&identity, &compound)?;
    let notices = ballots::notices(&mut tx, &v, &identity).await?;
    tx.commit().await?;
    Ok(Json(notices))
}

/// Records a paper ballot (纸质表决票) with its reference, marked as recorded by the
/// committee, while the vote is open or counting (409 `vote_not_open` before,
/// `vote_closed` once sealed). 404 for a unit not in the vote's register; 409
/// `unit_already_voted` when the unit voted online or on paper; 422 for a `choose_firm`
/// approval without one of the vote's options. Role: the compound's committee.
#[utoipa::path(post, path = "/tenders/ballot-votes/{vid}/paper-ballots", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id")),
    request_body = PaperBallotInput,
    responses((status = 201, body = PaperReceipt), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_paper_ballot(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
    body: LateJson<PaperBallotInput>,
) -> Result<(StatusCode, Json<PaperReceipt>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let v = ballots::load(tx.conn(), &vid).await?;
    let compound = register::compound(tx.conn(), &v.compound_id).await?;
    ballots::committee(&identity, &compound)?;
    let receipt = ballots::record_paper(&mut tx, &v, body.value()?, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The ballots of a vote for checking: unit, channel, paper reference, choice, time, who
/// recorded it. Role: the compound's committee, its street official, the association.
#[utoipa::path(get, path = "/tenders/ballot-votes/{vid}/ballots", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id")),
    responses((status = 200, body = Vec<BallotView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_ballots(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
) -> Result<Json<Vec<BallotView>>> {
    let mut conn = app.db.pool.acquire().await?;
    let v = ballots::load(&mut conn, &vid).await?;
    let compound = register::compound(&mut conn, &v.compound_id).await?;
    ballots::checker(&identity, &compound)?;
    Ok(Json(ballots::ballot_list(&mut conn, &v).await?))
}

/// Closes the vote once its period has ended (409 `vote_still_open` before): computes the
/// result from the ballots against the register and seals it; from then on every write is
/// refused (409 `vote_closed`). Role: the compound's committee. Feed: topic `ballot_vote`,
/// kind `closed`.
#[utoipa::path(post, path = "/tenders/ballot-votes/{vid}/close", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id")),
    responses((status = 200, body = BallotVote), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn close_vote(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
) -> Result<Json<BallotVote>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let v = ballots::load(tx.conn(), &vid).await?;
    let compound = register::compound(tx.conn(), &v.compound_id).await?;
    ballots::committee(&identity, &compound)?;
    let closed = ballots::close(&mut tx, &v, &identity).await?;
    tx.commit().await?;
    Ok(Json(closed))
}

/// Owners' objections to the participation list (unit, text, time), oldest first. Role:
/// the compound's committee, its street official, the association.
#[utoipa::path(get, path = "/tenders/ballot-votes/{vid}/objections", tag = "ballot-votes",
    params(("vid" = String, Path, description = "vote id"), PageQuery),
    responses((status = 200, body = Page<Objection>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_objections(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
    page: Pagination,
) -> Result<Json<Page<Objection>>> {
    let mut conn = app.db.pool.acquire().await?;
    let v = ballots::load(&mut conn, &vid).await?;
    let compound = register::compound(&mut conn, &v.compound_id).await?;
    ballots::checker(&identity, &compound)?;
    Ok(Json(ballots::objections(&mut conn, &v.id, page).await?))
}
