//! What evaluation and award leave on record (award, complaint, contract), as stored and
//! as everyone reads it, with the rules that come from records rather than from what a
//! committee types: households a firm holds on the platform, the annual price of a fee, the
//! last day of a term.

use serde::{Deserialize, Serialize};
use shared::db::{Filter, ListQuery};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::rank::Ranked;
use crate::clock::{format_date, parse_date, to_rfc3339};
use crate::money::fund::terms;
use crate::rows::{Conditions, undecodable};

/// A bid passed over, with the committee's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Skipped {
    pub bid_id: String,
    pub firm_name: String,
    pub reason: String,
}

/// Where an award is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    /// 公示中.
    InNotice,
    /// Revoked after a complaint was upheld.
    Revoked,
    /// The contract is signed.
    Final,
}

impl AwardStatus {
    /// A status as stored (`in_notice`, `revoked`, `final`); anything else is `None`.
    fn parse(s: &str) -> Option<Self> {
        match s {
            "in_notice" => Some(Self::InNotice),
            "revoked" => Some(Self::Revoked),
            "final" => Some(Self::Final),
            _ => None,
        }
    }
}

/// 定标结果 (the award), public.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Award {
    pub id: String,
    pub tender_id: String,
    pub bid_id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    /// The ranking the award was made on.
    pub ranking: Vec<Ranked>,
    /// Higher-ranked bids passed over, with reasons.
    pub skipped: Vec<Skipped>,
    /// The owners' vote it rests on (`owners_vote`).
    pub vote_id: Option<String>,
    pub awarded_at: String,
    /// End of the public notice period (公示期).
    pub notice_ends_at: String,
    pub status: AwardStatus,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

/// An award as stored, with its instants in ms.
#[derive(Debug, Clone)]
pub struct AwardRow {
    pub view: Award,
    pub notice_ends_at_ms: i64,
}

const AWARD_COLUMNS: &str = "id, tender_id, bid_id, firm_id, firm_name, fee, annual_price_fen, ranking, \
    skipped, vote_id, awarded_at, notice_ends_at, status, revoked_at, revoked_reason";

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn award_from_row(r: &sqlx::any::AnyRow) -> Result<AwardRow, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let notice: i64 = r.try_get("notice_ends_at")?;
    let revoked_at: Option<i64> = r.try_get("revoked_at")?;
    let status: String = r.try_get("status")?;
    let status =
        AwardStatus::parse(&status).ok_or_else(|| undecodable("award", &id, "status", &status))?;
    Ok(AwardRow {
        view: Award {
            id,
            tender_id: r.try_get("tender_id")?,
            bid_id: r.try_get("bid_id")?,
            firm_id: r.try_get("firm_id")?,
            firm_name: r.try_get("firm_name")?,
            fee: r.try_get("fee")?,
            annual_price_fen: r.try_get("annual_price_fen")?,
            ranking: decode(&r.try_get::<String, _>("ranking")?)?,
            skipped: decode(&r.try_get::<String, _>("skipped")?)?,
            vote_id: r.try_get("vote_id")?,
            awarded_at: to_rfc3339(r.try_get("awarded_at")?),
            notice_ends_at: to_rfc3339(notice),
            status,
            revoked_at: revoked_at.map(to_rfc3339),
            revoked_reason: r.try_get("revoked_reason")?,
        },
        notice_ends_at_ms: notice,
    })
}

/// The tender's award that stands (in notice or final), if any.
pub async fn current(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<AwardRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {AWARD_COLUMNS} FROM award WHERE tender_id = $1 AND status <> 'revoked' \
         ORDER BY awarded_at DESC LIMIT 1"
    )))
    .bind(tender_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(award_from_row).transpose()
}

/// Every award of a tender, newest first (revoked ones included).
pub async fn all_of(conn: &mut AnyConnection, tender_id: &str) -> Result<Vec<Award>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {AWARD_COLUMNS} FROM award WHERE tender_id = $1 ORDER BY awarded_at DESC"
    )))
    .bind(tender_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| award_from_row(r).map(|a| a.view))
        .collect()
}

