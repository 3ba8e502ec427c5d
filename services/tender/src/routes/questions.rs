//! Questions and answers (答疑): firms ask during the enquiry period, the committee
//! answers, answered questions are public; who asked is never shown (see
//! [`crate::questions`]). Each handler parses the request, calls the domain and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::auth::{Identity, Role};
use shared::error::Problem;
use shared::extract::{Json, LateJson};
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::input::declared;
use crate::opening::visible_tender;
use crate::questions::{self, NewAnswer, NewQuestion, Question, Reader};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(Question, NewQuestion, NewAnswer)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_questions, ask))
        .routes(routes!(answer))
}

/// Asks a question during the enquiry period. Role: firm. The answer will be public; who
/// asked never is.
#[utoipa::path(post, path = "/tenders/{id}/questions", tag = "questions", request_body = NewQuestion,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Question), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    body: LateJson<NewQuestion>,
) -> Result<(StatusCode, Json<Question>)> {
    let firm_id = identity
        .own_firm()
        .ok_or_else(|| Problem::forbidden("只有物业服务企业可以提问。"))?;
    visible_tender(&app, &id, Some(&identity)).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let q = questions::ask(&mut tx, &id, firm_id, dto, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(q)))
}

/// Questions of a tender. Everyone sees the answered ones; the committee also sees those
/// waiting for an answer; a firm also sees its own unanswered ones. Nobody sees who asked.
#[utoipa::path(get, path = "/tenders/{id}/questions", tag = "questions",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Question>), (status = 404, body = Problem)))]
pub async fn list_questions(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Question>>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let reader = Reader {
        committee: identity
            .as_ref()
            .is_some_and(|i| i.is_committee_of(&t.compound_id)),
        firm: identity.as_ref().and_then(Identity::own_firm),
    };
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(questions::of_tender(&mut conn, &t, reader).await?))
}

/// Answers a question; the answer is public at once (and in the feed, topic
/// `tender_question`). Role: committee of the compound; until the opening.
#[utoipa::path(post, path = "/tenders/{id}/questions/{qid}/answer", tag = "questions", request_body = NewAnswer,
    params(("id" = String, Path, description = "tender id"), ("qid" = String, Path, description = "question id")),
    responses((status = 200, body = Question), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(app): State<AppState>,
    identity: Identity,
    Path((id, qid)): Path<(String, String)>,
    body: LateJson<NewAnswer>,
) -> Result<Json<Question>> {
    identity.require_any(&[Role::Committee])?;
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    if !identity.is_committee_of(&t.compound_id) {
        return Err(Problem::forbidden("只能答复本小区招标项目的问题。").into());
    }
    let dto = body.value()?;
    declared(&dto)?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let q = questions::answer(&mut tx, &id, &qid, dto, &identity).await?;
    tx.commit().await?;
    Ok(Json(q))
}
