//! Sealed bids (密封投标).
//!
//! Until the opening time only the bidding firm can read its bid. Nothing about bids is
//! written to the feed before opening (not even that one arrived), no list, count or
//! error message mentions another firm's bid, and the deadline is decided inside the write
//! transaction that holds the feed-head lock, which the opening also takes: a bid that
//! started before the deadline but reaches the database after it is refused, and no bid
//! can slip in after the opening has read the bids.
//!
//! At the opening (开标, [`crate::opening`]) every bid is opened at once into the public
//! [`OpeningRecord`].

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::clock::to_rfc3339;
use crate::money::fund::terms::{self, Remuneration};

/// Where a bid is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    /// Received and sealed.
    Submitted,
    /// The tender's terms changed after it was submitted; the firm must confirm or replace
    /// it before the deadline.
    NeedsReconfirmation,
    /// Withdrawn by the firm before the deadline.
    Withdrawn,
    /// Opened at the opening; takes part in the evaluation.
    Opened,
    /// Opened but invalid (e.g. not re-confirmed after a change of terms).
    Invalid,
}

impl BidStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => Self::Submitted,
            "needs_reconfirmation" => Self::NeedsReconfirmation,
            "withdrawn" => Self::Withdrawn,
            "opened" => Self::Opened,
            "invalid" => Self::Invalid,
            _ => return None,
        })
    }
}

/// A firm's answer to one quality criterion of a rated tender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CriterionAnswer {
    /// The criterion's name, as in the tender.
    pub name: String,
    pub answer: String,
}

/// A bid, as its firm sees it (and, after opening, the committee and the association).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Bid {
    pub id: String,
    pub tender_id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub status: BidStatus,
    /// Offered fee, 分/㎡·月.
    pub fee: i64,
    /// Annual price, 分: always fee × the compound's floor area (building area, whole ㎡,
    /// from tender's copy of the ledger) × 12, derived by the service.
    pub annual_price_fen: i64,
    /// The annual price exceeds the tender's annual budget (超出预算).
    pub above_budget: bool,
    /// 人员配置方案.
    pub staffing_plan: String,
    /// 服务方案.
    pub service_plan: String,
    pub criteria_answers: Vec<CriterionAnswer>,
    /// 1 for the first submission, +1 per replacement.
    pub revision: i64,
    /// The version of the tender's terms it answers.
    pub terms_version: i64,
    pub submitted_at: String,
    /// When its current version was received.
    pub updated_at: String,
    pub withdrawn_at: Option<String>,
    pub invalid_reason: Option<String>,
    /// The remuneration (酬金) offered, on a commission or trust tender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remuneration: Option<Remuneration>,
}

pub const COLUMNS: &str = "id, tender_id, firm_id, firm_name, status, fee, annual_price_fen, staffing_plan, \
    service_plan, criteria_answers, revision, terms_version, submitted_at, updated_at, withdrawn_at, invalid_reason, \
    remuneration_kind, remuneration_value";

/// [`COLUMNS`] plus the tender's budget (`budget_fen`), for [`from_row`]: every read of a
/// bid selects these from `bid`.
pub const SELECT: &str = "id, tender_id, firm_id, firm_name, status, fee, annual_price_fen, staffing_plan, \
    service_plan, criteria_answers, revision, terms_version, submitted_at, updated_at, withdrawn_at, invalid_reason, \
    remuneration_kind, remuneration_value, \
    CAST((SELECT t.annual_budget_fen FROM tender t WHERE t.id = bid.tender_id) AS BIGINT) AS budget_fen";

/// A bid from a row selected with [`SELECT`].
pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Bid, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let price: i64 = r.try_get("annual_price_fen")?;
    let budget: Option<i64> = r.try_get("budget_fen")?;
    let answers: String = r.try_get("criteria_answers")?;
    let withdrawn: Option<i64> = r.try_get("withdrawn_at")?;
    let remuneration = terms::from_columns(
        r.try_get::<Option<String>, _>("remuneration_kind")?
            .as_deref(),
        r.try_get("remuneration_value")?,
    )
    .map_err(|why| sqlx::Error::Decode(format!("bid remuneration {why}").into()))?;
    Ok(Bid {
        id: r.try_get("id")?,
        tender_id: r.try_get("tender_id")?,
        firm_id: r.try_get("firm_id")?,
        firm_name: r.try_get("firm_name")?,
        status: BidStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("bid status {status}").into()))?,
        fee: r.try_get("fee")?,
        annual_price_fen: price,
        above_budget: budget.is_some_and(|b| price > b),
        staffing_plan: r.try_get("staffing_plan")?,
        service_plan: r.try_get("service_plan")?,
        criteria_answers: serde_json::from_str(&answers)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        revision: r.try_get("revision")?,
        terms_version: r.try_get("terms_version")?,
        submitted_at: to_rfc3339(r.try_get("submitted_at")?),
        updated_at: to_rfc3339(r.try_get("updated_at")?),
        withdrawn_at: withdrawn.map(to_rfc3339),
        invalid_reason: r.try_get("invalid_reason")?,
        remuneration,
    })
}

