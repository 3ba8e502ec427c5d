//! Bills and payments as stored (`fee_bill`, `fee_payment`, migration 0025).

use sqlx::{AnyConnection, Row};

/// A unit's bill for a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub id: String,
    pub compound_id: String,
    pub unit_id: String,
    pub unit_label: String,
    /// `YYYY-MM`.
    pub month: String,
    pub area_centi: i64,
    pub fee_fen_per_m2: i64,
    pub amount_fen: i64,
    pub budget_id: String,
}

/// A bill with what has been paid on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillPaid {
    pub bill: Bill,
    pub paid_fen: i64,
}

/// A payment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub bill_id: String,
    pub compound_id: String,
    pub amount_fen: i64,
    /// `YYYY-MM-DD`.
    pub paid_on: String,
    pub reference: String,
    /// `recorded` or `import:<id>`.
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

const BILL: &str = "b.id, b.compound_id, b.unit_id, b.unit_label, b.month, b.area_centi, \
    b.fee_fen_per_m2, b.amount_fen, b.budget_id, \
    CAST(COALESCE((SELECT SUM(p.amount_fen) FROM fee_payment p WHERE p.bill_id = b.id), 0) \
    AS BIGINT) AS paid_fen";

fn decode(r: &sqlx::any::AnyRow) -> Result<BillPaid, sqlx::Error> {
    Ok(BillPaid {
        bill: Bill {
            id: r.try_get("id")?,
            compound_id: r.try_get("compound_id")?,
            unit_id: r.try_get("unit_id")?,
            unit_label: r.try_get("unit_label")?,
            month: r.try_get("month")?,
            area_centi: r.try_get("area_centi")?,
            fee_fen_per_m2: r.try_get("fee_fen_per_m2")?,
            amount_fen: r.try_get("amount_fen")?,
            budget_id: r.try_get("budget_id")?,
        },
        paid_fen: r.try_get("paid_fen")?,
    })
}

/// The ids of the units billed for `month` in `compound_id`.
pub async fn billed_units(
    conn: &mut AnyConnection,
    compound_id: &str,
    month: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT unit_id FROM fee_bill WHERE compound_id = $1 AND month = $2")
        .bind(compound_id)
        .bind(month)
        .fetch_all(&mut *conn)
        .await
}

pub async fn insert_bill(
    conn: &mut AnyConnection,
    b: &Bill,
    created_by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fee_bill (id, compound_id, unit_id, unit_label, month, area_centi, \
         fee_fen_per_m2, amount_fen, budget_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&b.id)
    .bind(&b.compound_id)
    .bind(&b.unit_id)
    .bind(&b.unit_label)
    .bind(&b.month)
    .bind(b.area_centi)
    .bind(b.fee_fen_per_m2)
    .bind(b.amount_fen)
    .bind(&b.budget_id)
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many bills `compound_id` has for `month`, and their sum.
pub async fn month_total(
    conn: &mut AnyConnection,
    compound_id: &str,
    month: &str,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fee_bill \
         WHERE compound_id = $1 AND month = $2",
    )
    .bind(compound_id)
    .bind(month)
    .fetch_one(&mut *conn)
    .await
}

/// One bill of `compound_id` with what was paid on it.
pub async fn bill(
    conn: &mut AnyConnection,
    compound_id: &str,
    id: &str,
) -> Result<Option<BillPaid>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BILL} FROM fee_bill b WHERE b.compound_id = $1 AND b.id = $2"
    )))
    .bind(compound_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

/// The bill of a unit for a month, with what was paid on it.
pub async fn bill_of_unit(
    conn: &mut AnyConnection,
    unit_id: &str,
    month: &str,
) -> Result<Option<BillPaid>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BILL} FROM fee_bill b WHERE b.unit_id = $1 AND b.month = $2"
    )))
    .bind(unit_id)
    .bind(month)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

/// The bills of `compound_id` for months `from..=to` not paid in full, by unit then month:
/// one page, and how many there are.
pub async fn unpaid(
    conn: &mut AnyConnection,
    compound_id: &str,
    (from, to): (&str, &str),
    (limit, offset): (i64, i64),
) -> Result<(Vec<BillPaid>, i64), sqlx::Error> {
    const UNPAID: &str = "b.compound_id = $1 AND b.month >= $2 AND b.month <= $3 AND \
        b.amount_fen > COALESCE((SELECT SUM(p.amount_fen) FROM fee_payment p \
        WHERE p.bill_id = b.id), 0)";
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BILL} FROM fee_bill b WHERE {UNPAID} ORDER BY b.unit_label, b.month \
         LIMIT $4 OFFSET $5"
    )))
    .bind(compound_id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM fee_bill b WHERE {UNPAID}"
    )))
    .bind(compound_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    Ok((rows.iter().map(decode).collect::<Result<_, _>>()?, total))
}

/// The payment of `compound_id` with this reference, if recorded.
pub async fn payment_by_reference(
    conn: &mut AnyConnection,
    compound_id: &str,
    reference: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT id, bill_id, compound_id, amount_fen, paid_on, reference, source, recorded_by, \
         recorded_at FROM fee_payment WHERE compound_id = $1 AND reference = $2",
    )
    .bind(compound_id)
    .bind(reference)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Payment {
        id: r.try_get("id")?,
        bill_id: r.try_get("bill_id")?,
        compound_id: r.try_get("compound_id")?,
        amount_fen: r.try_get("amount_fen")?,
        paid_on: r.try_get("paid_on")?,
        reference: r.try_get("reference")?,
        source: r.try_get("source")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    }))
}

pub async fn insert_payment(conn: &mut AnyConnection, p: &Payment) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fee_payment (id, bill_id, compound_id, amount_fen, paid_on, reference, \
         source, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&p.id)
    .bind(&p.bill_id)
    .bind(&p.compound_id)
    .bind(p.amount_fen)
    .bind(&p.paid_on)
    .bind(&p.reference)
    .bind(&p.source)
    .bind(&p.recorded_by)
    .bind(p.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Billed and paid 分 per compound for bills of months `from..=to`, of the compounds
/// `filter` selects (`None`: all; else `(column, value)` on `catalog_compound`, the column
/// one of `id`, `street_code`, `district_code`): `(compound_id, name, street, district,
/// billed, paid)`, by name.
pub async fn collected(
    conn: &mut AnyConnection,
    filter: Option<(&'static str, &str)>,
    (from, to): (&str, &str),
) -> Result<Vec<(String, String, Option<String>, String, i64, i64)>, sqlx::Error> {
    let condition = match filter {
        Some(("street_code", _)) => "AND c.street_code = $3",
        Some(("district_code", _)) => "AND c.district_code = $3",
        Some(_) => "AND c.id = $3",
        None => "",
    };
    let sql = format!(
        "SELECT c.id, c.name, c.street_code, c.district_code, \
         CAST(SUM(b.amount_fen) AS BIGINT) AS billed, \
         CAST(COALESCE(SUM(p.paid), 0) AS BIGINT) AS paid \
         FROM fee_bill b JOIN catalog_compound c ON c.id = b.compound_id \
         LEFT JOIN (SELECT bill_id, SUM(amount_fen) AS paid FROM fee_payment GROUP BY bill_id) p \
         ON p.bill_id = b.id \
         WHERE b.month >= $1 AND b.month <= $2 {condition} \
         GROUP BY c.id, c.name, c.street_code, c.district_code ORDER BY c.name, c.id"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
    if let Some((_, value)) = filter {
        q = q.bind(value);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("street_code")?,
                r.try_get("district_code")?,
                r.try_get("billed")?,
                r.try_get("paid")?,
            ))
        })
        .collect()
}
