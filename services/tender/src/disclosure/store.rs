//! Published budgets and accounts, as stored and as everyone reads them; every version kept.

use serde::{Deserialize, Serialize};
use shared::db::{self, ListQuery};
use shared::events::tender::ContractStatus;
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::figures::{DisclosureKind, Income, Spending};
use crate::clock::to_rfc3339;
use crate::rows::{Conditions, undecodable};

/// Who published a disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Publisher {
    /// The contract's firm.
    Firm,
    /// The compound's committee.
    Committee,
}

impl Publisher {
    pub fn as_str(self) -> &'static str {
        match self {
            Publisher::Firm => "firm",
            Publisher::Committee => "committee",
        }
    }

    /// A publisher as stored; anything else is `None`.
    fn parse(s: &str) -> Option<Self> {
        [Publisher::Firm, Publisher::Committee]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// A published budget or accounts (feed topic `disclosure`, kind `published`; this is the
/// payload).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Disclosure {
    pub id: String,
    pub contract_id: String,
    pub tender_id: String,
    pub compound_id: String,
    pub firm_id: String,
    pub kind: DisclosureKind,
    /// The kind in Chinese.
    pub kind_label: String,
    pub period: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD`.
    pub period_end: String,
    pub income: Income,
    /// 公共收益: parking + advertising + other, 分.
    pub common_revenue_fen: i64,
    pub total_income_fen: i64,
    pub spending: Spending,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
    pub published_by: Publisher,
    /// The publishing account's name (absent for figures published before names were kept).
    #[serde(default)]
    pub published_by_name: Option<String>,
    pub published_at: String,
    /// 1 for the first publication; a correction is the next version of the same contract,
    /// kind and period.
    #[serde(default = "first_version")]
    pub version: i64,
    /// The version this one corrects.
    #[serde(default)]
    pub supersedes: Option<String>,
    /// Why it was corrected (更正原因), on a correcting version.
    #[serde(default)]
    pub correction_reason: Option<String>,
    /// The version that corrected this one (已更正); absent while it is current.
    #[serde(default)]
    pub superseded_by: Option<String>,
    /// When it was superseded (RFC 3339).
    #[serde(default)]
    pub superseded_at: Option<String>,
}

fn first_version() -> i64 {
    1
}

pub const COLUMNS: &str = "id, contract_id, tender_id, compound_id, firm_id, kind, period, period_start, \
    period_end, income, spending, total_income_fen, total_spending_fen, opening_balance_fen, \
    closing_balance_fen, note, published_by, published_by_account, published_at, version, supersedes, \
    correction_reason, superseded_by, superseded_at, published_by_name";

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Disclosure, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let kind: String = r.try_get("kind")?;
    let kind =
        DisclosureKind::parse(&kind).map_err(|e| undecodable("disclosure", &id, "kind", e))?;
    let income: Income = decode(&r.try_get::<String, _>("income")?)?;
    let by: String = r.try_get("published_by")?;
    let published_by =
        Publisher::parse(&by).ok_or_else(|| undecodable("disclosure", &id, "published_by", &by))?;
    Ok(Disclosure {
        id,
        contract_id: r.try_get("contract_id")?,
        tender_id: r.try_get("tender_id")?,
        compound_id: r.try_get("compound_id")?,
        firm_id: r.try_get("firm_id")?,
        kind,
        kind_label: kind.label().to_string(),
        period: r.try_get("period")?,
        period_start: r.try_get("period_start")?,
        period_end: r.try_get("period_end")?,
        common_revenue_fen: income.common_revenue_fen(),
        income,
        total_income_fen: r.try_get("total_income_fen")?,
        spending: decode(&r.try_get::<String, _>("spending")?)?,
        total_spending_fen: r.try_get("total_spending_fen")?,
        opening_balance_fen: r.try_get("opening_balance_fen")?,
        closing_balance_fen: r.try_get("closing_balance_fen")?,
        note: r.try_get("note")?,
        published_by,
        published_by_name: r.try_get("published_by_name")?,
        published_at: to_rfc3339(r.try_get("published_at")?),
        version: r.try_get("version")?,
        supersedes: r.try_get("supersedes")?,
        correction_reason: r.try_get("correction_reason")?,
        superseded_by: r.try_get("superseded_by")?,
        superseded_at: r
            .try_get::<Option<i64>, _>("superseded_at")?
            .map(to_rfc3339),
    })
}

/// Stores a disclosure.
pub async fn insert(
    conn: &mut AnyConnection,
    d: &Disclosure,
    account: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO disclosure ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, NULL, NULL, $23)"
    )))
    .bind(&d.id)
    .bind(&d.contract_id)
    .bind(&d.tender_id)
    .bind(&d.compound_id)
    .bind(&d.firm_id)
    .bind(d.kind.as_str())
    .bind(&d.period)
    .bind(&d.period_start)
    .bind(&d.period_end)
    .bind(serde_json::to_string(&d.income).unwrap_or_default())
    .bind(serde_json::to_string(&d.spending).unwrap_or_default())
    .bind(d.total_income_fen)
    .bind(d.total_spending_fen)
    .bind(d.opening_balance_fen)
    .bind(d.closing_balance_fen)
    .bind(&d.note)
    .bind(d.published_by.as_str())
    .bind(account)
    .bind(at)
    .bind(d.version)
    .bind(&d.supersedes)
    .bind(&d.correction_reason)
    .bind(&d.published_by_name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One disclosure.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Disclosure>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks `id` superseded by `by` (only while it is current: answers whether it was).
pub async fn supersede(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE disclosure SET superseded_by = $2, superseded_at = $3 WHERE id = $1 AND superseded_by IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every version of the budget or accounts `d` is one of, oldest first.
pub async fn versions(
    conn: &mut AnyConnection,
    d: &Disclosure,
) -> Result<Vec<Disclosure>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE contract_id = $1 AND kind = $2 AND period = $3 ORDER BY version"
    )))
    .bind(&d.contract_id)
    .bind(d.kind.as_str())
    .bind(&d.period)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The disclosures of a contract, every version, by period start then kind (budget
/// first) then version.
pub async fn of_contract(
    conn: &mut AnyConnection,
    contract_id: &str,
) -> Result<Vec<Disclosure>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE contract_id = $1 ORDER BY period_start, kind DESC, period_end DESC, version, id"
    )))
    .bind(contract_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The period of the first accounts of the contract overlapping `period`, if any.
pub async fn overlapping_accounts(
    conn: &mut AnyConnection,
    contract_id: &str,
    period: crate::period::Period,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT period FROM disclosure WHERE contract_id = $1 AND kind = 'accounts' \
         AND period_start <= $3 AND period_end >= $2 ORDER BY period_start LIMIT 1",
    )
    .bind(contract_id)
    .bind(crate::clock::format_date(period.start()))
    .bind(crate::clock::format_date(period.end()))
    .fetch_optional(&mut *conn)
    .await
}

/// Which disclosures a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub compound: Option<String>,
    pub firm: Option<String>,
    pub kind: Option<DisclosureKind>,
    /// Exactly this period (`2026`, `2026-Q3`, `2026-07`).
    pub period: Option<String>,
    /// Only contracts with this status.
    pub contract_status: Option<ContractStatus>,
    /// Corrected versions too.
    pub all_versions: bool,
}

/// Disclosures matching `f`, newest first: one page.
pub async fn list(
    conn: &mut AnyConnection,
    f: &Filter,
    page: Pagination,
) -> Result<Page<Disclosure>, sqlx::Error> {
    let mut filter = db::Filter::default();
    filter.equal([
        ("d.compound_id", f.compound.as_deref()),
        ("d.firm_id", f.firm.as_deref()),
        ("d.kind", f.kind.map(DisclosureKind::as_str)),
        ("d.period", f.period.as_deref()),
        ("c.status", f.contract_status.map(ContractStatus::as_str)),
    ]);
    if !f.all_versions {
        filter.push("d.superseded_by IS NULL");
    }
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    ListQuery {
        columns: &columns,
        from: "disclosure d JOIN contract c ON c.id = d.contract_id",
        filter: &filter,
        order_by: "d.published_at DESC, d.id DESC",
    }
    .page(conn, page, from_row)
    .await
}
