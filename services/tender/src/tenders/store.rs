//! Tender rows: read once into a [`Tender`] with checked [`Terms`] (a row that does not
//! decode is an internal error naming the tender and the column, never a panic), written
//! back whole.

use shared::db::{self, Bind, ListQuery};
use shared::domain::{DomainError, FeeRate, Fen};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};

use super::tender::Tender;
use crate::money::fund::terms;
use crate::rows::{self, Conditions};
use crate::terms::{
    Evaluation, EvaluationMethod, FeeModel, ServiceGrade, ServiceModel, TenderStatus, Terms,
};

pub const COLUMNS: &str = "id, compound_id, compound_name, district_code, street_code, title, status, \
    service_model, fee_model, grade, term_months, annual_budget_fen, proposed_fee, needs, enquiry_deadline, \
    bid_deadline, opening_at, evaluation_method, price_weight, criteria, terms_version, cancel_reason, \
    created_by, created_at, published_at, opened_at, closed_at, updated_at, remuneration_kind, remuneration_value";

/// A stored value that no longer parses: which tender, which column, why.
fn undecodable(id: &str, column: &str, why: impl std::fmt::Display) -> sqlx::Error {
    rows::undecodable("tender", id, column, why)
}

/// Reads a column through a domain parser.
fn parsed<T>(
    id: &str,
    column: &str,
    parse: impl FnOnce() -> Result<T, DomainError>,
) -> Result<T, sqlx::Error> {
    parse().map_err(|e| undecodable(id, column, e))
}

/// A tender from a row selected with [`COLUMNS`].
pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Tender, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let text = |column: &str| r.try_get::<String, _>(column);
    let int = |column: &str| r.try_get::<i64, _>(column);
    let status = text("status")?;
    let (model, fee_model, grade) = (text("service_model")?, text("fee_model")?, int("grade")?);
    let (budget, fee, method) = (
        int("annual_budget_fen")?,
        int("proposed_fee")?,
        text("evaluation_method")?,
    );
    let price_weight: Option<i64> = r.try_get("price_weight")?;
    let criteria =
        serde_json::from_str(&text("criteria")?).map_err(|e| undecodable(&id, "criteria", e))?;
    let remuneration = terms::from_columns(
        r.try_get::<Option<String>, _>("remuneration_kind")?
            .as_deref(),
        r.try_get("remuneration_value")?,
    )
    .map_err(|why| undecodable(&id, "remuneration_kind", why))?;
    let terms = Terms {
        remuneration,
        service_model: parsed(&id, "service_model", || ServiceModel::parse(&model))?,
        fee_model: parsed(&id, "fee_model", || FeeModel::parse(&fee_model))?,
        grade: parsed(&id, "grade", || ServiceGrade::new(grade))?,
        term_months: int("term_months")?,
        annual_budget: Fen::new(budget),
        proposed_fee: parsed(&id, "proposed_fee", || FeeRate::try_from(fee))?,
        needs: text("needs")?,
        enquiry_deadline: int("enquiry_deadline")?,
        bid_deadline: int("bid_deadline")?,
        opening_at: int("opening_at")?,
        evaluation: Evaluation {
            method: parsed(&id, "evaluation_method", || {
                EvaluationMethod::parse(&method)
            })?,
            price_weight: price_weight
                .map(|w| u32::try_from(w).map_err(|e| undecodable(&id, "price_weight", e)))
                .transpose()?,
            criteria,
        },
    };
    Ok(Tender {
        compound_id: text("compound_id")?,
        compound_name: text("compound_name")?,
        district_code: text("district_code")?,
        street_code: r.try_get("street_code")?,
        title: text("title")?,
        status: parsed(&id, "status", || TenderStatus::parse(&status))?,
        terms,
        terms_version: int("terms_version")?,
        cancel_reason: r.try_get("cancel_reason")?,
        created_by: text("created_by")?,
        created_at: int("created_at")?,
        published_at: r.try_get("published_at")?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        updated_at: int("updated_at")?,
        id,
    })
}

