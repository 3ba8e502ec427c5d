//! Budgets as stored (`fee_budget`, migration 0025): one per compound and year, revised in
//! place while a draft, the vote it was put to linked.

use sqlx::{AnyConnection, Row};

use super::figures::{CommonRevenue, ValidBudget};
use crate::disclosure::Spending;
use crate::rows::undecodable;

/// A budget as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBudget {
    pub id: String,
    pub compound_id: String,
    pub year: i32,
    pub figures: ValidBudget,
    pub version: i64,
    pub drafted_by: String,
    pub updated_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub vote_id: Option<String>,
}

const COLUMNS: &str = "id, compound_id, year, spending, common_revenue, remuneration_fen, \
    carry_in_fen, note, version, drafted_by, updated_by, created_at, updated_at, vote_id";

fn decode(r: &sqlx::any::AnyRow) -> Result<StoredBudget, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let spending: String = r.try_get("spending")?;
    let revenue: String = r.try_get("common_revenue")?;
    let spending: Spending = serde_json::from_str(&spending)
        .map_err(|e| undecodable("fee_budget", &id, "spending", e))?;
    let common_revenue: CommonRevenue = serde_json::from_str(&revenue)
        .map_err(|e| undecodable("fee_budget", &id, "common_revenue", e))?;
    let year: i64 = r.try_get("year")?;
    Ok(StoredBudget {
        compound_id: r.try_get("compound_id")?,
        year: i32::try_from(year).map_err(|e| undecodable("fee_budget", &id, "year", e))?,
        figures: ValidBudget {
            spending,
            common_revenue,
            remuneration_fen: r.try_get("remuneration_fen")?,
            carry_in_fen: r.try_get("carry_in_fen")?,
            note: r.try_get("note")?,
        },
        version: r.try_get("version")?,
        drafted_by: r.try_get("drafted_by")?,
        updated_by: r.try_get("updated_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        vote_id: r.try_get("vote_id")?,
        id,
    })
}

/// The budget of `compound_id` for `year`, if drafted.
pub async fn budget(
    conn: &mut AnyConnection,
    compound_id: &str,
    year: i32,
) -> Result<Option<StoredBudget>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fee_budget WHERE compound_id = $1 AND year = $2"
    )))
    .bind(compound_id)
    .bind(i64::from(year))
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

/// Every budget of `compound_id`, the latest year first.
pub async fn budgets(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Vec<StoredBudget>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fee_budget WHERE compound_id = $1 ORDER BY year DESC"
    )))
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// The budget a vote was linked to, if any.
pub async fn by_vote(
    conn: &mut AnyConnection,
    vote_id: &str,
) -> Result<Option<StoredBudget>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fee_budget WHERE vote_id = $1"
    )))
    .bind(vote_id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Writes `b` (a new budget when `b.version` is 1, else its next revision).
pub async fn save(conn: &mut AnyConnection, b: &StoredBudget) -> Result<(), sqlx::Error> {
    let f = &b.figures;
    let sql = if b.version == 1 {
        "INSERT INTO fee_budget (id, compound_id, year, spending, common_revenue, \
         remuneration_fen, carry_in_fen, note, version, drafted_by, updated_by, created_at, \
         updated_at, vote_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    } else {
        "UPDATE fee_budget SET compound_id = $2, year = $3, spending = $4, common_revenue = $5, \
         remuneration_fen = $6, carry_in_fen = $7, note = $8, version = $9, drafted_by = $10, \
         updated_by = $11, created_at = $12, updated_at = $13, vote_id = $14 WHERE id = $1"
    };
    sqlx::query(sql)
        .bind(&b.id)
        .bind(&b.compound_id)
        .bind(i64::from(b.year))
        .bind(json(&f.spending))
        .bind(json(&f.common_revenue))
        .bind(f.remuneration_fen)
        .bind(f.carry_in_fen)
        .bind(f.note.clone())
        .bind(b.version)
        .bind(&b.drafted_by)
        .bind(&b.updated_by)
        .bind(b.created_at)
        .bind(b.updated_at)
        .bind(b.vote_id.clone())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Links the vote `vote_id` to budget `id` at `now`.
pub async fn link_vote(
    conn: &mut AnyConnection,
    id: &str,
    vote_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE fee_budget SET vote_id = $2, vote_linked_at = $3 WHERE id = $1")
        .bind(id)
        .bind(vote_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