/// Stores a new award in notice.
pub async fn insert(
    conn: &mut AnyConnection,
    a: &Award,
    awarded_by: &str,
    awarded_at: i64,
    notice_ends_at: i64,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO award ({AWARD_COLUMNS}, awarded_by) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'in_notice', NULL, NULL, $13)"
    )))
    .bind(&a.id)
    .bind(&a.tender_id)
    .bind(&a.bid_id)
    .bind(&a.firm_id)
    .bind(&a.firm_name)
    .bind(a.fee)
    .bind(a.annual_price_fen)
    .bind(serde_json::to_string(&a.ranking)?)
    .bind(serde_json::to_string(&a.skipped)?)
    .bind(&a.vote_id)
    .bind(awarded_at)
    .bind(notice_ends_at)
    .bind(awarded_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revokes the tender's award in notice, if it has one (the tender was cancelled).
pub async fn revoke_in_notice(
    conn: &mut AnyConnection,
    tender_id: &str,
    at: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE award SET status = 'revoked', revoked_at = $2, revoked_reason = $3 \
         WHERE tender_id = $1 AND status = 'in_notice'",
    )
    .bind(tender_id)
    .bind(at)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revokes one award (a complaint about it was upheld).
pub async fn revoke(
    conn: &mut AnyConnection,
    award_id: &str,
    at: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE award SET status = 'revoked', revoked_at = $2, revoked_reason = $3 WHERE id = $1",
    )
    .bind(award_id)
    .bind(at)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes an award final (its contract is signed).
pub async fn make_final(conn: &mut AnyConnection, award_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE award SET status = 'final' WHERE id = $1")
        .bind(award_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub use super::complaint_store::Complaint;

/// 物业服务合同, as the API answers it and the `contract` topic publishes it (the type the
/// followers decode, `shared::events::tender`).
pub use shared::events::tender::{ContractPublished as Contract, ContractStatus};

const CONTRACT_COLUMNS: &str = "id, tender_id, compound_id, firm_id, firm_name, service_model, fee_model, fee, \
    annual_price_fen, term_months, start_date, end_date, signed_on, signed_at, status, terminated_on, termination_reason, termination_vote_id, termination_vote_kind, \
    remuneration_kind, remuneration_value";

fn contract_from_row(r: &sqlx::any::AnyRow) -> Result<Contract, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let date = |column: &str| -> Result<time::Date, sqlx::Error> {
        let text: String = r.try_get(column)?;
        parse_date(&text).map_err(|e| undecodable("contract", &id, column, e))
    };
    let status: String = r.try_get("status")?;
    let terminated_on = match r.try_get::<Option<String>, _>("terminated_on")? {
        Some(_) => Some(date("terminated_on")?),
        None => None,
    };
    Ok(Contract {
        tender_id: r.try_get("tender_id")?,
        compound_id: r.try_get("compound_id")?,
        firm_id: r.try_get("firm_id")?,
        firm_name: r.try_get("firm_name")?,
        service_model: r.try_get("service_model")?,
        fee_model: r.try_get("fee_model")?,
        fee: r.try_get("fee")?,
        annual_price_fen: r.try_get("annual_price_fen")?,
        term_months: r.try_get("term_months")?,
        start_date: date("start_date")?,
        end_date: date("end_date")?,
        signed_on: date("signed_on")?,
        signed_at: to_rfc3339(r.try_get("signed_at")?),
        status: ContractStatus::parse(&status)
            .ok_or_else(|| undecodable("contract", &id, "status", &status))?,
        terminated_on,
        termination_reason: r.try_get("termination_reason")?,
        termination_vote_id: r.try_get("termination_vote_id")?,
        termination_vote_kind: r.try_get("termination_vote_kind")?,
        remuneration: terms::from_columns(
            r.try_get::<Option<String>, _>("remuneration_kind")?
                .as_deref(),
            r.try_get("remuneration_value")?,
        )
        .map_err(|why| undecodable("contract", &id, "remuneration_kind", why))?,
        fee_in_force: None,
        id,
    })
}

/// Stores a signed contract.
pub async fn insert_contract(
    conn: &mut AnyConnection,
    c: &Contract,
    signed_at: i64,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO contract ({CONTRACT_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', NULL, NULL, NULL, NULL, $15, $16)"
    )))
    .bind(&c.id)
    .bind(&c.tender_id)
    .bind(&c.compound_id)
    .bind(&c.firm_id)
    .bind(&c.firm_name)
    .bind(&c.service_model)
    .bind(&c.fee_model)
    .bind(c.fee)
    .bind(c.annual_price_fen)
    .bind(c.term_months)
    .bind(format_date(c.start_date))
    .bind(format_date(c.end_date))
    .bind(format_date(c.signed_on))
    .bind(signed_at)
    .bind(terms::columns(c.remuneration).0)
    .bind(terms::columns(c.remuneration).1)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One contract.
pub async fn contract(conn: &mut AnyConnection, id: &str) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONTRACT_COLUMNS} FROM contract WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(contract_from_row).transpose()
}

