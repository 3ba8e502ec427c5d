//! Where 以奖代补 subsidies are kept (`subsidy`, never updated: a correction is a new row
//! naming the one it replaces) and their publication on the feed (topic `subsidy`, the
//! whole [`Subsidy`]).

use shared::auth::Identity;
use shared::clock::{china_today, now_ms, rfc3339_utc};
use shared::db::{Bind, Filter, ListQuery, new_id};
use shared::domain::DistrictCode;
use shared::domain::roster::format_date;
use shared::error::{FieldError, Problem};
use shared::extract::{Page, Pagination};
use shared::feed::WriteTx;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::subsidy::{Subsidy, ValidSubsidy};

type Result<T> = std::result::Result<T, shared::error::Error>;

const COLUMNS: &str = "s.id, s.compound_id, c.name AS compound_name, s.street_code, s.district_code, \
    s.amount_fen, s.reason, s.period_from, s.period_to, s.document_number, s.corrects, \
    s.correction_reason, n.id AS corrected_by, s.recorded_on, s.first_recorded_on, s.recorded_at";

const FROM: &str = "subsidy s JOIN compound c ON c.id = s.compound_id \
    LEFT JOIN subsidy n ON n.corrects = s.id";

fn decode(r: &AnyRow) -> std::result::Result<Subsidy, sqlx::Error> {
    let district: String = r.try_get("district_code")?;
    Ok(Subsidy {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        street_code: r.try_get("street_code")?,
        district_name: DistrictCode::parse(&district)
            .map(|d| d.name().to_string())
            .unwrap_or_else(|_| district.clone()),
        district_code: district,
        amount_fen: r.try_get("amount_fen")?,
        reason: r.try_get("reason")?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        document_number: r.try_get("document_number")?,
        corrects: r.try_get("corrects")?,
        correction_reason: r.try_get("correction_reason")?,
        corrected_by: r.try_get("corrected_by")?,
        recorded_on: r.try_get("recorded_on")?,
        first_recorded_on: r.try_get("first_recorded_on")?,
        recorded_at: rfc3339_utc(r.try_get("recorded_at")?),
    })
}

/// The subsidy `id` as kept.
pub async fn load(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Subsidy>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(decode).transpose()?)
}

/// What a list selects: equality filters, all optional.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub compound: Option<String>,
    pub district: Option<DistrictCode>,
    /// Only the records no correction replaced (`true`), or only the replaced (`false`).
    pub current: Option<bool>,
}

/// One page of subsidies, newest first.
pub async fn list(
    conn: &mut AnyConnection,
    selection: &Selection,
    page: Pagination,
) -> anyhow::Result<Page<Subsidy>> {
    let mut filter = Filter::default();
    if let Some(c) = &selection.compound {
        let n = filter.param(Bind::Text(c.clone()));
        filter.push(format!("s.compound_id = ${n}"));
    }
    if let Some(d) = selection.district {
        let n = filter.param(Bind::Text(d.as_str().to_string()));
        filter.push(format!("s.district_code = ${n}"));
    }
    match selection.current {
        Some(true) => filter.push("n.id IS NULL"),
        Some(false) => filter.push("n.id IS NOT NULL"),
        None => {}
    }
    Ok(ListQuery {
        columns: COLUMNS,
        from: FROM,
        filter: &filter,
        order_by: "s.recorded_at DESC, s.id DESC",
    }
    .page(conn, page, decode)
    .await?)
}

fn field(name: &str, code: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new(name, code, message)])
}

/// Records a subsidy (or a correction) of a compound of `district` and publishes it: 422
/// for an unknown compound or corrected record, or one of another compound; 403 for a
/// compound of another district; 409 `already_corrected` for a record already replaced.
pub async fn record(
    tx: &mut WriteTx,
    s: &ValidSubsidy,
    district: DistrictCode,
    by: &Identity,
) -> Result<Subsidy> {
    let found = sqlx::query("SELECT street_code, district_code FROM compound WHERE id = $1")
        .bind(&s.compound_id)
        .fetch_optional(tx.conn())
        .await?;
    let Some(found) = found else {
        return Err(field("compound_id", "unknown_compound", "台账中没有这个小区").into());
    };
    let street: String = found.try_get("street_code")?;
    let compound_district: String = found.try_get("district_code")?;
    if compound_district != district.as_str() {
        return Err(Problem::forbidden(format!(
            "该小区不在{}，只能为本区县的小区登记补助。",
            district.name()
        ))
        .into());
    }
    let today = format_date(china_today());
    let first_recorded_on = match &s.corrects {
        None => today.clone(),
        Some(id) => {
            let Some(old) = load(tx.conn(), id).await? else {
                return Err(field("corrects", "unknown_subsidy", "没有这条补助记录").into());
            };
            if old.compound_id != s.compound_id {
                return Err(field(
                    "corrects",
                    "other_compound",
                    "更正只能针对同一小区的补助记录",
                )
                .into());
            }
            if old.corrected_by.is_some() {
                return Err(Problem::conflict(
                    "already_corrected",
                    "这条补助记录已被更正，请更正最新的记录。",
                )
                .into());
            }
            old.first_recorded_on
        }
    };
    let id = new_id();
    sqlx::query(
        "INSERT INTO subsidy (id, compound_id, street_code, district_code, amount_fen, reason, period_from, \
         period_to, document_number, corrects, correction_reason, recorded_on, first_recorded_on, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&id)
    .bind(&s.compound_id)
    .bind(&street)
    .bind(&compound_district)
    .bind(s.amount_fen)
    .bind(&s.reason)
    .bind(format_date(s.period_from))
    .bind(format_date(s.period_to))
    .bind(&s.document_number)
    .bind(s.corrects.clone())
    .bind(&s.correction_reason)
    .bind(&today)
    .bind(&first_recorded_on)
    .bind(&by.name)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    let saved = load(tx.conn(), &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("subsidy {id} vanished in its own transaction"))?;
    let kind = if s.corrects.is_some() {
        "corrected"
    } else {
        "recorded"
    };
    tx.emit(shared::events::catalog::SUBSIDY, &id, kind, &saved)
        .await?;
    Ok(saved)
}
