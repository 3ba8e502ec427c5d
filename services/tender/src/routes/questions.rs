//! Questions and answers (答疑): firms ask during the enquiry period, the committee
//! answers, answered questions are public. Who asked is never shown to anyone but the
//! asking firm itself: not to other firms, the public, the committee or the association
//! (a question reveals interest in bidding, which is as confidential as the bid).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::db::{new_id, now_ms};
use shared::error::{FieldError, Problem};
use shared::extract;
use shared::feed::WriteTx;
use sqlx::Row;
use utoipa::{OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::routes::tenders::visible_tender;
use crate::state::AppState;
use crate::tenders::{self, not_found};
use crate::terms::TenderStatus;

#[derive(OpenApi)]
#[openapi(
    paths(ask, list_questions, answer),
    components(schemas(Question, NewQuestion, NewAnswer))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{id}/questions", get(list_questions).post(ask))
        .route("/{id}/questions/{qid}/answer", post(answer))
}

/// A question about a tender, and its answer. Never names the asker.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Question {
    pub id: String,
    pub tender_id: String,
    pub question: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    /// When it was asked: shown to the asking firm and the committee only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked_at: Option<String>,
    /// True on the asking firm's own questions (absent for everyone else).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewQuestion {
    /// 2–2000 characters.
    pub question: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAnswer {
    /// 1–5000 characters.
    pub answer: String,
}

fn length(field: &str, s: &str, min: usize, max: usize, label: &str) -> Result<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Problem::validation(vec![FieldError::new(
            field,
            "length",
            format!("{label}应为 {min}–{max} 个字符"),
        )])
        .into());
    }
    Ok(s.to_string())
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
    extract::Json(dto): extract::Json<NewQuestion>,
) -> Result<(StatusCode, Json<Question>)> {
    let firm_id = match (&identity.role, &identity.scope) {
        (Role::Firm, Scope::Firm(f)) => f.clone(),
        _ => return Err(Problem::forbidden("只有物业服务企业可以提问。").into()),
    };
    let text = length("question", &dto.question, 2, 2000, "问题")?;
    visible_tender(&app, &id, Some(&identity)).await?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = tenders::load(tx.conn(), &id).await?.ok_or_else(not_found)?;
    let now = now_ms();
    if !t.accepting_questions(now) {
        return Err(Problem::conflict(
            "enquiry_closed",
            format!(
                "答疑期已于 {} 结束（或项目未在招标中）。",
                to_rfc3339(t.enquiry_deadline)
            ),
        )
        .into());
    }
    let qid = new_id();
    sqlx::query(
        "INSERT INTO tender_question (id, tender_id, asker_firm_id, question, asked_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&qid)
    .bind(&t.id)
    .bind(&firm_id)
    .bind(&text)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "question",
            entity_id: &qid,
            tender_id: Some(&t.id),
            action: "asked",
            sealed: true,
            detail: &serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Question {
            id: qid,
            tender_id: t.id,
            question: text,
            answer: None,
            answered_at: None,
            asked_at: Some(to_rfc3339(now)),
            mine: Some(true),
        }),
    ))
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
    let committee = identity
        .as_ref()
        .is_some_and(|i| i.require_compound(&t.compound_id).is_ok());
    let firm = identity.as_ref().and_then(|i| match (&i.role, &i.scope) {
        (Role::Firm, Scope::Firm(f)) => Some(f.clone()),
        _ => None,
    });
    let mut conn = app.db.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT id, asker_firm_id, question, answer, answered_at, asked_at FROM tender_question \
         WHERE tender_id = $1 ORDER BY asked_at, id",
    )
    .bind(&t.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let asker: String = r.try_get("asker_firm_id")?;
        let answer: Option<String> = r.try_get("answer")?;
        let answered_at: Option<i64> = r.try_get("answered_at")?;
        let asked_at: i64 = r.try_get("asked_at")?;
        let mine = firm.as_deref() == Some(asker.as_str());
        if answer.is_none() && !committee && !mine {
            continue;
        }
        out.push(Question {
            id: r.try_get("id")?,
            tender_id: t.id.clone(),
            question: r.try_get("question")?,
            answer,
            answered_at: answered_at.map(to_rfc3339),
            asked_at: (committee || mine).then(|| to_rfc3339(asked_at)),
            mine: firm.as_ref().and(mine.then_some(true)),
        });
    }
    Ok(Json(out))
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
    extract::Json(dto): extract::Json<NewAnswer>,
) -> Result<Json<Question>> {
    identity.require_any(&[Role::Committee])?;
    let text = length("answer", &dto.answer, 1, 5000, "答复")?;
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    identity
        .require_compound(&t.compound_id)
        .map_err(|_| Problem::forbidden("只能答复本小区招标项目的问题。"))?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = tenders::load(tx.conn(), &id).await?.ok_or_else(not_found)?;
    if t.status != TenderStatus::Open {
        return Err(Problem::conflict("tender_not_open", "只有招标中的项目可以答复问题。").into());
    }
    let row = sqlx::query(
        "SELECT question, answer FROM tender_question WHERE id = $1 AND tender_id = $2",
    )
    .bind(&qid)
    .bind(&t.id)
    .fetch_optional(&mut *tx.conn())
    .await?
    .ok_or_else(|| Problem::not_found("没有这个问题。"))?;
    let question: String = row.try_get("question")?;
    let existing: Option<String> = row.try_get("answer")?;
    if existing.is_some() {
        return Err(Problem::conflict("already_answered", "该问题已答复。").into());
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE tender_question SET answer = $2, answered_at = $3, answered_by = $4 WHERE id = $1",
    )
    .bind(&qid)
    .bind(&text)
    .bind(now)
    .bind(&identity.account_id)
    .execute(&mut *tx.conn())
    .await?;
    let q = Question {
        id: qid.clone(),
        tender_id: t.id.clone(),
        question,
        answer: Some(text),
        answered_at: Some(to_rfc3339(now)),
        asked_at: None,
        mine: None,
    };
    tx.emit("tender_question", &qid, "answered", &q).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "question",
            entity_id: &qid,
            tender_id: Some(&t.id),
            action: "answered",
            sealed: false,
            detail: &q,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(q))
}