/// Ends a contract early on the owners' vote `vote` (id, kind).
pub async fn terminate_contract(
    conn: &mut AnyConnection,
    id: &str,
    on: &str,
    reason: &str,
    vote: (&str, &str),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contract SET status = 'terminated', terminated_on = $2, termination_reason = $3, \
         termination_vote_id = $4, termination_vote_kind = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(on)
    .bind(reason)
    .bind(vote.0)
    .bind(vote.1)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The contract that came out of a tender.
pub async fn contract_of_tender(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<Contract>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONTRACT_COLUMNS} FROM contract WHERE tender_id = $1"
    )))
    .bind(tender_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(contract_from_row).transpose()
}

/// Which contracts a list shows.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub compound: Option<String>,
    pub firm: Option<String>,
    pub status: Option<ContractStatus>,
}

/// A contract status as a query parameter (`active` or `terminated`), a field rule.
pub fn contract_status(s: &str) -> Result<(), validator::ValidationError> {
    match ContractStatus::parse(s) {
        Some(_) => Ok(()),
        None => Err(validator::ValidationError::new("invalid_status")),
    }
}

/// Contracts matching `f`, newest first: one page.
pub async fn contracts(
    conn: &mut AnyConnection,
    f: &ContractFilter,
    page: Pagination,
) -> Result<Page<Contract>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([
        ("compound_id", f.compound.as_deref()),
        ("firm_id", f.firm.as_deref()),
        ("status", f.status.map(ContractStatus::as_str)),
    ]);
    ListQuery {
        columns: CONTRACT_COLUMNS,
        from: "contract",
        filter: &filter,
        order_by: "signed_at DESC, id DESC",
    }
    .page(conn, page, contract_from_row)
    .await
}

/// The households of the compounds `firm_id` holds on this platform on `today`, other than
/// `compound_id` (a compound it already serves needs no new capacity when it re-tenders):
/// its contracts that have not ended (not terminated before today, term not over), and its
/// awards in their public notice (won but not yet signed). Part of the cumulative capacity
/// rule ([`crate::roster::capacity_refusal`]).
pub async fn households_on_platform(
    conn: &mut AnyConnection,
    firm_id: &str,
    compound_id: &str,
    today: time::Date,
) -> Result<i64, sqlx::Error> {
    let today = crate::clock::format_date(today);
    let contracts: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(cc.households), 0) AS BIGINT) FROM contract c \
         JOIN catalog_compound cc ON cc.id = c.compound_id \
         WHERE c.firm_id = $1 AND c.compound_id <> $2 AND c.end_date >= $3 \
         AND (c.status = 'active' OR c.terminated_on >= $3)",
    )
    .bind(firm_id)
    .bind(compound_id)
    .bind(&today)
    .fetch_one(&mut *conn)
    .await?;
    let awards: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(cc.households), 0) AS BIGINT) FROM award a \
         JOIN tender t ON t.id = a.tender_id JOIN catalog_compound cc ON cc.id = t.compound_id \
         WHERE a.firm_id = $1 AND t.compound_id <> $2 AND a.status = 'in_notice' \
         AND t.status = 'awarded'",
    )
    .bind(firm_id)
    .bind(compound_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(contracts.saturating_add(awards))
}

/// The annual price of a fee (分/㎡·月) on a floor area: fee × area × 12, exact in 分 (both
/// are whole numbers); `None` on overflow.
pub fn annual_price(fee: i64, floor_area_m2: i64) -> Option<i64> {
    fee.checked_mul(floor_area_m2)?.checked_mul(12)
}

/// How far a typed annual price may differ from [`annual_price`] and still be taken as
/// meaning it: one square metre's fee for a year (fee × 12), the rounding of the floor area
/// to whole square metres.
pub fn price_tolerance(fee: i64) -> i64 {
    fee.saturating_mul(12)
}

/// The last day of a term of `months` starting on `start`.
pub fn end_of_term(start: time::Date, months: i64) -> time::Date {
    let total = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::January);
    let year = i32::try_from(year).unwrap_or(9999);
    let day = start.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| d.previous_day().unwrap_or(d))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_annual_price_is_fee_times_area_times_twelve() {
        assert_eq!(annual_price(138, 28_000), Some(46_368_000));
        assert_eq!(annual_price(1, 0), Some(0));
        assert_eq!(annual_price(2_000, i64::MAX / 1000), None);
        assert_eq!(price_tolerance(150), 1_800);
    }

    #[test]
    fn terms_end_the_day_before_the_anniversary() {
        assert_eq!(
            end_of_term(date!(2025 - 03 - 01), 36),
            date!(2028 - 02 - 29)
        );
        assert_eq!(end_of_term(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 27));
        assert_eq!(
            end_of_term(date!(2025 - 12 - 15), 12),
            date!(2026 - 12 - 14)
        );
    }
}