/// One bid, whatever its status.
pub async fn one(conn: &mut AnyConnection, id: &str) -> Result<Option<Bid>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM bid WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The firm's live (not withdrawn) bid for a tender.
pub async fn live_of(
    conn: &mut AnyConnection,
    tender_id: &str,
    firm_id: &str,
) -> Result<Option<Bid>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM bid WHERE tender_id = $1 AND firm_id = $2 AND status <> 'withdrawn'"
    )))
    .bind(tender_id)
    .bind(firm_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every bid of a tender that was not withdrawn, by fee. Only for opened tenders.
pub async fn opened_of(conn: &mut AnyConnection, tender_id: &str) -> Result<Vec<Bid>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM bid WHERE tender_id = $1 AND status IN ('opened', 'invalid') \
         ORDER BY fee, updated_at, id"
    )))
    .bind(tender_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One line of an opening record: who bid what. Public once the bids are opened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenedBid {
    pub bid_id: String,
    pub firm_id: String,
    pub firm_name: String,
    /// Offered fee, 分/㎡·月.
    pub fee: i64,
    /// Offered annual price, 分.
    pub annual_price_fen: i64,
    /// When the bid's final version was received.
    pub received_at: String,
    /// Whether the bid takes part in the evaluation.
    pub valid: bool,
    /// Why not, when it does not.
    pub invalid_reason: Option<String>,
}

/// 开标记录: every bid received, opened at once at the opening time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningRecord {
    pub tender_id: String,
    /// The scheduled opening time.
    pub opening_at: String,
    /// When the bids were actually opened.
    pub opened_at: String,
    /// Bids received, by fee (lowest first).
    pub bids: Vec<OpenedBid>,
    /// How many bids are valid.
    pub valid_bids: i64,
}

/// The opening record of a tender, once opened.
pub async fn opening_record(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<OpeningRecord>, sqlx::Error> {
    let record: Option<String> =
        sqlx::query_scalar("SELECT record FROM tender_opening WHERE tender_id = $1")
            .bind(tender_id)
            .fetch_optional(&mut *conn)
            .await?;
    record
        .map(|r| serde_json::from_str(&r).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// The content of a bid, checked.
#[derive(Debug, Clone)]
pub struct BidContent {
    pub fee: i64,
    pub annual_price_fen: i64,
    pub staffing_plan: String,
    pub service_plan: String,
    pub criteria_answers: Vec<CriterionAnswer>,
    pub remuneration: Option<Remuneration>,
}

/// Stores a new bid.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    tender_id: &str,
    firm_id: &str,
    firm_name: &str,
    content: &BidContent,
    terms_version: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO bid ({COLUMNS}) VALUES ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, 1, $10, $11, $11, NULL, NULL, $12, $13)"
    )))
    .bind(id)
    .bind(tender_id)
    .bind(firm_id)
    .bind(firm_name)
    .bind(content.fee)
    .bind(content.annual_price_fen)
    .bind(&content.staffing_plan)
    .bind(&content.service_plan)
    .bind(serde_json::to_string(&content.criteria_answers).unwrap_or_else(|_| "[]".into()))
    .bind(terms_version)
    .bind(now)
    .bind(terms::columns(content.remuneration).0)
    .bind(terms::columns(content.remuneration).1)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a live bid's content; it becomes `submitted` for the current terms.
pub async fn replace(
    conn: &mut AnyConnection,
    id: &str,
    firm_name: &str,
    content: &BidContent,
    terms_version: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bid SET status = 'submitted', firm_name = $2, fee = $3, annual_price_fen = $4, \
         staffing_plan = $5, service_plan = $6, criteria_answers = $7, revision = revision + 1, \
         terms_version = $8, updated_at = $9, remuneration_kind = $10, remuneration_value = $11 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(firm_name)
    .bind(content.fee)
    .bind(content.annual_price_fen)
    .bind(&content.staffing_plan)
    .bind(&content.service_plan)
    .bind(serde_json::to_string(&content.criteria_answers).unwrap_or_else(|_| "[]".into()))
    .bind(terms_version)
    .bind(now)
    .bind(terms::columns(content.remuneration).0)
    .bind(terms::columns(content.remuneration).1)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Confirms a bid waiting for re-confirmation for the current terms, with its price
/// derived again.
pub async fn confirm(
    conn: &mut AnyConnection,
    id: &str,
    firm_name: &str,
    annual_price_fen: i64,
    terms_version: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bid SET status = 'submitted', terms_version = $2, firm_name = $3, updated_at = $4, \
         annual_price_fen = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(terms_version)
    .bind(firm_name)
    .bind(now)
    .bind(annual_price_fen)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Withdraws a live bid.
pub async fn withdraw(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bid SET status = 'withdrawn', withdrawn_at = $2, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A firm's bids that were not withdrawn, on every tender, newest first (at most 200).
pub async fn of_firm(conn: &mut AnyConnection, firm_id: &str) -> Result<Vec<Bid>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM bid WHERE firm_id = $1 AND status <> 'withdrawn' \
         ORDER BY updated_at DESC, id LIMIT 200"
    )))
    .bind(firm_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}
