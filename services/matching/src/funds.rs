//! Compounds' service funds (物业服务资金, 酬金制 and 信托制) as tender publishes them month by
//! month (topic `fund_month`, kept in `tender_fund_month`): the compounds of an area whose
//! fund, in its latest month up to a given one, is flagged in deficit (入不敷出 for
//! `[tender] fund_deficit_months` months running) or pools no common revenue (公共收益未归集).
//! Tender decides both flags from the fund's ledger; matching only lists them, so a street
//! sees where a subsidy or a budget change is needed.

use serde::Serialize;
use shared::events::tender::FundMonth;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::coverage::Area;

/// A compound whose fund is flagged.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FundFlag {
    pub compound_id: String,
    /// `null` when matching has not heard of the compound.
    pub compound_name: Option<String>,
    pub district_code: Option<String>,
    pub street_code: Option<String>,
    /// `commission` or `trust`.
    pub fee_model: String,
    /// The latest month of the fund considered, `YYYY-MM`.
    pub month: String,
    pub closing_balance_fen: i64,
    /// Consecutive months in deficit up to `month`.
    pub deficit_months: i64,
    pub deficit_flagged: bool,
    pub common_revenue_not_pooled: bool,
}

/// Keeps a published month (the latest change per compound and month).
pub async fn upsert(conn: &mut AnyConnection, seq: i64, m: &FundMonth) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tender_fund_month (id, compound_id, month, contract_id, fee_model, \
         closing_balance_fen, deficit_months, deficit_flagged, common_revenue_not_pooled, payload, \
         seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET contract_id = excluded.contract_id, \
         fee_model = excluded.fee_model, closing_balance_fen = excluded.closing_balance_fen, \
         deficit_months = excluded.deficit_months, deficit_flagged = excluded.deficit_flagged, \
         common_revenue_not_pooled = excluded.common_revenue_not_pooled, payload = excluded.payload, \
         seq = excluded.seq, updated_at = excluded.updated_at WHERE tender_fund_month.seq < excluded.seq",
    )
    .bind(format!("{}:{}", m.compound_id, m.month))
    .bind(&m.compound_id)
    .bind(&m.month)
    .bind(&m.contract_id)
    .bind(&m.fee_model)
    .bind(m.closing_balance_fen)
    .bind(m.deficit_months)
    .bind(i64::from(m.deficit_flagged))
    .bind(i64::from(m.common_revenue_not_pooled))
    .bind(serde_json::to_string(m)?)
    .bind(seq)
    .bind(shared::clock::now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The flagged funds of `area`, each compound by its latest month up to `month` (`YYYY-MM`;
/// every month when `None`), by street and name.
pub async fn flagged(
    conn: &mut AnyConnection,
    area: &Area,
    month: Option<&str>,
) -> Result<Vec<FundFlag>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT f.compound_id, c.name, c.district_code, c.street_code, f.fee_model, f.month, \
         f.closing_balance_fen, f.deficit_months, f.deficit_flagged, f.common_revenue_not_pooled \
         FROM tender_fund_month f LEFT JOIN catalog_compound c ON c.id = f.compound_id \
         WHERE f.month = (SELECT MAX(g.month) FROM tender_fund_month g \
           WHERE g.compound_id = f.compound_id AND g.month <= $1) \
         AND (f.deficit_flagged = 1 OR f.common_revenue_not_pooled = 1) \
         ORDER BY c.street_code, c.name, f.compound_id",
    )
    .bind(month.unwrap_or("9999-12"))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let district: Option<String> = r.try_get("district_code")?;
        let street: Option<String> = r.try_get("street_code")?;
        let inside = match (&district, &street) {
            (Some(d), Some(s)) => area.contains(d, s),
            _ => *area == Area::City,
        };
        if !inside {
            continue;
        }
        out.push(FundFlag {
            compound_id: r.try_get("compound_id")?,
            compound_name: r.try_get("name")?,
            district_code: district,
            street_code: street,
            fee_model: r.try_get("fee_model")?,
            month: r.try_get("month")?,
            closing_balance_fen: r.try_get("closing_balance_fen")?,
            deficit_months: r.try_get("deficit_months")?,
            deficit_flagged: r.try_get::<i64, _>("deficit_flagged")? == 1,
            common_revenue_not_pooled: r.try_get::<i64, _>("common_revenue_not_pooled")? == 1,
        });
    }
    Ok(out)
}
