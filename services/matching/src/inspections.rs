//! Requests to inspect (查阅申请) still waiting for an answer, for the officials' attention
//! lists: matching's copy of tender's topic `inspection` (`tender_inspection`, no owner,
//! unit or text). A request is **overdue** on day D when it is unanswered and its due date
//! is before D (the day after the due date), decided here from the due date and the day,
//! never from a stored flag; an answered one is on no list.

use serde::Serialize;
use shared::domain::roster::{Date, format_date};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::coverage::Area;

/// At most this many requests are listed (the most urgent first); the counts are of all.
pub const MAX_LISTED: i64 = 200;

/// An unanswered request of a compound of the area.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PendingInspection {
    pub inspection_id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    /// `accounts`, `vouchers` or `contract`.
    pub what: String,
    /// What in Chinese.
    pub what_label: String,
    /// RFC 3339.
    pub asked_at: String,
    /// The last day to answer, `YYYY-MM-DD`.
    pub due_on: String,
    /// `open` (待答复) or `overdue` (逾期未答复) on the day asked about.
    pub state: String,
    pub state_label: String,
}

/// The area's unanswered requests on a day: the most urgent (earliest due) first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Pending {
    /// Up to 200, earliest due date first (so the overdue ones lead).
    pub items: Vec<PendingInspection>,
    /// Unanswered requests of the area in all.
    pub total: i64,
    /// Of them, overdue.
    pub overdue: i64,
}

/// The unanswered requests of `area` as they stand on `day`.
pub async fn pending(
    conn: &mut AnyConnection,
    area: &Area,
    day: Date,
) -> Result<Pending, sqlx::Error> {
    let today = format_date(day);
    // The area's column, compared with parameter `$n`.
    let (column, code) = match area {
        Area::City => (None, None),
        Area::District(d) => (Some("district_code"), Some(d.as_str())),
        Area::Street(s) => (Some("street_code"), Some(s.as_str())),
    };
    let of_area = |n: u8| column.map_or(String::new(), |c| format!(" AND {c} = ${n}"));
    let counts = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN due_on < $1 THEN 1 ELSE 0 END), 0) AS overdue \
         FROM tender_inspection WHERE answered_at IS NULL{}",
        of_area(2)
    )))
    .bind(&today);
    let counts = match code {
        Some(c) => counts.bind(c),
        None => counts,
    }
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, compound_id, compound_name, district_code, street_code, what, what_label, \
         asked_at, due_on FROM tender_inspection WHERE answered_at IS NULL{} \
         ORDER BY due_on, asked_at, id LIMIT {MAX_LISTED}",
        of_area(1)
    )));
    let rows = match code {
        Some(c) => rows.bind(c),
        None => rows,
    }
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let due_on: String = r.try_get("due_on")?;
            let overdue = due_on < today;
            Ok(PendingInspection {
                inspection_id: r.try_get("id")?,
                compound_id: r.try_get("compound_id")?,
                compound_name: r.try_get("compound_name")?,
                district_code: r.try_get("district_code")?,
                street_code: r.try_get("street_code")?,
                what: r.try_get("what")?,
                what_label: r.try_get("what_label")?,
                asked_at: r.try_get("asked_at")?,
                state: if overdue { "overdue" } else { "open" }.into(),
                state_label: if overdue {
                    "逾期未答复"
                } else {
                    "待答复"
                }
                .into(),
                due_on,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Pending {
        items,
        total: counts.try_get("total")?,
        overdue: counts.try_get("overdue")?,
    })
}
