//! Questions and answers (答疑): firms ask during the enquiry period, the committee
//! answers, answered questions are public. Who asked is never shown to anyone but the
//! asking firm itself: not to other firms, the public, the committee or the association
//! (a question reveals interest in bidding, which is as confidential as the bid).

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::input::trimmed;
use crate::tenders::store;
use crate::tenders::tender::{Tender, not_found};
use crate::terms::TenderStatus;

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

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewQuestion {
    /// 2–2000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 2000, message = "问题应为 2–2000 个字符"))]
    pub question: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewAnswer {
    /// 1–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 5000, message = "答复应为 1–5000 个字符"))]
    pub answer: String,
}

/// Who reads a tender's questions: its committee, a firm, or anyone else.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The tender's own committee: sees every question, answered or not, and when each was
    /// asked.
    pub committee: bool,
    /// A firm: also sees its own unanswered questions, marked `mine`.
    pub firm: Option<&'a str>,
}

/// `firm_id`'s question on tender `id`, inside the transaction, while questions are
/// accepted (409 `enquiry_closed` otherwise). The audit row is sealed, like a bid's.
pub async fn ask(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    input: NewQuestion,
    identity: &Identity,
) -> Result<Question> {
    let t = store::load(tx.conn(), id).await?.ok_or_else(not_found)?;
    let now = now_ms();
    if !t.accepting_questions(now) {
        return Err(Problem::conflict(
            "enquiry_closed",
            format!(
                "答疑期已于 {} 结束（或项目未在招标中）。",
                to_rfc3339(t.terms.enquiry_deadline)
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
    .bind(firm_id)
    .bind(&input.question)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?;
    // That a question waits, for the committee's notification: no text (sealed until
    // answered); the asker only in `service_only`, which the feed shows services alone.
    let asked = serde_json::json!({
        "id": qid, "tender_id": t.id, "compound_id": t.compound_id, "asked_at": to_rfc3339(now),
        "service_only": { "asker_firm_id": firm_id },
    });
    tx.emit(shared::events::tender::QUESTION, &qid, "asked", &asked)
        .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("question", &qid),
        Some(&t.id),
        ("asked", true),
        &serde_json::json!({}),
    )
    .await?;
    Ok(Question {
        id: qid,
        tender_id: t.id,
        question: input.question,
        answer: None,
        answered_at: None,
        asked_at: Some(to_rfc3339(now)),
        mine: Some(true),
    })
}

/// The questions of `t` that `reader` may see, oldest first, without the asker.
pub async fn of_tender(
    conn: &mut AnyConnection,
    t: &Tender,
    reader: Reader<'_>,
) -> Result<Vec<Question>> {
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
        let mine = reader.firm == Some(asker.as_str());
        if answer.is_none() && !reader.committee && !mine {
            continue;
        }
        out.push(Question {
            id: r.try_get("id")?,
            tender_id: t.id.clone(),
            question: r.try_get("question")?,
            answer,
            answered_at: answered_at.map(to_rfc3339),
            asked_at: (reader.committee || mine).then(|| to_rfc3339(asked_at)),
            mine: reader.firm.and(mine.then_some(true)),
        });
    }
    Ok(out)
}

/// Answers question `qid` of tender `id`, inside the transaction, while the tender is open;
/// the answer is public at once (feed topic `tender_question`).
pub async fn answer(
    tx: &mut WriteTx,
    id: &str,
    qid: &str,
    input: NewAnswer,
    identity: &Identity,
) -> Result<Question> {
    let t = store::load(tx.conn(), id).await?.ok_or_else(not_found)?;
    if t.status != TenderStatus::Open {
        return Err(Problem::conflict("tender_not_open", "只有招标中的项目可以答复问题。").into());
    }
    let row = sqlx::query(
        "SELECT question, answer, asker_firm_id FROM tender_question WHERE id = $1 AND tender_id = $2",
    )
    .bind(qid)
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
    .bind(qid)
    .bind(&input.answer)
    .bind(now)
    .bind(&identity.account_id)
    .execute(&mut *tx.conn())
    .await?;
    let q = Question {
        id: qid.to_string(),
        tender_id: t.id.clone(),
        question,
        answer: Some(input.answer),
        answered_at: Some(to_rfc3339(now)),
        asked_at: None,
        mine: None,
    };
    // The asking firm is told by matching's notifications: named in `service_only`, which
    // the feed shows services alone (never the association, nor any API).
    let asker: String = row.try_get("asker_firm_id")?;
    let mut published = serde_json::to_value(&q).map_err(anyhow::Error::from)?;
    published["service_only"] = serde_json::json!({ "asker_firm_id": asker });
    tx.emit(
        shared::events::tender::QUESTION,
        qid,
        "answered",
        &published,
    )
    .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("question", qid),
        Some(&t.id),
        ("answered", false),
        &q,
    )
    .await?;
    Ok(q)
}
