//! `POST /tenders/votes` (a committee records its owners' vote), `GET /tenders/votes`
//! and `GET /tenders/votes/{id}` (public: owners' decisions are announced to all). Each
//! handler parses the request, calls the domain ([`crate::votes`]) and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::{Identity, Role};
use shared::error::Problem;
use shared::extract::{Json, LateJson, Page, PageQuery, Pagination, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::state::AppState;
use crate::votes::{self, NewVote, Vote, VoteMatter};

#[derive(OpenApi)]
#[openapi(components(schemas(Vote, VoteMatter, NewVote)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_votes, record_vote))
        .routes(routes!(get_vote))
}

/// Records an owners' vote of the caller's own compound and says whether it passes under
/// Civil Code art. 278, and why not. Role: committee of the compound. An impossible tally
/// (more approving than participating, more participating than in all) is refused with one
/// message per field.
#[utoipa::path(post, path = "/tenders/votes", tag = "votes", request_body = NewVote,
    responses((status = 201, body = Vote), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record_vote(
    State(app): State<AppState>,
    identity: Identity,
    body: LateJson<NewVote>,
) -> Result<(StatusCode, Json<Vote>)> {
    identity.require_any(&[Role::Committee])?;
    let dto = body.value()?;
    identity.require_compound(&dto.compound_id)?;
    let vote = dto.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let vote = votes::record(&mut tx, vote, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(vote)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VoteQuery {
    /// Only this compound's votes.
    pub compound: Option<String>,
    /// Only votes that chose a bid of this tender.
    pub tender: Option<String>,
}

/// Recorded owners' votes, newest first. Public.
#[utoipa::path(get, path = "/tenders/votes", tag = "votes", params(VoteQuery, PageQuery),
    responses((status = 200, body = Page<Vote>), (status = 422, body = Problem)))]
pub async fn list_votes(
    State(app): State<AppState>,
    Query(q): Query<VoteQuery>,
    page: Pagination,
) -> Result<Json<Page<Vote>>> {
    let mut conn = app.db.pool.acquire().await?;
    let votes = votes::list(&mut conn, q.compound.as_deref(), q.tender.as_deref(), page).await?;
    Ok(Json(votes))
}

/// One owners' vote. Public.
#[utoipa::path(get, path = "/tenders/votes/{id}", tag = "votes",
    params(("id" = String, Path, description = "vote id")),
    responses((status = 200, body = Vote), (status = 404, body = Problem)))]
pub async fn get_vote(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Vote>> {
    let mut conn = app.db.pool.acquire().await?;
    votes::get(&mut conn, &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found("没有这次表决的记录。").into())
}