/// One tender as stored, whoever asks.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Tender>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tender WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the terms' thirteen columns, in [`COLUMNS`] order (`service_model` … `criteria`).
fn bind_terms<'q>(query: Query<'q>, terms: &'q Terms) -> anyhow::Result<Query<'q>> {
    Ok(query
        .bind(terms.service_model.as_str())
        .bind(terms.fee_model.as_str())
        .bind(i64::from(terms.grade.get()))
        .bind(terms.term_months)
        .bind(terms.annual_budget.get())
        .bind(i64::from(terms.proposed_fee.get()))
        .bind(&terms.needs)
        .bind(terms.enquiry_deadline)
        .bind(terms.bid_deadline)
        .bind(terms.opening_at)
        .bind(terms.evaluation.method.as_str())
        .bind(terms.evaluation.price_weight.map(i64::from))
        .bind(serde_json::to_string(&terms.evaluation.criteria)?))
}

/// Inserts a new tender row.
pub async fn insert(conn: &mut AnyConnection, t: &Tender) -> anyhow::Result<()> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tender ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"
    )))
    .bind(&t.id)
    .bind(&t.compound_id)
    .bind(&t.compound_name)
    .bind(&t.district_code)
    .bind(&t.street_code)
    .bind(&t.title)
    .bind(t.status.as_str());
    bind_terms(query, &t.terms)?
        .bind(t.terms_version)
        .bind(&t.cancel_reason)
        .bind(&t.created_by)
        .bind(t.created_at)
        .bind(t.published_at)
        .bind(t.opened_at)
        .bind(t.closed_at)
        .bind(t.updated_at)
        .bind(terms::columns(t.terms.remuneration).0)
        .bind(terms::columns(t.terms.remuneration).1)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes back every mutable column of a tender.
pub async fn update(conn: &mut AnyConnection, t: &Tender) -> anyhow::Result<()> {
    let query = sqlx::query(
        "UPDATE tender SET title = $2, status = $3, service_model = $4, fee_model = $5, grade = $6, \
         term_months = $7, annual_budget_fen = $8, proposed_fee = $9, needs = $10, enquiry_deadline = $11, \
         bid_deadline = $12, opening_at = $13, evaluation_method = $14, price_weight = $15, criteria = $16, \
         terms_version = $17, cancel_reason = $18, published_at = $19, opened_at = $20, closed_at = $21, \
         updated_at = $22, remuneration_kind = $23, remuneration_value = $24 WHERE id = $1",
    )
    .bind(&t.id)
    .bind(&t.title)
    .bind(t.status.as_str());
    bind_terms(query, &t.terms)?
        .bind(t.terms_version)
        .bind(&t.cancel_reason)
        .bind(t.published_at)
        .bind(t.opened_at)
        .bind(t.closed_at)
        .bind(t.updated_at)
        .bind(terms::columns(t.terms.remuneration).0)
        .bind(terms::columns(t.terms.remuneration).1)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many tenders of the compound are in progress (draft, open, in evaluation or awarded).
pub async fn in_progress(conn: &mut AnyConnection, compound_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM tender WHERE compound_id = $1 AND status IN ('draft', 'open', 'evaluation', 'awarded')",
    )
    .bind(compound_id)
    .fetch_one(&mut *conn)
    .await
}

/// Which tenders a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Drafts of every compound (the association).
    pub all_drafts: bool,
    /// Drafts of this compound (its committee).
    pub own_compound: Option<String>,
    pub status: Option<TenderStatus>,
    pub district: Option<String>,
    pub model: Option<String>,
    pub compound: Option<String>,
}

/// Tenders matching `f`, newest first: one page.
pub async fn list(
    conn: &mut AnyConnection,
    f: &Filter,
    page: Pagination,
) -> Result<Page<Tender>, sqlx::Error> {
    let mut w = db::Filter::default();
    if !f.all_drafts {
        match &f.own_compound {
            Some(own) => {
                let n = w.param(Bind::Text(own.clone()));
                w.push(format!("(status <> 'draft' OR compound_id = ${n})"));
            }
            None => w.push("status <> 'draft'"),
        }
    }
    w.equal([
        ("status", f.status.map(TenderStatus::as_str)),
        ("district_code", f.district.as_deref()),
        ("service_model", f.model.as_deref()),
        ("compound_id", f.compound.as_deref()),
    ]);
    ListQuery {
        columns: COLUMNS,
        from: "tender",
        filter: &w,
        order_by: "created_at DESC, id DESC",
    }
    .page(conn, page, from_row)
    .await
}

/// Open tenders whose opening time has come, by opening time.
pub async fn due_for_opening(
    conn: &mut AnyConnection,
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM tender WHERE status = 'open' AND opening_at <= $1 ORDER BY opening_at",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await
}
