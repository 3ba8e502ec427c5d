//! What an owner does with the code on the unit's paper notice (no account), under
//! `/tenders/owner-code`. The code travels in the JSON body, never in the URL; every
//! request is counted per client address (429 with `Retry-After` past the limit, 30 a
//! minute by default) before anything is looked up; a wrong code is 404 `code_unknown`
//! whether or not it exists elsewhere.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::client_addr::ClientAddr;
use shared::error::Problem;
use shared::extract::Json;
use shared::feed::WriteTx;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::owners::ballots::{
    self, BallotInput, Objection, ObjectionInput, OnlineReceipt, OwnBallot, Participation, Subject,
    UnitParticipation,
};
use crate::owners::lookup::{self, CodeUnit, OwnSurvey, OwnerLookup};
use crate::owners::surveys::{self, AnswerReceipt, SurveyAnswerInput};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    CodeInput,
    CodeBallotInput,
    OwnerLookup,
    CodeUnit,
    OwnBallot,
    OwnSurvey,
    OnlineReceipt,
    Participation,
    UnitParticipation,
    ObjectionInput,
    SurveyAnswerInput,
    AnswerReceipt,
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(look_up))
        .routes(routes!(cast_ballot))
        .routes(routes!(participation))
        .routes(routes!(object))
        .routes(routes!(answer_survey))
}

/// A code as the owner typed it (`7KQ2-M9XD-4HTC`; case, spaces and dashes forgiven).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeInput {
    pub code: String,
}

/// An owner's ballot with the unit's code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeBallotInput {
    pub code: String,
    /// `approve` (同意) | `oppose` (反对) | `abstain` (弃权).
    pub choice: String,
    /// For `choose_firm` with `approve`: the option (bid id) chosen.
    #[serde(default)]
    pub option_id: Option<String>,
}

async fn admit(app: &AppState, client: &ClientAddr) -> Result<()> {
    app.owner_codes.admit(&client.key()).await
}

/// What the code's unit may do: the unit, its vote (or survey), its ballot (channel, time,
/// counted; never shown to anyone else) and whether it may vote now. Anyone with the code.
#[utoipa::path(post, path = "/tenders/owner-code", tag = "owner-code", request_body = CodeInput,
    responses((status = 200, body = OwnerLookup), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn look_up(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<CodeInput>,
) -> Result<Json<OwnerLookup>> {
    admit(&app, &client).await?;
    let mut conn = app.db.pool.acquire().await?;
    let holder = lookup::holder(&mut conn, &dto.code).await?;
    Ok(Json(lookup::lookup(&mut conn, &holder).await?))
}

/// Casts the ballot of the code's unit while the vote is open: 409 `vote_not_open` before
/// it or late, `vote_closed` once sealed, `unit_already_voted` when the unit voted (online
/// or on paper); 404 `code_unknown` for a code of no vote (or of a survey). Anyone with the
/// code.
#[utoipa::path(post, path = "/tenders/owner-code/ballot", tag = "owner-code",
    request_body = CodeBallotInput,
    responses((status = 201, body = OnlineReceipt), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem)))]
pub async fn cast_ballot(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<CodeBallotInput>,
) -> Result<(StatusCode, Json<OnlineReceipt>)> {
    admit(&app, &client).await?;
    // A wrong code is answered before the write lock is taken; under it, the code is read
    // again (a reprint may have replaced it meanwhile).
    lookup::holder_of(&mut *app.db.pool.acquire().await?, &dto.code, Subject::Vote).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let holder = lookup::holder_of(tx.conn(), &dto.code, Subject::Vote).await?;
    let ballot = BallotInput {
        choice: dto.choice,
        option_id: dto.option_id.map(|o| o.trim().to_string()),
    };
    let receipt = ballots::cast_online(&mut tx, &holder, ballot).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Which units of the code's vote took part and how (online or on paper), never how they
/// voted, so an owner who did not vote and appears as voting can object. Anyone with a
/// code of that vote.
#[utoipa::path(post, path = "/tenders/owner-code/participation", tag = "owner-code",
    request_body = CodeInput,
    responses((status = 200, body = Participation), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn participation(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<CodeInput>,
) -> Result<Json<Participation>> {
    admit(&app, &client).await?;
    let mut conn = app.db.pool.acquire().await?;
    let holder = lookup::holder_of(&mut conn, &dto.code, Subject::Vote).await?;
    let v = ballots::load(&mut conn, &holder.subject_id).await?;
    Ok(Json(ballots::participation(&mut conn, &v).await?))
}

/// An owner's objection about the code's vote (1–1000 characters): recorded with the unit
/// and the time, and listed for the street official, the committee and the association
/// (`GET /tenders/ballot-votes/{vid}/objections`).
#[utoipa::path(post, path = "/tenders/owner-code/objection", tag = "owner-code",
    request_body = ObjectionInput,
    responses((status = 201, body = Objection), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn object(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<ObjectionInput>,
) -> Result<(StatusCode, Json<Objection>)> {
    admit(&app, &client).await?;
    crate::input::declared(&dto)?;
    let holder =
        lookup::holder_of(&mut *app.db.pool.acquire().await?, &dto.code, Subject::Vote).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let objection = ballots::object(&mut tx, &holder, dto.text).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(objection)))
}

/// Answers the code's survey for its unit while the survey is open (409
/// `survey_not_open`, `survey_closed`, `unit_already_answered`); 404 `code_unknown` for a
/// code of no survey.
#[utoipa::path(post, path = "/tenders/owner-code/survey", tag = "owner-code",
    request_body = SurveyAnswerInput,
    responses((status = 201, body = AnswerReceipt), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem)))]
pub async fn answer_survey(
    State(app): State<AppState>,
    client: ClientAddr,
    Json(dto): Json<SurveyAnswerInput>,
) -> Result<(StatusCode, Json<AnswerReceipt>)> {
    admit(&app, &client).await?;
    let holder = lookup::holder_of(
        &mut *app.db.pool.acquire().await?,
        &dto.code,
        Subject::Survey,
    )
    .await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let receipt = surveys::answer_online(&mut tx, &holder, dto).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}
