//! Owners' common decisions (业主共同决定): a committee records the tally of a vote of its
//! compound's owners, and the service says whether it passes under Civil Code art. 278
//! (see [`shared::domain::VoteTally::decide`]).
//!
//! Votes are public: the owners' assembly's decisions must be announced to all owners
//! (《物业管理条例》第十二条), and a tender's award may rest on one, so anyone can check
//! the count behind it. A vote names a chosen bid only once that bid has been opened.

use serde::{Deserialize, Serialize};
use shared::domain::{DomainError, Matter};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

/// What the owners decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteMatter {
    /// 选择物业服务方式.
    ChooseServiceModel,
    /// 选聘物业服务企业 (may name the chosen bid).
    ChooseFirm,
    /// 其他一般事项.
    Other,
    /// 筹集维修资金等重大事项 (three quarters).
    MaintenanceFund,
}

impl VoteMatter {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "choose_service_model" => Ok(Self::ChooseServiceModel),
            "choose_firm" => Ok(Self::ChooseFirm),
            "other" => Ok(Self::Other),
            "maintenance_fund" => Ok(Self::MaintenanceFund),
            _ => Err(DomainError::new(
                "invalid_matter",
                "表决事项应为 choose_service_model（选择物业服务方式）、choose_firm（选聘物业服务企业）、other（其他）或 maintenance_fund（维修资金）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChooseServiceModel => "choose_service_model",
            Self::ChooseFirm => "choose_firm",
            Self::Other => "other",
            Self::MaintenanceFund => "maintenance_fund",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ChooseServiceModel => "选择物业服务方式",
            Self::ChooseFirm => "选聘物业服务企业",
            Self::Other => "其他共同决定事项",
            Self::MaintenanceFund => "筹集维修资金",
        }
    }

    /// The majority the matter needs.
    pub fn matter(self) -> Matter {
        match self {
            Self::MaintenanceFund => Matter::MaintenanceFund,
            _ => Matter::Ordinary,
        }
    }
}

/// A recorded vote, as everyone sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Vote {
    pub id: String,
    pub compound_id: String,
    pub matter: VoteMatter,
    /// What was put to the owners, in Chinese.
    pub subject: String,
    pub total_owners: i64,
    pub total_area_m2: i64,
    pub participating_owners: i64,
    pub participating_area_m2: i64,
    pub approving_owners: i64,
    pub approving_area_m2: i64,
    /// The day of the vote (`YYYY-MM-DD`).
    pub held_on: String,
    /// Reference of the vote's documents (表决票、公告 …).
    pub document_ref: String,
    /// The tender whose bid was chosen, for `choose_firm`.
    pub tender_id: Option<String>,
    /// The opened bid the owners chose, for `choose_firm`.
    pub chosen_bid_id: Option<String>,
    /// Whether the decision is taken under art. 278.
    pub passed: bool,
    /// Why not, one Chinese sentence per unmet condition; empty when passed.
    pub reasons: Vec<String>,
    pub recorded_at: String,
}

const COLUMNS: &str = "id, compound_id, matter, subject, total_owners, total_area_m2, participating_owners, \
    participating_area_m2, approving_owners, approving_area_m2, held_on, document_ref, tender_id, \
    chosen_bid_id, passed, reasons, recorded_at";

/// The select list: [`COLUMNS`], with the flag read as an integer (the Any driver cannot
/// decode SQLite's BOOLEAN).
const SELECT: &str = "id, compound_id, matter, subject, total_owners, total_area_m2, participating_owners, \
    participating_area_m2, approving_owners, approving_area_m2, held_on, document_ref, tender_id, \
    chosen_bid_id, CAST(CASE WHEN passed THEN 1 ELSE 0 END AS BIGINT) AS passed, reasons, recorded_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Vote, sqlx::Error> {
    let matter: String = r.try_get("matter")?;
    let reasons: String = r.try_get("reasons")?;
    Ok(Vote {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        matter: VoteMatter::parse(&matter).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        subject: r.try_get("subject")?,
        total_owners: r.try_get("total_owners")?,
        total_area_m2: r.try_get("total_area_m2")?,
        participating_owners: r.try_get("participating_owners")?,
        participating_area_m2: r.try_get("participating_area_m2")?,
        approving_owners: r.try_get("approving_owners")?,
        approving_area_m2: r.try_get("approving_area_m2")?,
        held_on: r.try_get("held_on")?,
        document_ref: r.try_get("document_ref")?,
        tender_id: r.try_get("tender_id")?,
        chosen_bid_id: r.try_get("chosen_bid_id")?,
        passed: r.try_get::<i64, _>("passed")? != 0,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        recorded_at: crate::clock::to_rfc3339(r.try_get("recorded_at")?),
    })
}

/// Stores a vote (inside the caller's write transaction).
pub async fn insert(
    conn: &mut AnyConnection,
    vote: &Vote,
    recorded_by: &str,
    recorded_at_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO owners_vote ({COLUMNS}, recorded_by) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(&vote.id)
    .bind(&vote.compound_id)
    .bind(vote.matter.as_str())
    .bind(&vote.subject)
    .bind(vote.total_owners)
    .bind(vote.total_area_m2)
    .bind(vote.participating_owners)
    .bind(vote.participating_area_m2)
    .bind(vote.approving_owners)
    .bind(vote.approving_area_m2)
    .bind(&vote.held_on)
    .bind(&vote.document_ref)
    .bind(&vote.tender_id)
    .bind(&vote.chosen_bid_id)
    .bind(vote.passed)
    .bind(serde_json::to_string(&vote.reasons)?)
    .bind(recorded_at_ms)
    .bind(recorded_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One vote.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Vote>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM owners_vote WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Votes, newest first, optionally of one compound and/or one tender; with the total.
pub async fn list(
    conn: &mut AnyConnection,
    compound: Option<&str>,
    tender: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Vote>, i64), sqlx::Error> {
    let filter = "($1 IS NULL OR compound_id = $1) AND ($2 IS NULL OR tender_id = $2)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM owners_vote WHERE {filter}"
    )))
    .bind(compound)
    .bind(tender)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM owners_vote WHERE {filter} ORDER BY held_on DESC, recorded_at DESC, id DESC LIMIT $3 OFFSET $4"
    )))
    .bind(compound)
    .bind(tender)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let votes = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((votes, total))
}
