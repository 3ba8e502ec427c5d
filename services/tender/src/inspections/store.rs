//! Inspection requests as stored (`inspection_request`).

use shared::db::{Bind, Filter, ListQuery};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};

use super::terms::{AskedBy, What};
use crate::rows::undecodable;

/// A request as stored.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub what: What,
    pub disclosure_id: Option<String>,
    pub asked_by: AskedBy,
    pub unit_id: Option<String>,
    pub asked_by_account: Option<String>,
    pub text: String,
    pub asked_at: i64,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
    pub answered_by_role: Option<String>,
    pub answer: Option<String>,
    pub answer_documents: Vec<String>,
}

const COLUMNS: &str = "id, compound_id, compound_name, district_code, street_code, what, disclosure_id, asked_by, \
    unit_id, asked_by_account, text, asked_at, due_on, answered_at, answered_by, answered_by_role, \
    answer, answer_documents";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Request, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let what: String = r.try_get("what")?;
    let by: String = r.try_get("asked_by")?;
    let docs: Option<String> = r.try_get("answer_documents")?;
    Ok(Request {
        what: What::parse(&what).ok_or_else(|| undecodable("inspection", &id, "what", &what))?,
        asked_by: AskedBy::parse(&by)
            .ok_or_else(|| undecodable("inspection", &id, "asked_by", &by))?,
        answer_documents: match docs {
            Some(d) => serde_json::from_str(&d)
                .map_err(|e| undecodable("inspection", &id, "answer_documents", e))?,
            None => Vec::new(),
        },
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        district_code: r.try_get("district_code")?,
        street_code: r.try_get("street_code")?,
        disclosure_id: r.try_get("disclosure_id")?,
        unit_id: r.try_get("unit_id")?,
        asked_by_account: r.try_get("asked_by_account")?,
        text: r.try_get("text")?,
        asked_at: r.try_get("asked_at")?,
        due_on: r.try_get("due_on")?,
        answered_at: r.try_get("answered_at")?,
        answered_by: r.try_get("answered_by")?,
        answered_by_role: r.try_get("answered_by_role")?,
        answer: r.try_get("answer")?,
        id,
    })
}

pub async fn insert(conn: &mut AnyConnection, q: &Request) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO inspection_request (id, compound_id, compound_name, district_code, street_code, \
         what, disclosure_id, asked_by, unit_id, asked_by_account, text, asked_at, due_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&q.id)
    .bind(&q.compound_id)
    .bind(&q.compound_name)
    .bind(&q.district_code)
    .bind(&q.street_code)
    .bind(q.what.as_str())
    .bind(&q.disclosure_id)
    .bind(q.asked_by.as_str())
    .bind(&q.unit_id)
    .bind(&q.asked_by_account)
    .bind(&q.text)
    .bind(q.asked_at)
    .bind(&q.due_on)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Request>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM inspection_request WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records the answer (only while unanswered: answers whether it was).
pub async fn answer(
    conn: &mut AnyConnection,
    id: &str,
    (by, role): (&str, &str),
    text: &str,
    documents: &[String],
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE inspection_request SET answered_at = $2, answered_by = $3, answered_by_role = $4, \
         answer = $5, answer_documents = $6 WHERE id = $1 AND answered_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .bind(role)
    .bind(text)
    .bind(serde_json::to_string(documents).unwrap_or_else(|_| "[]".into()))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether an answered request asked with `unit`'s code (of `compound`) gave document
/// `document_id` with its answer.
pub async fn granted_to_unit(
    conn: &mut AnyConnection,
    (compound, unit): (&str, &str),
    document_id: &str,
) -> Result<bool, sqlx::Error> {
    let answers: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT answer_documents FROM inspection_request WHERE compound_id = $1 AND unit_id = $2 \
         AND answered_at IS NOT NULL",
    )
    .bind(compound)
    .bind(unit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(answers.iter().flatten().any(|docs| {
        serde_json::from_str::<Vec<String>>(docs)
            .is_ok_and(|ids| ids.iter().any(|d| d == document_id))
    }))
}

/// Which requests a list reads.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    pub compound: Option<&'a str>,
    /// Asked with this unit's code.
    pub unit: Option<&'a str>,
    pub district: Option<&'a str>,
    pub street: Option<&'a str>,
    /// Unanswered only; with `overdue_on`, only those whose due date is before that day.
    pub unanswered: bool,
    pub overdue_on: Option<&'a str>,
    /// Unanswered ones not yet overdue on this day.
    pub open_on: Option<&'a str>,
    pub answered: bool,
}

/// One page of requests, oldest due date first.
pub async fn list(
    conn: &mut AnyConnection,
    s: &Selection<'_>,
    page: Pagination,
) -> Result<Page<Request>, sqlx::Error> {
    let mut f = Filter::default();
    for (column, value) in [
        ("compound_id", s.compound),
        ("unit_id", s.unit),
        ("district_code", s.district),
        ("street_code", s.street),
    ] {
        if let Some(v) = value {
            let n = f.param(Bind::Text(v.to_string()));
            f.push(format!("{column} = ${n}"));
        }
    }
    if s.unanswered {
        f.push("answered_at IS NULL");
    }
    if s.answered {
        f.push("answered_at IS NOT NULL");
    }
    if let Some(day) = s.overdue_on {
        let n = f.param(Bind::Text(day.to_string()));
        f.push(format!("due_on < ${n}"));
    }
    if let Some(day) = s.open_on {
        let n = f.param(Bind::Text(day.to_string()));
        f.push(format!("due_on >= ${n}"));
    }
    ListQuery {
        columns: COLUMNS,
        from: "inspection_request",
        filter: &f,
        order_by: "due_on, asked_at, id",
    }
    .page(conn, page, from_row)
    .await
}
